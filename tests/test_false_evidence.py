"""A hostile or flaky server must never make the archive claim an edit or a removal.

Each night below is a full walk (``--full``): the strongest case, when the crawl would
decide delistings if it believed the listing. After each hostile night the test asserts
that no ``delisted``, ``gone``, ``changed`` or ``new`` event appeared; withdrawal pages and
redirects to 404 must instead give ``missing``. The last night is a control: with the
server honest again, a real delisting is still found (so the guards are not just blind).
"""

from __future__ import annotations

from collections import Counter

import pytest
from replica_column import MAINTENANCE_HTML, ColumnWorld

from crawler.demo.site import TRS_COLUMN, Page, build_trs, trs_path

# Long (fifteen nights of crawls against hostile replicas): started before the other modules.
pytestmark = pytest.mark.start_first

DECISIONS = ("delisted", "gone", "changed", "new")
# Detail pages served with 200 on a revisit, by document index.
ERROR_PAGES = {
    2: "<html><head><title>提示</title></head><body><p>对不起，内容不存在或已过期！</p></body></html>",
    3: "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1>"
    "<p>The page you requested could not be found.</p></body></html>",
    4: "<html><head><title>提示</title></head><body><div><p>该信息已撤销</p></div></body></html>",
    5: MAINTENANCE_HTML,
}
TO_HOME, TO_MISSING, TO_COLUMN = 6, 7, 8
CONTROL = 9
# A document whose URL answers 200 with the site's home page (a catch-all), no redirect.
CATCH_ALL = 12
# A document redirected to another archived document (not a move: a removal answer).
TO_OTHER, OTHER = 13, 14
# A document whose URL answers 200 with the site's home page quoting its first sentence.
QUOTED = 15


def quoting_home_page(first_line: str) -> str:
    """The site's home page (titled with the site's name, a few links) quoting a document's
    first sentence in its 今日关注 block."""
    return (
        "<html><head><title>旺苍县人民政府（测试）</title></head><body><h1>旺苍县人民政府</h1>"
        f"<div class='jrgz'><h3>今日关注</h3><p>{first_line}</p></div>"
        "<ul><li><a href='/zwgk/'>政务公开</a></li><li><a href='/zwfw/'>政务服务</a></li></ul>"
        "<p>欢迎访问旺苍县人民政府门户网站。</p></body></html>"
    )


HOME_PAGE = (
    "<html><head><title>某某县人民政府门户网站</title></head><body><h1>某某县人民政府</h1>"
    "<div class='news'><ul>"
    + "".join(
        f"<li><a href='/zwgk/202503/t202503{n:02d}_9{n}.html'>关于做好第{n}批重点工作的通知</a>"
        "<span>2025-03-01</span></li>"
        for n in range(1, 16)
    )
    + "</ul></div><p>欢迎访问某某县人民政府门户网站，这里发布本县政务信息、政策文件和公共服务。</p></body></html>"
)
# Documents that all redirect to one generic notice page (long enough to pass for a document).
TO_SHARED = (10, 11)
SHARED_NOTICE = (
    "<html><head><title>信息公开指南</title></head><body><h1>信息公开指南</h1><div class='content'>"
    + "<p>为保障公民、法人和其他组织依法获取政府信息，提高政府工作的透明度，本机关依法主动公开政府信息。</p>"
    * 6
    + "</div></body></html>"
)


def events_per_night(world: ColumnWorld) -> Counter[tuple[str, str]]:
    rows = world.query("SELECT substr(at, 1, 10) day, event FROM document_events")
    return Counter((row["day"], row["event"]) for row in rows)


def decisions_on(counts: Counter[tuple[str, str]], day: str) -> dict[str, int]:
    return {event: counts[(day, event)] for event in DECISIONS if counts[(day, event)]}


