"""parsers.page: clean records from saved real pages (tests/fixtures), field by field.

Each page is parsed once at module level; one assert per fact; noise-absent asserts stand
beside content-present ones.
"""

from __future__ import annotations

import pytest
from conftest import fixture_bytes, nows

from parsers import parse_page

GOVCN = parse_page(
    fixture_bytes("corpus/detail/govcn_frag_2019jiejiari.html"),
    "https://www.example.gov.cn/zhengce/content/2018-12/06/content_5346276.htm",
)
SHANGHAI = parse_page(
    fixture_bytes("corpus/detail/mhx_sh_wsjkw_tongzhi.html"),
    "https://wsjkw.sh.example.gov.cn/jcws2/20240511/0001.html",
)
ZHEJIANG = parse_page(
    fixture_bytes("corpus/detail/mhx_zj_jyt_news_syh.html"),
    "http://jyt.zj.example.gov.cn/art/2024/10/21/art_1532836_58943357.html",
)
MOE = parse_page(
    fixture_bytes("corpus/detail/mhx_moe_tongzhi_fwzh.html"),
    "http://www.moe.example.gov.cn/srcsite/A12/moe_1416/s3013/202406/t20240613_1135621.html",
)
SICHUAN = parse_page(
    fixture_bytes("corpus/detail/mhx_sc_gov_jianyi_fuhan.html"),
    "https://wsjkw.sc.example.gov.cn/scwsjkw/jytabl/2025/6/3/x.shtml",
)
XIANGTAN = parse_page(
    fixture_bytes("corpus/detail/mhx_hn_xiangtan_utf16.html"),
    "http://www.xiangtan.example.gov.cn/x.html",
)
URUMQI = parse_page(
    fixture_bytes("xj_urumqi_duplicated.html"), "http://www.wlmq.example.gov.cn/x.html"
)


# --- gov.cn policy fragment: metadata table with spaced labels, title + 文号 repeated ---
@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("title", "国务院办公厅关于2019年部分节假日安排的通知"),
        ("doc_date", "2018-12-04"),
        ("publish_date", "2018-12-06"),
        ("issuer", "国务院办公厅"),
        ("index_no", "000014349/2018-00213"),
        ("doc_no", "国办发明电〔2018〕15号"),
        ("topic", "综合政务\\其他"),
        ("template", "govcn-ucap"),
    ],
)
def test_govcn_fields(field: str, expected: str) -> None:
    assert getattr(GOVCN, field) == expected


def test_govcn_body_starts_with_the_addressees() -> None:
    assert GOVCN.body_text.startswith("各省、自治区、直辖市人民政府")


def test_govcn_repeated_title_left_out_of_body() -> None:
    assert "国务院办公厅关于2019年部分节假日安排的通知" not in GOVCN.body_text


def test_govcn_repeated_doc_no_left_out_of_body() -> None:
    assert "国办发明电〔2018〕15号" not in GOVCN.body_text


def test_govcn_signature_kept() -> None:
    assert GOVCN.body_text.splitlines()[-1] == "2018年12月4日"


def test_govcn_metadata_labels_out_of_body() -> None:
    assert "索引号" not in nows(GOVCN.body_text)


def test_govcn_print_and_close_out_of_body() -> None:
    assert "打印" not in GOVCN.body_text and "关闭" not in GOVCN.body_text


def test_govcn_paragraphs_are_lines() -> None:
    assert len(GOVCN.body_text.splitlines()) >= 5


# --- Shanghai: 索取号 in a header row of labels over a row of values -------------------
@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("title", "关于开展2024年“世界家庭医生日”主题宣传活动的通知"),
        ("index_no", "076478684Q/2024-00112"),
        ("doc_no", "沪卫基层〔2024〕5号"),
        ("issuer", "上海市卫生健康委员会"),
        ("doc_date", "2024-05-10"),
        ("publish_date", "2024-05-11"),
    ],
)
def test_shanghai_fields(field: str, expected: str) -> None:
    assert getattr(SHANGHAI, field) == expected


def test_shanghai_metadata_table_out_of_body() -> None:
    assert "索取号" not in SHANGHAI.body_text


def test_shanghai_body_starts_with_addressees() -> None:
    assert SHANGHAI.body_text.startswith("各区卫生健康委")


