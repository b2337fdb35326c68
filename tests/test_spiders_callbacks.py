"""Spider callbacks on saved responses, without a crawl (City-Scrapers style): a list page
gives its document requests and the next list page; a detail page gives its document."""

from __future__ import annotations

import asyncio

import pytest
from scrapy.crawler import CrawlerRunner
from scrapy.http import HtmlResponse, Request, TextResponse

from crawler.demo.documents import day_one
from crawler.demo.site import (
    HANWEB_COLUMN_ID,
    TRS_COLUMN,
    build_hanweb,
    build_trs,
    hanweb_path,
    trs_path,
)
from crawler.items import DocumentItem, ListPageItem
from spiders.generic import GenericSpider
from spiders.hanweb import HanwebSpider
from spiders.registry import validate_site
from spiders.trs import TrsSpider

HOST = "http://127.0.0.1:8701"
DOCS = day_one()


def spider(cls, family: str, start: str, **options):
    raw = {"name": "s", "title": "某县", "family": family, "start_urls": [start], "delay": 0}
    site = validate_site({**raw, "options": options}, 0)
    # As a crawl does: the spider is made (and applies its site's settings) before the
    # crawler's settings are frozen.
    crawler = CrawlerRunner({"GOVARCHIVE_PARSE_WORKERS": 0}).create_crawler(cls)
    return cls.from_crawler(crawler, site=site)


def response(url: str, body: bytes, **meta) -> HtmlResponse:
    request = Request(url, meta={"kind": "list", "column": meta.pop("column", url), **meta})
    return HtmlResponse(url, body=body, encoding="utf-8", request=request)


def requests_of(output) -> list[Request]:
    return [item for item in output if isinstance(item, Request)]


def run(agen) -> list:
    async def collect() -> list:
        return [item async for item in agen]

    return asyncio.run(collect())


# --- TRS ----------------------------------------------------------------------------
TRS_START = f"{HOST}{TRS_COLUMN}index.html"
TRS_PAGES = build_trs(DOCS)
TRS_DOCS = [d for d in DOCS if d.site == "trs"]


@pytest.fixture(scope="module")
def trs_list():
    trs = spider(TrsSpider, "trs", TRS_START)
    return trs, list(trs.parse_list(response(TRS_START, TRS_PAGES[f"{TRS_COLUMN}index.html"].body)))


def test_trs_list_requests_each_document_of_the_page(trs_list) -> None:
    _, output = trs_list
    details = [r.url for r in requests_of(output) if r.callback.__name__ == "parse_detail"]
    assert details == [f"{HOST}{trs_path(d)}" for d in TRS_DOCS[:7]]


def test_trs_list_asks_for_the_next_page(trs_list) -> None:
    _, output = trs_list
    pages = [r.url for r in requests_of(output) if r.callback.__name__ == "parse_list"]
    assert pages == [f"{HOST}{TRS_COLUMN}index_1.html"]


def test_trs_list_counts_its_links(trs_list) -> None:
    _, output = trs_list
    assert [i.links for i in output if isinstance(i, ListPageItem)] == [7]


def test_trs_walk_knows_the_pager_total(trs_list) -> None:
    trs, _ = trs_list
    assert trs.walks[TRS_START].declared_pages == 3


@pytest.fixture(scope="module")
def trs_document():
    trs = spider(TrsSpider, "trs", TRS_START)
    doc = TRS_DOCS[0]
    url = f"{HOST}{trs_path(doc)}"
    page = response(url, TRS_PAGES[trs_path(doc)].body, kind="detail", doc_url=url)
    items = run(trs.parse_detail(page))
    return doc, next(i for i in items if isinstance(i, DocumentItem))


@pytest.mark.parametrize("field", ["title", "issuer", "doc_no", "index_no", "doc_date"])
def test_trs_detail_fields(trs_document, field: str) -> None:
    doc, item = trs_document
    assert getattr(item.record, field) == getattr(doc, field)


def test_trs_detail_no_chrome(trs_document) -> None:
    _, item = trs_document
    assert not any(w in item.record.body_text for w in ("字号", "打印", "分享到", "相关链接"))


# --- Hanweb -------------------------------------------------------------------------
HANWEB_START = f"{HOST}/col/col{HANWEB_COLUMN_ID}/index.html"
HANWEB_PAGES = build_hanweb(DOCS)
HANWEB_DOCS = [d for d in DOCS if d.site == "hanweb"]


@pytest.fixture(scope="module")
def hanweb_column():
    hanweb = spider(HanwebSpider, "hanweb", HANWEB_START)
    body = HANWEB_PAGES[f"/col/col{HANWEB_COLUMN_ID}/index.html"].body
    return list(hanweb.parse_list(response(HANWEB_START, body)))


def test_hanweb_column_page_requests_its_inline_records(hanweb_column) -> None:
    details = [r.url for r in requests_of(hanweb_column) if r.callback.__name__ == "parse_detail"]
    assert details == [f"{HOST}{hanweb_path(d)}" for d in HANWEB_DOCS[:12]]


def test_hanweb_column_page_asks_dataproxy_for_the_rest(hanweb_column) -> None:
    proxy = [r for r in requests_of(hanweb_column) if r.callback.__name__ == "parse_list"]
    assert [(r.method, "startrecord=13" in r.url) for r in proxy] == [("POST", True)]


# --- generic ------------------------------------------------------------------------
GENERIC_START = f"{HOST}/list.php?page=1"
GENERIC_LIST = (
    "<html><body><ul class='news'>"
    "<li><a href='/show.php?id=1'>关于规范行政执法的通知</a><span>2025-06-01</span></li>"
    "<li><a href='/show.php?id=2'>关于开展普法宣传的通知</a><span>2025-06-02</span></li>"
    "</ul><a class='next' href='/list.php?page=2'>下一页</a>"
    "<a href='/about.html'>关于我们网站介绍</a></body></html>"
).encode()


@pytest.fixture(scope="module")
def generic_list():
    generic = spider(
        GenericSpider,
        "generic",
        GENERIC_START,
        item_selector="ul.news li a",
        next_selector="a.next",
    )
    return list(generic.parse_list(response(GENERIC_START, GENERIC_LIST)))


def test_generic_list_follows_only_selected_items(generic_list) -> None:
    details = [r.url for r in requests_of(generic_list) if r.callback.__name__ == "parse_detail"]
    assert details == [f"{HOST}/show.php?id=1", f"{HOST}/show.php?id=2"]


def test_generic_list_follows_the_next_selector(generic_list) -> None:
    pages = [r.url for r in requests_of(generic_list) if r.callback.__name__ == "parse_list"]
    assert pages == [f"{HOST}/list.php?page=2"]


def test_maintenance_list_page_yields_no_requests() -> None:
    trs = spider(TrsSpider, "trs", TRS_START)
    body = "<html><body><p>系统维护中，请稍后访问。</p></body></html>".encode()
    page = TextResponse(
        TRS_START,
        body=body,
        encoding="utf-8",
        request=Request(TRS_START, meta={"column": TRS_START}),
    )
    output = list(trs.parse_list(page))
    assert (
        requests_of(output),
        trs.walks[TRS_START].problems[0].startswith("list page maintenance"),
    ) == (
        [],
        True,
    )
