"""parsers.listing: TRS createPageHTML lists, Hanweb dataproxy XML, JS-rendered lists."""

from __future__ import annotations

import pytest
from conftest import fixture_bytes

from parsers.listing import (
    Pagination,
    page_urls,
    parse_dataproxy,
    parse_list_page,
    parse_pagination,
)

GANSU_URL = "https://jyt.gansu.example.gov.cn/jyt/c110634/zwgklist.shtml"
GANSU = parse_list_page(fixture_bytes("gs_jyt_list.html"), GANSU_URL, family="generic")
JIANGSU = parse_dataproxy(
    fixture_bytes("js_gxt_dataproxy_p1.xml"),
    "https://gxt.jiangsu.example.gov.cn/module/web/jpage/dataproxy.jsp",
)


def test_gansu_items_inside_comment_markers() -> None:
    assert len(GANSU.items) == 20


def test_gansu_first_item_url() -> None:
    assert (
        GANSU.items[0].url == "https://jyt.gansu.example.gov.cn/jyt/c110634/202511/174240943.shtml"
    )


def test_gansu_first_item_date() -> None:
    assert GANSU.items[0].date == "2025-11-17"


def test_gansu_last_item_url() -> None:
    assert (
        GANSU.items[-1].url == "https://jyt.gansu.example.gov.cn/jyt/c110634/202506/174155064.shtml"
    )


def test_gansu_other_columns_are_not_items() -> None:
    assert not [i for i in GANSU.items if i.url.endswith("zwgklist.shtml")]


def test_gansu_create_page_html_total() -> None:
    assert GANSU.total_pages == 10


def test_gansu_page_urls() -> None:
    assert GANSU.page_urls[1] == "https://jyt.gansu.example.gov.cn/jyt/c110634/zwgklist_1.shtml"


def test_classic_trs_create_page_html() -> None:
    assert parse_pagination('createPageHTML(5, 0, "index", "html");') == Pagination(
        5, 0, "index", "html"
    )


def test_count_page_variables() -> None:
    assert parse_pagination("var countPage = 7;var currentPage = 2;") == Pagination(
        7, 2, "index", "html"
    )


def test_page_urls_of_a_column_directory() -> None:
    urls = page_urls("http://example.gov.cn/zwgk/gzbg/", Pagination(3, 0, "index", "htm"))
    assert urls == [
        "http://example.gov.cn/zwgk/gzbg/index.htm",
        "http://example.gov.cn/zwgk/gzbg/index_1.htm",
        "http://example.gov.cn/zwgk/gzbg/index_2.htm",
    ]


def test_page_urls_of_every_page_of_a_column_are_the_same_list() -> None:
    first = page_urls("http://example.gov.cn/zwgk/", Pagination(40, 0, "index", "html"))
    later = page_urls("http://example.gov.cn/zwgk/index_7.html", Pagination(40, 7, "index", "html"))
    assert later == first


def test_page_urls_a_caller_changes_leave_the_next_callers_alone() -> None:
    pagination = Pagination(3, 0, "index", "shtml")
    page_urls("http://example.gov.cn/xxgk/", pagination).append("http://example.gov.cn/x.html")
    assert len(page_urls("http://example.gov.cn/xxgk/", pagination)) == 3


def test_dataproxy_record_count() -> None:
    assert len(JIANGSU.items) == 76


def test_dataproxy_total_record() -> None:
    assert JIANGSU.total_records == 756


def test_dataproxy_first_item() -> None:
    assert (
        JIANGSU.items[0].url
        == "https://gxt.jiangsu.example.gov.cn/art/2025/10/29/art_80179_11664839.html"
    )


def test_dataproxy_readlabel_date() -> None:
    assert JIANGSU.items[0].date == "2025-10-29"


def test_dataproxy_title() -> None:
    assert (
        JIANGSU.items[0].title
        == "省政府办公厅印发关于进一步支持专精特新中小企业高质量发展若干政策措施的通知"
    )


def test_javascript_rendered_list_has_no_items() -> None:
    page = parse_list_page(
        fixture_bytes("jx_sthjt_js_list.html"), "https://sthjt.jiangxi.example.gov.cn/jxssthjt/x/"
    )
    assert page.items == []


YICHUN = parse_list_page(
    fixture_bytes("jx_yichun_portal.html"), "https://www.yichun.example.gov.cn/ycsrmzf/index.shtml"
)


