"""The archive's clock (archive/clock.py): given once, read by every stamp written
without an explicit ``at=``."""

from __future__ import annotations

import pytest

from archive import Archive
from archive.clock import clock_at, now_iso, parse_iso

REPLAYED = "2025-06-02T02:00:00+08:00"


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "a.db", clock=clock_at(REPLAYED)) as opened:
        yield opened


def value(archive: Archive, sql: str, *params: object) -> object:
    return archive.conn.execute(sql, params).fetchone()[0]


def test_the_clock_of_a_crawl_without_a_given_time_is_the_current_time() -> None:
    assert clock_at(None) is now_iso


def test_the_clock_of_a_replayed_crawl_reads_its_time() -> None:
    assert clock_at(REPLAYED)() == REPLAYED


def test_now_is_china_time() -> None:
    assert parse_iso(now_iso()).utcoffset().total_seconds() == 8 * 3600


def test_a_run_starts_at_the_archives_clock(archive) -> None:
    run_id = archive.start_run("crawl", ["demo"])
    assert value(archive, "SELECT started_at FROM runs WHERE id = ?", run_id) == REPLAYED


def test_a_run_finishes_at_the_archives_clock(archive) -> None:
    run_id = archive.start_run("crawl", ["demo"])
    archive.finish_run(run_id, "finished")
    assert value(archive, "SELECT finished_at FROM runs WHERE id = ?", run_id) == REPLAYED


def test_a_run_closed_by_its_exit_is_stamped_by_the_archives_clock(archive) -> None:
    run_id = archive.start_run("crawl", ["demo"])
    archive.set_run_exit(run_id, 1, fallback="crashed")
    assert value(archive, "SELECT finished_at FROM runs WHERE id = ?", run_id) == REPLAYED


def test_sites_are_updated_at_the_archives_clock(archive) -> None:
    archive.upsert_sites([{"name": "demo", "start_urls": []}])
    assert value(archive, "SELECT updated_at FROM sites WHERE name = 'demo'") == REPLAYED


def test_a_fetch_is_stamped_by_the_archives_clock(archive) -> None:
    ref = archive.record_fetch(None, "http://x/1.html", status=200, body=b"<html></html>")
    assert value(archive, "SELECT fetched_at FROM fetches WHERE id = ?", ref.id) == REPLAYED


def test_an_explicit_time_wins_over_the_clock(archive) -> None:
    run_id = archive.start_run("crawl", ["demo"], at="2025-06-09T02:00:00+08:00")
    started = value(archive, "SELECT started_at FROM runs WHERE id = ?", run_id)
    assert started == "2025-06-09T02:00:00+08:00"
