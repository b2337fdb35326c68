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

from parsers import Record, parse_page
from parsers.attachments import AttachmentText, read_attachment

T = TypeVar("T")
_POOLS: dict[int, ProcessPoolExecutor] = {}
# Worker deaths (the OOM killer, a crash in a C library) this process has recovered from:
# a run with any is marked degraded.
restarts = 0


def default_workers() -> int:
    """One worker per core beyond the one the crawl runs on (at most 2)."""
    return max(0, min(2, (os.cpu_count() or 1) - 1))


def _pool(workers: int) -> ProcessPoolExecutor:
    if workers not in _POOLS:
        context = multiprocessing.get_context("spawn")
        _POOLS[workers] = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    return _POOLS[workers]


async def _in_pool(workers: int, function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in the pool. A dead worker breaks the whole pool: it is replaced
    and the call made once more, so one crash never costs the rest of the night."""
    global restarts
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(_pool(workers), function, *args)
    except BrokenProcessPool:
        broken = _POOLS.pop(workers, None)
        if broken is not None:
            broken.shutdown(wait=False, cancel_futures=True)
            restarts += 1
        return await loop.run_in_executor(_pool(workers), function, *args)


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
    return await _in_pool(workers, read_attachment, data, declared, name)


def shutdown() -> None:
    for pool in _POOLS.values():
        pool.shutdown(wait=True, cancel_futures=True)
    _POOLS.clear()
