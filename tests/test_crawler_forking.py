"""crawler.forking: helpers are forked only from a process running one thread."""

from __future__ import annotations

import subprocess
import sys
import threading

from conftest import ROOT

from crawler.forking import start_method


def test_a_process_with_one_thread_forks() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from crawler.forking import start_method; print(start_method())"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.stdout.strip() == "fork"


def test_a_process_with_another_thread_spawns() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert start_method() == "spawn"
    finally:
        stop.set()
        other.join()
