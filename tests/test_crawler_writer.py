"""crawler.writer: one thread writes the archive, in order, off the reactor thread, and
commits in batches (by count, by time, and when the last user is done).

Each test runs a real Twisted reactor in a child process (a reactor runs once per process)
and reads what it reports and what the archive holds."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT

SCRIPT = textwrap.dedent(
    """
    import json, os, sqlite3, sys, threading
    from twisted.internet import reactor
    from twisted.internet.defer import DeferredList
    from crawler.writer import ArchiveWriter
    from parsers.record import Record

    db, batch_writes, batch_seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    seen = {"reactor": threading.get_ident(), "writes": [], "committed_before_release": None}

    def write(archive, n):
        seen["writes"].append((n, threading.get_ident()))
        archive.record_document(
            Record(url=f"http://x.example.gov.cn/{n}.html", title=f"文件{n}", body_text="正文"),
            site="s", run_id=None,
        )

    def committed():
        conn = sqlite3.connect(db)
        try:
            return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        except sqlite3.OperationalError:
            return 0
        finally:
            conn.close()

    def go():
        first = ArchiveWriter.acquire(db, 24.0, batch_writes, batch_seconds)
        second = ArchiveWriter.acquire(db, 24.0, batch_writes, batch_seconds)
        calls = [(first if n % 2 else second).call(write, n) for n in range(10)]
        done = DeferredList(calls, fireOnOneErrback=True)
        done.addCallback(lambda _: seen.__setitem__("same_writer", first is second))
        done.addCallback(lambda _: wait_for_timer() if batch_seconds < 60 else None)
        done.addCallback(lambda _: seen.__setitem__("committed_before_release", committed()))
        done.addCallback(lambda _: first.release())
        done.addCallback(lambda _: second.release())
        done.addErrback(lambda failure: (failure.printTraceback(), os._exit(3)))
        done.addBoth(lambda _: reactor.stop())

    def wait_for_timer():
        # The timer commits an idle batch: poll the file (no fixed wait) until it shows.
        from twisted.internet import task
        def check():
            if committed() == 10:
                loop.stop()
        loop = task.LoopingCall(check)
        return loop.start(0.05)

    reactor.callWhenRunning(go)
    reactor.run()
    seen["committed_after_release"] = committed()
    seen["threads_left"] = [t.name for t in threading.enumerate() if t.name.startswith("govarchive-writer")]
    print(json.dumps(seen))
    """
)


def run_writer(tmp_path, batch_writes: int, batch_seconds: float) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "a.db"), str(batch_writes), str(batch_seconds)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def large_batch(tmp_path_factory) -> dict:
    return run_writer(tmp_path_factory.mktemp("writer"), batch_writes=1000, batch_seconds=3600)


def test_every_write_runs_off_the_reactor_thread(large_batch) -> None:
    assert large_batch["reactor"] not in {thread for _, thread in large_batch["writes"]}


def test_every_write_runs_on_one_thread(large_batch) -> None:
    assert len({thread for _, thread in large_batch["writes"]}) == 1


def test_writes_run_in_the_order_they_were_handed_in(large_batch) -> None:
    assert [n for n, _ in large_batch["writes"]] == list(range(10))


def test_pipelines_of_one_process_share_the_writer(large_batch) -> None:
    assert large_batch["same_writer"] is True


def test_a_batch_below_its_size_waits_for_the_release(large_batch) -> None:
    assert (large_batch["committed_before_release"], large_batch["committed_after_release"]) == (
        0,
        10,
    )


def test_the_writer_thread_ends_with_its_last_user(large_batch) -> None:
    assert large_batch["threads_left"] == []


def test_the_timer_commits_an_idle_batch(tmp_path) -> None:
    assert (
        run_writer(tmp_path, batch_writes=1000, batch_seconds=0.2)["committed_before_release"] == 10
    )


def test_a_batch_commits_at_its_size(tmp_path) -> None:
    # Sizes of 3: 9 of the 10 writes are committed before the release, by count alone.
    result = run_writer(tmp_path, batch_writes=3, batch_seconds=3600)
    assert result["committed_before_release"] == 9


SUBMIT_SCRIPT = textwrap.dedent(
    """
    import json, sys, threading
    from twisted.internet import reactor
    from crawler.writer import ArchiveWriter

    db = sys.argv[1]
    seen = {"reactor": threading.get_ident(), "writes": [], "at_barrier": None}

    def write(archive, n):
        seen["writes"].append((n, threading.get_ident()))
        if n == 3:
            raise OSError("disk full")

    held = threading.Event()

    def go():
        writer = ArchiveWriter.acquire(db, 24.0, 1000, 3600)
        writer.submit(lambda archive: held.wait(60))  # the writer thread waits for the count
        for n in range(6):
            writer.submit(write, n, size=1000)
        seen["backlog_handed_in"] = [writer.backlog, writer.backlog_bytes]
        held.set()
        done = writer.barrier()
        done.addCallback(lambda _: seen.__setitem__("at_barrier", [len(seen["writes"]), writer.backlog, writer.backlog_bytes]))
        done.addCallback(lambda _: writer.call(write, 6))
        done.addCallback(lambda _: writer.release())
        done.addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(go)
    reactor.run()
    print(json.dumps(seen))
    """
)


@pytest.fixture(scope="module")
def submitted(tmp_path_factory) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", SUBMIT_SCRIPT, str(tmp_path_factory.mktemp("submit") / "a.db")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "stderr": done.stderr}


def test_submitted_writes_run_in_the_order_they_were_handed_in(submitted) -> None:
    assert [n for n, _ in submitted["writes"]] == list(range(7))


def test_submitted_writes_run_off_the_reactor_thread(submitted) -> None:
    assert submitted["reactor"] not in {thread for _, thread in submitted["writes"]}


def test_the_backlog_counts_writes_and_bytes_handed_in(submitted) -> None:
    # Read while the writer thread is held: the holding write and the six behind it.
    assert submitted["backlog_handed_in"] == [7, 6000]


def test_a_barrier_fires_after_every_earlier_write(submitted) -> None:
    assert submitted["at_barrier"] == [6, 0, 0]


def test_a_failed_submitted_write_is_logged(submitted) -> None:
    assert "an archive write failed" in submitted["stderr"]


def test_writes_after_a_failed_one_still_run(submitted) -> None:
    assert [n for n, _ in submitted["writes"]][4:] == [4, 5, 6]
