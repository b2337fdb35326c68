"""archive.store: versions, deletions after confirmation, dedup, raw pages, reparse, export."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from archive import SCHEMA_VERSION, Archive, SchemaError
from archive.export import export_rows, write_export
from parsers.record import Attachment, Record

DAY1 = "2025-04-01T02:00:00+08:00"
DAY1_LATER = "2025-04-01T20:00:00+08:00"
DAY2 = "2025-04-02T02:00:00+08:00"
DAY3 = "2025-04-03T02:00:00+08:00"


def record(
    url: str = "http://example.gov.cn/a/t1.html", body: str = "第一段。\n第二段。", **kw
) -> Record:
    return Record(
        url=url,
        title="关于执法检查的通知",
        doc_date="2025-03-01",
        issuer="某县人民政府",
        body_text=body,
        **kw,
    )


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "a.db") as a:
        yield a


def versions(archive: Archive, url: str) -> list[int]:
    rows = archive.conn.execute(
        "SELECT v.version FROM versions v JOIN documents d ON d.id = v.document_id WHERE d.url = ?"
        " ORDER BY v.version",
        (url,),
    )
    return [r[0] for r in rows]


def doc(archive: Archive, url: str) -> sqlite3.Row:
    return archive.conn.execute("SELECT * FROM documents WHERE url = ?", (url,)).fetchone()


def test_new_document(archive: Archive) -> None:
    assert archive.record_document(record(), site="s", run_id=None, at=DAY1) == "new"


def test_unchanged_document_writes_no_version(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.record_document(record(), site="s", run_id=None, at=DAY2)
    assert versions(archive, record().url) == [1]


def test_unchanged_document_moves_last_seen(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.record_document(record(), site="s", run_id=None, at=DAY2)
    assert doc(archive, record().url)["last_seen"] == DAY2


def test_whitespace_only_difference_is_not_an_edit(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    outcome = archive.record_document(
        record(body="第一段。 \n\n第二段。"), site="s", run_id=None, at=DAY2
    )
    assert outcome == "unchanged"


def test_edit_adds_a_version(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.record_document(
        record(body="第一段。\n第二段（修订）。"), site="s", run_id=None, at=DAY2
    )
    assert versions(archive, record().url) == [1, 2]


def test_edit_records_changed_fields(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.record_document(record(body="改了。"), site="s", run_id=None, at=DAY2)
    row = archive.conn.execute("SELECT changed_fields FROM versions WHERE version = 2").fetchone()
    assert json.loads(row[0]) == ["body_text"]


def test_edit_keeps_the_old_text(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.record_document(record(body="改了。"), site="s", run_id=None, at=DAY2)
    row = archive.conn.execute("SELECT record FROM versions WHERE version = 1").fetchone()
    assert json.loads(row[0])["body_text"] == "第一段。\n第二段。"


def test_same_document_on_two_urls_shares_a_hash(archive: Archive) -> None:
    archive.record_document(
        record(url="http://city.example.gov.cn/t1.html"), site="city", run_id=None, at=DAY1
    )
    archive.record_document(
        record(url="http://county.example.gov.cn/t9.html"), site="county", run_id=None, at=DAY1
    )
    row = archive.conn.execute("SELECT copies, sites FROM same_document_elsewhere").fetchone()
    assert (row["copies"], row["sites"]) == (2, "city | county")


def test_one_404_is_not_gone(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    assert archive.record_missing(record().url, at=DAY2) == "missing"


def test_two_404s_within_a_day_are_not_gone(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.record_missing(record().url, at=DAY1)
    assert archive.record_missing(record().url, at=DAY1_LATER) == "missing"


def test_two_404s_a_day_apart_are_gone(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.record_missing(record().url, at=DAY1)
    archive.record_missing(record().url, at=DAY2)
    assert doc(archive, record().url)["status"] == "gone"


def test_gone_keeps_every_version(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.record_document(record(body="改了。"), site="s", run_id=None, at=DAY1_LATER)
    archive.record_missing(record().url, at=DAY2)
    archive.record_missing(record().url, at=DAY3)
    assert versions(archive, record().url) == [1, 2]


def test_confirmation_window_is_configurable(tmp_path) -> None:
    with Archive(tmp_path / "b.db", gone_after_hours=48) as a:
        a.record_document(record(), site="s", run_id=None, at=DAY1)
        a.record_missing(record().url, at=DAY1)
        assert a.record_missing(record().url, at=DAY2) == "missing"


def test_answer_after_a_404_resets_the_absence(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.record_missing(record().url, at=DAY1)
    archive.record_document(record(), site="s", run_id=None, at=DAY2)
    assert archive.record_missing(record().url, at=DAY3) == "missing"


def test_delisted_keeps_the_document(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.mark_delisted(record().url, at=DAY2)
    assert doc(archive, record().url)["status"] == "delisted"


def test_raw_page_stored_once(archive: Archive) -> None:
    body = "<html>同一页面</html>".encode()
    archive.record_fetch(None, "http://x/1", body=body, status=200)
    archive.record_fetch(None, "http://x/2", body=body, status=200)
    assert archive.conn.execute("SELECT count(*) FROM raw_pages").fetchone()[0] == 1


def test_raw_page_round_trip(archive: Archive) -> None:
    body = "<html>原始页面</html>".encode()
    sha = archive.record_fetch(None, "http://x/1", body=body, status=200).sha256
    assert archive.raw_page(sha) == body


def test_failed_fetch_recorded_with_reason(archive: Archive) -> None:
    archive.record_fetch(7, "http://x/slow", error="timeout")
    row = archive.conn.execute("SELECT run_id, error FROM fetches").fetchone()
    assert tuple(row) == (7, "timeout")


def test_reparse_writes_versions_only_where_records_change(archive: Archive) -> None:
    html = "<html><head><title>关于执法检查的通知</title></head><body><div>{}</div></body></html>"
    for n, url in enumerate(("http://x/1.html", "http://x/2.html")):
        raw = html.format("第一段正文内容，足够长的一段文字。" * (n + 1)).encode()
        sha = archive.record_fetch(None, url, body=raw, status=200).sha256
        archive.record_document(record(url=url), site="s", run_id=None, raw_sha256=sha, at=DAY1)
    from parsers import parse_page

    first = archive.reparse(parse_page, at=DAY2)
    second = archive.reparse(parse_page, at=DAY3)
    assert (first["changed"], second["changed"], second["unchanged"]) == (2, 0, 2)


def test_a_page_the_parser_refuses_does_not_stop_a_reparse(archive: Archive) -> None:
    from parsers.page import PageLimitError

    for n in (1, 2):
        url = f"http://x/{n}.html"
        sha = archive.record_fetch(None, url, body=f"<p>{n}</p>".encode(), status=200).sha256
        archive.record_document(record(url=url), site="s", run_id=None, raw_sha256=sha, at=DAY1)

    def parse(raw: bytes, url: str):
        if url.endswith("1.html"):
            raise PageLimitError("too-many-elements", "test")
        return record(url=url, body="重新解析后的正文。")

    outcome = archive.reparse(parse, at=DAY2)
    assert (outcome["too-many-elements"], outcome["changed"]) == (1, 1)


def test_attachment_stored_by_hash_not_by_name(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.record_attachment(
        record().url, "http://x/f.pdf", "../../etc/passwd\x00", b"%PDF-1.4 test", at=DAY1
    )
    row = archive.conn.execute("SELECT name, stored_path, sha256 FROM attachments").fetchone()
    assert row["stored_path"] == f"{row['sha256'][:2]}/{row['sha256']}"


def test_attachment_name_sanitised(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.record_attachment(
        record().url, "http://x/f.pdf", "../../etc/passwd\x00", b"%PDF-1.4", at=DAY1
    )
    name = archive.conn.execute("SELECT name FROM attachments").fetchone()[0]
    assert "/" not in name and "\x00" not in name


def test_attachment_file_inside_storage(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.record_attachment(record().url, "http://x/f.pdf", "a" * 500, b"%PDF-1.4", at=DAY1)
    stored = [p for p in archive.files_dir.rglob("*") if p.is_file()]
    assert len(stored) == 1 and archive.files_dir in stored[0].parents


def test_docx_attachment_text_extracted(archive: Archive) -> None:
    from crawler.demo.attachments import make_docx

    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.record_attachment(
        record().url, "http://x/f.docx", "分工表", make_docx(["任务分工表", "县司法局"])
    )
    assert (
        archive.conn.execute("SELECT text FROM attachments").fetchone()[0] == "任务分工表\n县司法局"
    )


def test_pdf_attachment_text_extracted(archive: Archive) -> None:
    from crawler.demo.attachments import make_pdf

    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    archive.record_attachment(
        record().url, "http://x/f.pdf", "台账", make_pdf("工作台账", ["行政执法案件统计"])
    )
    assert "行政执法案件统计" in archive.conn.execute("SELECT text FROM attachments").fetchone()[0]


def test_export_jsonl(archive: Archive) -> None:
    archive.record_document(
        record(attachments=[Attachment("附件", "http://x/a.pdf")]), site="s", run_id=None
    )
    out = io.StringIO()
    write_export(export_rows(archive), "jsonl", out)
    assert json.loads(out.getvalue())["attachments"] == [{"name": "附件", "url": "http://x/a.pdf"}]


def test_export_csv_header(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None)
    out = io.StringIO()
    write_export(export_rows(archive), "csv", out)
    assert out.getvalue().splitlines()[0].startswith("id,url,site,title,doc_date")


def test_export_filters_by_site_and_since(archive: Archive) -> None:
    archive.record_document(record(url="http://a/1"), site="a", run_id=None, at=DAY1)
    archive.record_document(record(url="http://b/1"), site="b", run_id=None, at=DAY3)
    rows = list(export_rows(archive, since="2025-04-02", sites=["a", "b"]))
    assert [r["url"] for r in rows] == ["http://b/1"]


def test_schema_version_recorded(archive: Archive) -> None:
    assert archive.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_newer_schema_refused(tmp_path) -> None:
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaError):
        Archive(path)


def test_wal_mode(archive: Archive) -> None:
    assert archive.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def query_plan(archive: Archive, sql: str) -> str:
    return " | ".join(row[3] for row in archive.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))


def test_documents_default_order_reads_an_index(archive: Archive) -> None:
    # Datasette's documents page sorts by last_changed (metadata sort_desc) on every visit.
    plan = query_plan(archive, "SELECT * FROM documents ORDER BY last_changed DESC LIMIT 101")
    assert "TEMP B-TREE" not in plan


@pytest.mark.parametrize("column", ["site", "issuer", "year", "status"])
def test_documents_facet_counts_read_only_an_index(archive: Archive, column: str) -> None:
    # The SQL Datasette runs for a configured facet on the unfiltered page.
    plan = query_plan(
        archive,
        f"SELECT {column} AS value, count(*) AS count FROM (SELECT * FROM documents)"
        f" WHERE {column} IS NOT NULL GROUP BY {column} ORDER BY count DESC, value LIMIT 31",
    )
    assert f"COVERING INDEX documents_{column}" in plan


def test_schema_v2_archive_gains_the_documents_page_indexes(tmp_path) -> None:
    from archive.migrations import LEGACY_TOKENIZER, MIGRATIONS, statements
    from archive.tokenizer import register

    path = tmp_path / "v2.db"
    conn = sqlite3.connect(path)
    register(conn, LEGACY_TOKENIZER)  # the name the index had before v6
    for version in (1, 2):
        for statement in statements(MIGRATIONS[version]):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    with Archive(path) as archive:
        names = {r[0] for r in archive.conn.execute("SELECT name FROM sqlite_master")}
    assert {"documents_last_changed", "documents_issuer", "documents_year"} <= names


def index_hash_bytes(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT v FROM documents_fts_config WHERE k = 'hashsize'").fetchone()
    return row[0] if row else None


def test_the_search_index_gathers_terms_in_a_large_buffer(archive: Archive) -> None:
    from archive.schema import INDEX_HASH_BYTES

    assert index_hash_bytes(archive.conn) == INDEX_HASH_BYTES


def archive_at_version(path: Path, version: int) -> Path:
    """A new archive as govarchive wrote it at schema ``version`` (its migrations run)."""
    from archive.schema import LEGACY_TOKENIZER, apply_step
    from archive.tokenizer import register

    conn = sqlite3.connect(path, isolation_level=None)
    register(conn, LEGACY_TOKENIZER)
    register(conn)
    for number in range(1, version + 1):
        apply_step(conn, number)
    conn.close()
    return path


def test_a_v7_archive_gains_the_large_index_buffer(tmp_path) -> None:
    from archive.schema import INDEX_HASH_BYTES

    path = archive_at_version(tmp_path / "v7.db", 7)
    with Archive(path) as archive:
        assert index_hash_bytes(archive.conn) == INDEX_HASH_BYTES


def v8_archive_with_rows(path: Path) -> Path:
    archive_at_version(path, 8)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(
        "INSERT INTO fetches (url, fetched_at, status) VALUES ('http://www.example.gov.cn/1.html',"
        " '2026-11-01T02:00:00+08:00', 200)"
    )
    conn.close()
    return path


def test_a_v8_archives_rows_are_sealed_by_the_migration(tmp_path) -> None:
    with Archive(v8_archive_with_rows(tmp_path / "v8.db")) as archive:
        rows = archive.conn.execute("SELECT tbl, row_id FROM chain").fetchall()
    assert [tuple(row) for row in rows] == [("f", 1)]


def test_the_migrations_checkpoint_says_the_chain_started_there(tmp_path) -> None:
    with Archive(v8_archive_with_rows(tmp_path / "v8.db")) as archive:
        note = archive.conn.execute("SELECT note FROM checkpoints").fetchone()[0]
    assert note.startswith("chain started at the migration to schema 9")


def test_a_migrated_archive_verifies(tmp_path) -> None:
    from archive.ledger import verify

    with Archive(v8_archive_with_rows(tmp_path / "v8.db")) as archive:
        assert verify(archive.conn, archive.files_dir).ok


def v10_archive_with_a_document(path: Path) -> Path:
    archive_at_version(path, 10)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(
        "INSERT INTO documents (url, site, title, body_text, status, content_hash, first_seen,"
        " last_seen, last_changed) VALUES ('http://www.example.gov.cn/1.html', 's',"
        " '法治政府建设年度报告', '全面推进依法行政。', 'live', 'h1', ?, ?, ?)",
        (DAY1, DAY1, DAY1),
    )
    conn.close()
    return path


def test_a_v10_archives_index_gains_a_prefix_index(tmp_path) -> None:
    with Archive(v10_archive_with_a_document(tmp_path / "v10.db")) as archive:
        sql = archive.conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'documents_fts'"
        ).fetchone()[0]
    assert "prefix='1'" in sql


def test_a_v10_archives_documents_are_found_by_one_character(tmp_path) -> None:
    from archive.tokenizer import match_expression

    with Archive(v10_archive_with_a_document(tmp_path / "v10.db")) as archive:
        title = archive.conn.execute("SELECT title FROM documents").fetchone()[0]
        found = archive.conn.execute(
            "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?",
            (match_expression(title[0]),),
        ).fetchone()[0]
    assert found == 1


def test_last_seen_update_does_not_reindex(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    before = archive.conn.execute("SELECT count(*) FROM documents_fts_data").fetchone()[0]
    archive.touch_document(record().url, listed=True, at=DAY2)
    after = archive.conn.execute("SELECT count(*) FROM documents_fts_data").fetchone()[0]
    assert before == after


def test_attachment_name_loses_bidi_controls() -> None:
    from archive.files import safe_name

    assert safe_name("报告\u202efdp.exe") == "报告fdp.exe"


def test_run_of_a_dead_crawl_is_closed_as_killed(archive: Archive) -> None:
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    run_id = archive.start_run("govarchive crawl", ["s"], at=DAY1)
    archive.conn.execute("UPDATE runs SET pid = ? WHERE id = ?", (dead.pid, run_id))
    archive.close_stale_runs(at=DAY2)
    row = archive.conn.execute("SELECT finish_reason FROM runs WHERE id = ?", (run_id,)).fetchone()
    assert row[0] == "killed"


def test_run_of_a_live_crawl_stays_open(archive: Archive) -> None:
    run_id = archive.start_run("govarchive crawl", ["s"], at=DAY1)  # this process: alive
    assert (archive.close_stale_runs(at=DAY2), run_id) == ([], run_id)


def test_a_version_does_not_repeat_the_body_html(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    stored = archive.conn.execute("SELECT record FROM versions").fetchone()[0]
    assert "body_html" not in json.loads(stored)


def test_a_version_keeps_the_body_text(archive: Archive) -> None:
    archive.record_document(record(), site="s", run_id=None, at=DAY1)
    stored = archive.conn.execute("SELECT record FROM versions").fetchone()[0]
    assert json.loads(stored)["body_text"] == record().body_text


# --- batched commits ------------------------------------------------------------------------
def _batch_record(n: int) -> Record:
    return Record(url=f"http://x.example.gov.cn/b/{n}.html", title=f"批量{n}", body_text="正文")


def _committed(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("max_writes", "committed"),
    [(10, 0), (2, 2)],
    ids=["below-its-size-nothing-shows", "at-its-size-it-commits"],
)
def test_a_batch_commits_only_at_its_size(tmp_path, max_writes: int, committed: int) -> None:
    with Archive(tmp_path / "a.db") as archive, archive.batch(max_writes, max_seconds=3600):
        for n in range(3):
            archive.record_document(_batch_record(n), site="s", run_id=None)
        seen = _committed(tmp_path / "a.db")
    assert seen == committed


def test_a_batch_commits_when_it_ends(tmp_path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        with archive.batch(max_writes=10, max_seconds=3600):
            for n in range(3):
                archive.record_document(_batch_record(n), site="s", run_id=None)
        assert _committed(tmp_path / "a.db") == 3


def test_a_failed_write_in_a_batch_loses_only_itself(tmp_path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        with archive.batch(max_writes=10, max_seconds=3600):
            archive.record_document(_batch_record(1), site="s", run_id=None)
            with pytest.raises(sqlite3.IntegrityError), archive.transaction() as conn:
                conn.execute(
                    "INSERT INTO documents (url, site, title) VALUES ('http://x/2', 's', 't')"
                )
                conn.execute("INSERT INTO documents (id) VALUES (NULL)")
            archive.record_document(_batch_record(3), site="s", run_id=None)
        urls = [r[0] for r in archive.conn.execute("SELECT url FROM documents ORDER BY url")]
    assert urls == [_batch_record(1).url, _batch_record(3).url]


def test_a_batch_killed_before_commit_leaves_the_earlier_commits(tmp_path) -> None:
    # A child process that commits 2 writes, leaves 1 in the open batch and is killed.
    script = (
        "import os, signal, sys\n"
        "from archive import Archive\n"
        "from parsers.record import Record\n"
        "a = Archive(sys.argv[1])\n"
        "with a.batch(max_writes=2, max_seconds=3600):\n"
        "    for n in range(3):\n"
        "        a.record_document(Record(url=f'http://x/{n}', title='t', body_text=str(n)),"
        " site='s', run_id=None)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    from conftest import ROOT

    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "a.db")], cwd=ROOT)
    assert (done.returncode, _committed(tmp_path / "a.db")) == (-9, 2)


# --- the search index, brought up to date at each commit ----------------------------------
def _matches(archive: Archive, text: str) -> list[str]:
    from archive.tokenizer import match_expression

    return [
        r[0]
        for r in archive.conn.execute(
            "SELECT d.url FROM documents_fts JOIN documents d ON d.id = documents_fts.rowid"
            " WHERE documents_fts MATCH ? ORDER BY d.url",
            (match_expression(text),),
        )
    ]


def _edited(n: int, body: str) -> Record:
    return Record(url=f"http://x.example.gov.cn/b/{n}.html", title=f"批量{n}", body_text=body)


@pytest.fixture
def edited_in_batches(tmp_path):
    """Documents added, edited in the same batch, and edited again in a later one."""
    archive = Archive(tmp_path / "a.db")
    with archive.batch(max_writes=1000, max_seconds=3600):
        for n in range(3):
            archive.record_document(_edited(n, "原文执法检查"), site="s", run_id=None)
        archive.record_document(_edited(1, "同批修改为行政复议"), site="s", run_id=None)
    with archive.batch(max_writes=1000, max_seconds=3600):
        archive.record_document(_edited(2, "下批修改为普法宣传"), site="s", run_id=None)
    yield archive
    archive.close()


def test_the_index_finds_the_text_documents_have_now(edited_in_batches) -> None:
    assert [_matches(edited_in_batches, q) for q in ("执法", "复议", "普法")] == [
        [_edited(0, "").url],
        [_edited(1, "").url],
        [_edited(2, "").url],
    ]


def test_the_index_passes_its_integrity_check_after_batches(edited_in_batches) -> None:
    check = edited_in_batches.conn.execute(
        "INSERT INTO documents_fts(documents_fts, rank) VALUES ('integrity-check', 1)"
    ).fetchall()
    assert check == []


def test_nothing_is_left_to_index_after_a_commit(edited_in_batches) -> None:
    left = edited_in_batches.conn.execute("SELECT count(*) FROM documents_fts_pending")
    assert left.fetchone()[0] == 0


def test_a_document_inserted_and_deleted_in_one_commit_never_reaches_the_index(tmp_path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        with archive.transaction() as conn:
            conn.execute(
                "INSERT INTO documents (url, site, title, body_text, content_hash, first_seen,"
                " last_seen, last_changed) VALUES ('http://x/1', 's', '临时', '短暂存在的正文',"
                " 'h', 't', 't', 't')"
            )
            conn.execute("DELETE FROM documents WHERE url = 'http://x/1'")
        check = archive.conn.execute(
            "INSERT INTO documents_fts(documents_fts, rank) VALUES ('integrity-check', 1)"
        ).fetchall()
        found = _matches(archive, "短暂")
    assert (check, found) == ([], [])