# --- Zhejiang Hanweb: "label: value" cells, empty 文件编号 ------------------------------
@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("title", "全省教育系统师德师风建设专题培训班举办"),
        ("index_no", "002482082/2024-00332"),
        ("doc_no", ""),
        ("issuer", "省教育厅"),
        ("doc_date", "2024-10-21"),
        ("topic", "教育"),
    ],
)
def test_zhejiang_fields(field: str, expected: str) -> None:
    assert getattr(ZHEJIANG, field) == expected


def test_zhejiang_share_and_print_out_of_body() -> None:
    assert "分享到" not in ZHEJIANG.body_text and "打印本页" not in ZHEJIANG.body_text


# --- MOE TRS: 信息索引 / 发文字号, signature date before 发布日期, docx attachments ---------
@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("index_no", "360A12-07-2024-0008-1"),
        ("doc_no", "教思政厅函〔2024〕10号"),
        ("issuer", "教育部办公厅"),
        ("doc_date", "2024-05-30"),
        ("publish_date", "2024-06-13"),
    ],
)
def test_moe_fields(field: str, expected: str) -> None:
    assert getattr(MOE, field) == expected


def test_moe_attachment_names() -> None:
    assert [a.name for a in MOE.attachments][:2] == [
        "知识竞答工作要求",
        "数字微展览、工作案例、视频微课等作品报送要求",
    ]


def test_moe_attachment_urls_are_absolute() -> None:
    assert MOE.attachments[0].url == (
        "http://www.moe.example.gov.cn/srcsite/A12/moe_1416/s3013/202406/W020240613556663716813.docx"
    )


# --- Sichuan: 文号 as the first content line, a source naming a website ----------------
def test_sichuan_doc_no_from_the_content_head() -> None:
    assert SICHUAN.doc_no == "川卫函〔2025〕46号"


def test_sichuan_displayed_time_beats_pubdate_meta() -> None:
    assert SICHUAN.publish_date == "2025-06-03 13:44"


def test_sichuan_issuer_is_the_signer_not_the_website() -> None:
    assert SICHUAN.issuer == "四川省卫生健康委员会"


def test_sichuan_body_starts_after_the_doc_no() -> None:
    assert SICHUAN.body_text.startswith("唐家文代表")


def test_sichuan_font_size_chrome_out_of_body() -> None:
    assert "字体" not in SICHUAN.body_text


def test_sichuan_related_attachments_link_out_of_body() -> None:
    assert "相关附件" not in SICHUAN.body_text


# --- Xiangtan: UTF-16LE with BOM while the meta says gb2312 -----------------------------
def test_xiangtan_title_decoded() -> None:
    assert XIANGTAN.title == "“从齐白石故乡吹来的风”书画展亮相澳门"


def test_xiangtan_issuer_decoded() -> None:
    assert XIANGTAN.issuer == "湘潭日报·新湘潭客户端"


def test_xiangtan_comment_widget_out_of_body() -> None:
    assert "全部留言" not in XIANGTAN.body_text


# --- Urumqi: the article twice (PC and mobile markup) ----------------------------------
def test_duplicated_article_kept_once() -> None:
    assert URUMQI.body_text.count("伊犁哈萨克自治州文化和旅游局，各地") == 1


def test_duplicated_article_signature_date() -> None:
    assert URUMQI.doc_date == "2024-03-01"


def test_duplicated_article_ends_with_signature() -> None:
    assert URUMQI.body_text.splitlines()[-2:] == ["新疆文化艺术学校", "2024年3月1日"]


def test_deeply_nested_page_is_read_whole() -> None:
    # 300 unclosed <font> tags nest 600 levels deep: libxml2's default stops at 256.
    paras = "".join(f"<p><font>第{n}段内容，关于法治政府建设的工作安排。" for n in range(300))
    html = f"<html><head><title>测试</title></head><body><div id='zoom'>{paras}</div></body></html>"
    assert parse_page(html, "http://x.example.gov.cn/a.html").body_text.count("段内容") == 300


def test_text_node_over_ten_megabytes_is_read_whole() -> None:
    text = "关于法治政府建设的工作安排。" * 260_000  # 10.9 MB of UTF-8 in one text node
    html = f"<html><head><title>大页面</title></head><body><div id='zoom'><p>{text}</p></div></body></html>"
    assert len(parse_page(html, "http://x.example.gov.cn/a.html").body_text) == len(text)


