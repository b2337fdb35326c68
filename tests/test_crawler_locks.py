"""crawler.locks: one holder per lock across processes; a dead holder frees it; a child
forked by the holder never keeps it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT

from crawler.locks import Locked, site_lock


def test_a_held_lock_refuses_a_second_holder(tmp_path) -> None:
    with site_lock(tmp_path / "a.db", "county"):
        with pytest.raises(Locked):
            site_lock(tmp_path / "a.db", "county").acquire()


def test_the_refusal_names_the_holder(tmp_path) -> None:
    with site_lock(tmp_path / "a.db", "county"):
        with pytest.raises(Locked) as refused:
            site_lock(tmp_path / "a.db", "county").acquire()
    assert refused.value.holder == f"pid {os.getpid()}"


def test_a_released_lock_is_free(tmp_path) -> None:
    site_lock(tmp_path / "a.db", "county").acquire().release()
    site_lock(tmp_path / "a.db", "county").acquire().release()


def test_other_sites_are_not_held(tmp_path) -> None:
    with site_lock(tmp_path / "a.db", "county"):
        site_lock(tmp_path / "a.db", "city").acquire().release()


HOLDER_THAT_FORKS = textwrap.dedent(
    """
    import os, sys
    from crawler.locks import site_lock

    lock = site_lock(sys.argv[1], "county").acquire()
    read_end, write_end = os.pipe()
    if os.fork() == 0:  # the child lives until its stdin closes
        os.close(read_end)
        os.write(write_end, b"child up\\n")
        sys.stdin.read()
        os._exit(0)
    os.close(write_end)
    os.read(read_end, 100)
    print(os.getpid(), flush=True)
    sys.stdin.read()
    """
)


def test_a_killed_holder_frees_its_lock_while_its_forked_child_lives(tmp_path) -> None:
    """The crawl's writer is forked while the crawl holds its site locks: when the crawl
    is killed, the sites must be free at once, not when the writer has noticed."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER_THAT_FORKS, str(tmp_path / "a.db")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert holder.stdout is not None
        holder.stdout.readline()  # the child is up, the lock held
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)
        site_lock(tmp_path / "a.db", "county").acquire().release()
    finally:
        if holder.poll() is None:
            holder.kill()
        assert holder.stdin is not None
        holder.stdin.close()  # the child (still reading the same stdin) ends