def capped_list_page(world: ColumnWorld) -> bytes:
    """Page 1 with 2,000 document-like links before the real ones."""
    page = build_trs([d for d in world.docs])[f"{TRS_COLUMN}index.html"].body.decode()
    flood = "".join(
        f'<li><a href="./202503/t20250301_1.html#n{n}">关于征集意见的公告第{n}号</a></li>'
        for n in range(2000)
    )
    marker = '<ul class="list">'
    return page.replace(marker, f"<ul class='flood'>{flood}</ul>{marker}", 1).encode()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    with ColumnWorld(tmp_path_factory.mktemp("hostile"), revisit_days=0) as world:
        index = f"{TRS_COLUMN}index.html"
        world.night(0)
        # 1: the first list page answers with an empty <ul> (pager intact).
        world.list_override[index] = _empty_list(build_trs(world.docs)[index].body)
        world.night(1, "--full")
        # 2: the listing shows 3 of its 16 documents, on one page.
        world.list_override = {index: build_trs(world.docs[:3])[index].body}
        world.night(2, "--full")
        # 3: "系统维护中" served with 200 for every page.
        world.list_override = {index: MAINTENANCE_HTML.encode()}
        world.detail_override = {d.key: MAINTENANCE_HTML.encode() for d in world.docs}
        world.night(3, "--full")
        # 4: session ids in every list link.
        world.list_override, world.detail_override = {}, {}
        world.session_links = True
        world.night(4, "--full")
        # 5: a one-page flood longer than the 2,000-link cap before the real links.
        world.session_links = False
        world.list_override = {index: capped_list_page(world)}
        world.night(5, "--full")
        # 6: error pages with 200 on revisit; redirects to home, to a 404, to the column.
        world.list_override = {}
        world.detail_override = {world.doc(i).key: html.encode() for i, html in ERROR_PAGES.items()}
        world.detail_override[world.doc(CATCH_ALL).key] = HOME_PAGE.encode()
        quoted = world.doc(QUOTED)
        world.detail_override[quoted.key] = quoting_home_page(quoted.body[0]).encode()
        base = world.server.url
        world.site.redirects = {
            trs_path(world.doc(TO_HOME)): f"{base}/",
            trs_path(world.doc(TO_MISSING)): f"{base}/404.html",
            trs_path(world.doc(TO_COLUMN)): f"{base}{index}",
            **{trs_path(world.doc(i)): f"{base}/xxgk/zn/index.html" for i in TO_SHARED},
            trs_path(world.doc(TO_OTHER)): f"{base}{trs_path(world.doc(OTHER))}",
        }
        world.extra_pages = {
            "/": build_trs(world.docs)[index],
            "/xxgk/zn/index.html": Page(SHARED_NOTICE.encode()),
        }
        world.night(6, "--full")
        # 7: the server is honest again, and one document really left the listing.
        world.detail_override, world.site.redirects, world.extra_pages = {}, {}, {}
        world.unlisted.add(world.doc(CONTROL).key)
        world.night(7, "--full")
        yield world, events_per_night(world)


def _empty_list(page: bytes) -> bytes:
    html = page.decode()
    start = html.index('<ul class="list">')
    end = html.index("</ul>", start)
    return (html[: html.index(">", start) + 1] + html[end:]).encode()


@pytest.mark.parametrize(
    ("night", "what"),
    [
        ("2025-04-02", "an empty list page"),
        ("2025-04-03", "a listing showing 3 of its 16 documents"),
        ("2025-04-04", "a maintenance page served with 200 everywhere"),
        ("2025-04-05", "session ids in list links"),
        ("2025-04-06", "a list page over the link cap"),
    ],
)
def test_hostile_listing_decides_nothing(hostile, night: str, what: str) -> None:
    _, counts = hostile
    assert decisions_on(counts, night) == {}, what


@pytest.mark.parametrize("night", ["2025-04-02", "2025-04-03", "2025-04-04", "2025-04-06"])
def test_hostile_listing_recorded_unhealthy(hostile, night: str) -> None:
    world, _ = hostile
    rows = world.query(
        "SELECT rs.healthy FROM run_sites rs JOIN runs r ON r.id = rs.run_id"
        " WHERE substr(r.started_at, 1, 10) = ?",
        night,
    )
    assert [r["healthy"] for r in rows] == [0]


def test_session_ids_add_no_documents(hostile) -> None:
    world, _ = hostile
    assert world.query("SELECT count(*) n FROM documents")[0]["n"] == len(world.docs)


def test_error_pages_never_become_versions(hostile) -> None:
    _, counts = hostile
    assert decisions_on(counts, "2025-04-07") == {}


def test_error_page_title_never_replaces_the_title(hostile) -> None:
    world, _ = hostile
    assert (
        world.query("SELECT count(*) n FROM documents WHERE title IN ('提示', 'Not Found')")[0]["n"]
        == 0
    )


@pytest.mark.parametrize(
    "index", [2, 3, 4], ids=["内容不存在或已过期", "English not found", "该信息已撤销"]
)
def test_withdrawal_page_is_missing_evidence(hostile, index: int) -> None:
    world, _ = hostile
    assert world.events(index)[:2] == ["new", "missing"]


def test_maintenance_page_on_a_document_is_not_evidence(hostile) -> None:
    world, _ = hostile
    assert world.events(5) == ["new"]


