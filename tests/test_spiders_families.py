"""Spider families against local replicas on 127.0.0.1: lists from ../shared/corpus/list
(Gansu's createPageHTML list, Jiangsu's dataproxy.jsp XML), the generic family with
selectors, sitemaps, robots.txt, TRS, JSON and gkmlpt columns, crawler traps.

Every replica is a site of one registry, crawled in one night (one `govarchive crawl`, as
the scheduler runs a registry); each test reads its own site's rows.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from html import escape
from typing import Any, NamedTuple
from urllib.parse import urljoin

import pytest
import yaml
from conftest import fixture_bytes, run_cli

from crawler.demo.server import ReplicaServer, ReplicaSite
from crawler.demo.site import Page

BODY = "为进一步规范行政执法行为，提高依法行政水平，现就有关事项通知如下，请认真贯彻执行。"


def detail_page(title: str, extra: str = "") -> Page:
    html = (
        f"<html><head><meta charset='utf-8'><title>{escape(title)}_某省教育厅</title></head><body>"
        f"<div class='nav'><a href='/'>首页</a></div><h1 class='title'>{escape(title)}</h1>"
        f"<div class='info'>发布日期：2025-06-01 来源：某省教育厅</div>"
        f"<div class='content'><p>{BODY}</p><p>{BODY}</p>{extra}</div>"
        "<div class='footer'>网站标识码：6200000001</div></body></html>"
    )
    return Page(html.encode("utf-8"))


@dataclass
class Replica:
    """One replica site of the night: its registry entry and what it saw."""

    name: str
    site: ReplicaSite
    url: str
    entry: dict[str, Any] = field(default_factory=dict)
    found: dict[str, Any] = field(default_factory=dict)

    def register(self, family: str, start: str, title: str = "某县", **keys: Any) -> Replica:
        """Its registry entry: the family, the path its column starts at, more keys."""
        self.entry = {"name": self.name, "title": title, "family": family, "delay": 0,
                      "start_urls": [self.url + start], **keys}  # fmt: skip
        return self


@pytest.fixture(scope="module")
def servers() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


def serve(servers: ExitStack, name: str, pages: dict[str, Page], **kwargs: Any) -> Replica:
    """A replica site started for the module."""
    site = ReplicaSite(pages, **kwargs)
    return Replica(name, site, servers.enter_context(ReplicaServer(site)).url)


def crawl(tmp_path, entries: list[dict[str, Any]]) -> str:
    registry = tmp_path / "sites.yaml"
    registry.write_text(yaml.safe_dump({"sites": entries}, allow_unicode=True), encoding="utf-8")
    db = tmp_path / "archive.db"
    run_cli(
        "crawl", "--sites", str(registry), "--db", str(db), "--now", "2025-06-02T02:00:00+08:00"
    )
    return str(db)


# The generic family's selectors for a <ul class="news"> list with an a.next pager (copied
# where used: the registry refuses the YAML aliases a shared dict would dump as).
NEWS_SELECTORS = {"item_selector": "ul.news li a", "next_selector": "a.next"}

SITES = [
    "gansu", "jiangsu", "generic_site", "sitemap_site", "robots_obeyed", "robots_ignored",
    "static_then_dynamic", "endless_chain", "text_pager", "json_column", "gkmlpt_sid_from_index",
    "gkmlpt_sid_given", "data_url_column",
]  # fmt: skip


@pytest.fixture(scope="module")
def night(request, tmp_path_factory) -> str:
    """Every replica of this module crawled in one night; the archive's path."""
    replicas = [request.getfixturevalue(name) for name in SITES]
    return crawl(tmp_path_factory.mktemp("night"), [r.entry for r in replicas])


def documents(db: str, replica: Replica) -> int:
    """How many documents of the replica's site the archive holds."""
    return rows(db, "SELECT count(*) FROM documents WHERE site = ?", replica.name)[0][0]


def rows(db, sql: str, *params) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


class Link(NamedTuple):
    url: str
    title: str


def listed_links(body: bytes, base: str) -> list[Link]:
    """The Gansu list's document links as its markup holds them: inside an HTML comment in
    its ``ul.jytxxgklist`` (a script shows them), read here with a regular expression over
    the page, not with the parser under test."""
    text = body.decode("utf-8")
    block = text[text.index('<ul class="jytxxgklist">') :]
    block = block[: block.index("</ul>")]
    found = re.findall(r'<a target="_blank" href="([^"]+)" title="([^"]+)"', block)
    # A title as a browser shows it: runs of spaces collapse.
    return [Link(urljoin(base, href), " ".join(title.split())) for href, title in found]


