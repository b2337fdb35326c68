"""The tamper-evident log (archive/ledger.py) and ``govarchive verify``: an untouched archive
verifies; each kind of alteration is named by its row."""

from __future__ import annotations

import sqlite3
import zlib
from pathlib import Path

import pytest
from conftest import copy_archive, run_cli

from archive import Archive
from archive.clock import clock_at
from archive.ledger import verify
from archive.runs import ClockBehind


def tampered(demo_archive: Path, tmp_path: Path, *statements: str) -> Path:
    """A copy of the demo archive with ``statements`` run on it (as someone with the file
    would: the append-only triggers dropped first)."""
    copy = copy_archive(demo_archive, tmp_path)
    conn = sqlite3.connect(copy, isolation_level=None)
    for table in ("document_events", "versions", "fetches"):
        for verb in ("update", "delete"):
            conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
    for statement in statements:
        conn.execute(statement)
    conn.close()
    return copy


def verified(db: Path, *args: str):
    return run_cli("verify", "--db", str(db), *args, check=False)


def test_an_untouched_archive_verifies(demo_archive) -> None:
    assert verified(demo_archive).returncode == 0


def test_an_untouched_archive_names_its_head(demo_archive) -> None:
    with Archive(demo_archive) as archive:
        head = archive.conn.execute("SELECT head FROM checkpoints ORDER BY id DESC").fetchone()[0]
    assert head in verified(demo_archive).stdout


def test_every_run_ends_with_a_checkpoint(demo_archive) -> None:
    with Archive(demo_archive) as archive:
        runs = archive.conn.execute("SELECT count(*) FROM runs").fetchone()[0]
        ends = archive.conn.execute(
            "SELECT count(*) FROM checkpoints WHERE run_id IS NOT NULL"
        ).fetchone()[0]
    assert ends == runs


def test_every_capture_version_event_and_attachment_file_is_chained(demo_archive) -> None:
    with Archive(demo_archive) as archive:
        rows = sum(
            archive.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("fetches", "versions", "document_events", "attachment_files")
        )
        chained = archive.conn.execute("SELECT count(*) FROM chain").fetchone()[0]
    assert chained == rows