def _tiny_elements(count: int) -> bytes:
    return ("<html><body><div id='zoom'>" + "<i>x</i>" * count + "</div></body></html>").encode()


def test_a_page_of_a_million_tiny_elements_is_refused() -> None:
    from parsers.page import PageLimitError

    with pytest.raises(PageLimitError, match="^too-many-elements"):
        parse_page(_tiny_elements(1_000_000), "http://www.example.gov.cn/a.html")


def test_a_page_of_fifty_thousand_elements_is_parsed() -> None:
    record = parse_page(_tiny_elements(50_000), "http://www.example.gov.cn/a.html")
    assert len(record.body_text) == 50_000


def test_the_limit_error_crosses_a_process_boundary() -> None:
    import pickle

    from parsers.page import PageLimitError

    error = pickle.loads(pickle.dumps(PageLimitError("too-many-elements", "2 tags")))
    assert (error.reason, str(error)) == ("too-many-elements", "too-many-elements: 2 tags")


# --- another page served at a known document's URL ------------------------------------------
def _served(title: str, links: int, archived: str = "关于开展2024年度行政执法检查的通知") -> bool:
    from parsers.page_state import served_instead
    from parsers.record import Record

    body = "".join(
        f"<li><a href='/zwgk/202503/t20250301_{n}.html'>关于做好第{n}批重点工作的通知</a></li>"
        for n in range(links)
    )
    page = f"<html><body><ul>{body}</ul></body></html>"
    return served_instead(
        page,
        "http://www.example.gov.cn/zwgk/a.html",
        Record(title=title),
        archived,
        "某某县人民政府",
    )


def test_an_edited_title_is_not_another_page() -> None:
    assert _served("关于开展2024年度行政执法专项检查的通知", links=15) is False


def test_an_unlike_title_on_a_listing_is_another_page() -> None:
    assert _served("工作动态", links=15) is True


def test_the_site_name_as_title_is_another_page() -> None:
    assert _served("某某县人民政府门户网站", links=0) is True


def test_a_renamed_document_with_few_links_stays_a_document() -> None:
    assert _served("某某县城市管理条例实施细则", links=2) is False


# --- a short notice about maintenance is a document -------------------------------------------
MAINTENANCE_NOTICE = parse_page(
    "<html><head><title>关于网站系统升级维护的公告</title></head><body><h1>关于网站系统升级维护的公告</h1>"
    "<div id='zoom'><p>本网站将于6月1日进行系统升级维护，届时暂停服务，请稍后访问。</p></div></body></html>",
    "http://www.example.gov.cn/tzgg/202505/t20250530_1.html",
)


def test_a_listed_notice_about_maintenance_is_a_document() -> None:
    from parsers.page_state import DOCUMENT, page_state

    assert page_state(MAINTENANCE_NOTICE, None, ["关于网站系统升级维护的公告"]) == DOCUMENT


def test_a_maintenance_notice_nobody_listed_stays_transient() -> None:
    from parsers.page_state import TRANSIENT, page_state

    assert page_state(MAINTENANCE_NOTICE) == TRANSIENT


def test_a_maintenance_page_in_a_documents_template_stays_transient() -> None:
    from parsers.page_state import TRANSIENT, page_state

    record = parse_page(
        "<html><head><title>关于开展执法检查的通知</title></head><body><h1>关于开展执法检查的通知</h1>"
        "<div id='zoom'><p>系统维护中，请稍后再试。</p></div></body></html>",
        "http://www.example.gov.cn/tzgg/202505/t20250530_2.html",
    )
    assert page_state(record, None, ["关于开展执法检查的通知"]) == TRANSIENT


# A short notice in the document template, in a maintenance page's words (请稍后再试).
TEMPLATE_NOTICE_HTML = (
    "<html><head><title>关于暂停办理不动产登记业务的通知</title></head><body>"
    "<table class='xxgk'><tr><td>索引号：</td><td>11510821MB1234567X/2025-00031</td>"
    "<td>发布机构：</td><td>旺苍县自然资源局</td></tr>"
    "<tr><td>发布日期：</td><td>2025-05-29</td><td>文号：</td><td></td></tr></table>"
    "<h1>关于暂停办理不动产登记业务的通知</h1><div id='zoom'><p>{body}</p></div>"
    "<div class='tools'>【打印】【关闭窗口】</div></body></html>"
)
NOTICE_TEXT = "因系统升级，5月30日至6月1日暂停办理不动产登记业务，请稍后再试。"