def test_portal_home_yields_article_links() -> None:
    assert len(YICHUN.items) >= 30


def test_portal_home_example_article_found() -> None:
    assert (
        "https://www.yichun.example.gov.cn/ycsrmzf/zwyw/202310/34e1d41233c34c52a652e278c5529a33.shtml"
        in {i.url for i in YICHUN.items}
    )


def test_portal_home_service_and_external_links_left_out() -> None:
    assert [i.url for i in YICHUN.items if "www.yichun.example.gov.cn/ycsrmzf/" not in i.url] == []


# --- a pager written out in text -----------------------------------------------------------
TEXT_PAGER = (
    "<ul>" + "".join(f"<li><a href='./202401/t20240105_{n}.htm'>关于规范行政执法的通知第{n}号</a></li>" for n in range(3))
    + "</ul><div class='page'>第1页/共33页 <a href='index_1.htm'>下一页</a> <a href='index_32.htm'>尾页</a></div>"
)  # fmt: skip


def test_a_text_pager_declares_its_pages() -> None:
    from parsers.listing import parse_list_page

    page = parse_list_page(
        TEXT_PAGER, "http://www.example.gov.cn/zwgk/tzgg/index.htm", family="trs"
    )
    assert page.total_pages == 33


def test_a_text_pager_names_every_page() -> None:
    from parsers.listing import parse_list_page

    page = parse_list_page(
        TEXT_PAGER, "http://www.example.gov.cn/zwgk/tzgg/index.htm", family="trs"
    )
    assert (page.page_urls[1], page.page_urls[-1], len(page.page_urls)) == (
        "http://www.example.gov.cn/zwgk/tzgg/index_1.htm",
        "http://www.example.gov.cn/zwgk/tzgg/index_32.htm",
        33,
    )


def test_a_text_pager_without_static_page_links_names_no_pages() -> None:
    from parsers.listing import parse_list_page

    html = TEXT_PAGER.replace("index_1.htm", "javascript:next()").replace("index_32.htm", "#")
    page = parse_list_page(html, "http://www.example.gov.cn/zwgk/tzgg/index.htm", family="trs")
    assert page.page_urls == []


# --- columns served as JSON ----------------------------------------------------------------
def test_json_records_at_a_dotted_path() -> None:
    from parsers.listing import JsonFields, parse_json_list

    body = '{"data": {"list": [{"link": "/a/1.html", "name": "关于规范执法的通知"}]}}'
    page = parse_json_list(body, "http://www.example.gov.cn/c/1.json",
                           JsonFields(items="data.list", url="link", title="name"))  # fmt: skip
    assert [(i.url, i.title) for i in page.items] == [
        ("http://www.example.gov.cn/a/1.html", "关于规范执法的通知")
    ]


def test_a_top_level_json_list() -> None:
    from parsers.listing import JsonFields, parse_json_list

    page = parse_json_list('[{"url": "/a/1.html", "title": "通知"}]', "http://x.example.gov.cn/",
                           JsonFields())  # fmt: skip
    assert len(page.items) == 1


def test_json_that_does_not_parse_is_an_empty_page() -> None:
    from parsers.listing import JsonFields, parse_json_list

    assert (
        parse_json_list("<html>维护中</html>", "http://x.example.gov.cn/", JsonFields()).items == []
    )


@pytest.mark.parametrize("href", [None, 12, "", "javascript:void(0)", "ftp://x/a.pdf"])
def test_json_records_without_a_usable_url_are_skipped(href: object) -> None:
    import json

    from parsers.listing import JsonFields, parse_json_list

    body = json.dumps([{"url": href, "title": "通知"}])
    assert parse_json_list(body, "http://x.example.gov.cn/", JsonFields()).items == []


def test_json_totals_are_read_from_their_paths() -> None:
    from parsers.listing import JsonFields, parse_json_list

    body = '{"articles": [], "total": "145", "classify": {"pages": 2}}'
    page = parse_json_list(body, "http://x.example.gov.cn/",
                           JsonFields(items="articles", total_records="total", total_pages="classify.pages"))  # fmt: skip
    assert (page.total_records, page.total_pages) == (145, 2)


def test_json_next_pages_from_the_record_total() -> None:
    from parsers.listing import ListPage
    from spiders.jsonlist import declared_pages, next_page_urls

    pages = declared_pages(ListPage(total_records=145), per_page=100)
    urls = next_page_urls(pages, "/api?page={page}", first_page=1, max_pages=50)
    assert urls == ["/api?page=2"]


