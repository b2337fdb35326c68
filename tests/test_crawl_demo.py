"""A real crawl of the demo replica sites through the real spiders, parsers and pipeline.

The sites are served in this process on 127.0.0.1; each crawl runs in a child process
(`govarchive crawl`), as in production.
"""

from __future__ import annotations

import sqlite3

import pytest
from conftest import copy_archive, nows, run_cli

from crawler.demo.documents import EDITED_KEY, NEW_DOC_TITLE, REMOVED_KEY

# Long (nine crawls of the demo sites over several simulated days): started before the other modules.
pytestmark = pytest.mark.start_first

T1 = "2025-04-01T02:00:00+08:00"
T1_LATER = "2025-04-01T05:00:00+08:00"
T2 = "2025-04-02T02:00:00+08:00"
T3 = "2025-04-03T02:00:00+08:00"


def crawl(registry, db, now: str) -> None:
    run_cli("crawl", "--sites", str(registry), "--db", str(db), "--now", now)


def rows(db, sql: str, *params) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A fresh pair of demo sites and an empty archive path (module-wide)."""
    from crawler.demo import DemoWorld

    def make():
        world = DemoWorld().__enter__()
        worlds.append(world)
        tmp = tmp_path_factory.mktemp("crawl")
        return world, world.write_registry(tmp / "sites.yaml"), tmp / "archive.db"

    worlds: list = []
    yield make
    for world in worlds:
        world.__exit__(None, None, None)


@pytest.fixture(scope="module")
def first_crawl(served):
    world, registry, db = served()
    crawl(registry, db, T1)
    return world, registry, db


@pytest.fixture(scope="module")
def recrawled(first_crawl, tmp_path_factory):
    """The first crawl's archive (a copy), crawled again three hours later (run 2)."""
    world, registry, first_db = first_crawl
    db = copy_archive(first_db, tmp_path_factory.mktemp("recrawled"))
    crawl(registry, db, T1_LATER)
    return world, registry, db


@pytest.fixture(scope="module")
def revisited(recrawled, tmp_path_factory):
    """That archive (a copy) crawled the next day, when its documents are due for a
    revisit (run 3)."""
    world, registry, recrawled_db = recrawled
    db = copy_archive(recrawled_db, tmp_path_factory.mktemp("revisited"))
    crawl(registry, db, T2)
    return world, db


def documents_by_title(db) -> dict[str, sqlite3.Row]:
    return {r["title"]: r for r in rows(db, "SELECT * FROM documents")}


def test_every_demo_document_archived(first_crawl) -> None:
    world, _, db = first_crawl
    assert sorted(documents_by_title(db)) == sorted(d.title for d in world.documents)


def test_issuers_right(first_crawl) -> None:
    world, _, db = first_crawl
    got = documents_by_title(db)
    assert {d.title: got[d.title]["issuer"] for d in world.documents} == {
        d.title: d.issuer for d in world.documents
    }


def test_doc_dates_right(first_crawl) -> None:
    world, _, db = first_crawl
    got = documents_by_title(db)
    assert {d.title: got[d.title]["doc_date"] for d in world.documents} == {
        d.title: d.doc_date for d in world.documents
    }


def test_bodies_clean(first_crawl) -> None:
    world, _, db = first_crawl
    got = documents_by_title(db)
    # A document showing a chart has the chart's caption as its last paragraph.
    assert {d.title: nows(got[d.title]["body_text"]) for d in world.documents} == {
        d.title: nows("".join(d.body) + (d.figure[0] if d.figure else "")) for d in world.documents
    }


def test_no_chrome_in_any_body(first_crawl) -> None:
    _, _, db = first_crawl
    chrome = (
        "字号",
        "打印",
        "关闭窗口",
        "分享到",
        "扫一扫",
        "当前位置",
        "网站标识码",
        "相关链接",
        "上一篇",
    )
    bodies = [r["body_text"] for r in rows(db, "SELECT body_text FROM documents")]
    assert [c for c in chrome for b in bodies if c in b] == []


def test_attachments_stored_with_text(first_crawl) -> None:
    _, _, db = first_crawl
    got = rows(db, "SELECT mime_type, text FROM attachments WHERE sha256 IS NOT NULL")
    assert len(got) == 4 and all(r["text"] for r in got)


def test_run_recorded_as_finished(first_crawl) -> None:
    _, _, db = first_crawl
    assert [r["finish_reason"] for r in rows(db, "SELECT finish_reason FROM runs")] == ["finished"]


def test_sites_healthy(first_crawl) -> None:
    _, _, db = first_crawl
    assert [r["healthy"] for r in rows(db, "SELECT healthy FROM run_sites ORDER BY site")] == [1, 1]


def test_listing_walked_to_the_end(first_crawl) -> None:
    _, _, db = first_crawl
    assert [r["listing_complete"] for r in rows(db, "SELECT listing_complete FROM run_sites")] == [
        1,
        1,
    ]


def test_second_unchanged_crawl_fetches_no_detail_page(recrawled) -> None:
    _, _, db = recrawled
    details = rows(
        db, "SELECT count(*) n FROM fetches WHERE run_id = 2 AND kind IN ('detail', 'attachment')"
    )
    assert details[0]["n"] == 0


