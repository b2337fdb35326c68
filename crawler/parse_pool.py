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
from concurrent.futures import ProcessPoolExecutor

from parsers import Record, parse_page
from parsers.attachments import AttachmentText, read_attachment

_POOLS: dict[int, ProcessPoolExecutor] = {}


def default_workers() -> int:
    """One worker per core beyond the one the crawl runs on (at most 2)."""
    return max(0, min(2, (os.cpu_count() or 1) - 1))


def _pool(workers: int) -> ProcessPoolExecutor:
    if workers not in _POOLS:
        context = multiprocessing.get_context("spawn")
        _POOLS[workers] = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    return _POOLS[workers]


async def parse_async(body: bytes, url: str, http_charset: str | None, workers: int) -> Record:
    """``parse_page`` in a worker process (or inline when ``workers`` is 0)."""
    if workers <= 0:
        return parse_page(body, url, http_charset=http_charset)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool(workers), parse_page, body, url, http_charset)


async def read_attachment_async(
    data: bytes, declared: str | None, name: str, workers: int
) -> AttachmentText:
    """``read_attachment`` in a worker process (or inline when ``workers`` is 0): a 50 MB
    PDF's text extraction never runs on the crawl's event loop."""
    if workers <= 0:
        return read_attachment(data, declared, name)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool(workers), read_attachment, data, declared, name)


def shutdown() -> None:
    for pool in _POOLS.values():
        pool.shutdown(wait=True, cancel_futures=True)
    _POOLS.clear()