def test_json_next_pages_stop_at_max_pages() -> None:
    from spiders.jsonlist import next_page_urls

    assert len(next_page_urls(100_000, "/api?page={page}", 0, max_pages=10)) == 9


ROWS_WITHOUT_DATES = (
    "<html><body><ul class='list'>"
    + "".join(
        f"<li><a href='/zwgk/t2025030{n}_{n}.html'>关于做好第{n}批重点工作的通知</a></li>"
        for n in range(1, 6)
    )
    + "<li><a href='/zwgk/t20250309_9.html'>关于做好第九批重点工作的通知</a><span>2025-03-09</span></li>"
    + "</ul></body></html>"
).encode()


def dates_of_rows() -> dict[str, str | None]:
    page = parse_list_page(ROWS_WITHOUT_DATES, "http://x.example.gov.cn/zwgk/", family="generic")
    return {item.url.rsplit("/", 1)[1]: item.date for item in page.items}


def test_a_row_without_a_date_does_not_take_another_rows() -> None:
    # Read from the whole list, the first date in it (row 9's) became every row's date.
    assert dates_of_rows()["t20250301_1.html"] is None


def test_a_row_keeps_the_date_it_shows() -> None:
    assert dates_of_rows()["t20250309_9.html"] == "2025-03-09"


def test_a_date_in_the_cell_beside_the_links_cell_is_the_rows() -> None:
    page = parse_list_page(
        "<html><body><table><tr><td><a href='/zwgk/t20250301_1.html'>关于做好重点工作的通知</a>"
        "</td><td>2025-03-01</td></tr></table></body></html>".encode(),
        "http://x.example.gov.cn/zwgk/",
        family="generic",
    )
    assert [item.date for item in page.items] == ["2025-03-01"]


# gkmlpt answers as public crawlers of the platform read them: created_at on some sites,
# create_time in epoch seconds on others.
GKMLPT_RECORDS = {
    "created_at": '{"url": "/gkmlpt/content/1/post_1.html", "title": "通知", "created_at": "2024-03-05 10:00:00"}',
    "create_time": '{"url": "/gkmlpt/content/1/post_1.html", "title": "通知", "create_time": 1709604000}',
    "both": '{"url": "/gkmlpt/content/1/post_1.html", "title": "通知", "created_at": "2024-03-05", "create_time": 1}',
    "neither": '{"url": "/gkmlpt/content/1/post_1.html", "title": "通知"}',
}  # fmt: skip


def _gkmlpt_date(record: str) -> str | None:
    from parsers.listing import parse_json_list
    from spiders.gkmlpt import FIELDS

    page = parse_json_list(f'{{"articles": [{record}], "total": 1}}', "http://www.example.gov.cn/",
                           FIELDS)  # fmt: skip
    return page.items[0].date


@pytest.mark.parametrize(
    ("shape", "date"),
    [("created_at", "2024-03-05"), ("create_time", "2024-03-05"), ("both", "2024-03-05"),
     ("neither", None)],
)  # fmt: skip
def test_a_json_date_is_read_from_the_first_of_its_paths_present(shape: str, date: str) -> None:
    assert _gkmlpt_date(GKMLPT_RECORDS[shape]) == date


JSESSION_LIST = """<html><body><ul class="list">
<li><a href="./202506/t20250601_1.html;jsessionid=8F3A2C11B9">关于开展安全生产检查的通知</a><span>2025-06-01</span></li>
<li><a href="./202506/t20250602_2.html;jsessionid=8F3A2C11B9">关于印发工作要点的通知</a><span>2025-06-02</span></li>
</ul></body></html>""".encode()


def test_links_with_a_jsessionid_are_list_items() -> None:
    page = parse_list_page(JSESSION_LIST, "http://x.example.gov.cn/zwgk/index.html", family="trs")
    assert len(page.items) == 2


def test_a_jsessionid_is_not_part_of_the_documents_key() -> None:
    from parsers.urls import canonical_url

    page = parse_list_page(JSESSION_LIST, "http://x.example.gov.cn/zwgk/index.html", family="trs")
    assert (
        canonical_url(page.items[0].url) == "http://x.example.gov.cn/zwgk/202506/t20250601_1.html"
    )