@pytest.mark.parametrize(
    "index", [TO_HOME, TO_MISSING, TO_COLUMN], ids=["to home", "to a 404", "to the column"]
)
def test_redirect_away_is_missing_evidence(hostile, index: int) -> None:
    world, _ = hostile
    assert world.events(index)[:2] == ["new", "missing"]


@pytest.mark.parametrize("index", TO_SHARED)
def test_documents_redirected_to_one_page_are_missing_not_moved(hostile, index: int) -> None:
    world, _ = hostile
    assert world.events(index)[:2] == ["new", "missing"]


def test_a_redirect_to_another_document_is_missing_evidence(hostile) -> None:
    world, _ = hostile
    assert world.events(TO_OTHER)[:2] == ["new", "missing"]


def test_a_redirect_to_another_document_is_no_move(hostile) -> None:
    world, _ = hostile
    moved = world.query("SELECT count(*) n FROM document_events WHERE event = 'moved'")
    assert moved[0]["n"] == 0


def test_the_document_redirected_to_keeps_its_own_story(hostile) -> None:
    world, _ = hostile
    assert world.events(OTHER) == ["new"]


def test_a_home_page_served_at_a_documents_url_is_missing_evidence(hostile) -> None:
    world, _ = hostile
    assert world.events(CATCH_ALL)[:2] == ["new", "missing"]


def test_a_home_page_quoting_a_document_is_missing_evidence(hostile) -> None:
    world, _ = hostile
    assert world.events(QUOTED)[:2] == ["new", "missing"]


def test_a_home_page_quoting_a_document_makes_no_version(hostile) -> None:
    world, _ = hostile
    rows = world.query(
        "SELECT version_count FROM documents WHERE url = ?", world.url(world.doc(QUOTED))
    )
    assert rows[0]["version_count"] == 1


def test_a_home_page_served_at_a_documents_url_keeps_its_title(hostile) -> None:
    world, _ = hostile
    rows = world.query("SELECT title FROM documents WHERE url = ?", world.url(world.doc(CATCH_ALL)))
    assert rows[0]["title"] == world.doc(CATCH_ALL).title


def test_a_shared_landing_page_is_never_archived(hostile) -> None:
    world, _ = hostile
    assert world.query("SELECT count(*) n FROM documents WHERE url LIKE '%/xxgk/zn/%'")[0]["n"] == 0


def test_home_page_never_archived_as_a_document(hostile) -> None:
    world, _ = hostile
    assert world.query("SELECT count(*) n FROM documents WHERE url LIKE '%/'")[0]["n"] == 0


def test_control_real_delisting_still_found(hostile) -> None:
    world, _ = hostile
    assert world.events(CONTROL) == ["new", "delisted"]


def test_control_night_decides_only_the_real_delisting(hostile) -> None:
    _, counts = hostile
    assert decisions_on(counts, "2025-04-08") == {"delisted": 1}


# --- a site down for two nights --------------------------------------------------------
@pytest.fixture(scope="module")
def outage(tmp_path_factory):
    with ColumnWorld(tmp_path_factory.mktemp("outage")) as world:
        world.night(0)
        world.site.down_status = 404
        world.night(1)
        world.night(2)
        world.site.down_status = None
        world.night(3)
        yield world


def test_site_wide_404_nights_make_nothing_missing_or_gone(outage) -> None:
    assert outage.event_count("missing", "gone", "delisted") == 0


def test_site_wide_404_night_recorded_as_unhealthy(outage) -> None:
    rows = outage.query("SELECT healthy, health_note FROM run_sites ORDER BY run_id")
    assert [r["healthy"] for r in rows] == [1, 0, 0, 1]


def test_site_wide_404_night_says_what_it_held_back(outage) -> None:
    note = outage.query("SELECT health_note FROM run_sites ORDER BY run_id")[1]["health_note"]
    assert "missing answers not counted" in note


# --- a listing served from a cache while every document answers 404 -------------------------
@pytest.fixture(scope="module")
def cached_listing(tmp_path_factory):
    with ColumnWorld(tmp_path_factory.mktemp("cached"), revisit_days=0) as world:
        world.night(0)
        # The listing still shows every document; every document URL answers 404. One
        # document really left: unlisted and 404 (the control).
        world.removed = {d.key for d in world.docs}
        world.unlisted = {world.doc(CONTROL).key}
        world.night(1, "--full")
        world.night(2, "--full")
        yield world


def test_documents_a_cached_listing_still_shows_are_never_gone(cached_listing) -> None:
    listed = [i for i in range(len(cached_listing.docs)) if i != CONTROL]
    assert [i for i in listed if "gone" in cached_listing.events(i)] == []