def template_notice(body: str = NOTICE_TEXT):
    return parse_page(
        TEMPLATE_NOTICE_HTML.format(body=body),
        "http://www.example.gov.cn/tzgg/202505/t20250529_3.html",
    )


def test_a_listed_notice_in_its_template_is_a_document() -> None:
    from parsers.page_state import DOCUMENT, page_state

    assert page_state(template_notice(), None, ["关于暂停办理不动产登记业务的通知"]) == DOCUMENT


def test_a_notice_in_its_template_keeps_its_text() -> None:
    assert NOTICE_TEXT in template_notice().body_text


def test_a_notice_in_its_template_drops_the_page_tools() -> None:
    assert "关闭窗口" not in template_notice().body_text


def test_a_template_notice_nobody_listed_stays_transient() -> None:
    from parsers.page_state import TRANSIENT, page_state

    assert page_state(template_notice()) == TRANSIENT


def test_a_template_notice_revisited_with_its_own_text_is_a_document() -> None:
    from parsers.page_state import DOCUMENT, page_state

    titles = ["关于暂停办理不动产登记业务的通知"]
    assert page_state(template_notice(), None, titles, NOTICE_TEXT[:40]) == DOCUMENT


def test_a_maintenance_message_where_a_known_document_was_stays_transient() -> None:
    """The site's template filled in for a known document, its text replaced by a
    maintenance message: no edit of the document."""
    from parsers.page_state import TRANSIENT, page_state

    record = template_notice("系统维护中，请稍后再试。")
    titles = ["关于暂停办理不动产登记业务的通知"]
    assert (
        page_state(record, None, titles, "为做好不动产登记工作，现将有关事项通知如下") == TRANSIENT
    )


def test_a_redesign_that_loses_the_title_keeps_the_document() -> None:
    from parsers.page_state import served_instead
    from parsers.record import Record

    body = "为进一步规范行政执法行为，提高依法行政水平，现就有关事项通知如下。"
    record = Record(title="某某县人民政府门户网站", body_text=body + "一、总体要求。")
    assert not served_instead(
        "<html></html>", "http://www.example.gov.cn/zwgk/a.html", record,
        "关于开展2024年度行政执法检查的通知", "某某县人民政府", body,
    )  # fmt: skip


ARCHIVED_TITLE = "关于开展安全生产检查的通知"
ARCHIVED_HEAD = "各乡镇人民政府：为切实做好安全生产工作，现就有关事项"


@pytest.mark.parametrize(
    ("title", "body", "same"),
    [
        (ARCHIVED_TITLE, "各乡镇人民政府：为切实做好安全生产工作，现就有关事项通知如下。", True),
        ("关于印发2025年工作要点的通知", "各部门：现将2025年工作要点印发给你们。", False),
        (ARCHIVED_TITLE + "（二）", "各单位：第二批检查安排如下，请按时完成自查自纠工作。", False),
    ],
    ids=["moved", "another document", "a like title over other text"],
)
def test_same_document(title: str, body: str, same: bool) -> None:
    from parsers.page_state import same_document
    from parsers.record import Record

    record = Record(url="u", title=title, body_text=body)
    assert same_document(record, ARCHIVED_TITLE, ARCHIVED_HEAD) is same


HOME_QUOTING = (
    "<html><head><title>旺苍县人民政府</title></head><body><h1>旺苍县人民政府</h1>"
    "<div class='jrgz'><h3>今日关注</h3><p>各乡镇人民政府，县级各部门：为深入推进依法行政，现就有关工作通知如下。</p></div>"
    "<ul><li><a href='/zwgk/'>政务公开</a></li></ul></body></html>"
).encode()


@pytest.mark.parametrize(
    "site_title", ["旺苍县人民政府", "旺苍县人民政府（演示）", "旺苍县人民政府门户网站"]
)
def test_a_home_page_quoting_the_document_is_served_instead(site_title: str) -> None:
    from parsers.page_state import served_instead

    record = parse_page(HOME_QUOTING, "http://x.example.gov.cn/zwgk/t20250601_1.html")
    assert served_instead(
        HOME_QUOTING, "http://x.example.gov.cn/zwgk/t20250601_1.html", record,
        "关于深入推进依法行政的通知", site_title, "各乡镇人民政府，县级各部门：为深入推进依法行政",
    )  # fmt: skip
