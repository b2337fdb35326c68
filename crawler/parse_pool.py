"""Parsing off the crawl's event loop: a small process pool for ``parse_page``, and a
process of its own for each attachment read (its type and text, ``parsers.attachments``).

Scrapy runs on one core; parsing a page costs about as much as fetching it. With
``GOVARCHIVE_PARSE_WORKERS`` > 0 the spider awaits parses done in worker processes, so
fetching, parsing and archiving use the machine's cores together. 0 parses in-process.
Parsing happens here only: a known document whose record changed has its previous capture
parsed here too (``parse_answer``), so the archive writer never parses.

An attachment is read in a process forked for it (from a fork server that has imported
the readers), at most one per parse worker at a time, and killed when its time
(``GOVARCHIVE_ATTACHMENT_SECONDS``) is up, counted from its own start: a slow PDF costs
its own time and nothing else's, and is recorded as ``text-extraction: timeout``.
``interrupt()`` (a stopped crawl) kills every reader at once.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

from archive.documents import Reparsed
from archive.hashing import content_hash
from archive.store import stored_raw_page
from crawler.forking import start_method
from parsers import Record, parse_page
from parsers.attachments import AttachmentText, read_attachment, sniff_mime

T = TypeVar("T")
_POOLS: dict[int, ProcessPoolExecutor] = {}
# Worker deaths (the OOM killer, a crash in a C library) this process has recovered from:
# a run with any is marked degraded.
restarts = 0


def default_workers() -> int:
    """One worker per core beyond the one the crawl runs on (at most 2)."""
    return max(0, min(2, (os.cpu_count() or 1) - 1))


# One attachment's reading may take this long (GOVARCHIVE_ATTACHMENT_SECONDS) and a
# worker or reader this much memory; past either the file is an `attachments.error`.
ATTACHMENT_SECONDS = 60.0
WORKER_MEMORY_BYTES = 2 * 1024**3


_PR_SET_PDEATHSIG = 1


def _die_with(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this worker when the crawl that started it dies (a SIGKILL, the
    OOM killer): no worker, and so no multiprocessing resource tracker, outlives it."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers end when their queue closes
        return
    if os.getppid() != parent_pid:  # the crawl died before the request took effect
        os._exit(1)


def _init_worker(parent_pid: int) -> None:
    """Worker initializer: die with the crawl, not with a SIGTERM or Ctrl-C sent to the
    crawl's process group (the crawl stops gracefully and ends its pool), and a hostile
    file (a DOCX whose header lies) raises MemoryError in the worker instead of
    exhausting the machine."""
    import resource
    import signal

    _die_with(parent_pid)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))


def workers_for(settings: Any) -> int:
    """The parse workers a crawl with these Scrapy settings uses."""
    workers = settings.get("GOVARCHIVE_PARSE_WORKERS")
    return default_workers() if workers in (None, "") else int(workers)


def _new_pool(workers: int, start_method: str) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(start_method),
        initializer=_init_worker,
        initargs=(os.getpid(),),
    )


def _pool(workers: int) -> ProcessPoolExecutor:
    if workers not in _POOLS:
        _POOLS[workers] = _new_pool(workers, "spawn")
    return _POOLS[workers]


def prestart(workers: int) -> str | None:
    """Start the crawl's workers now, before its reactor (``crawler.runner``), so they are
    forked (``crawler.forking``) and the first page does not wait for them. A pool started
    later, such as one replacing a broken pool, is spawned. Returns the start method used
    (None: no pool)."""
    if workers <= 0 or workers in _POOLS:
        return None
    method = start_method()
    pool = _new_pool(workers, method)
    _POOLS[workers] = pool
    # A pool with fork starts every worker at the first task, before its own thread.
    pool.submit(os.getpid).result()
    return method


def _replace_pool(workers: int) -> None:
    """Drop a broken pool; the next call makes a new one."""
    global restarts
    pool = _POOLS.pop(workers, None)
    if pool is None:
        return
    pool.shutdown(wait=False, cancel_futures=True)
    restarts += 1


async def _in_pool(workers: int, function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in the pool. A dead worker breaks the whole pool: it is replaced
    and the call made once more, so one crash never costs the rest of the night."""
    loop = asyncio.get_running_loop()
    for attempt in (1, 2):
        try:
            return await loop.run_in_executor(_pool(workers), function, *args)
        except BrokenProcessPool:
            _replace_pool(workers)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@dataclass(slots=True, frozen=True)
class PreviousCapture:
    """Where a known document's archived record came from: the archive file, the capture's
    SHA-256 and the record's content hash."""

    db_path: str
    raw_sha256: str
    content_hash: str


@dataclass(slots=True, frozen=True)
class ParsedAnswer:
    """A parsed page and, for a known document whose record changed, its previous capture
    as today's parsers read it (``reparsed``; None when there is nothing to compare).
    ``compared`` False: the previous capture could not be read here (the archive file could
    not be opened or read), so the archive's recorder compares, never taking the change
    for an edit unseen."""

    record: Record
    reparsed: Reparsed | None = None
    compared: bool = True


