"""Spider families against local replicas on 127.0.0.1: lists from ../shared/corpus/list
(Gansu's createPageHTML list, Jiangsu's dataproxy.jsp XML), the generic family with
selectors, sitemaps, robots.txt and attachment names."""

from __future__ import annotations

import re
import sqlite3
from html import escape

import pytest
from conftest import fixture_bytes, run_cli

from crawler.demo.server import ReplicaServer, ReplicaSite
from crawler.demo.site import Page
from parsers.listing import parse_dataproxy, parse_list_page

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


def rows(db, sql: str, *params) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def crawl(tmp_path, entry: str) -> str:
    registry = tmp_path / "sites.yaml"
    registry.write_text("sites:\n" + entry, encoding="utf-8")
    db = tmp_path / "archive.db"
    run_cli(
        "crawl", "--sites", str(registry), "--db", str(db), "--now", "2025-06-02T02:00:00+08:00"
    )
    return str(db)


# --- Gansu list page (createPageHTML, items inside comment markers) ------------------------
@pytest.fixture(scope="module")
def gansu(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("gansu")
    list_path = "/jyt/c110634/zwgklist.shtml"
    body = fixture_bytes("gs_jyt_list.html")
    items = parse_list_page(body, "http://h" + list_path).items
    pages = {list_path: Page(body)}
    for item in items:
        path = re.sub(r"^http://h", "", item.url)
        pages[path] = detail_page(item.title)
    with ReplicaServer(ReplicaSite(pages)) as server:
        entry = (
            f"- {{name: gs-jyt, title: 甘肃省教育厅, family: generic, delay: 0, max_pages: 1,"
            f" start_urls: ['{server.url}{list_path}'], options: {{item_selector: 'ul.jytxxgklist li a'}}}}\n"
        )
        yield crawl(tmp_path, entry), items


def test_gansu_replica_archives_every_listed_document(gansu) -> None:
    db, items = gansu
    assert rows(db, "SELECT count(*) FROM documents")[0][0] == len(items) == 20


def test_gansu_replica_titles(gansu) -> None:
    db, items = gansu
    assert sorted(r[0] for r in rows(db, "SELECT title FROM documents")) == sorted(
        i.title for i in items
    )


# --- Jiangsu Hanweb column answered by dataproxy.jsp (the corpus XML) --------------------
@pytest.fixture(scope="module")
def jiangsu(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("jiangsu")
    batches = [fixture_bytes("js_gxt_dataproxy_p1.xml"), fixture_bytes("js_gxt_dataproxy_p2.xml")]
    items = {i.url: i for b in batches for i in parse_dataproxy(b, "http://h/").items}
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

    with ReplicaServer(ReplicaSite(pages, dataproxy)) as server:
        entry = (
            f"- {{name: js-gxt, title: 江苏省工业和信息化厅, family: hanweb, delay: 0,"
            f" start_urls: ['{server.url}/col/col80179/index.html']}}\n"
        )
        yield crawl(tmp_path, entry), items, calls


def test_jiangsu_replica_archives_both_batches(jiangsu) -> None:
    db, items, _ = jiangsu
    assert rows(db, "SELECT count(*) FROM documents")[0][0] == len(items)


def test_jiangsu_dataproxy_paged_by_startrecord(jiangsu) -> None:
    _, _, calls = jiangsu
    assert calls[:2] == [1, 76]


def test_jiangsu_dataproxy_posts_recorded_as_list_fetches(jiangsu) -> None:
    db, _, calls = jiangsu
    assert rows(
        db, "SELECT count(*) FROM fetches WHERE kind = 'list' AND url LIKE '%dataproxy.jsp%'"
    )[0][0] == len(calls)


# --- generic family: item and next-page selectors ----------------------------------------
@pytest.fixture(scope="module")
def generic_site(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("generic_site")

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
    with ReplicaServer(ReplicaSite(pages)) as server:
        entry = (
            f"- {{name: generic, title: 某县, family: generic, delay: 0, start_urls: ['{server.url}/list.php?page=1'],"
            f" options: {{item_selector: 'ul.news li a', next_selector: 'a.next'}}}}\n"
        )
        yield crawl(tmp_path, entry)


def test_generic_follows_next_selector(generic_site) -> None:
    assert rows(generic_site, "SELECT count(*) FROM documents")[0][0] == 3


def test_generic_listing_complete(generic_site) -> None:
    assert rows(generic_site, "SELECT listing_complete FROM run_sites")[0][0] == 1


# --- sitemaps ---------------------------------------------------------------------------
def test_sitemap_documents_archived(tmp_path) -> None:
    pages = {"/zwgk/index.html": Page(b"<html><body>javascript list</body></html>")}
    with ReplicaServer(ReplicaSite(pages)) as server:
        locs = "".join(
            f"<url><loc>{server.url}/zwgk/2025/t20250601_{n}.html</loc></url>" for n in (1, 2)
        )
        pages["/sitemap.xml"] = Page(
            f'<?xml version="1.0"?><urlset>{locs}</urlset>'.encode(),
            "application/xml",
        )
        for n in (1, 2):
            pages[f"/zwgk/2025/t20250601_{n}.html"] = detail_page(f"关于开展第{n}次检查的通知")
        entry = (
            f"- {{name: sm, title: 某县, family: trs, delay: 0, start_urls: ['{server.url}/zwgk/index.html'],"
            f" sitemap_urls: ['{server.url}/sitemap.xml']}}\n"
        )
        db = crawl(tmp_path, entry)
    assert rows(db, "SELECT count(*) FROM documents")[0][0] == 2


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


def test_robots_disallowed_page_not_fetched(tmp_path) -> None:
    with ReplicaServer(ReplicaSite(robots_site())) as server:
        db = crawl(
            tmp_path,
            f"- {{name: r, title: 某县, family: trs, delay: 0, start_urls: ['{server.url}/zwgk/index.html']}}\n",
        )
    assert [r[0] for r in rows(db, "SELECT title FROM documents")] == ["公开文件"]


def test_robots_disallowed_recorded(tmp_path) -> None:
    with ReplicaServer(ReplicaSite(robots_site())) as server:
        db = crawl(
            tmp_path,
            f"- {{name: r, title: 某县, family: trs, delay: 0, start_urls: ['{server.url}/zwgk/index.html']}}\n",
        )
    assert rows(db, "SELECT error FROM fetches WHERE url LIKE '%/private/%'") == [
        ("robots-disallowed",)
    ]


def test_robots_override_per_site(tmp_path) -> None:
    with ReplicaServer(ReplicaSite(robots_site())) as server:
        db = crawl(
            tmp_path,
            f"- {{name: r, title: 某县, family: trs, delay: 0, obey_robots: false,"
            f" start_urls: ['{server.url}/zwgk/index.html']}}\n",
        )
    assert rows(db, "SELECT count(*) FROM documents")[0][0] == 2


def test_user_agent_names_the_project(tmp_path) -> None:
    site = ReplicaSite(robots_site())
    agents: list[str] = []
    with ReplicaServer(site) as server:
        crawl(
            tmp_path,
            f"- {{name: r, title: 某县, family: trs, delay: 0, start_urls: ['{server.url}/zwgk/index.html']}}\n",
        )
    agents = site.user_agents
    assert agents and all(a.startswith("govarchive/") and "+http" in a for a in agents)


# --- TRS "动静结合": static pages first, the rest from a dynamic endpoint -----------------
def test_trs_static_then_dynamic_pages(tmp_path) -> None:
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
    with ReplicaServer(ReplicaSite(pages)) as server:
        entry = (
            f"- {{name: dj, title: 某县, family: trs, delay: 0, start_urls: ['{server.url}/zwgk/index.html'],"
            f" options: {{static_pages: 2, dynamic_page_url: '/search/column.jsp?page={{page}}'}}}}\n"
        )
        db = crawl(tmp_path, entry)
    assert rows(db, "SELECT count(*) FROM documents")[0][0] == 8


# --- crawler traps ----------------------------------------------------------------------
def test_endless_next_chain_stops_at_max_pages_and_says_so(tmp_path) -> None:
    def chain_page(n: int) -> Page:
        return Page(
            f"<html><body><ul class='news'><li><a href='/show.php?id={n}'>关于规范执法的通知第{n}号</a>"
            f"</li></ul><a class='next' href='/list.php?page={n + 1}'>下一页</a></body></html>".encode()
        )

    pages = {f"/list.php?page={n}": chain_page(n) for n in range(1, 41)}
    with ReplicaServer(ReplicaSite(pages)) as server:
        entry = (
            f"- {{name: trap, title: 某县, family: generic, delay: 0, max_pages: 10,"
            f" start_urls: ['{server.url}/list.php?page=1'],"
            f" options: {{item_selector: 'ul.news li a', next_selector: 'a.next'}}}}\n"
        )
        db = crawl(tmp_path, entry)
    walk = rows(db, "SELECT pages, note FROM column_walks")[0]
    note = rows(db, "SELECT health_note FROM run_sites")[0][0]
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


def test_a_text_pager_column_is_walked_to_its_last_page(tmp_path) -> None:
    with ReplicaServer(ReplicaSite(text_pager_site())) as server:
        db = crawl(
            tmp_path,
            f"- {{name: tp, title: 某县, family: trs, delay: 0, start_urls: ['{server.url}/xxgk/index.htm']}}\n",
        )
    walk = rows(db, "SELECT pages, declared_pages, complete FROM column_walks")
    assert (rows(db, "SELECT count(*) FROM documents")[0][0], walk) == (6, [(3, 3, 1)])


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
def json_column(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("json")
    with ReplicaServer(ReplicaSite(hubei_style_site())) as server:
        entry = (
            f"- {{name: hb, title: 某县, family: json, delay: 0, start_urls: ['{server.url}/column/123.json'],"
            " options: {items: data.list, url: link, title: name, date: pubDate,"
            " total_records: data.total, page_url: '/column/123_{page}.json'}}\n"
        )
        yield crawl(tmp, entry)


def test_a_json_column_archives_every_record(json_column) -> None:
    assert rows(json_column, "SELECT count(*) FROM documents")[0][0] == 5


def test_a_json_column_walk_is_complete(json_column) -> None:
    assert rows(json_column, "SELECT pages, declared_records, complete FROM column_walks") == [
        (3, 5, 1)
    ]


def test_a_json_columns_epoch_dates_are_list_dates(json_column) -> None:
    dates = {r[0] for r in rows(json_column, "SELECT list_date FROM documents")}
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


@pytest.mark.parametrize("options", ["{}", "{sid: '755041'}"], ids=["sid-from-index", "sid-given"])
def test_a_gkmlpt_column_archives_every_article(tmp_path, options: str) -> None:
    with ReplicaServer(ReplicaSite(gkmlpt_site())) as server:
        entry = (
            f"- {{name: gd, title: 某市, family: gkmlpt, delay: 0,"
            f" start_urls: ['{server.url}/gkmlpt/index#5'], options: {options}}}\n"
        )
        db = crawl(tmp_path, entry)
    assert rows(db, "SELECT count(*) FROM documents")[0][0] == 5


def test_a_list_rendered_from_a_data_url_in_the_page_is_walked(tmp_path) -> None:
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
    with ReplicaServer(ReplicaSite(pages)) as server:
        entry = (
            f"- {{name: jx, title: 某厅, family: json, delay: 0,"
            f" start_urls: ['{server.url}/col/col42150/index.html'],"
            " options: {items: rows, total_records: total, data_url: \"dataUrl = '([^']+)'\"}}\n"
        )
        db = crawl(tmp_path, entry)
    walk = rows(db, "SELECT pages, complete FROM column_walks")
    assert (rows(db, "SELECT count(*) FROM documents")[0][0], walk) == (3, [(2, 1)])