def test_a_cached_listing_night_says_what_it_did_not_count(cached_listing) -> None:
    notes = cached_listing.query("SELECT health_note FROM run_sites ORDER BY run_id")
    assert "missing answers not counted toward gone" in (notes[1]["health_note"] or "")


def test_a_document_removed_and_unlisted_is_still_gone(cached_listing) -> None:
    assert "gone" in cached_listing.events(CONTROL)


# --- a real notice that asks people to try again later ----------------------------------------
NOTICE_TITLE = "关于暂停办理不动产登记业务的通知"
NOTICE_BODY = "因系统升级，5月30日至6月1日暂停办理不动产登记业务，请稍后再试。"


@pytest.fixture(scope="module")
def short_notice(tmp_path_factory):
    """A short notice in the site's document template whose text uses a maintenance
    page's words (请稍后再试), listed under its own title; crawled twice."""
    from dataclasses import replace

    with ColumnWorld(tmp_path_factory.mktemp("notice"), revisit_days=0) as world:
        world.docs[0] = replace(world.docs[0], title=NOTICE_TITLE, body=[NOTICE_BODY])
        world.night(0)
        world.night(1)
        yield world


def test_a_short_notice_in_maintenance_words_is_archived(short_notice) -> None:
    assert short_notice.status(0) == "live"


def test_a_short_notice_keeps_its_text(short_notice) -> None:
    rows = short_notice.query("SELECT body_text FROM documents WHERE title = ?", NOTICE_TITLE)
    assert NOTICE_BODY in rows[0]["body_text"]


def test_a_short_notice_is_no_maintenance_page(short_notice) -> None:
    rows = short_notice.query("SELECT count(*) n FROM fetches WHERE error = 'maintenance-page'")
    assert rows[0]["n"] == 0


def test_a_short_notice_revisited_is_unchanged(short_notice) -> None:
    assert short_notice.events(0) == ["new"]


# --- random session ids in the links' query strings ---------------------------------------
@pytest.fixture(scope="module")
def learned_sessions(tmp_path_factory):
    """Each night every list link carries ?sid=<a new 16-character token>."""
    with ColumnWorld(tmp_path_factory.mktemp("sid"), revisit_days=0) as world:
        world.query_session = ("sid", 16)
        world.night(0)
        world.night(1, "--full")
        world.night(2, "--full")
        yield world


def test_session_ids_in_queries_add_no_documents(learned_sessions) -> None:
    rows = learned_sessions.query("SELECT count(*) n FROM documents")
    assert rows[0]["n"] == len(learned_sessions.docs)


def test_session_ids_in_queries_delist_nothing(learned_sessions) -> None:
    assert learned_sessions.event_count("delisted", "gone", "missing") == 0


def test_session_ids_in_queries_are_no_moves(learned_sessions) -> None:
    assert learned_sessions.event_count("moved") == 0


def test_session_id_nights_are_complete_walks(learned_sessions) -> None:
    rows = learned_sessions.query("SELECT healthy FROM run_sites ORDER BY run_id")
    assert [r["healthy"] for r in rows] == [1, 1, 1]


@pytest.fixture(scope="module")
def declared_sessions(tmp_path_factory):
    """Links carry ?t=<4 characters>, too short to learn; the registry names it."""
    with ColumnWorld(tmp_path_factory.mktemp("declared"), revisit_days=0) as world:
        world.query_session = ("t", 4)
        world.ignore_params = ["t"]
        world.write_registry()
        world.night(0)
        world.night(1, "--full")
        yield world


def test_declared_session_params_add_no_documents(declared_sessions) -> None:
    rows = declared_sessions.query("SELECT count(*) n FROM documents")
    assert rows[0]["n"] == len(declared_sessions.docs)


def test_declared_session_params_are_left_out_of_the_key(declared_sessions) -> None:
    rows = declared_sessions.query("SELECT count(*) n FROM documents WHERE url LIKE '%t=%'")
    assert rows[0]["n"] == 0


@pytest.fixture(scope="module")
def churned(tmp_path_factory):
    """Links carry ?t=<4 characters> nobody declared: every night's links are new."""
    with ColumnWorld(tmp_path_factory.mktemp("churned"), revisit_days=0) as world:
        world.query_session = ("t", 4)
        world.night(0)
        world.night(1, "--full")
        yield world


def test_a_walk_whose_links_all_changed_delists_nothing(churned) -> None:
    assert churned.event_count("delisted") == 0


def test_a_walk_whose_links_all_changed_says_so(churned) -> None:
    notes = churned.query("SELECT health_note FROM run_sites ORDER BY run_id")
    assert "links churned: 16 of the last complete walk's 16 links vanished" in (
        notes[1]["health_note"] or ""
    )