def parse_answer(
    body: bytes, url: str, http_charset: str | None, previous: PreviousCapture | None = None
) -> ParsedAnswer:
    """Parse a page; when it is a known document whose record differs from the archived
    one, parse its previous capture too, with the same parsers and charset, so that the
    archive can tell a parser update from an edit without parsing. The previous capture is
    read from the archive file; a failure to read it costs the comparison here, never the
    page."""
    record = parse_page(body, url, http_charset=http_charset)
    if previous is None or content_hash(record) == previous.content_hash:
        return ParsedAnswer(record)
    try:
        raw = stored_raw_page(previous.db_path, previous.raw_sha256)
    except sqlite3.Error:
        return ParsedAnswer(record, compared=False)
    if raw is None:
        return ParsedAnswer(record)
    try:
        before: Record | None = parse_page(raw, url, http_charset=http_charset)
    except Exception:  # noqa: BLE001 - a capture today's parsers refuse: compare as stored
        before = None
    return ParsedAnswer(record, Reparsed(previous.raw_sha256, before))


async def parse_async(
    body: bytes,
    url: str,
    http_charset: str | None,
    workers: int,
    previous: PreviousCapture | None = None,
) -> ParsedAnswer:
    """``parse_answer`` in a worker process (or inline when ``workers`` is 0)."""
    if workers <= 0:
        return parse_answer(body, url, http_charset, previous)
    return await _in_pool(workers, parse_answer, body, url, http_charset, previous)


# Attachment readers running now, and whether the crawl was stopped (no new reader starts).
_READERS: set[Any] = set()
_READERS_LOCK = threading.Lock()
_STOPPED = threading.Event()
_SLOTS: dict[int, asyncio.Semaphore] = {}


def _read_in_child(send: Any, data: bytes, declared: str | None, name: str) -> None:
    """A reader process: the worker's limits, one file read, its result sent back. It
    leads a process group of its own, so what it starts (LibreOffice) is killed with it."""
    os.setpgid(0, 0)
    _init_worker(os.getppid())
    send.send(read_attachment(data, declared, name))


def _kill_reader(reader: Any) -> None:
    """Kill a reader and every process it started (its process group)."""
    import signal

    if reader.pid is not None:
        try:
            os.killpg(reader.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    reader.kill()


def _reader_context() -> Any:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["crawler.parse_pool", "parsers.attachments"])
    return context


def read_attachment_bounded(
    data: bytes, declared: str | None, name: str, seconds: float
) -> AttachmentText:
    """``read_attachment`` in a process of its own, killed after ``seconds`` (blocking:
    called on a thread)."""

    def failed(error: str) -> AttachmentText:
        return AttachmentText(sniff_mime(data, declared, name), None, error)

    context = _reader_context()
    receive, send = context.Pipe(duplex=False)
    reader = context.Process(target=_read_in_child, args=(send, data, declared, name))
    reader.daemon = True
    with _READERS_LOCK:
        if _STOPPED.is_set():
            return failed("text-extraction: not read, the crawl was stopped")
        reader.start()
        _READERS.add(reader)
    send.close()
    try:
        if _STOPPED.is_set():
            # The stop came while this reader was starting, after ``interrupt`` looked
            # through the readers: it is killed here instead, unread.
            _kill_reader(reader)
        if not receive.poll(seconds):
            return failed(f"text-extraction: timeout ({seconds:g} s)")
        return receive.recv()
    except (EOFError, OSError):
        if _STOPPED.is_set():
            return failed("text-extraction: stopped, the crawl was stopped")
        return failed("text-extraction: the reader died reading it")
    finally:
        _kill_reader(reader)
        reader.join()
        with _READERS_LOCK:
            _READERS.discard(reader)
        receive.close()


async def read_attachment_async(
    data: bytes,
    declared: str | None,
    name: str,
    workers: int,
    seconds: float = ATTACHMENT_SECONDS,
) -> AttachmentText:
    """``read_attachment`` in a process of its own, at most ``workers`` at a time (or
    inline when ``workers`` is 0): a 50 MB PDF's text extraction never runs on the
    crawl's event loop, and a slow one ends at ``seconds``."""
    if workers <= 0:
        return read_attachment(data, declared, name)
    slots = _SLOTS.setdefault(workers, asyncio.Semaphore(workers))
    async with slots:
        return await asyncio.to_thread(read_attachment_bounded, data, declared, name, seconds)


def interrupt() -> None:
    """Stop reading attachments: every reader is killed now (its file recorded as not read
    to the end) and none starts again. Safe to call from a signal handler."""
    _STOPPED.set()
    for reader in list(_READERS):
        try:
            _kill_reader(reader)
        except (OSError, ValueError, AttributeError):
            pass


def shutdown() -> None:
    for pool in _POOLS.values():
        pool.shutdown(wait=True, cancel_futures=True)
    _POOLS.clear()