def dataproxy_records(xml: bytes, base: str) -> list[Link]:
    """Each ``<record>`` of a Hanweb dataproxy answer: its link and title, read with a
    regular expression over the XML the replica serves, not with the parser under test."""
    records = re.findall(r"<record><!\[CDATA\[(.*?)\]\]></record>", xml.decode("utf-8"), re.S)
    links = [re.search(r'href="([^"]+)" title="([^"]+)"', record) for record in records]
    return [Link(urljoin(base, m.group(1)), m.group(2)) for m in links if m]


# --- Gansu list page (createPageHTML, items inside comment markers) ------------------------
@pytest.fixture(scope="module")
def gansu(servers) -> Replica:
    list_path = "/jyt/c110634/zwgklist.shtml"
    body = fixture_bytes("gs_jyt_list.html")
    items = listed_links(body, "http://h" + list_path)
    pages = {list_path: Page(body)}
    for item in items:
        path = re.sub(r"^http://h", "", item.url)
        pages[path] = detail_page(item.title)
    replica = serve(servers, "gs-jyt", pages).register(
        "generic", list_path, title="甘肃省教育厅", max_pages=1,
        options={"item_selector": "ul.jytxxgklist li a"},
    )  # fmt: skip
    replica.found["items"] = items
    return replica


def test_gansu_replica_archives_every_listed_document(night, gansu) -> None:
    count = documents(night, gansu)
    assert count == len(gansu.found["items"]) == 20


def test_gansu_replica_titles(night, gansu) -> None:
    titles = rows(night, "SELECT title FROM documents WHERE site = ?", gansu.name)
    assert sorted(r[0] for r in titles) == sorted(i.title for i in gansu.found["items"])


# --- Jiangsu Hanweb column answered by dataproxy.jsp (the corpus XML) --------------------
@pytest.fixture(scope="module")
def jiangsu(servers) -> Replica:
    batches = [fixture_bytes("js_gxt_dataproxy_p1.xml"), fixture_bytes("js_gxt_dataproxy_p2.xml")]
    items = {i.url: i for b in batches for i in dataproxy_records(b, "http://h/")}
    pages = {
        "/col/col80179/index.html": Page(
            b"<html><body><div id='80179'></div><script>$('#80179').jpage({perPage: 25,"
            b" ajaxParam: {col: 1, appid: 1, webid: 23, path: '/', columnid: 80179, unitid: '344377'}});"
            b"</script></body></html>"
        )
    }
    for url, item in items.items():
        pages[url.removeprefix("http://h")] = detail_page(item.title)
    calls: list[int] = []

    def dataproxy(start: int, end: int) -> Page:
        calls.append(start)
        if len(calls) <= len(batches):
            return Page(batches[len(calls) - 1], "text/xml")
        return Page(
            b"<datastore><totalrecord>756</totalrecord><recordset></recordset></datastore>",
            "text/xml",
        )

    replica = serve(servers, "js-gxt", pages, dataproxy=dataproxy).register(
        "hanweb", "/col/col80179/index.html", title="江苏省工业和信息化厅"
    )
    replica.found.update(items=items, calls=calls)
    return replica


def test_jiangsu_replica_archives_both_batches(night, jiangsu) -> None:
    count = documents(night, jiangsu)
    assert count == len(jiangsu.found["items"])


def test_jiangsu_dataproxy_paged_by_startrecord(night, jiangsu) -> None:
    assert jiangsu.found["calls"][:2] == [1, 76]


def test_jiangsu_dataproxy_posts_recorded_as_list_fetches(night, jiangsu) -> None:
    assert rows(
        night,
        "SELECT count(*) FROM fetches WHERE site = ? AND kind = 'list' AND url LIKE '%dataproxy.jsp%'",
        jiangsu.name,
    )[0][0] == len(jiangsu.found["calls"])


# --- generic family: item and next-page selectors ----------------------------------------
@pytest.fixture(scope="module")
def generic_site(servers) -> Replica:
    def listing(n: int, links: list[str], next_href: str | None) -> Page:
        lis = "".join(
            f"<li><a href='{h}'>通知{h[-6:-5]}关于规范执法的通知</a><span>2025-06-0{n}</span></li>"
            for h in links
        )
        nxt = f"<a class='next' href='{next_href}'>下一页</a>" if next_href else ""
        return Page(
            f"<html><body><ul class='news'>{lis}</ul><div class='pages'>{nxt}</div></body></html>".encode()
        )

    pages = {
        "/list.php?page=1": listing(1, ["/show.php?id=1", "/show.php?id=2"], "/list.php?page=2"),
        "/list.php?page=2": listing(2, ["/show.php?id=3"], None),
    }
    for n in (1, 2, 3):
        pages[f"/show.php?id={n}"] = detail_page(f"关于规范执法的通知（{n}）")
    return serve(servers, "generic", pages).register(
        "generic", "/list.php?page=1", options=dict(NEWS_SELECTORS)
    )


