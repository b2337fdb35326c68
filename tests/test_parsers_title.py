"""parsers.title: where headings are looked for, held to the XPath it replaced."""

from __future__ import annotations

from lxml import etree

from parsers.page import HTML_PARSER
from parsers.title import _heading_elements, head_titles

HEADING_XPATH = (
    "//h1 | //h2 | //h3 | //h4 | //*[contains(translate(@class,'TITLE','title'),'title')"
    " or contains(translate(@id,'TITLE','title'),'title') or contains(@class,'biaoti')"
    " or contains(@class,'headline')]"
)
PAGE = """<html><head><title>页面标题</title>
<meta name="ArticleTitle" content="关于开展执法检查的通知">
<meta property="og:title" content="关于开展执法检查的通知（og）">
<meta name="description" content="不是标题">
</head><body>
<div class="Article-TITLE">甲</div><div id="mainTitle">乙</div><div class="biaoti2">丙</div>
<div class="news headline">丁</div><h2>戊</h2><h5>己</h5><div class="TitLe">庚</div>
<div class="subtitle-x" id="t">辛</div><div class="content">正文</div><p id="x">壬</p>
</body></html>"""


def _root() -> etree._Element:
    return etree.fromstring(PAGE, HTML_PARSER)


def test_heading_elements_are_what_the_xpath_finds() -> None:
    root = _root()
    assert _heading_elements(root) == root.xpath(HEADING_XPATH)


def test_heading_elements_leave_out_plain_blocks() -> None:
    texts = [node.text for node in _heading_elements(_root())]
    assert "正文" not in texts and "己" not in texts


def test_page_title_is_read() -> None:
    assert head_titles(_root())[0] == "页面标题"


def test_title_metas_are_read_in_page_order() -> None:
    assert head_titles(_root())[1] == ["关于开展执法检查的通知", "关于开展执法检查的通知（og）"]


def test_other_metas_are_not_titles() -> None:
    assert "不是标题" not in head_titles(_root())[1]
