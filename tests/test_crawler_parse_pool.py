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
    record = asyncio.run(parse_pool.parse_async(PAGE, "http://x.example.gov.cn/a.html", None, pool))
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


def test_stuck_call_is_stopped_and_the_pool_replaced(pool) -> None:
    import time

    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(parse_pool._in_pool(pool, time.sleep, 60, timeout=1))
    record = asyncio.run(parse_pool.parse_async(PAGE, "http://x.example.gov.cn/a.html", None, pool))
    assert record.title == "关于开展执法检查的通知"


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
    record = asyncio.run(parse_pool.parse_async(sys.argv[2].encode(), "http://x.example.gov.cn/a.html", None, 1))
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
