"""crawler.runner and crawler.parse_pool in a real crawl: slow attachments are cut at
their own limit without costing other documents, and SIGTERM ends a crawl in seconds
even while a slow PDF is being read, recording what it has.

The replica is the TRS demo column (16 documents); some documents carry a PDF that pypdf
needs minutes to read (one page of many text operations, a few KB deflated)."""

from __future__ import annotations

import signal
import time
from dataclasses import replace

import pytest
from conftest import start_cli, wait_for
from replica_column import ColumnWorld, crawl_time
from test_crawler_parse_pool import slow_pdf

from crawler.demo.site import Page, attachment_files, trs_path

SLOW = (1, 5, 9)  # documents with a slow PDF each


def with_slow_pdfs(world: ColumnWorld, operations: int) -> list[str]:
    """Give documents ``SLOW`` a PDF each that is slow to read; their paths."""
    paths = []
    for index in SLOW:
        doc = replace(world.docs[index], attachments=[("pdf", f"附件{index}.pdf")])
        world.docs[index] = doc
        (_, filename, _, _) = attachment_files(doc)[0]
        path = f"{trs_path(doc).rsplit('/', 1)[0]}/{filename}"
        world.extra_pages[path] = Page(slow_pdf(operations), "application/pdf")
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def slow_attachments(tmp_path_factory):
    """Three slow PDFs, each cut at 1 s (a small PDF reads in 50 ms)."""
    with ColumnWorld(tmp_path_factory.mktemp("slow"), revisit_days=0) as world:
        with_slow_pdfs(world, 300_000)
        world.night(0, "--set", "GOVARCHIVE_ATTACHMENT_SECONDS=1")
        yield world


def test_every_document_is_archived_beside_slow_attachments(slow_attachments) -> None:
    rows = slow_attachments.query("SELECT count(*) n FROM documents")
    assert rows[0]["n"] == len(slow_attachments.docs)


SLOW_NAMES = [f"附件{index}.pdf" for index in SLOW]


def test_each_slow_attachment_is_recorded_as_timed_out(slow_attachments) -> None:
    rows = slow_attachments.query(
        "SELECT error FROM attachments WHERE name IN (?, ?, ?) ORDER BY id", *SLOW_NAMES
    )
    assert [r["error"] for r in rows] == ["text-extraction: timeout (1 s)"] * len(SLOW)


def test_a_slow_attachment_is_kept(slow_attachments) -> None:
    rows = slow_attachments.query(
        "SELECT count(*) n FROM attachments WHERE name IN (?, ?, ?) AND sha256 IS NOT NULL",
        *SLOW_NAMES,
    )
    assert rows[0]["n"] == len(SLOW)


def test_the_other_attachments_are_read(slow_attachments) -> None:
    rows = slow_attachments.query(
        "SELECT count(*) n FROM attachments WHERE name NOT IN (?, ?, ?) AND text != ''",
        *SLOW_NAMES,
    )
    assert rows[0]["n"] > 0


def test_slow_attachments_do_not_degrade_the_run(slow_attachments) -> None:
    rows = slow_attachments.query("SELECT finish_reason FROM runs")
    assert rows[0]["finish_reason"] == "finished"


@pytest.fixture(scope="module")
def stopped(tmp_path_factory):
    """A crawl sent SIGTERM while it reads a PDF that would take many minutes: (seconds
    from the signal to its exit, its exit code, the world)."""
    with ColumnWorld(tmp_path_factory.mktemp("stopped"), revisit_days=0) as world:
        paths = with_slow_pdfs(world, 3_500_000)
        world.publish()
        crawl = start_cli(
            "crawl", "--sites", str(world.registry), "--db", str(world.db), "--now", crawl_time(0)
        )
        try:
            assert wait_for(
                lambda: any(path in p for _, p in world.site.requests for path in paths), 120
            )
            crawl.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            code = crawl.wait(timeout=300)
            yield time.monotonic() - signalled, code, world
        finally:
            crawl.kill()


def test_sigterm_ends_a_crawl_reading_a_slow_pdf_within_seconds(stopped) -> None:
    # Read to the end, the PDF takes minutes; its limit alone is 60 s.
    assert stopped[0] < 30


def test_no_slow_pdf_is_read_after_the_stop(stopped) -> None:
    # The one being read is killed; the others, where fetched before the crawl ended, are
    # not read at all (a document not reached yet has no attachment row).
    rows = stopped[2].query("SELECT error FROM attachments WHERE name IN (?, ?, ?)", *SLOW_NAMES)
    errors = [r["error"] for r in rows]
    assert errors and all(e.endswith("the crawl was stopped") for e in errors), errors


def test_a_stopped_crawl_exits_cleanly(stopped) -> None:
    assert stopped[1] == 0


def test_a_stopped_crawl_records_its_run_as_shut_down(stopped) -> None:
    rows = stopped[2].query("SELECT finish_reason FROM runs")
    assert rows[0]["finish_reason"] == "shutdown"


def test_a_stopped_crawl_keeps_what_it_fetched(stopped) -> None:
    rows = stopped[2].query("SELECT count(*) n FROM documents")
    assert rows[0]["n"] >= 1
