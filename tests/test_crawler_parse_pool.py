"""crawler.parse_pool: parsing in worker processes survives a worker's death."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
from concurrent.futures.process import BrokenProcessPool

import pytest
from conftest import ROOT

from crawler import parse_pool

PAGE = (
    "<html><head><title>关于开展执法检查的通知</title></head><body><div id='zoom'>"
    "<p>为进一步规范行政执法行为，提高依法行政水平，现就有关事项通知如下。</p></div></body></html>"
).encode()


@pytest.fixture
def pool():
    yield 1
    parse_pool.shutdown()


def kill_the_worker(workers: int) -> None:
    """What the OOM killer does: the worker process dies mid-task."""
    future = parse_pool._pool(workers).submit(os._exit, 9)
    with pytest.raises(BrokenProcessPool):
        future.result(timeout=60)


def test_parse_after_a_worker_died(pool) -> None:
    kill_the_worker(pool)
    record = asyncio.run(
        parse_pool.parse_async(PAGE, "http://x.example.gov.cn/a.html", None, pool)
    ).record
    assert record.title == "关于开展执法检查的通知"


def test_worker_death_is_counted(pool) -> None:
    before = parse_pool.restarts
    kill_the_worker(pool)
    asyncio.run(parse_pool.parse_async(PAGE, "http://x.example.gov.cn/a.html", None, pool))
    assert parse_pool.restarts == before + 1


def test_attachment_read_after_a_worker_died(pool) -> None:
    kill_the_worker(pool)
    read = asyncio.run(parse_pool.read_attachment_async(b"%PDF-broken", None, "a.pdf", pool))
    assert (read.mime_type, read.text is None, read.error is not None) == (
        "application/pdf",
        True,
        True,
    )


def slow_pdf(operations: int = 300_000) -> bytes:
    """A small PDF whose text takes pypdf minutes to extract (one page of many text
    operations)."""
    from test_parsers_attachments import pdf_with_content

    return pdf_with_content(
        b"BT /F1 12 Tf 72 712 Td " + b"(hello) Tj 1 0 Td " * operations + b"ET\n"
    )


def test_a_slow_attachment_is_cut_at_its_time(pool) -> None:
    read = asyncio.run(parse_pool.read_attachment_async(slow_pdf(), None, "a.pdf", pool, 1.0))
    assert read.error == "text-extraction: timeout (1 s)"


def test_a_slow_attachment_keeps_its_type(pool) -> None:
    read = asyncio.run(parse_pool.read_attachment_async(slow_pdf(), None, "a.pdf", pool, 1.0))
    assert read.mime_type == "application/pdf"


def test_a_slow_attachment_leaves_the_parse_pool_alone(pool) -> None:
    asyncio.run(parse_pool.parse_async(PAGE, "http://x.example.gov.cn/a.html", None, pool))
    before = parse_pool.restarts
    asyncio.run(parse_pool.read_attachment_async(slow_pdf(), None, "a.pdf", pool, 1.0))
    asyncio.run(parse_pool.parse_async(PAGE, "http://x.example.gov.cn/a.html", None, pool))
    assert parse_pool.restarts == before


def test_each_slow_attachment_gets_its_own_time(pool) -> None:
    """Three slow files behind one reader slot: each is cut at its own limit, none is
    cut for the time it waited."""

    async def three() -> list:
        reads = [
            parse_pool.read_attachment_async(slow_pdf(), None, f"{n}.pdf", pool, 1.0)
            for n in range(3)
        ]
        return await asyncio.gather(*reads)

    assert [r.error for r in asyncio.run(three())] == ["text-extraction: timeout (1 s)"] * 3


def test_an_attachment_is_read_in_its_own_process(pool) -> None:
    from test_parsers_attachments import LINE, pdf_with_content

    read = asyncio.run(
        parse_pool.read_attachment_async(pdf_with_content(LINE), None, "a.pdf", pool, 60.0)
    )
    assert read.text == "hello"


@pytest.fixture
def stopped_afterwards():
    yield
    parse_pool._STOPPED.clear()


def test_a_stopped_crawl_kills_its_readers(pool, stopped_afterwards) -> None:
    import threading

    from conftest import wait_for

    out = []
    reading = threading.Thread(
        target=lambda: out.append(
            parse_pool.read_attachment_bounded(slow_pdf(3_000_000), None, "a.pdf", 600.0)
        )
    )
    reading.start()
    assert wait_for(lambda: parse_pool._READERS, timeout=60)
    parse_pool.interrupt()
    reading.join(timeout=60)
    assert out[0].error == "text-extraction: stopped, the crawl was stopped"


class StopBeforeListing(set):
    """``parse_pool._READERS`` with SIGTERM arriving while a reader is being started:
    after it started, before it is listed (``interrupt`` finds no reader to kill)."""

    def add(self, reader: object) -> None:
        parse_pool.interrupt()
        super().add(reader)


def test_a_stop_while_a_reader_starts_kills_that_reader(
    pool, stopped_afterwards, monkeypatch
) -> None:
    monkeypatch.setattr(parse_pool, "_READERS", StopBeforeListing())
    read = parse_pool.read_attachment_bounded(slow_pdf(3_000_000), None, "a.pdf", 600.0)
    assert read.error == "text-extraction: stopped, the crawl was stopped"


def test_no_reader_starts_once_the_crawl_is_stopped(pool, stopped_afterwards) -> None:
    parse_pool.interrupt()
    read = parse_pool.read_attachment_bounded(b"%PDF-1.4", None, "a.pdf", 60.0)
    assert read.error == "text-extraction: not read, the crawl was stopped"


def test_worker_memory_is_bounded(pool) -> None:
    future = parse_pool._pool(pool).submit(bytearray, 3 * 1024**3)
    with pytest.raises(MemoryError):
        future.result(timeout=60)


PRESTARTED = textwrap.dedent(
    """
    import asyncio, json, os, sys, threading
    from crawler import parse_pool

    if sys.argv[1] == "thread":
        threading.Thread(target=threading.Event().wait, daemon=True).start()
    seen = {"start_method": parse_pool.prestart(1)}
    pool = parse_pool._pool(1)
    seen["worker_is_another_process"] = pool.submit(os.getpid).result() != os.getpid()
    record = asyncio.run(parse_pool.parse_async(sys.argv[2].encode(), "http://x.example.gov.cn/a.html", None, 1)).record
    seen["title"] = record.title
    try:
        pool.submit(bytearray, 3 * 1024**3).result(timeout=60)
        seen["memory_bounded"] = False
    except MemoryError:
        seen["memory_bounded"] = True
    parse_pool.shutdown()
    print(json.dumps(seen))
    """
)


def prestarted(threads: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PRESTARTED, threads, PAGE.decode()],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def prestarted_alone() -> dict:
    return prestarted("alone")


def test_workers_started_before_the_crawl_are_forked(prestarted_alone) -> None:
    assert prestarted_alone["start_method"] == "fork"


def test_a_forked_worker_is_another_process(prestarted_alone) -> None:
    assert prestarted_alone["worker_is_another_process"] is True


def test_a_forked_worker_parses(prestarted_alone) -> None:
    assert prestarted_alone["title"] == "关于开展执法检查的通知"


def test_a_forked_workers_memory_is_bounded(prestarted_alone) -> None:
    assert prestarted_alone["memory_bounded"] is True


def test_with_another_thread_running_the_workers_are_spawned() -> None:
    assert prestarted("thread")["start_method"] == "spawn"


def test_no_workers_means_no_pool() -> None:
    assert parse_pool.prestart(0) is None


# --- parse once: the worker compares a changed page with its previous capture ---------------
URL = "http://x.example.gov.cn/a.html"
# Yesterday's capture: the same notice, and a visit counter the page shows.
YESTERDAY = PAGE.replace(
    b"</body>", b"<p>\xe6\xb5\x8f\xe8\xa7\x88\xe6\xac\xa1\xe6\x95\xb0\xef\xbc\x9a12</p></body>"
)
EDITED = PAGE.replace("现就有关事项通知如下".encode(), "现将修订后的事项通知如下".encode())


@pytest.fixture
def stored(tmp_path) -> parse_pool.PreviousCapture:
    """An archive holding yesterday's capture under a record that differs from what
    today's parsers make of it (an older parser's record)."""
    from archive import Archive
    from parsers.record import Record

    db = tmp_path / "archive.db"
    with Archive(db) as archive:
        fetch = archive.record_fetch(None, URL, body=YESTERDAY, status=200, keep_raw=True)
        old = Record(url=URL, title="关于开展执法检查的通知", body_text="旧解析器的正文")
        archive.record_document(old, site="s", run_id=None, raw_sha256=fetch.sha256)
        archive.commit_batch()
        known = archive.known_documents("s")[URL]
    assert known.raw_sha256 and known.content_hash
    return parse_pool.PreviousCapture(str(db), known.raw_sha256, known.content_hash)


def test_a_known_page_whose_record_differs_comes_with_its_previous_capture_parsed(stored) -> None:
    parsed = parse_pool.parse_answer(PAGE, URL, None, stored)
    assert parsed.reparsed is not None and parsed.reparsed.record is not None
    assert (
        parsed.reparsed.record.body_text == parsed.record.body_text
    )  # the parsers changed, not the page


def test_the_reparsed_capture_is_named_by_its_hash(stored) -> None:
    reparsed = parse_pool.parse_answer(PAGE, URL, None, stored).reparsed
    assert reparsed is not None and reparsed.raw_sha256 == stored.raw_sha256


def test_an_edited_page_differs_from_its_previous_capture_parsed_today(stored) -> None:
    parsed = parse_pool.parse_answer(EDITED, URL, None, stored)
    assert parsed.reparsed is not None and parsed.reparsed.record is not None
    assert parsed.reparsed.record.body_text != parsed.record.body_text


def test_a_new_document_is_parsed_once(stored) -> None:
    assert parse_pool.parse_answer(PAGE, URL, None, None).reparsed is None


def test_a_page_whose_record_is_the_archived_one_is_parsed_once(stored) -> None:
    record = parse_pool.parse_answer(PAGE, URL, None, None).record
    from archive.hashing import content_hash

    same = parse_pool.PreviousCapture(stored.db_path, stored.raw_sha256, content_hash(record))
    assert parse_pool.parse_answer(PAGE, URL, None, same).reparsed is None


def test_a_worker_process_reads_the_previous_capture(stored, pool) -> None:
    reparsed = asyncio.run(parse_pool.parse_async(PAGE, URL, None, pool, stored)).reparsed
    assert reparsed is not None and reparsed.record is not None


def test_an_archive_that_cannot_be_read_costs_the_comparison_not_the_page(tmp_path, stored) -> None:
    broken = tmp_path / "not-an-archive.db"
    broken.write_bytes(b"this is not a SQLite file" * 100)
    unreadable = parse_pool.PreviousCapture(str(broken), stored.raw_sha256, stored.content_hash)
    parsed = parse_pool.parse_answer(PAGE, URL, None, unreadable)
    assert (parsed.record.title, parsed.reparsed, parsed.compared) == (
        "关于开展执法检查的通知",
        None,
        False,
    )
