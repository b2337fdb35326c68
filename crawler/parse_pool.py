"""Parsing off the crawl's event loop: a small process pool for ``parse_page`` and for
reading attachments (type and text of PDF and DOCX files).

Scrapy runs on one core; parsing a page costs about as much as fetching it. With
``GOVARCHIVE_PARSE_WORKERS`` > 0 the spider awaits parses done in worker processes, so
fetching, parsing and archiving use the machine's cores together. 0 parses in-process.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

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


# One attachment's reading may take this long and this much memory in a worker; past
# either it is an `attachments.error`, and the worker is replaced.
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
    """Worker initializer: die with the crawl, and a hostile file (a DOCX whose header
    lies) raises MemoryError in the worker instead of exhausting the machine."""
    import resource

    _die_with(parent_pid)
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


def _replace_pool(workers: int, kill: bool = False) -> None:
    """Drop a broken (or, with ``kill``, a stuck) pool; the next call makes a new one."""
    global restarts
    pool = _POOLS.pop(workers, None)
    if pool is None:
        return
    if kill:
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    restarts += 1


async def _in_pool(
    workers: int, function: Callable[..., T], *args: Any, timeout: float | None = None
) -> T:
    """``function(*args)`` in the pool. A dead worker breaks the whole pool: it is replaced
    and the call made once more, so one crash never costs the rest of the night. Past
    ``timeout`` the workers are killed (TimeoutError): a stuck file frees the pool."""
    loop = asyncio.get_running_loop()
    for attempt in (1, 2):
        try:
            call = loop.run_in_executor(_pool(workers), function, *args)
            return await asyncio.wait_for(call, timeout)
        except BrokenProcessPool:
            _replace_pool(workers)
            if attempt == 2:
                raise
        except asyncio.TimeoutError:  # the builtin TimeoutError from Python 3.11
            _replace_pool(workers, kill=True)
            raise
    raise AssertionError("unreachable")


async def parse_async(body: bytes, url: str, http_charset: str | None, workers: int) -> Record:
    """``parse_page`` in a worker process (or inline when ``workers`` is 0)."""
    if workers <= 0:
        return parse_page(body, url, http_charset=http_charset)
    return await _in_pool(workers, parse_page, body, url, http_charset)


async def read_attachment_async(
    data: bytes, declared: str | None, name: str, workers: int
) -> AttachmentText:
    """``read_attachment`` in a worker process (or inline when ``workers`` is 0): a 50 MB
    PDF's text extraction never runs on the crawl's event loop."""
    if workers <= 0:
        return read_attachment(data, declared, name)
    try:
        return await _in_pool(
            workers, read_attachment, data, declared, name, timeout=ATTACHMENT_SECONDS
        )
    except asyncio.TimeoutError:
        mime = sniff_mime(data, declared, name)
        return AttachmentText(mime, None, f"text-extraction: over {ATTACHMENT_SECONDS:.0f}s")
    except BrokenProcessPool:
        mime = sniff_mime(data, declared, name)
        return AttachmentText(mime, None, "text-extraction: the worker died reading it")


def shutdown() -> None:
    for pool in _POOLS.values():
        pool.shutdown(wait=True, cancel_futures=True)
    _POOLS.clear()
