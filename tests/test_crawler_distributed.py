"""Crawls across machines (crawler.distributed): site jobs through RQ to two real `govarchive
worker` processes, items back through a real Redis server (started here from Debian's
redis-server) to `govarchive ingest`, the archive's one writer. Nothing is mocked: the
commands a user runs are run, against the demo replica sites with a polite delay."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from conftest import db_rows as rows
from conftest import run_cli, start_cli

from crawler.demo import DemoWorld
from crawler.demo.redis_server import RedisServer

# Long (two queued nights through Redis with a polite delay between requests): started before the other modules.
pytestmark = pytest.mark.start_first

DELAY = 0.3  # seconds between requests to one site (the registry's `delay`)
ARRIVAL_JITTER = 0.02  # seconds a request's arrival may vary from when it was sent
NIGHT_1 = "2025-04-01T02:00:00+08:00"
NIGHT_1_LATER = "2025-04-01T04:00:00+08:00"  # nothing is due for a revisit yet


def govarchive(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, timeout=timeout)


def queued_night(redis_url: str, db: Path, registry: Path, now: str, workers: int) -> int:
    """Queue every site, run ``workers`` workers until the queue is empty and ingest until
    the run is finished; return the run id."""
    # AutoThrottle starts at its own 2 s delay; the registry's delay is what is tested here.
    queued = govarchive("enqueue", "--redis", redis_url, "--db", str(db), "--sites",
                        str(registry), "--now", now, "--set", "AUTOTHROTTLE_ENABLED=false")  # fmt: skip
    run_id = int(queued.stdout.split()[1].rstrip(":"))
    started = [
        start_cli("worker", "--redis", redis_url, "--burst", "--name", f"worker{n}")
        for n in range(workers)
    ]
    govarchive("ingest", "--redis", redis_url, "--db", str(db), "--run", str(run_id))
    for worker in started:
        assert worker.wait(timeout=300) == 0
    return run_id


@pytest.fixture(scope="module")
def redis_server():
    with RedisServer() as server:
        yield server


@pytest.fixture(scope="module")
def two_nights(tmp_path_factory, redis_server):
    """Night 1 by two workers, then a second run two hours later by one worker."""
    tmp = tmp_path_factory.mktemp("queue")
    db = tmp / "archive.db"
    with DemoWorld() as world:
        registry = world.registry()
        for site in registry["sites"]:
            site["delay"] = DELAY
        path = tmp / "sites.yaml"
        path.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
        replicas = {"demo-wangcang": world.trs, "demo-yiyuan": world.hanweb}
        first = queued_night(redis_server.url, db, path, NIGHT_1, workers=2)
        night_1 = {name: list(site.request_times) for name, site in replicas.items()}
        second = queued_night(redis_server.url, db, path, NIGHT_1_LATER, workers=1)
        all_requests = {name: list(site.request_times) for name, site in replicas.items()}
        yield {
            "db": db,
            "runs": (first, second),
            "expected": len(world.documents),
            "night_1": night_1,
            "night_2": {n: all_requests[n][len(night_1[n]) :] for n in replicas},
            "redis": redis_server.url,
        }


def document_paths(db: Path) -> set[str]:
    return {urlsplit(url).path for (url,) in rows(db, "SELECT url FROM documents")}


def test_every_document_is_archived(two_nights) -> None:
    assert rows(two_nights["db"], "SELECT count(*) FROM documents")[0][0] == two_nights["expected"]


def test_every_document_is_new_once(two_nights) -> None:
    news = rows(
        two_nights["db"], "SELECT count(*), count(DISTINCT document_id) FROM document_events"
        " WHERE event = 'new'",
    )  # fmt: skip
    assert news[0] == (two_nights["expected"], two_nights["expected"])


def test_no_document_has_a_second_version(two_nights) -> None:
    assert rows(two_nights["db"], "SELECT max(version_count) FROM documents")[0][0] == 1


def test_no_detail_page_is_fetched_twice_in_a_night(two_nights) -> None:
    paths = document_paths(two_nights["db"])
    counts = Counter(p for times in two_nights["night_1"].values() for _, p in times if p in paths)
    assert [p for p, n in counts.items() if n > 1] == []


def test_every_detail_page_was_fetched(two_nights) -> None:
    paths = document_paths(two_nights["db"])
    fetched = {p for times in two_nights["night_1"].values() for _, p in times}
    assert paths - fetched == set()


@pytest.mark.parametrize("site", ["demo-wangcang", "demo-yiyuan"])
def test_each_site_keeps_its_delay(two_nights, site: str) -> None:
    # Scrapy varies the delay by ±50%, so requests leave at least half of it apart. On a
    # loaded machine one request can reach the server late (a process waiting for a core),
    # which shortens the gap after it by as much as it lengthened the one before: every
    # two consecutive gaps together still span at least one delay (without the delay,
    # requests arrive milliseconds apart).
    times = [t for t, _ in two_nights["night_1"][site]]
    spans = [c - a for a, c in zip(times, times[2:], strict=False)]
    assert min(spans) >= 2 * 0.5 * DELAY - ARRIVAL_JITTER


def test_the_queued_run_is_finished(two_nights) -> None:
    first, _ = two_nights["runs"]
    reason = rows(two_nights["db"], f"SELECT finish_reason FROM runs WHERE id = {first}")
    assert reason == [("finished",)]


def test_the_queued_run_records_both_sites_healthy(two_nights) -> None:
    first, _ = two_nights["runs"]
    health = rows(
        two_nights["db"],
        f"SELECT site, healthy FROM run_sites WHERE run_id = {first} ORDER BY site",
    )
    assert health == [("demo-wangcang", 1), ("demo-yiyuan", 1)]


def test_the_queued_run_keeps_the_time_it_was_queued_for(two_nights) -> None:
    first, _ = two_nights["runs"]
    assert rows(two_nights["db"], f"SELECT finished_at FROM runs WHERE id = {first}") == [
        (NIGHT_1,)
    ]


def test_a_worker_knows_what_the_archive_knows(two_nights) -> None:
    # The second run's jobs carry the archive's known documents: none is due again, so no
    # document page is fetched (a worker without them would fetch every one as new).
    paths = document_paths(two_nights["db"])
    again = [p for times in two_nights["night_2"].values() for _, p in times if p in paths]
    assert again == []


def test_the_second_run_sees_the_documents_still_listed(two_nights) -> None:
    _, second = two_nights["runs"]
    unchanged = rows(
        two_nights["db"], f"SELECT sum(new), sum(changed) FROM run_sites WHERE run_id = {second}"
    )
    assert unchanged == [(0, 0)]


def test_a_site_whose_job_ended_without_a_report_is_closed_as_lost(tmp_path, redis_server) -> None:
    from redis import Redis
    from rq.job import Job

    from archive import Archive
    from crawler.distributed.ingest import ingest
    from crawler.distributed.jobs import enqueue_sites
    from crawler.distributed.keys import Namespace
    from spiders.registry import Site

    site = Site(name="lost-site", title="失联", family="trs", start_urls=["http://127.0.0.1:9/"])
    db = tmp_path / "archive.db"
    run_id = enqueue_sites(redis_server.url, str(db), [site], now=NIGHT_1, retries=0)
    with Archive(db) as archive:
        job = Namespace(archive.archive_id).job_id(run_id, "lost-site")
    Job.fetch(job, connection=Redis.from_url(redis_server.url)).cancel()
    result = ingest(str(db), redis_server.url, runs={run_id}, idle_seconds=120, grace_seconds=0.5)
    reason = rows(db, f"SELECT finish_reason FROM runs WHERE id = {run_id}")[0][0]
    assert (result.runs_finished, reason.startswith("job-failed (canceled")) == ([run_id], True)


def test_a_site_another_job_holds_waits_and_says_so(tmp_path, redis_server) -> None:
    from redis import Redis

    from archive import Archive
    from crawler.distributed.ingest import ingest
    from crawler.distributed.jobs import enqueue_sites
    from crawler.distributed.keys import Namespace
    from spiders.registry import Site

    site = Site(name="busy-site", title="占用", family="trs", start_urls=["http://127.0.0.1:9/"])
    db = tmp_path / "archive.db"
    with Archive(db) as archive:
        lock = Namespace(archive.archive_id).site_lock("busy-site")
    redis = Redis.from_url(redis_server.url)
    redis.set(lock, "another-job", ex=600)
    try:
        run_id = enqueue_sites(redis_server.url, str(db), [site], now=NIGHT_1, retries=0)
        worker = run_cli("worker", "--redis", redis_server.url, "--burst", check=False)
        result = ingest(
            str(db), redis_server.url, runs={run_id}, idle_seconds=120, grace_seconds=0.5
        )
    finally:
        redis.delete(lock)
    note = rows(db, f"SELECT health_note FROM run_sites WHERE run_id = {run_id}")[0][0]
    assert (worker.returncode, result.runs_finished, "another job holds busy-site" in note) == (
        0,
        [run_id],
        True,
    )


def test_a_crawl_that_lost_messages_on_the_way_proves_no_absence() -> None:
    from crawler.distributed.pipeline import after_losses
    from crawler.recorder import SiteReport

    report = SiteReport(listing_complete=True, listing_answered=True, listed=frozenset({"u"}))
    lost = after_losses(report, 2)
    assert (lost.listing_complete, lost.listing_answered, lost.finish_reason) == (
        False,
        False,
        "items-lost (2 messages did not reach the archive)",
    )


def test_a_crawl_that_lost_nothing_keeps_its_report() -> None:
    from crawler.distributed.pipeline import after_losses
    from crawler.recorder import SiteReport

    report = SiteReport(listing_complete=True, listing_answered=True, listed=frozenset({"u"}))
    assert after_losses(report, 0) == report


def test_a_call_to_a_redis_that_stops_answering_fails_instead_of_hanging() -> None:
    """A server that accepts the connection and never answers (a network black hole): a
    push retried for a bounded time fails, and its message is then counted lost."""
    import socket
    import threading

    from redis.exceptions import TimeoutError as RedisTimeout

    from crawler.distributed.keys import connect, with_reconnect

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    outcome: list[BaseException] = []

    def try_push() -> None:
        client = connect(f"redis://127.0.0.1:{listener.getsockname()[1]}/0", timeout=0.3)
        try:
            with_reconnect(lambda: client.rpush("k", b"v"), give_up_after=1.0)
        except BaseException as exc:  # noqa: BLE001 - what the push raised is the result
            outcome.append(exc)

    pusher = threading.Thread(target=try_push, daemon=True)
    pusher.start()
    pusher.join(60)  # a bound on a broken test, not a wait for the event: it ends near 1 s
    try:
        assert (pusher.is_alive(), [type(e) for e in outcome]) == (False, [RedisTimeout])
    finally:
        listener.close()
        for conn in accepted:
            conn.close()


def test_ingest_with_no_redis_says_so_in_one_line(tmp_path) -> None:
    from crawler.demo.server import free_port

    done = run_cli(
        "ingest", "--redis", f"redis://127.0.0.1:{free_port()}/0",
        "--db", str(tmp_path / "a.db"), "--idle", "1", timeout=120, check=False,
    )  # fmt: skip
    assert (done.returncode, "Redis:" in done.stderr, "Traceback" in done.stderr) == (
        2,
        True,
        False,
    )


def test_one_worker_with_two_processes_crawls_two_sites_at_once(tmp_path, redis_server) -> None:
    db = tmp_path / "archive.db"
    with DemoWorld() as world:
        registry = world.registry()
        for site in registry["sites"]:
            site["delay"] = DELAY
        path = tmp_path / "sites.yaml"
        path.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
        queued = govarchive("enqueue", "--redis", redis_server.url, "--db", str(db), "--sites",
                            str(path), "--now", NIGHT_1, "--set", "AUTOTHROTTLE_ENABLED=false")  # fmt: skip
        run_id = queued.stdout.split()[1].rstrip(":")
        worker = start_cli("worker", "--redis", redis_server.url, "--burst", "--processes", "2")
        govarchive("ingest", "--redis", redis_server.url, "--db", str(db), "--run", run_id)
        assert worker.wait(timeout=300) == 0
        spans = [
            (times[0][0], times[-1][0])
            for times in (world.trs.request_times, world.hanweb.request_times)
        ]
    (a_start, a_end), (b_start, b_end) = spans
    assert (a_start < b_end, b_start < a_end) == (True, True)