def test_generic_follows_next_selector(night, generic_site) -> None:
    assert documents(night, generic_site) == 3


def test_generic_listing_complete(night, generic_site) -> None:
    complete = rows(
        night, "SELECT listing_complete FROM run_sites WHERE site = ?", generic_site.name
    )
    assert complete[0][0] == 1


# --- sitemaps ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sitemap_site(servers) -> Replica:
    pages = {"/zwgk/index.html": Page(b"<html><body>javascript list</body></html>")}
    replica = serve(servers, "sm", pages)
    url = replica.url
    locs = "".join(f"<url><loc>{url}/zwgk/2025/t20250601_{n}.html</loc></url>" for n in (1, 2))
    pages["/sitemap.xml"] = Page(
        f'<?xml version="1.0"?><urlset>{locs}</urlset>'.encode(),
        "application/xml",
    )
    for n in (1, 2):
        pages[f"/zwgk/2025/t20250601_{n}.html"] = detail_page(f"关于开展第{n}次检查的通知")
    return replica.register("trs", "/zwgk/index.html", sitemap_urls=[f"{url}/sitemap.xml"])


def test_sitemap_documents_archived(night, sitemap_site) -> None:
    assert documents(night, sitemap_site) == 2


# --- robots.txt --------------------------------------------------------------------------
def robots_site() -> dict[str, Page]:
    links = "".join(
        f"<li><a href='{p}'>关于规范执法的通知{n}号文件</a></li>"
        for n, p in enumerate(["/private/t20250601_1.html", "/zwgk/t20250601_2.html"])
    )
    return {
        "/robots.txt": Page(b"User-agent: *\nDisallow: /private/\n", "text/plain"),
        "/zwgk/index.html": Page(f"<html><body><ul>{links}</ul></body></html>".encode()),
        "/private/t20250601_1.html": detail_page("内部文件"),
        "/zwgk/t20250601_2.html": detail_page("公开文件"),
    }


@pytest.fixture(scope="module")
def robots_obeyed(servers) -> Replica:
    return serve(servers, "r", robots_site()).register("trs", "/zwgk/index.html")


@pytest.fixture(scope="module")
def robots_ignored(servers) -> Replica:
    return serve(servers, "r-free", robots_site()).register(
        "trs", "/zwgk/index.html", obey_robots=False
    )


def test_robots_disallowed_page_not_fetched(night, robots_obeyed) -> None:
    titles = rows(night, "SELECT title FROM documents WHERE site = ?", robots_obeyed.name)
    assert [r[0] for r in titles] == ["公开文件"]


def test_robots_disallowed_recorded(night, robots_obeyed) -> None:
    assert rows(
        night, "SELECT error FROM fetches WHERE site = ? AND url LIKE '%/private/%'",
        robots_obeyed.name,
    ) == [("robots-disallowed",)]  # fmt: skip


def test_robots_override_per_site(night, robots_ignored) -> None:
    assert documents(night, robots_ignored) == 2


def test_user_agent_names_the_project(night, robots_obeyed) -> None:
    agents = robots_obeyed.site.user_agents
    assert agents and all(a.startswith("govarchive/") and "+http" in a for a in agents)


# --- TRS "动静结合": static pages first, the rest from a dynamic endpoint -----------------
@pytest.fixture(scope="module")
def static_then_dynamic(servers) -> Replica:
    def listing(n: int) -> Page:
        links = "".join(
            f"<li><a href='/zwgk/2025/t20250601_{n}{k}.html'>关于规范执法的第{n}{k}号通知</a></li>"
            for k in range(2)
        )
        return Page(
            f"<ul>{links}</ul><script>createPageHTML(4, {n}, 'index', 'html');</script>".encode()
        )

    pages = {"/zwgk/index.html": listing(0), "/zwgk/index_1.html": listing(1)}
    pages["/search/column.jsp?page=2"] = listing(2)
    pages["/search/column.jsp?page=3"] = listing(3)
    for n in range(4):
        for k in range(2):
            pages[f"/zwgk/2025/t20250601_{n}{k}.html"] = detail_page(
                f"关于规范执法的第{n}{k}号通知"
            )
    return serve(servers, "dj", pages).register(
        "trs", "/zwgk/index.html",
        options={"static_pages": 2, "dynamic_page_url": "/search/column.jsp?page={page}"},
    )  # fmt: skip