def test_a_byte_changed_in_a_raw_page_is_named(demo_archive, tmp_path) -> None:
    copy = copy_archive(demo_archive, tmp_path)
    conn = sqlite3.connect(copy, isolation_level=None)
    sha, packed = conn.execute("SELECT sha256, content FROM raw_pages LIMIT 1").fetchone()
    body = bytearray(zlib.decompress(packed))
    body[len(body) // 2] ^= 1
    conn.execute("UPDATE raw_pages SET content = ? WHERE sha256 = ?", (zlib.compress(body), sha))
    conn.close()
    done = verified(copy)
    assert (done.returncode, f"raw page {sha} was altered" in done.stdout) == (1, True)


def test_an_edited_event_date_is_named(demo_archive, tmp_path) -> None:
    copy = tampered(
        demo_archive,
        tmp_path,
        "UPDATE document_events SET at = '2026-01-01T00:00:00+08:00' WHERE id = 3",
    )
    done = verified(copy)
    assert (done.returncode, "document_events row 3 was altered" in done.stdout) == (1, True)


def test_a_deleted_event_is_named(demo_archive, tmp_path) -> None:
    copy = tampered(demo_archive, tmp_path, "DELETE FROM document_events WHERE id = 5")
    done = verified(copy)
    assert (done.returncode, "document_events row 5 was deleted" in done.stdout) == (1, True)


def test_an_inserted_version_is_named(demo_archive, tmp_path) -> None:
    copy = tampered(
        demo_archive,
        tmp_path,
        "INSERT INTO versions (document_id, version, content_hash, fetched_at, record)"
        " VALUES (1, 9, 'forged', '2026-01-02T00:00:00+08:00', '{}')",
    )
    with Archive(copy) as archive:
        forged = archive.conn.execute("SELECT max(id) FROM versions").fetchone()[0]
    done = verified(copy)
    assert (done.returncode, f"versions row {forged} was inserted" in done.stdout) == (1, True)


def test_a_deleted_stored_file_is_named(demo_archive, tmp_path) -> None:
    copy = copy_archive(demo_archive, tmp_path)
    stored = sorted(Path(f"{copy}.files").glob("??/*"))[0]
    stored.unlink()
    done = verified(copy)
    assert (done.returncode, f"capture {stored.name} is missing" in done.stdout) == (1, True)


@pytest.fixture
def unnamed_file(demo_archive, tmp_path):
    """A copy of the demo archive with a file stored and never recorded (a crawl killed
    between ``store_bytes`` and its row's commit)."""
    from archive.files import store_bytes

    copy = copy_archive(demo_archive, tmp_path)
    sha, _ = store_bytes(Path(f"{copy}.files"), "未记录的附件".encode())
    return copy, sha, verified(copy)


def test_a_stored_file_no_row_names_is_noted(unnamed_file) -> None:
    _, sha, done = unnamed_file
    assert f"1 stored file(s) no row names, e.g. {sha}" in done.stdout


def test_a_stored_file_no_row_names_fails_nothing(unnamed_file) -> None:
    assert unnamed_file[2].returncode == 0


def test_an_untouched_archive_notes_no_unnamed_file(demo_archive) -> None:
    assert "no row names" not in verified(demo_archive).stdout


def test_a_head_kept_elsewhere_is_found(demo_archive) -> None:
    with Archive(demo_archive) as archive:
        head = archive.conn.execute("SELECT head FROM checkpoints ORDER BY id DESC").fetchone()[0]
    assert verified(demo_archive, "--head", head).returncode == 0


def test_a_rewritten_chain_is_caught_by_a_head_kept_elsewhere(demo_archive, tmp_path) -> None:
    with Archive(demo_archive) as archive:
        head = archive.conn.execute("SELECT head FROM checkpoints ORDER BY id DESC").fetchone()[0]
    copy = tampered(
        demo_archive, tmp_path, "DROP TRIGGER chain_no_delete", "DROP TRIGGER checkpoints_no_delete",
        "DELETE FROM chain", "DELETE FROM checkpoints",
    )  # fmt: skip
    with Archive(copy) as archive:  # the rows sealed again, as a forger would
        archive.seal("rewritten")
    done = verified(copy, "--head", head)
    assert (done.returncode, "no checkpoint of the chain holds head" in done.stdout) == (1, True)


def test_chain_rows_cannot_be_updated(tmp_path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        archive.record_fetch(None, "http://www.example.gov.cn/1.html", status=200, body=b"x")
        archive.seal("test")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            archive.conn.execute("UPDATE chain SET hash = x'00'")


def test_a_fetch_cannot_be_deleted(tmp_path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        archive.record_fetch(None, "http://www.example.gov.cn/1.html", status=200, body=b"x")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            archive.conn.execute("DELETE FROM fetches")


def test_rows_of_an_open_run_are_noted_not_failed(tmp_path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        run_id = archive.start_run("crawl", ["demo"])
        archive.record_fetch(run_id, "http://www.example.gov.cn/1.html", status=200, body=b"x")
        verdict = verify(archive.conn, archive.files_dir)
    assert (verdict.ok, len(verdict.notes)) == (True, 1)


def test_a_finished_run_seals_its_rows(tmp_path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        run_id = archive.start_run("crawl", ["demo"])
        archive.record_fetch(run_id, "http://www.example.gov.cn/1.html", status=200, body=b"x")
        archive.finish_run(run_id, "finished")
        verdict = verify(archive.conn, archive.files_dir)
    assert (verdict.ok, verdict.notes, verdict.rows) == (True, [], 1)


@pytest.fixture
def refused(tmp_path) -> Archive:
    """An archive with a run on 2 December, asked for a run on 1 December (refused)."""
    db = tmp_path / "a.db"
    with Archive(db, clock=clock_at("2026-12-02T02:00:00+08:00")) as archive:
        archive.finish_run(archive.start_run("crawl", ["demo"]), "finished")
    with Archive(db, clock=clock_at("2026-12-01T02:00:00+08:00")) as archive:
        with pytest.raises(ClockBehind):
            archive.start_run("crawl", ["demo"])
        yield archive


def test_a_run_earlier_than_the_archives_last_is_refused(refused) -> None:
    assert refused.conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1


def test_times_are_compared_across_zones(tmp_path) -> None:
    db = tmp_path / "a.db"
    with Archive(db, clock=clock_at("2026-12-02T09:00:00+08:00")) as archive:
        archive.finish_run(archive.start_run("crawl", ["demo"]), "finished")
    with Archive(db, clock=clock_at("2026-12-02T02:00:00+00:00")) as archive:
        assert archive.start_run("crawl", ["demo"]) == 2


def parse_differently(raw: bytes, url: str):
    """The page parser with every title changed: a parser update, as ``reparse`` meets one."""
    from parsers import parse_page

    record = parse_page(raw, url)
    record.title = f"{record.title}（新解析）"
    return record


def test_a_reparse_seals_what_it_wrote(demo_archive, tmp_path) -> None:
    copy = copy_archive(demo_archive, tmp_path)
    with Archive(copy) as archive:
        outcome = archive.reparse(parse_differently)
        note = archive.conn.execute("SELECT note FROM checkpoints ORDER BY id DESC").fetchone()[0]
    assert (outcome["changed"] > 0, note.startswith("after re-running")) == (True, True)


def test_a_reparsed_archive_verifies(demo_archive, tmp_path) -> None:
    copy = copy_archive(demo_archive, tmp_path)
    with Archive(copy) as archive:
        archive.reparse(parse_differently)
    assert verified(copy).returncode == 0


def test_a_run_closed_by_its_exit_seals_what_it_wrote(tmp_path) -> None:
    """A crawl that died is closed by its parent (the scheduler): its rows must not read as
    inserted behind the archive's back."""
    with Archive(tmp_path / "a.db") as archive:
        run_id = archive.start_run("crawl", ["demo"])
        archive.record_fetch(run_id, "http://www.example.gov.cn/1.html", status=200, body=b"x")
        archive.set_run_exit(run_id, -9, reason="killed")
        verdict = verify(archive.conn, archive.files_dir)
    assert (verdict.ok, verdict.rows) == (True, 1)


def test_a_chain_entry_naming_another_table_is_named_not_run(demo_archive, tmp_path) -> None:
    copy = tampered(
        demo_archive, tmp_path, "DROP TRIGGER chain_no_update",
        "UPDATE chain SET tbl = 'documents; DROP TABLE runs' WHERE seq = 2",
    )  # fmt: skip
    done = verified(copy)
    assert (done.returncode, "chain entry 2 names no chained table" in done.stdout) == (1, True)
