"""Crawls across machines when parts of them die (crawler.distributed): a real redis-server
started and killed here, real `govarchive worker` and `govarchive ingest` processes killed
with SIGKILL, the demo replica sites crawled. Each test ends with every document archived
exactly once, or with the run saying what failed."""

from __future__ import annotations

import os
import pickle
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from cli_forkserver import CliProcess
from conftest import db_rows as rows
from conftest import run_cli, start_cli

from crawler.demo import DemoWorld
from crawler.demo.redis_server import RedisServer

pytestmark = pytest.mark.start_first

NIGHT = "2025-04-01T02:00:00+08:00"
# What each wait below allows a loaded machine before the test fails (the waits end at the
# event they wait for, much sooner).
PATIENCE = 240.0


def wait_for(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"waited {PATIENCE:.0f} s for {what}"
        time.sleep(0.02)


def start(*args: str, **env: str) -> CliProcess:
    """A govarchive command in its own process group (killed as a machine dies: all of it)."""
    return start_cli(*args, env=env)


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (RQ starts each job's work horse in a session of its own,
    out of reach of a signal to the worker's group)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found.extend(children)
        todo.extend(children)
    return found


def kill_group(process: CliProcess) -> None:
    """SIGKILL the command and everything it started, as a machine dying would."""
    for pid in [process.pid, *descendants(process.pid)]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.communicate(timeout=60)


def enqueue(redis_url: str, db: Path, registry: Path, *extra: str) -> int:
    done = run_cli(
        "enqueue", "--redis", redis_url, "--db", str(db), "--sites", str(registry),
        "--now", NIGHT, "--set", "AUTOTHROTTLE_ENABLED=false", *extra, timeout=300,
    )  # fmt: skip
    return int(done.stdout.split()[1].rstrip(":"))


def burst_worker(redis_url: str, check: bool = True) -> None:
    """A worker that crawls what is queued and stops."""
    run_cli("worker", "--redis", redis_url, "--burst", timeout=PATIENCE, check=check)


def ingest_until_finished(
    redis_url: str, db: Path, run_id: int
) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "ingest", "--redis", redis_url, "--db", str(db), "--run", str(run_id), "--grace", "1",
        timeout=PATIENCE, check=False,
    )  # fmt: skip


def archive_id(db: Path) -> str:
    return rows(db, "SELECT value FROM archive_meta WHERE key = 'archive_id'")[0][0]


@pytest.fixture()
def world(tmp_path):
    """The demo replica sites, polite (a delay between requests), and their registry."""
    with DemoWorld() as demo:
        registry = demo.registry()
        for site in registry["sites"]:
            site["delay"] = 0.05
        path = tmp_path / "sites.yaml"
        path.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
        yield demo, path


def archived_once(db: Path) -> tuple[int, int, int]:
    """(documents, 'new' events, documents with more than one version)."""
    return (
        rows(db, "SELECT count(*) FROM documents")[0][0],
        rows(db, "SELECT count(DISTINCT document_id) FROM document_events WHERE event = 'new'")[0][
            0
        ],
        rows(db, "SELECT count(*) FROM documents WHERE version_count > 1")[0][0],
    )


@pytest.fixture()
def crawled(tmp_path, world):
    """A night queued and crawled by a worker, its messages waiting in a live Redis for the
    ingest: (demo world, archive, Redis server, client, run id)."""
    from redis import Redis

    demo, registry = world
    db = tmp_path / "archive.db"
    with RedisServer() as redis_server:
        run_id = enqueue(redis_server.url, db, registry)
        burst_worker(redis_server.url)
        yield demo, db, redis_server, Redis.from_url(redis_server.url), run_id


def test_ingest_killed_mid_batch_loses_and_duplicates_nothing(crawled) -> None:
    demo, db, redis_server, redis, run_id = crawled
    keys = f"govarchive:{archive_id(db)}"
    waiting = redis.llen(f"{keys}:items")
    # The archive is held by another writer: the ingest takes a batch of messages and
    # waits to write it; it is killed then, with the batch taken and nothing committed.
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    first = start("ingest", "--redis", redis_server.url, "--db", str(db), "--run", str(run_id))
    wait_for(lambda: redis.llen(f"{keys}:processing") > 0, "the ingest to take a batch")
    kill_group(first)
    holder.execute("ROLLBACK")
    holder.close()
    taken = redis.llen(f"{keys}:processing")
    second = ingest_until_finished(redis_server.url, db, run_id)
    assert (waiting > 0, taken > 0, second.returncode) == (True, True, 0), second.stderr[-2000:]
    assert archived_once(db) == (len(demo.documents), len(demo.documents), 0)


def test_messages_delivered_twice_are_recorded_once(crawled) -> None:
    demo, db, redis_server, redis, run_id = crawled
    items = f"govarchive:{archive_id(db)}:items"
    sent = redis.lrange(items, 0, -1)
    assert ingest_until_finished(redis_server.url, db, run_id).returncode == 0
    fetches = rows(db, "SELECT count(*) FROM fetches")[0][0]
    # Redis hands every message over again (a redelivery after a crash, at worst).
    redis.rpush(items, *sent)
    again = run_cli(
        "ingest", "--redis", redis_server.url, "--db", str(db), "--idle", "1",
        timeout=PATIENCE, check=False,
    )  # fmt: skip
    assert (again.returncode, rows(db, "SELECT count(*) FROM fetches")[0][0]) == (0, fetches)
    assert f"({len(sent)} delivered twice and 0 from" in again.stdout


def test_a_killed_worker_s_site_is_crawled_again_and_completes(tmp_path, world) -> None:
    demo, registry = world
    db = tmp_path / "archive.db"
    with RedisServer() as redis_server:
        from redis import Redis

        redis = Redis.from_url(redis_server.url)
        run_id = enqueue(redis_server.url, db, registry, "--lease", "2", "--retries", "1")
        keys = f"govarchive:{archive_id(db)}"
        ingest = start("ingest", "--redis", redis_server.url, "--db", str(db), "--run",
                       str(run_id), "--grace", "1")  # fmt: skip
        doomed = start("worker", "--redis", redis_server.url, "--processes", "1")
        # Killed once it holds a site's lease and has pushed some of the site's messages.
        wait_for(lambda: redis.keys(f"{keys}:site-lock:*"), "the worker to take a site")
        wait_for(
            lambda: rows(db, "SELECT count(*) FROM fetches")[0][0] > 0, "the first pages recorded"
        )
        kill_group(doomed)
        survivor = start("worker", "--redis", redis_server.url)
        try:
            out, err = ingest.communicate(timeout=PATIENCE)
        finally:
            kill_group(survivor)
    assert (ingest.returncode, "died: 1;" in out) == (0, True), err[-3000:]
    assert archived_once(db) == (len(demo.documents), len(demo.documents), 0)
    assert rows(db, f"SELECT finish_reason FROM runs WHERE id = {run_id}") == [("finished",)]


def test_redis_killed_and_restarted_mid_night_loses_nothing(tmp_path, world) -> None:
    demo, registry = world
    db = tmp_path / "archive.db"
    with RedisServer() as redis_server:
        run_id = enqueue(redis_server.url, db, registry)
        ingest = start("ingest", "--redis", redis_server.url, "--db", str(db), "--run",
                       str(run_id), "--grace", "1")  # fmt: skip
        worker = start("worker", "--redis", redis_server.url)
        try:
            wait_for(
                lambda: rows(db, "SELECT count(*) FROM documents")[0][0] > 0,
                "the first documents archived",
            )
            redis_server.kill()
            redis_server.start()
            out, err = ingest.communicate(timeout=PATIENCE)
        finally:
            kill_group(worker)
            if ingest.poll() is None:
                kill_group(ingest)
    assert ingest.returncode == 0, err[-3000:]
    assert archived_once(db) == (len(demo.documents), len(demo.documents), 0)


def test_a_worker_that_cannot_push_its_messages_fails_its_site_and_the_ingest_says_so(
    tmp_path, world
) -> None:
    """The worker's Redis user may run jobs but not write the archive's keys (an ACL
    mistake): its site's crawl cannot report, the run says so, the ingest exits non-zero."""
    demo, registry = world
    db = tmp_path / "archive.db"
    acl = ("--user", "crawler", "on", ">worker-secret", "~rq:*", "&*", "+@all")
    with RedisServer(extra=acl) as redis_server:
        run_id = enqueue(redis_server.url, db, registry, "--retries", "0")
        limited = redis_server.url.replace("redis://", "redis://crawler:worker-secret@")
        run_cli("worker", "--redis", limited, "--burst", timeout=PATIENCE, check=False)
        done = ingest_until_finished(redis_server.url, db, run_id)
    notes = [
        note for (note,) in rows(db, f"SELECT health_note FROM run_sites WHERE run_id = {run_id}")
    ]
    assert (done.returncode, all("NoPermissionError" in (note or "") for note in notes)) == (
        1,
        True,
    )
    assert "job-failed" in done.stderr


def test_two_archives_on_one_redis_keep_to_their_own(tmp_path, world) -> None:
    demo, registry = world
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    with RedisServer() as redis_server:
        runs = [enqueue(redis_server.url, db, registry) for db in (first, second)]
        run_cli("worker", "--redis", redis_server.url, "--burst", timeout=PATIENCE)
        ingests = [
            start("ingest", "--redis", redis_server.url, "--db", str(db), "--run", str(run))
            for db, run in zip((first, second), runs, strict=True)
        ]
        codes = [process.wait(timeout=PATIENCE) for process in ingests]
    assert (runs, codes) == ([1, 1], [0, 0])
    assert archived_once(first) == archived_once(second) == (len(demo.documents),) * 2 + (0,)


def test_an_ingest_refuses_a_message_of_another_archive(tmp_path, redis_server_once) -> None:
    from redis import Redis

    from archive import Archive
    from crawler.distributed.ingest import ingest
    from crawler.distributed.keys import Namespace
    from crawler.distributed.messages import Envelope, pack

    db = tmp_path / "archive.db"
    with Archive(db) as archive:
        keys = Namespace(archive.archive_id)
    stranger = Envelope("5d0e2a1c-3c1b-4a57-9a57-6c1f4d2f8e10", 1, "site", 1, 1, "open",
                        ({"name": "site"}, None))  # fmt: skip
    Redis.from_url(redis_server_once.url).rpush(keys.items, pack(stranger))
    result = ingest(str(db), redis_server_once.url, idle_seconds=0.5)
    assert (result.errors, rows(db, "SELECT count(*) FROM sites")[0][0]) == (1, 0)


class Trap:
    """Unpickling this creates a file: proof that a payload was executed."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def test_a_pickled_message_is_refused_not_executed(tmp_path, redis_server_once) -> None:
    from redis import Redis

    from archive import Archive
    from crawler.distributed.ingest import ingest
    from crawler.distributed.keys import Namespace

    db = tmp_path / "archive.db"
    trap = tmp_path / "executed"
    with Archive(db) as archive:
        items = Namespace(archive.archive_id).items
    Redis.from_url(redis_server_once.url).rpush(items, pickle.dumps(Trap(trap)))
    result = ingest(str(db), redis_server_once.url, idle_seconds=0.5)
    assert (result.errors, trap.exists()) == (1, False)


@pytest.mark.parametrize("serializer", ["pickle", "json"])
def test_a_job_naming_another_function_is_refused_not_run(
    tmp_path, redis_server_once, serializer: str
) -> None:
    from redis import Redis
    from rq import Queue
    from rq.job import Job

    from crawler.distributed.keys import QUEUE_NAME

    trap = tmp_path / "executed"
    redis = Redis.from_url(redis_server_once.url)
    job = Queue(QUEUE_NAME, connection=redis, serializer=serializer).enqueue(
        "pathlib.Path.touch", Path(trap) if serializer == "pickle" else str(trap)
    )
    run_cli("worker", "--redis", redis_server_once.url, "--burst", timeout=PATIENCE, check=False)
    status = Job.fetch(job.id, connection=redis, serializer="json").get_status(refresh=True)
    assert (trap.exists(), str(getattr(status, "value", status))) == (False, "failed")


@pytest.fixture(scope="module")
def redis_server_once():
    with RedisServer() as server:
        yield server


def test_workers_pause_while_the_ingest_is_behind(tmp_path, world) -> None:
    from redis import Redis

    demo, registry = world
    db = tmp_path / "archive.db"
    limit = 5
    with RedisServer() as redis_server:
        redis = Redis.from_url(redis_server.url)
        run_id = enqueue(
            redis_server.url, db, registry, "--set", f"GOVARCHIVE_BACKLOG_LIMIT={limit}"
        )
        items = f"govarchive:{archive_id(db)}:items"
        worker = start("worker", "--redis", redis_server.url)
        try:
            # No ingest yet: the backlog fills to the limit (and one message past it).
            wait_for(lambda: redis.llen(items) > limit, "the backlog to fill")
            ingest = start(
                "ingest", "--redis", redis_server.url, "--db", str(db), "--run", str(run_id)
            )
            seen = [redis.llen(items)]
            while ingest.poll() is None:
                seen.append(redis.llen(items))
            ingest.communicate()
        finally:
            kill_group(worker)
    # Each crawling process (one per site here) may push one message past the limit.
    assert (max(seen) <= limit + 2, ingest.returncode) == (True, 0)
    assert archived_once(db) == (len(demo.documents), len(demo.documents), 0)