def test_trs_static_then_dynamic_pages(night, static_then_dynamic) -> None:
    assert documents(night, static_then_dynamic) == 8


# --- crawler traps ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def endless_chain(servers) -> Replica:
    def chain_page(n: int) -> Page:
        return Page(
            f"<html><body><ul class='news'><li><a href='/show.php?id={n}'>关于规范执法的通知第{n}号</a>"
            f"</li></ul><a class='next' href='/list.php?page={n + 1}'>下一页</a></body></html>".encode()
        )

    pages = {f"/list.php?page={n}": chain_page(n) for n in range(1, 41)}
    return serve(servers, "trap", pages).register(
        "generic", "/list.php?page=1", max_pages=10, options=dict(NEWS_SELECTORS)
    )


def test_endless_next_chain_stops_at_max_pages_and_says_so(night, endless_chain) -> None:
    walk = rows(night, "SELECT pages, note FROM column_walks WHERE site = ?", endless_chain.name)[0]
    note = rows(night, "SELECT health_note FROM run_sites WHERE site = ?", endless_chain.name)[0][0]
    assert (walk[0], "max_pages" in walk[1], "max_pages" in note) == (10, True, True)


def test_default_max_pages_bounds_a_huge_pager() -> None:
    from parsers.listing import parse_list_page
    from spiders.registry import DEFAULT_MAX_PAGES

    page = parse_list_page(
        b"<script>createPageHTML(100000, 0, 'index', 'html');</script>",
        "http://x.example.gov.cn/zwgk/index.html",
        family="trs",
        max_pages=DEFAULT_MAX_PAGES,
    )
    assert len(page.page_urls) == DEFAULT_MAX_PAGES


# --- a pager written as 「第1页/共3页」 with static index_1.htm pages ----------------------------
def text_pager_site() -> dict[str, Page]:
    def listing(n: int) -> Page:
        links = "".join(
            f"<li><a href='./202501/t20250105_{n}{k}.htm'>关于规范执法的第{n}{k}号通知</a></li>"
            for k in range(2)
        )
        pager = f"第{n + 1}页/共3页 " + " ".join(
            f"<a href='index_{p}.htm'>{p + 1}</a>" for p in (1, 2)
        )
        return Page(f"<ul>{links}</ul><div class='page'>{pager}</div>".encode())

    pages = {
        "/xxgk/index.htm": listing(0),
        "/xxgk/index_1.htm": listing(1),
        "/xxgk/index_2.htm": listing(2),
    }
    for n in range(3):
        for k in range(2):
            pages[f"/xxgk/202501/t20250105_{n}{k}.htm"] = detail_page(
                f"关于规范执法的第{n}{k}号通知"
            )
    return pages


@pytest.fixture(scope="module")
def text_pager(servers) -> Replica:
    return serve(servers, "tp", text_pager_site()).register("trs", "/xxgk/index.htm")


def test_a_text_pager_column_is_walked_to_its_last_page(night, text_pager) -> None:
    walk = rows(
        night, "SELECT pages, declared_pages, complete FROM column_walks WHERE site = ?",
        text_pager.name,
    )  # fmt: skip
    count = documents(night, text_pager)
    assert (count, walk) == (6, [(3, 3, 1)])


# --- columns served as JSON -------------------------------------------------------------------
def json_page(data: object) -> Page:
    import json

    return Page(json.dumps(data, ensure_ascii=False).encode(), "application/json; charset=utf-8")


def hubei_style_site() -> dict[str, Page]:
    """A column JSON file per page: records at data.list, epoch-millisecond dates."""

    def records(n: int) -> list[dict]:
        return [
            {"link": f"/art/2025/1/{n}/art_12_{n}{k}.html", "name": f"关于规范执法的第{n}{k}号通知",
             "pubDate": 1735700000000 + n * 86_400_000}
            for k in range(2)
        ]  # fmt: skip

    pages = {
        "/column/123.json": json_page({"data": {"list": records(1), "total": 5}}),
        "/column/123_2.json": json_page({"data": {"list": records(2), "total": 5}}),
        "/column/123_3.json": json_page({"data": {"list": records(3)[:1], "total": 5}}),
    }
    for n in (1, 2, 3):
        for k in range(2):
            pages[f"/art/2025/1/{n}/art_12_{n}{k}.html"] = detail_page(
                f"关于规范执法的第{n}{k}号通知"
            )
    return pages