def test_second_unchanged_crawl_writes_no_version(recrawled) -> None:
    world, _, db = recrawled
    assert rows(db, "SELECT count(*) n FROM versions")[0]["n"] == len(world.documents)


def test_revisit_uses_conditional_requests(revisited) -> None:
    _, db = revisited
    assert rows(db, "SELECT count(*) n FROM fetches WHERE run_id = 3 AND status = 304")[0]["n"] > 0


@pytest.fixture(scope="module")
def next_days(served):
    """Day one, then the next day's state crawled a day later and two days later."""
    world, registry, db = served()
    crawl(registry, db, T1)
    world.set_day(2)
    crawl(registry, db, T2)
    removed = _by_key(world, REMOVED_KEY).title
    after_one = rows(db, "SELECT status FROM documents WHERE title = ?", removed)[0]["status"]
    crawl(registry, db, T3)
    return world, db, after_one


def _by_key(world, key: str):
    return next(d for d in world.days[1] if d.key == key)


def test_edit_becomes_a_second_version(next_days) -> None:
    world, db, _ = next_days
    edited = _by_key(world, EDITED_KEY)
    got = rows(db, "SELECT version_count FROM documents WHERE title = ?", edited.title)
    assert got[0]["version_count"] == 2


def test_edit_keeps_the_first_text(next_days) -> None:
    world, db, _ = next_days
    edited = _by_key(world, EDITED_KEY)
    got = rows(
        db,
        "SELECT json_extract(v.record, '$.body_text') body FROM versions v JOIN documents d"
        " ON d.id = v.document_id WHERE d.title = ? AND v.version = 1",
        edited.title,
    )
    assert "修订" not in got[0]["body"]


def test_new_document_archived(next_days) -> None:
    _, db, _ = next_days
    assert (
        rows(db, "SELECT status FROM documents WHERE title = ?", NEW_DOC_TITLE)[0]["status"]
        == "live"
    )


def test_removed_document_gone_after_two_crawls_a_day_apart(next_days) -> None:
    world, db, _ = next_days
    removed = _by_key(world, REMOVED_KEY)
    assert (
        rows(db, "SELECT status FROM documents WHERE title = ?", removed.title)[0]["status"]
        == "gone"
    )


def test_removed_document_not_gone_after_one_crawl(next_days) -> None:
    _, _, status_after_one_crawl = next_days
    assert status_after_one_crawl == "missing"  # one 404: noted, not yet confirmed


def test_site_with_empty_listing_is_unhealthy(demo_world, tmp_path) -> None:
    registry = tmp_path / "sites.yaml"
    url = demo_world.servers[0].url
    registry.write_text(
        f"sites:\n- {{name: empty, title: 空站点, family: trs, delay: 0, start_urls: ['{url}/nothing/index.html']}}\n",
        encoding="utf-8",
    )
    db = tmp_path / "empty.db"
    done = run_cli("crawl", "--sites", str(registry), "--db", str(db))
    assert (
        rows(db, "SELECT healthy FROM run_sites")[0]["healthy"] == 0 and "unhealthy" in done.stdout
    )


@pytest.fixture(scope="module")
def cut_short(tmp_path_factory):
    """A first crawl cut short by a crawl limit (as a long site's is by its time limit),
    then the next night's crawl without the limit."""
    from collections import Counter

    from crawler.demo import DemoWorld

    tmp = tmp_path_factory.mktemp("cut-short")
    db = tmp / "archive.db"
    with DemoWorld() as world:
        registry = world.write_registry(tmp / "sites.yaml")
        base = ("crawl", "--sites", str(registry), "--db", str(db))
        run_cli(*base, "--now", T1, "--set", "CLOSESPIDER_PAGECOUNT=8", check=False)
        first = rows(db, "SELECT count(*) FROM documents")[0][0]
        reason = rows(db, "SELECT finish_reason FROM runs ORDER BY id DESC LIMIT 1")[0][0]
        run_cli(*base, "--now", T1_LATER)
        paths = {"/" + r["url"].split("/", 3)[3] for r in rows(db, "SELECT url FROM documents")}
        fetched = Counter(
            path for site in (world.trs, world.hanweb) for _, path in site.requests if path in paths
        )
        yield {
            "first": first,
            "reason": reason,
            "after": rows(db, "SELECT count(*) FROM documents")[0][0],
            "expected": len(world.documents),
            "twice": [p for p, n in fetched.items() if n > 1],
        }


def test_a_crawl_cut_short_archives_part_of_the_site(cut_short) -> None:
    assert (
        0 < cut_short["first"] < cut_short["expected"],
        "closespider" in cut_short["reason"],
    ) == (
        True,
        True,
    )


def test_the_next_crawl_goes_on_where_it_stopped(cut_short) -> None:
    assert cut_short["after"] == cut_short["expected"]


def test_no_document_is_fetched_again_after_a_crawl_cut_short(cut_short) -> None:
    assert cut_short["twice"] == []
