"""Bodies in unusual containers (issue 33, cause 5): a 公报 whose text sits in plain
<div>s of a container with no usual class, under the page's own address printed as text;
a notice whose 字号 control sits inside its content container. The text is kept whole, the
address and the control left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers import parse_page

FOLDER = Path(__file__).parent / "fixtures" / "containers"


def parsed(name: str):
    return parse_page((FOLDER / name).read_bytes(), f"http://www.example.gov.cn/{name}")


@pytest.fixture(scope="module")
def bulletin():
    return parsed("bulletin_plain_divs.html")


@pytest.fixture(scope="module")
def notice():
    return parsed("font_size_inside.html")


def test_the_bulletins_text_starts_with_its_first_paragraph(bulletin) -> None:
    assert bulletin.body_text.startswith(
        "2023年，全市上下坚持以习近平新时代中国特色社会主义思想为指导"
    )


def test_the_bulletins_text_ends_with_its_last_paragraph(bulletin) -> None:
    assert bulletin.body_text.endswith("规模以上工业增加值增长6.8%。")


def test_the_pages_address_is_not_in_the_body(bulletin) -> None:
    assert "http://" not in bulletin.body_text


def test_the_side_menu_is_not_in_the_body(bulletin) -> None:
    assert "统计年鉴" not in bulletin.body_text


def test_the_notices_text_is_kept(notice) -> None:
    assert notice.body_text.startswith("各区县司法局，市直各执法部门：")


def test_the_font_size_control_is_not_in_the_body(notice) -> None:
    assert ("字号" in notice.body_text, "大 中 小" in notice.body_text) == (False, False)


@pytest.fixture(scope="module")
def pictures():
    """A news item published as one picture: its known container holds an image only."""
    return parsed("pictures_only.html")


def test_a_document_of_pictures_has_an_empty_body(pictures) -> None:
    assert pictures.body_text == ""


def test_a_document_of_pictures_never_takes_the_footer_for_its_body(pictures) -> None:
    assert "版权所有" not in pictures.body_text


def test_a_document_of_pictures_keeps_its_title(pictures) -> None:
    assert pictures.title == "武钢云谷·606开园，首批企业签约入驻，洪山区打造产城融合新高地"


def test_text_in_another_known_container_beats_a_picture() -> None:
    page = """<html><head><title>关于开展安全检查的通知</title></head><body>
<div class="TRS_UEDITOR"><img src="banner.png"></div>
<div class="article-content"><p>各单位：为做好汛期安全工作，现就开展安全检查有关事项通知如下。</p>
<p>一、检查时间为2024年6月1日至6月30日。二、各单位自查后于7月5日前报送结果。</p></div>
<div class="footer">版权所有：某县人民政府 地址：某县人民路1号 电话：0000-1234567</div>
</body></html>""".encode()
    body = parse_page(page, "http://www.example.gov.cn/a.html").body_text
    assert body.startswith("各单位：为做好汛期安全工作")


def test_a_document_of_pictures_is_content_not_an_empty_page() -> None:
    """A revisited 一图读懂 with no metadata must not be recorded as an empty page."""
    from parsers.page_state import has_content
    from parsers.record import Record

    pictures = '<div><p><img src="http://www.example.gov.cn/W0202306.png"></p></div>'
    assert has_content(Record(title="一图读懂", body_html=pictures)) is True


def test_a_title_alone_is_no_content() -> None:
    from parsers.page_state import has_content
    from parsers.record import Record

    assert has_content(Record(title="一图读懂", body_html="<div><p></p></div>")) is False