@pytest.fixture(scope="module")
def json_column(servers) -> Replica:
    return serve(servers, "hb", hubei_style_site()).register(
        "json", "/column/123.json",
        options={"items": "data.list", "url": "link", "title": "name", "date": "pubDate",
                 "total_records": "data.total", "page_url": "/column/123_{page}.json"},
    )  # fmt: skip


def test_a_json_column_archives_every_record(night, json_column) -> None:
    assert documents(night, json_column) == 5


def test_a_json_column_walk_is_complete(night, json_column) -> None:
    assert rows(
        night, "SELECT pages, declared_records, complete FROM column_walks WHERE site = ?",
        json_column.name,
    ) == [(3, 5, 1)]  # fmt: skip


def test_a_json_columns_epoch_dates_are_list_dates(night, json_column) -> None:
    dates = {
        r[0]
        for r in rows(night, "SELECT list_date FROM documents WHERE site = ?", json_column.name)
    }
    assert dates == {"2025-01-02", "2025-01-03", "2025-01-04"}


def gkmlpt_site() -> dict[str, Page]:
    """Guangdong's gkmlpt: an index page with the SID in window._CONFIG, the API's JSON."""

    def articles(ids: range) -> list[dict]:
        return [
            {"id": i, "title": f"关于规范执法的第{i}号通知", "document_number": f"粤府〔2025〕{i}号",
             "url": f"/gkmlpt/content/0/96/post_96{i}.html", "created_at": f"2025-05-0{i % 9 + 1} 10:00:00"}
            for i in ids
        ]  # fmt: skip

    index = "<html><head><script>window._CONFIG = {SID: '755041', TREE: []};</script></head><body></body></html>"
    pages = {
        "/gkmlpt/index": Page(index.encode()),
        "/gkmlpt/api/all/5?page=1&sid=755041": json_page(
            {"total": 5, "articles": articles(range(1, 4))}
        ),
        "/gkmlpt/api/all/5?page=2&sid=755041": json_page(
            {"total": 5, "articles": articles(range(4, 6))}
        ),
    }
    for i in range(1, 6):
        pages[f"/gkmlpt/content/0/96/post_96{i}.html"] = detail_page(f"关于规范执法的第{i}号通知")
    return pages


def gkmlpt_replica(servers: ExitStack, name: str, options: dict[str, str]) -> Replica:
    return serve(servers, name, gkmlpt_site()).register(
        "gkmlpt", "/gkmlpt/index#5", title="某市", options=options
    )


@pytest.fixture(scope="module")
def gkmlpt_sid_from_index(servers) -> Replica:
    return gkmlpt_replica(servers, "gd", {})


@pytest.fixture(scope="module")
def gkmlpt_sid_given(servers) -> Replica:
    return gkmlpt_replica(servers, "gd-sid", {"sid": "755041"})


@pytest.mark.parametrize(
    "site", ["gkmlpt_sid_from_index", "gkmlpt_sid_given"], ids=["sid-from-index", "sid-given"]
)
def test_a_gkmlpt_column_archives_every_article(request, night, site: str) -> None:
    assert documents(night, request.getfixturevalue(site)) == 5


@pytest.fixture(scope="module")
def data_url_column(servers) -> Replica:
    column = (
        "<html><body><div id='list'></div><script>var dataUrl = '/api/col42150/list.json';"
        "render(dataUrl);</script></body></html>"
    )
    records = [
        {"url": f"/art/2025/6/1/art_1_{n}.html", "title": f"关于规范执法的第{n}号通知"}
        for n in range(3)
    ]
    pages = {
        "/col/col42150/index.html": Page(column.encode()),
        "/api/col42150/list.json": json_page({"rows": records, "total": 3}),
    }
    for n in range(3):
        pages[f"/art/2025/6/1/art_1_{n}.html"] = detail_page(f"关于规范执法的第{n}号通知")
    return serve(servers, "jx", pages).register(
        "json", "/col/col42150/index.html", title="某厅",
        options={"items": "rows", "total_records": "total", "data_url": "dataUrl = '([^']+)'"},
    )  # fmt: skip


def test_a_list_rendered_from_a_data_url_in_the_page_is_walked(night, data_url_column) -> None:
    walk = rows(
        night, "SELECT pages, complete FROM column_walks WHERE site = ?", data_url_column.name
    )
    count = documents(night, data_url_column)
    assert (count, walk) == (3, [(2, 1)])
