"""archive.documents and the v4 migration: the lifecycle log is complete, append-only,
and an existing v3 archive gains it without losing a row."""

from __future__ import annotations

import json
import sqlite3

import pytest

from archive import Archive
from archive.documents import Reparsed
from parsers.record import Record

DAY1 = "2025-04-01T02:00:00+08:00"
DAY2 = "2025-04-02T02:00:00+08:00"
DAY3 = "2025-04-03T02:00:00+08:00"
DAY4 = "2025-04-04T02:00:00+08:00"
URL = "http://example.gov.cn/a/t20250301_1.html"


def record(url: str = URL, body: str = "第一段。\n第二段。") -> Record:
    return Record(url=url, title="关于执法检查的通知", issuer="某县人民政府", body_text=body)


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "a.db") as a:
        yield a


def test_events_cannot_be_deleted(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        archive.conn.execute("DELETE FROM document_events")


def test_events_cannot_be_rewritten(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        archive.conn.execute("UPDATE document_events SET event = 'changed'")


def test_restore_keeps_gone_in_the_log(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.record_missing(URL, at=DAY2)
    archive.record_missing(URL, at=DAY3)
    archive.record_document(record(), site="s", run_id=None, at=DAY4)
    assert archive.events(URL) == ["new", "missing", "gone", "restored"]


def test_answer_while_missing_is_recovered(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.record_missing(URL, at=DAY2)
    archive.touch_document(URL, fetched=True, at=DAY3)
    assert archive.events(URL) == ["new", "missing", "recovered"]


def test_answering_does_not_relist(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.mark_delisted(URL, at=DAY2)
    archive.record_document(record(), site="s", run_id=None, at=DAY3)
    assert archive.conn.execute("SELECT status FROM documents").fetchone()[0] == "delisted"


def test_listing_relists(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.mark_delisted(URL, at=DAY2)
    archive.touch_document(URL, listed=True, listing_url="http://example.gov.cn/a/", at=DAY3)
    assert archive.events(URL) == ["new", "delisted", "relisted"]


def test_delisting_twice_is_one_event(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.mark_delisted(URL, at=DAY2)
    archive.mark_delisted(URL, at=DAY3)
    assert archive.events(URL) == ["new", "delisted"]


def test_move_keeps_one_document(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    moved = record(url=URL.replace("http:", "https:"))
    archive.record_document(moved, site="s", run_id=None, moved_from=URL, at=DAY2)
    assert archive.conn.execute("SELECT count(*) FROM documents").fetchone()[0] == 1


def test_move_is_an_event_with_both_urls(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    new_url = URL.replace("http:", "https:")
    archive.record_document(record(url=new_url), site="s", run_id=None, moved_from=URL, at=DAY2)
    row = archive.conn.execute(
        "SELECT evidence FROM document_events WHERE event = 'moved'"
    ).fetchone()
    assert json.loads(row[0]) == {"from": URL, "to": new_url}


def test_reparse_is_not_an_answer(archive: Archive) -> None:
    raw = "<html><body><div id='zoom'><p>旧的正文，足够长的一段文字用于测试重新解析。</p></div></body></html>"
    ref = archive.record_fetch(None, URL, body=raw.encode(), status=200)
    archive.record_document(record(), site="s", run_id=None, raw_sha256=ref.sha256, at=DAY1)
    archive.record_missing(URL, at=DAY2)
    archive.record_missing(URL, at=DAY3)
    archive.reparse(lambda data, url: record(body="重新解析后的正文。"), at=DAY4)
    assert archive.events(URL) == ["new", "missing", "gone", "changed"]


def test_reparse_version_says_so(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, raw_sha256=None, at=DAY1)
    ref = archive.record_fetch(None, URL, body=b"<html>x</html>", status=200)
    archive.conn.execute("UPDATE documents SET raw_sha256 = ?", (ref.sha256,))
    archive.reparse(lambda data, url: record(body="重新解析后的正文。"), at=DAY2)
    reason = archive.conn.execute(
        "SELECT reason FROM document_events WHERE event = 'changed'"
    ).fetchone()[0]
    assert reason == "reparse"


# --- migrating a v3 archive -----------------------------------------------------------
@pytest.fixture
def v3_archive(tmp_path):
    """A v3 archive as govarchive 0.1 wrote it: an edited, a gone and a delisted document,
    two spellings of one URL (with and without a fragment) and a session id."""
    from archive.migrations import LEGACY_TOKENIZER, MIGRATIONS, statements
    from archive.tokenizer import register

    path = tmp_path / "v3.db"
    conn = sqlite3.connect(path)
    register(conn, LEGACY_TOKENIZER)  # the name the index had before v6
    for version in (1, 2, 3):
        for statement in statements(MIGRATIONS[version]):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 3")
    docs = [
        (1, "http://x.example.gov.cn/a/t1.html", "live", 2, None),
        (2, "http://x.example.gov.cn/a/t2.html;jsessionid=ABC", "gone", 1, DAY3),
        (3, "http://x.example.gov.cn/a/t3.html", "delisted", 1, None),
        (4, "http://x.example.gov.cn/a/t4.html", "live", 1, None),
        (5, "http://x.example.gov.cn/a/t4.html#top", "live", 1, None),
    ]
    for doc_id, url, status, versions, gone_at in docs:
        conn.execute(
            "INSERT INTO documents (id, url, site, title, body_text, content_hash, status,"
            " first_seen, last_seen, last_changed, version_count, gone_at, missing_since,"
            " missing_count) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                doc_id, url, "s", f"文件{doc_id}", "正文", f"h{doc_id}", status, DAY1, DAY2,
                DAY1, versions, gone_at, DAY2 if gone_at else None, 2 if gone_at else 0,
            ),
        )  # fmt: skip
        for version in range(1, versions + 1):
            conn.execute(
                "INSERT INTO versions (document_id, version, content_hash, fetched_at,"
                " changed_fields, record) VALUES (?,?,?,?,?,?)",
                (doc_id, version, f"h{doc_id}{version}", DAY1 if version == 1 else DAY2,
                 None if version == 1 else '["body_text"]', "{}"),
            )  # fmt: skip
    conn.commit()
    conn.close()
    return path


def test_v3_migration_keeps_every_row(v3_archive) -> None:
    with Archive(v3_archive) as archive:
        counts = [
            archive.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("documents", "versions")
        ]
    assert counts == [5, 6]


def test_v3_migration_canonicalises_urls(v3_archive) -> None:
    with Archive(v3_archive) as archive:
        url = archive.conn.execute("SELECT url FROM documents WHERE id = 2").fetchone()[0]
    assert url == "http://x.example.gov.cn/a/t2.html"


def test_v3_migration_leaves_a_colliding_spelling_alone(v3_archive) -> None:
    with Archive(v3_archive) as archive:
        url = archive.conn.execute("SELECT url FROM documents WHERE id = 5").fetchone()[0]
    assert url == "http://x.example.gov.cn/a/t4.html#top"


def test_v3_migration_backfills_edits(v3_archive) -> None:
    with Archive(v3_archive) as archive:
        assert archive.events("http://x.example.gov.cn/a/t1.html") == ["new", "changed"]


def test_v3_migration_backfills_gone(v3_archive) -> None:
    with Archive(v3_archive) as archive:
        assert archive.events("http://x.example.gov.cn/a/t2.html") == ["new", "missing", "gone"]


def test_v3_migration_backfills_delisted(v3_archive) -> None:
    with Archive(v3_archive) as archive:
        assert archive.events("http://x.example.gov.cn/a/t3.html") == ["new", "delisted"]


def test_v3_migration_marks_backfilled_events(v3_archive) -> None:
    with Archive(v3_archive) as archive:
        rows = archive.conn.execute("SELECT evidence FROM document_events").fetchall()
    assert all(json.loads(r[0])["backfilled"] for r in rows)


def test_v3_migration_search_still_works(v3_archive) -> None:
    with Archive(v3_archive) as archive:
        hits = archive.conn.execute(
            "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH '正文'"
        ).fetchone()[0]
    assert hits == 5


def test_every_canned_query_runs(archive: Archive) -> None:
    from archive.datasette_meta import CANNED_QUERIES

    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.mark_delisted(URL, at=DAY2)
    failed = []
    for name, query in CANNED_QUERIES.items():
        try:
            archive.conn.execute(query["sql"], {"url": URL}).fetchall()
        except sqlite3.Error as exc:
            failed.append(f"{name}: {exc}")
    assert failed == []


def test_lifecycle_canned_query_lists_the_events(archive: Archive) -> None:
    from archive.datasette_meta import CANNED_QUERIES

    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.mark_delisted(URL, at=DAY2)
    rows = archive.conn.execute(CANNED_QUERIES["document_lifecycle"]["sql"], {"url": URL})
    assert [r["event"] for r in rows] == ["new", "delisted"]


def test_move_onto_a_separately_archived_document_links_them_once(archive: Archive) -> None:
    new_url = "http://example.gov.cn/b/t20250301_9.html"
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.record_document(record(url=new_url), site="s", run_id=None, at=DAY2)
    for day in (DAY2, DAY3):
        archive.record_document(record(url=new_url), site="s", run_id=None, moved_from=URL, at=day)
    assert archive.events(URL) == ["new", "moved"]


# --- a parser change is not an edit ------------------------------------------------------------
PAGE_V1 = "<html><body><div id='zoom'><p>正文第一段。</p><p>稿源：县司法局</p></div></body></html>"


def old_parser(data: bytes, url: str) -> Record:
    """Yesterday's parser kept the 稿源 trailer in the body."""
    return record(
        url=url, body="正文第一段。\n稿源：县司法局" if "稿源" in data.decode() else "正文已修改。"
    )


def new_parser(data: bytes, url: str) -> Record:
    """Today's parser drops it."""
    return record(url=url, body="正文第一段。" if "正文第一段" in data.decode() else "正文已修改。")


def crawl_twice(
    archive: Archive, page_v2: str, reparsed_sha: str | None = None
) -> tuple[str | None, str]:
    """Archive PAGE_V1 with the old parser, then ``page_v2`` with the new one, handed the
    previous capture as the new parser reads it (as the crawl's parse worker does; by
    default naming the capture behind the stored record); the second event's reason and the
    outcome."""
    first = archive.record_fetch(None, URL, body=PAGE_V1.encode(), status=200)
    archive.record_document(
        old_parser(PAGE_V1.encode(), URL), site="s", run_id=None, raw_sha256=first.sha256, at=DAY1
    )
    second = archive.record_fetch(None, URL, body=page_v2.encode(), status=200)
    reparsed = Reparsed(reparsed_sha or first.sha256 or "", new_parser(PAGE_V1.encode(), URL))
    outcome = archive.record_document(
        new_parser(page_v2.encode(), URL), site="s", run_id=None, raw_sha256=second.sha256,
        reparsed=reparsed, at=DAY2,
    )  # fmt: skip
    row = archive.conn.execute(
        "SELECT reason FROM document_events WHERE event = 'changed' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return (row[0] if row else "no event"), outcome


def test_the_same_page_under_a_new_parser_is_a_parser_update(archive: Archive) -> None:
    # The page carries a counter that differs each night: its bytes change, its text does not.
    assert crawl_twice(archive, PAGE_V1.replace("</body>", "<!-- 浏览次数 12 --></body>")) == (
        "parser-update",
        "changed",
    )


def test_a_reparse_of_another_capture_than_the_stored_ones_is_not_used(archive: Archive) -> None:
    page = PAGE_V1.replace("</body>", "<!-- 浏览次数 12 --></body>")
    assert crawl_twice(archive, page, reparsed_sha="0" * 64) == (None, "changed")


def test_an_edit_on_the_site_is_still_an_edit(archive: Archive) -> None:
    edited = "<html><body><div id='zoom'><p>正文已修改。</p></div></body></html>"
    assert crawl_twice(archive, edited) == (None, "changed")


def test_a_parser_update_stays_out_of_the_changed_feed_query(archive: Archive) -> None:
    from archive.datasette_meta import CANNED_QUERIES

    crawl_twice(archive, PAGE_V1)
    sql = CANNED_QUERIES["changed_this_week"]["sql"].replace(
        "strftime('%Y-%m-%dT%H:%M:%S', 'now', '+8 hours', '-7 days')", "'2000-01-01'"
    )
    assert archive.conn.execute(sql).fetchall() == []


def test_answers_that_do_not_count_never_confirm_gone(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.record_missing(URL, at=DAY2, counts=False)
    archive.record_missing(URL, at=DAY4, counts=False)
    assert archive.events(URL) == ["new", "missing"]


def test_an_uncounted_answer_still_starts_the_absence(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.record_missing(URL, at=DAY2, counts=False)
    archive.record_missing(URL, at=DAY3)
    archive.record_missing(URL, at=DAY4)
    assert archive.events(URL) == ["new", "missing", "gone"]


def test_v3_migration_search_finds_one_character(v3_archive) -> None:
    from archive.tokenizer import match_expression

    with Archive(v3_archive) as archive:
        hits = archive.conn.execute(
            "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?",
            (match_expression("文"),),
        ).fetchone()[0]
    assert hits == 5


def test_v3_migration_index_passes_integrity_check(v3_archive) -> None:
    with Archive(v3_archive) as archive:
        problems = archive.conn.execute(
            "INSERT INTO documents_fts(documents_fts) VALUES ('integrity-check')"
        ).fetchall()
    assert problems == []


def test_v3_migration_index_uses_the_bigram_tokenizer(v3_archive) -> None:
    with Archive(v3_archive) as archive:
        sql = archive.conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'documents_fts'"
        ).fetchone()[0]
    assert "tokenize='govarchive_bigrams'" in sql
