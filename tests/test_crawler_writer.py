"""crawler.writer and crawler.writer_process: one process writes the archive, in order,
off the crawl process, and commits in batches (by count, by time, and when the last user is
done); a writer that dies, or a crawl process that dies, loses at most the open batch, and
the crawl says so.

Each test runs a real Twisted reactor in a child process (a reactor runs once per process)
with a real writer process under it, and reads what it reports and what the archive holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT, wait_for

PRELUDE = textwrap.dedent(
    """
    import json, os, signal, sqlite3, sys
    from twisted.internet import reactor
    from crawler import writer as writer_module
    from crawler.items import DocumentItem, FetchItem
    from crawler.recorder import SiteReport
    from crawler.writer import ArchiveWriter
    from crawler.writer_process import WriterConfig
    from parsers.record import Record

    db = sys.argv[1]
    SITE = {"name": "s", "title": "测试", "family": "trs", "start_urls": ["http://x.example.gov.cn/"]}
    REPORT = SiteReport(listing_complete=False, listing_answered=True, listed=frozenset())
    seen = {"crawl_pid": os.getpid()}

    def item(n, site="s"):
        url = f"http://x.example.gov.cn/{n}.html"
        body = f"<html><body>{n}</body></html>".encode()
        fetch = FetchItem(site=site, url=url, kind="detail", status=200, body=body, keep_raw=True)
        return DocumentItem(site=site, record=Record(url=url, title=f"文件{n}", body_text="正文"), fetch=fetch)

    def committed():
        conn = sqlite3.connect(db)
        try:
            return [r[0] for r in conn.execute("SELECT url FROM documents ORDER BY id")]
        except sqlite3.OperationalError:
            return []
        finally:
            conn.close()

    def poll(condition):
        # Wait for the event itself (no fixed wait): a Deferred fired once it holds.
        from twisted.internet import task
        def check():
            if condition():
                loop.stop()
        loop = task.LoopingCall(check)
        return loop.start(0.05)

    def fail(failure):
        failure.printTraceback()
        os._exit(3)
    """
)

BATCHES = PRELUDE + textwrap.dedent(
    """
    batch_writes, batch_seconds = int(sys.argv[2]), float(sys.argv[3])

    def go():
        first = ArchiveWriter.acquire(WriterConfig(db, 24.0, batch_writes, batch_seconds, None))
        second = ArchiveWriter.acquire(WriterConfig(db, 24.0, batch_writes, batch_seconds, None))
        seen["same_writer"] = first is second
        seen["writer_pid"] = first.process.pid
        seen["messages"] = messages = []
        put = first.requests.put
        def counted_put(message):  # the real put, with the kinds of message it carried
            messages.append([message[0], len(message[1]) if message[0] == "items" else None])
            put(message)
        first.requests.put = counted_put
        done = first.open_site(SITE, "test", None, None)
        def feed(_):
            for n in range(10):
                first.submit("s", item(n), size=100)
            return first.barrier()
        done.addCallback(feed)
        done.addCallback(lambda _: poll(lambda: len(committed()) == 10) if batch_seconds < 60 else None)
        done.addCallback(lambda _: seen.__setitem__("committed_before_release", committed()))
        done.addCallback(lambda _: first.close_site("s", REPORT))
        done.addCallback(lambda _: first.release())
        done.addCallback(lambda _: seen.__setitem__("alive_with_one_user", second.process.is_alive()))
        done.addCallback(lambda _: second.release())
        done.addCallback(lambda _: seen.__setitem__("writer_exit", first.process.exitcode))
        done.addErrback(fail)
        done.addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(go)
    reactor.run()
    seen["committed_after_release"] = committed()
    print(json.dumps(seen))
    """
)


def run_script(script: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "stderr": done.stderr}


URLS = [f"http://x.example.gov.cn/{n}.html" for n in range(10)]


@pytest.fixture(scope="module")
def large_batch(tmp_path_factory) -> dict:
    return run_script(BATCHES, str(tmp_path_factory.mktemp("writer") / "a.db"), "1000", "3600")


def test_the_writer_is_another_process(large_batch) -> None:
    assert large_batch["writer_pid"] != large_batch["crawl_pid"]


def test_items_are_written_in_the_order_they_were_handed_in(large_batch) -> None:
    assert large_batch["committed_after_release"] == URLS


def test_items_handed_in_one_turn_of_the_reactor_travel_as_one_message(large_batch) -> None:
    assert large_batch["messages"][:3] == [["open", None], ["items", 10], ["barrier", None]]


def test_pipelines_of_one_process_share_the_writer(large_batch) -> None:
    assert large_batch["same_writer"] is True


def test_the_writer_stays_while_a_user_remains(large_batch) -> None:
    assert large_batch["alive_with_one_user"] is True


def test_the_writer_process_ends_with_its_last_user(large_batch) -> None:
    assert large_batch["writer_exit"] == 0


def test_a_batch_below_its_size_waits_for_the_release(large_batch) -> None:
    assert large_batch["committed_before_release"] == []


def test_an_idle_batch_is_committed_in_time(tmp_path) -> None:
    result = run_script(BATCHES, str(tmp_path / "a.db"), "1000", "0.2")
    assert result["committed_before_release"] == URLS


def test_a_batch_commits_at_its_size(tmp_path) -> None:
    # Batches of 11 writes (an item is several): some of the items, the first ones, are
    # committed before the release, by count alone.
    before = run_script(BATCHES, str(tmp_path / "a.db"), "11", "3600")["committed_before_release"]
    assert 0 < len(before) < len(URLS) and before == URLS[: len(before)]


BACKLOG = PRELUDE + textwrap.dedent(
    """
    def go():
        writer = ArchiveWriter.acquire(WriterConfig(db, 24.0, 1000, 3600, None))
        done = writer.open_site(SITE, "test", None, None)
        def feed(_):
            for n in range(3):
                writer.submit("s", item(n), size=1000)
            writer.submit("no-such-site", item(3, site="no-such-site"), size=1000)
            for n in range(4, 6):
                writer.submit("s", item(n), size=1000)
            return writer.barrier()
        done.addCallback(feed)
        done.addCallback(lambda _: seen.__setitem__("at_barrier", [writer.backlog, writer.backlog_bytes]))
        done.addCallback(lambda _: seen.__setitem__("errors", writer_module.archive_errors))
        done.addCallback(lambda _: writer.close_site("s", REPORT))
        done.addCallback(lambda _: writer.release())
        done.addErrback(fail)
        done.addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(go)
    reactor.run()
    seen["committed"] = committed()
    print(json.dumps(seen))
    """
)


@pytest.fixture(scope="module")
def backlog(tmp_path_factory) -> dict:
    return run_script(BACKLOG, str(tmp_path_factory.mktemp("backlog") / "a.db"))


def test_a_barrier_fires_once_every_earlier_item_is_written(backlog) -> None:
    assert backlog["at_barrier"] == [0, 0]


def test_a_failed_write_is_logged(backlog) -> None:
    assert "an archive write failed" in backlog["stderr"]


def test_a_failed_write_is_counted(backlog) -> None:
    assert backlog["errors"] == 1


def test_items_after_a_failed_one_are_still_written(backlog) -> None:
    assert backlog["committed"] == URLS[:3] + URLS[4:6]


HANDED_IN = PRELUDE + textwrap.dedent(
    """
    def go():
        writer = ArchiveWriter.acquire(WriterConfig(db, 24.0, 1000, 3600, None))
        writer.open_site(SITE, "test", None, None).addErrback(fail)
        for n in range(6):
            writer.submit("s", item(n), size=1000)
        # Read at once: the writer process is still starting, nothing can be written yet.
        seen["handed_in"] = [writer.backlog, writer.backlog_bytes]
        done = writer.barrier()
        done.addCallback(lambda _: writer.release())
        done.addErrback(fail)
        done.addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(go)
    reactor.run()
    print(json.dumps(seen))
    """
)


def test_the_backlog_counts_items_and_bytes_handed_in(tmp_path) -> None:
    assert run_script(HANDED_IN, str(tmp_path / "a.db"))["handed_in"] == [6, 6000]


WRITER_KILLED = PRELUDE + textwrap.dedent(
    """
    def go():
        writer = ArchiveWriter.acquire(WriterConfig(db, 24.0, 1000, 3600, None))
        done = writer.open_site(SITE, "test", None, None)
        def kill(_):
            os.kill(writer.process.pid, signal.SIGKILL)
            return poll(lambda: writer.dead)
        def after(_):
            writer.submit("s", item(0), size=1000)
            answer = writer.barrier()
            answer.addCallbacks(lambda _: seen.__setitem__("barrier", "fired"),
                                lambda f: seen.__setitem__("barrier", f.getErrorMessage()))
            return answer
        done.addCallback(kill)
        done.addCallback(after)
        done.addCallback(lambda _: seen.__setitem__("errors", writer_module.archive_errors))
        done.addErrback(fail)
        done.addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(go)
    reactor.run()
    print(json.dumps(seen))
    """
)


@pytest.fixture(scope="module")
def writer_killed(tmp_path_factory) -> dict:
    return run_script(WRITER_KILLED, str(tmp_path_factory.mktemp("killed") / "a.db"))


def test_a_dead_writer_fails_what_waits_for_it(writer_killed) -> None:
    assert writer_killed["barrier"] == "the archive writer process is gone"


def test_items_handed_to_a_dead_writer_are_counted_as_failed(writer_killed) -> None:
    assert writer_killed["errors"] >= 1


CRAWL_KILLED = PRELUDE + textwrap.dedent(
    """
    def go():
        writer = ArchiveWriter.acquire(WriterConfig(db, 24.0, 1000, 3600, None))
        done = writer.open_site(SITE, "test", None, None)
        def die(_):
            print(json.dumps({"writer_pid": writer.process.pid}), flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        done.addCallback(die)
        done.addErrback(fail)

    reactor.callWhenRunning(go)
    reactor.run()
    """
)


def test_a_writer_ends_when_its_crawl_process_is_killed(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CRAWL_KILLED, str(tmp_path / "a.db")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    writer_pid = json.loads(done.stdout.strip().splitlines()[-1])["writer_pid"]
    assert wait_for(lambda: not _alive(writer_pid), 60)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ")[-1][0] != "Z"
    except FileNotFoundError:
        return False
    finally:
        try:
            os.waitpid(pid, os.WNOHANG)  # not our child: ChildProcessError
        except ChildProcessError:
            pass


STARTED_FOR_A_CRAWL = textwrap.dedent(
    """
    import json, os, sqlite3, sys, threading
    from crawler.writer import ArchiveWriter
    from crawler.writer_process import WriterConfig

    db, with_thread = sys.argv[1], sys.argv[2] == "thread"
    if with_thread:
        stop = threading.Event()
        threading.Thread(target=stop.wait, daemon=True).start()
    writer = ArchiveWriter.start_for_crawl(WriterConfig(db, 24.0, 1000, 3600, None))
    seen = {"start_method": writer.start_method, "crawl_pid": os.getpid(),
            "writer_pid": writer.process.pid,
            "reactor_installed": "twisted.internet.reactor" in sys.modules}

    from twisted.internet import asyncioreactor
    asyncioreactor.install()
    from twisted.internet import reactor
    from crawler.items import DocumentItem, FetchItem
    from crawler.recorder import SiteReport
    from parsers.record import Record

    SITE = {"name": "s", "title": "测试", "family": "trs", "start_urls": ["http://x.example.gov.cn/"]}
    REPORT = SiteReport(listing_complete=False, listing_answered=True, listed=frozenset())

    def item(n):
        url = f"http://x.example.gov.cn/{n}.html"
        fetch = FetchItem(site="s", url=url, kind="detail", status=200, body=b"<p>x</p>", keep_raw=True)
        return DocumentItem(site="s", record=Record(url=url, title=f"文件{n}", body_text="正文"), fetch=fetch)

    def go():
        pipeline_writer = ArchiveWriter.acquire(WriterConfig(db, 24.0, 1000, 3600, None))
        seen["pipelines_share_it"] = pipeline_writer is writer
        done = writer.open_site(SITE, "test", None, None)
        done.addCallback(lambda _: [writer.submit("s", item(n)) for n in range(3)])
        done.addCallback(lambda _: writer.close_site("s", REPORT))
        done.addCallback(lambda _: pipeline_writer.release())
        done.addCallback(lambda _: seen.__setitem__("alive_after_the_pipelines", writer.process.is_alive()))
        done.addErrback(lambda failure: (failure.printTraceback(), os._exit(3)))
        done.addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(go)
    reactor.run()
    from crawler import writer as writer_module
    writer.submit("no-such-site", item(9))  # a write that fails, answered by nobody
    writer.finish()
    seen["errors_after_finish"] = writer_module.archive_errors
    seen["writer_exit"] = writer.process.exitcode
    conn = sqlite3.connect(db)
    seen["committed"] = [r[0] for r in conn.execute("SELECT url FROM documents ORDER BY id")]
    print(json.dumps(seen))
    """
)


@pytest.fixture(scope="module")
def started_for_a_crawl(tmp_path_factory) -> dict:
    db = tmp_path_factory.mktemp("for-a-crawl") / "a.db"
    return run_script(STARTED_FOR_A_CRAWL, str(db), "alone")


def test_a_writer_started_before_the_crawl_is_forked(started_for_a_crawl) -> None:
    assert started_for_a_crawl["start_method"] == "fork"


def test_a_forked_writer_is_another_process(started_for_a_crawl) -> None:
    assert started_for_a_crawl["writer_pid"] != started_for_a_crawl["crawl_pid"]


def test_starting_the_writer_leaves_the_reactor_to_scrapy(started_for_a_crawl) -> None:
    assert started_for_a_crawl["reactor_installed"] is False


def test_the_crawls_pipelines_use_the_writer_started_for_it(started_for_a_crawl) -> None:
    assert started_for_a_crawl["pipelines_share_it"] is True


def test_the_writer_outlives_the_pipelines_until_finish(started_for_a_crawl) -> None:
    assert started_for_a_crawl["alive_after_the_pipelines"] is True


def test_finish_stops_the_writer(started_for_a_crawl) -> None:
    assert started_for_a_crawl["writer_exit"] == 0


def test_finish_leaves_every_item_committed(started_for_a_crawl) -> None:
    assert started_for_a_crawl["committed"] == URLS[:3]


def test_a_write_failed_just_before_finish_is_counted_when_it_returns(started_for_a_crawl) -> None:
    # The run is closed right after finish: a failure counted later (or never) would let
    # it end as an ordinary "finished" with a document missing.
    assert started_for_a_crawl["errors_after_finish"] == 1


def test_with_another_thread_running_the_writer_is_spawned(tmp_path) -> None:
    # Forking a process with threads can copy a lock another thread holds.
    result = run_script(STARTED_FOR_A_CRAWL, str(tmp_path / "a.db"), "thread")
    assert result["start_method"] == "spawn"


HANDED_IN_WITHOUT_A_REACTOR = PRELUDE.replace(
    "from twisted.internet import reactor\n", ""
) + textwrap.dedent(
    """
    writer = ArchiveWriter(WriterConfig(db, 24.0, 1000, 3600, None))
    writer.users = 1
    seen["reactor_before"] = "twisted.internet.reactor" in sys.modules
    writer.submit("s", item(0), size=10)  # no site opened: the write fails, nothing waits
    seen["reactor_after"] = "twisted.internet.reactor" in sys.modules
    writer.finish()
    print(json.dumps(seen))
    """
)


def test_an_item_handed_in_without_a_reactor_installs_none(tmp_path) -> None:
    """Scrapy installs the asyncio reactor after the writer starts: an item handed in
    before it must not install Twisted's default one in its place."""
    seen = run_script(HANDED_IN_WITHOUT_A_REACTOR, str(tmp_path / "a.db"))
    assert (seen["reactor_before"], seen["reactor_after"]) == (False, False)
