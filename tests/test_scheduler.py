"""scheduler.py in real processes: consecutive crawls, no overlap, one scheduler per
archive, restart with a missed run, clean SIGTERM."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from itertools import pairwise
from pathlib import Path

import pytest
from cli_forkserver import CliProcess
from conftest import run_cli, start_cli, wait_for

import scheduler
from crawler.demo.server import ReplicaServer, ReplicaSite
from crawler.demo.site import Page

# Long (schedulers waiting on their intervals and on slow crawls): started before the other modules.
pytestmark = pytest.mark.start_first

DETAIL = (
    "<html><head><title>关于开展执法检查的通知</title></head><body><h1>关于开展执法检查的通知</h1>"
    "<div class='content'><p>为进一步规范行政执法行为，提高依法行政水平，现就有关事项通知如下。</p>"
    "<p>请各单位认真贯彻执行，并于月底前报送工作情况。</p></div></body></html>"
)


@pytest.fixture
def site(tmp_path):
    """A one-document replica; ``replica.delays`` can make its list page slow."""
    replica = ReplicaSite(
        {
            "/zwgk/index.html": Page(
                "<ul><li><a href='/zwgk/t20250601_1.html'>关于开展执法检查的通知</a></li></ul>".encode()
            ),
            "/zwgk/t20250601_1.html": Page(DETAIL.encode()),
        }
    )
    with ReplicaServer(replica) as server:
        registry = tmp_path / "sites.yaml"
        registry.write_text(
            f"- {{name: one, title: 某县, family: trs, delay: 0, revisit_days: 0, start_urls: ['{server.url}/zwgk/index.html']}}\n",
            encoding="utf-8",
        )
        yield replica, registry, tmp_path / "archive.db"


def start_scheduler(registry: Path, db: Path, *extra: str, log: Path | None = None) -> CliProcess:
    out = log or db.with_suffix(".log")
    return start_cli(
        "schedule", "--sites", str(registry), "--db", str(db), *extra, out=out, err=out
    )


def runs(db: Path) -> list[sqlite3.Row]:
    if not db.exists():
        return []
    conn = sqlite3.connect(db, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT * FROM runs ORDER BY id").fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def stop(process: CliProcess) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    return process.wait(timeout=60)


def finished(db: Path) -> list[sqlite3.Row]:
    """Runs whose child process has exited and been recorded by the scheduler."""
    return [r for r in runs(db) if r["exit_code"] is not None]


def test_consecutive_crawls_recorded(site) -> None:
    _, registry, db = site
    process = start_scheduler(registry, db, "--every", "1")
    try:
        assert wait_for(lambda: len(finished(db)) >= 2, 60), db.with_suffix(".log").read_text()
    finally:
        stop(process)
    assert [(r["finish_reason"], r["exit_code"]) for r in finished(db)[:2]] == [
        ("finished", 0),
        ("finished", 0),
    ]


def test_slow_crawl_never_overlapped(site) -> None:
    replica, registry, db = site
    replica.delays["/zwgk/index.html"] = 1.0  # a crawl outlasts the 1 s interval
    process = start_scheduler(registry, db, "--every", "1")
    try:
        assert wait_for(lambda: len(finished(db)) >= 2, 90), db.with_suffix(".log").read_text()
    finally:
        stop(process)
    spans = [(r["started_at"], r["finished_at"]) for r in finished(db)]
    assert all(later[0] >= earlier[1] for earlier, later in pairwise(spans))


def test_second_scheduler_refuses(site) -> None:
    _, registry, db = site
    first = start_scheduler(registry, db, "--every", "30")
    try:
        # The first scheduler logs its plan once it holds the lock and has opened its store.
        log = db.with_suffix(".log")
        assert wait_for(lambda: log.exists() and "scheduling 1 sites" in log.read_text(), 30)
        second = run_cli(
            "schedule",
            "--sites",
            str(registry),
            "--db",
            str(db),
            "--every",
            "30",
            check=False,
            timeout=30,
        )
    finally:
        stop(first)
    assert second.returncode == 2 and "another scheduler is already running" in second.stderr


def move_stored_run_into_the_past(db: Path, job_id: str) -> None:
    """What a machine that was down past a due time leaves: a stored next run time in the
    past (set through APScheduler's public API on the job store)."""
    from datetime import datetime, timedelta

    import scheduler as govarchive_scheduler

    with govarchive_scheduler.open_store(str(db)) as store:
        past = datetime.now(govarchive_scheduler.TIMEZONE) - timedelta(minutes=5)
        store.modify_job(job_id, next_run_time=past)


def test_restart_keeps_jobs_and_runs_the_missed_one(site) -> None:
    _, registry, db = site
    first = start_scheduler(registry, db, "--every", "3600")
    assert wait_for(lambda: "one" in run_cli(
        "schedule", "--sites", str(registry), "--db", str(db), "--every", "3600", "--list"
    ).stdout and Path(f"{db}.jobs.sqlite").exists(), 30)  # fmt: skip
    stop(first)
    assert runs(db) == []
    move_stored_run_into_the_past(db, "crawl:one")
    second = start_scheduler(registry, db, "--every", "3600")
    try:
        # A fresh schedule would first fire in an hour; the missed run fires at start.
        assert wait_for(lambda: len(finished(db)) >= 1, 90), db.with_suffix(".log").read_text()
    finally:
        stop(second)


def group_members(pgid: int) -> list[int]:
    """Live processes whose process group is ``pgid`` (from /proc). A zombie has ended:
    killed with its group, it waits only for its new parent (PID 1) to read its status."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def test_timed_out_crawl_leaves_no_process(site) -> None:
    replica, registry, db = site
    replica.delays["/zwgk/index.html"] = 60.0
    process = start_scheduler(registry, db, "--every", "1", "--timeout", "3", "--stop-timeout", "2")
    try:
        # The run row is opened by the scheduler, then claimed by the crawl with its pid.
        assert wait_for(lambda: any(r["pid"] not in (None, process.pid) for r in runs(db)), 60)
        crawl_pid = runs(db)[0]["pid"]
        leads_its_group = os.getpgid(crawl_pid) == crawl_pid
        assert wait_for(lambda: len(finished(db)) >= 1, 120), db.with_suffix(".log").read_text()
    finally:
        stop(process)
    run = finished(db)[0]
    assert (run["finish_reason"], leads_its_group, group_members(crawl_pid)) == (
        "timeout",
        True,
        [],
    )


def test_sigterm_exits_cleanly_during_a_crawl(site) -> None:
    replica, registry, db = site
    replica.delays["/zwgk/index.html"] = 20.0
    process = start_scheduler(registry, db, "--every", "1", "--stop-timeout", "3")
    assert wait_for(lambda: len(runs(db)) >= 1, 30)
    started = time.monotonic()
    code = stop(process)
    # Well before the stalled page would have answered (20 s): the stop timeout is kept.
    assert (code, time.monotonic() - started < 15) == (0, True)


def test_sigterm_records_the_interrupted_crawl(site) -> None:
    replica, registry, db = site
    replica.delays["/zwgk/index.html"] = 20.0
    process = start_scheduler(registry, db, "--every", "1", "--stop-timeout", "3")
    assert wait_for(lambda: len(runs(db)) >= 1, 30)
    stop(process)
    assert runs(db)[0]["finish_reason"] in ("shutdown", "killed")


def test_a_stop_while_a_crawl_starts_stops_that_crawl(site, monkeypatch) -> None:
    """SIGTERM may come after a job opened its run and before its crawl is registered: the
    scheduler's stop then finds no crawl to stop, so the job must stop the crawl itself
    (it used to run on to the end: 20 s here, hours on a real site)."""
    from archive import Archive
    from crawler import site_jobs

    replica, registry, db = site
    replica.delays["/zwgk/index.html"] = 20.0
    start_run = Archive.start_run

    def start_run_then_stop(self: Archive, *args: object, **kwargs: object) -> int:
        run_id = start_run(self, *args, **kwargs)
        site_jobs.stopping.set()  # what the signal handler does
        site_jobs.stop_all(0.1)  # the main thread's stop: nothing registered yet
        return run_id

    monkeypatch.setattr(site_jobs, "stopping", threading.Event())
    monkeypatch.setattr(Archive, "start_run", start_run_then_stop)
    site_jobs.run_site_crawl("one", str(db), str(registry), timeout=120, stop_timeout=3)
    assert runs(db)[0]["finish_reason"] == "shutdown"


def test_list_prints_next_fire_times(site) -> None:
    _, registry, db = site
    out = run_cli("schedule", "--sites", str(registry), "--db", str(db), "--list").stdout
    assert "one" in out and "cron[hour='2', minute='0']" in out


def test_with_a_queue_the_scheduler_queues_the_crawl_instead(site) -> None:
    from redis import Redis
    from rq import Queue
    from rq.serializers import JSONSerializer

    from crawler.demo.redis_server import RedisServer
    from crawler.distributed.keys import QUEUE_NAME

    replica, registry, db = site
    with RedisServer() as redis:
        queue = Queue(QUEUE_NAME, connection=Redis.from_url(redis.url), serializer=JSONSerializer)
        process = start_scheduler(registry, db, "--every", "1", "--queue", redis.url)
        try:
            assert wait_for(lambda: queue.count >= 1, 60), db.with_suffix(".log").read_text()
        finally:
            stop(process)
        queued = {job.args[2]["name"] for job in queue.get_jobs()}
    # Queued for the workers, and nothing crawled here.
    assert (queued, replica.requests) == ({"one"}, [])


def test_a_crawl_job_passes_the_subscriptions_on() -> None:
    command = scheduler.crawl_command("a", "x.db", None, 3, alerts="/srv/alerts.yaml")
    assert command[-2:] == ["--alerts", "/srv/alerts.yaml"]


def test_a_crawl_job_without_subscriptions_sends_no_alerts() -> None:
    assert "--alerts" not in scheduler.crawl_command("a", "x.db", None, 3)


def test_alerts_with_a_queue_are_refused(tmp_path) -> None:
    import argparse

    from archive.alerts import SubscriptionError

    path = tmp_path / "alerts.yaml"
    path.write_text("subscriptions:\n  - name: a\n    notify: ['json://127.0.0.1:9/h']\n")
    args = argparse.Namespace(alerts=str(path), queue="redis://127.0.0.1:6379/0")
    with pytest.raises(SubscriptionError, match="run `govarchive alerts` after"):
        scheduler._alerts_file(args)


def test_the_subscriptions_file_is_passed_as_an_absolute_path(tmp_path, monkeypatch) -> None:
    import argparse

    monkeypatch.chdir(tmp_path)
    Path("alerts.yaml").write_text(
        "subscriptions:\n  - name: a\n    notify: ['json://127.0.0.1:9/h']\n"
    )
    args = argparse.Namespace(alerts="alerts.yaml", queue=None)
    assert scheduler._alerts_file(args) == str(tmp_path / "alerts.yaml")


def test_the_scheduler_reads_scans_each_morning(tmp_path) -> None:
    from apscheduler.triggers.cron import CronTrigger

    store = scheduler.build_scheduler(str(tmp_path / "a.db"), 1)
    store.start(paused=True)
    try:
        config = scheduler.CrawlJobConfig(str(tmp_path / "a.db"), None, 60)
        scheduler.add_jobs(store, [], config, None)
        job = store.get_job(scheduler.OCR_JOB)
        trigger = job.trigger
    finally:
        store.shutdown(wait=False)
    assert (isinstance(trigger, CronTrigger), str(trigger.fields[5]), str(trigger.fields[6])) == (
        True, "6", "30",
    )  # fmt: skip
