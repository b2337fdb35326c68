"""Nightly collection: APScheduler runs each registry site's crawl in a child process.

One long-lived process (under systemd, supervisor or a container) for months:

* ``BlockingScheduler``, timezone Asia/Shanghai, jobs persisted in ``<archive>.jobs.sqlite``
  (SQLAlchemyJobStore). Each site gets one job: nightly at 02:00 with up to 30 minutes of
  jitter, or the site's ``schedule`` (cron or ``nightly``/``weekly``/…); ``--every N``
  replaces them all with an N-second interval (for trying it out, and for tests).
* Each crawl is a child process (``python -m crawler.cli crawl --site NAME``), because
  Twisted's reactor cannot be restarted; it has a time limit, and its exit and finish
  reason land in the ``runs`` table.
* Never two crawls of one site at once: ``max_instances=1`` and ``coalesce=True`` in this
  process, and a per-site file lock across processes (a manual ``govarchive crawl`` too).
  A second scheduler on the same archive refuses to start.
* Missed runs (the machine was down) run once on start if within ``misfire_grace_time``;
  a restarted scheduler keeps its stored next run times when the schedule is unchanged.
* SIGTERM/SIGINT: no new crawls; running ones are asked to stop (SIGTERM, which Scrapy
  handles gracefully) and killed after ``--stop-timeout``; then exit 0.
"""

from __future__ import annotations

import argparse
import logging
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo("Asia/Shanghai")
# Default schedule: every night at 02:00 (China time), spread over 30 minutes.
NIGHTLY = {"hour": 2, "minute": 0}
NIGHTLY_JITTER_SECONDS = 1800
# A missed nightly run still runs if the scheduler is back within 6 hours.
MISFIRE_GRACE_SECONDS = 6 * 3600
# One crawl may take at most this long before it is stopped.
DEFAULT_CRAWL_TIMEOUT = 4 * 3600
# After SIGTERM, running crawls get this long to stop before they are killed.
DEFAULT_STOP_TIMEOUT = 60.0
# Crawls (of different sites) running at once.
DEFAULT_MAX_PARALLEL = 2
JOB_PREFIX = "crawl:"

log = logging.getLogger("govarchive.scheduler")


def jobs_path(db: str | os.PathLike[str]) -> Path:
    """The APScheduler job store beside the archive."""
    return Path(f"{os.fspath(db)}.jobs.sqlite")


@dataclass
class CrawlJobConfig:
    """Where a job's child crawl finds its registry and archive."""

    db: str
    sites_file: str | None
    timeout: float


# Child processes of running crawls, so a shutdown can stop them.
_children: dict[str, subprocess.Popen[bytes]] = {}
_children_lock = threading.Lock()
_stopping = threading.Event()


def crawl_command(site: str, db: str, sites_file: str | None) -> list[str]:
    command = [sys.executable, "-m", "crawler.cli", "crawl", "--site", site, "--db", db]
    if sites_file:
        command += ["--sites", sites_file]
    return command


def run_site_crawl(site: str, db: str, sites_file: str | None, timeout: float) -> int:
    """The job: crawl one site in a child process, bounded in time; record how it ended."""
    from archive import Archive

    if _stopping.is_set():
        log.info("%s: not started, the scheduler is stopping", site)
        return -1
    started = time.monotonic()
    log.info("%s: crawl started", site)
    child = subprocess.Popen(
        crawl_command(site, db, sites_file), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    with _children_lock:
        _children[site] = child
    reason = None
    try:
        output, _ = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        reason = "timeout"
        log.warning("%s: crawl exceeded %.0fs, stopping it", site, timeout)
        output = _stop_child(child, DEFAULT_STOP_TIMEOUT)
    finally:
        with _children_lock:
            _children.pop(site, None)
    code = child.returncode
    if reason is None and _stopping.is_set() and code != 0:
        reason = "shutdown"
    if reason is None and code != 0:
        reason = "killed" if code < 0 else "failed"
    summary = _last_line(output)
    try:
        with Archive(db) as archive:
            run_id = archive.run_for_pid(child.pid)
            if run_id is not None:
                archive.set_run_exit(run_id, code, reason)
    except sqlite3.Error as exc:
        log.error("%s: could not record the crawl's exit: %s", site, exc)
    log.info(
        "%s: crawl finished in %.1fs, exit %s%s — %s",
        site,
        time.monotonic() - started,
        code,
        f" ({reason})" if reason else "",
        summary or "no output",
    )
    return code


def _last_line(output: bytes | None) -> str:
    lines = [
        line for line in (output or b"").decode("utf-8", "replace").splitlines() if line.strip()
    ]
    return lines[-1].strip() if lines else ""


def _stop_child(child: subprocess.Popen[bytes], grace: float) -> bytes:
    """SIGTERM (Scrapy stops gracefully), then SIGKILL after ``grace`` seconds."""
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
    try:
        output, _ = child.communicate(timeout=grace)
    except subprocess.TimeoutExpired:
        child.kill()
        output, _ = child.communicate()
    return output or b""


def _trigger_for(cron: str | None, every: float | None) -> Any:
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if every:
        return IntervalTrigger(seconds=every, timezone=TIMEZONE)
    if cron:
        return CronTrigger.from_crontab(cron, timezone=TIMEZONE)
    return CronTrigger(**NIGHTLY, jitter=NIGHTLY_JITTER_SECONDS, timezone=TIMEZONE)


def stored_jobs(db: str) -> dict[str, tuple[str, datetime | None]]:
    """Jobs already in the store: id -> (trigger description, next run time)."""
    path = jobs_path(db)
    if not path.exists():
        return {}
    out: dict[str, tuple[str, datetime | None]] = {}
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT id, job_state FROM apscheduler_jobs").fetchall()
    except sqlite3.Error:
        return {}
    finally:
        conn.close()
    for job_id, state in rows:
        try:
            data = pickle.loads(state)  # noqa: S301 - our own job store
        except Exception:  # noqa: BLE001 - an unreadable job is rebuilt
            continue
        out[job_id] = (str(data.get("trigger")), data.get("next_run_time"))
    return out


def plan_jobs(
    sites: list[Any], every: float | None, db: str
) -> list[tuple[str, Any, datetime | None]]:
    """(job id, trigger, next run time to keep) per site; a stored next run time is kept
    when the site's trigger is unchanged, so a missed run is still due after a restart."""
    stored = stored_jobs(db)
    plan = []
    for site in sites:
        job_id = JOB_PREFIX + site.name
        trigger = _trigger_for(site.cron, every)
        keep = None
        if job_id in stored and stored[job_id][0] == str(trigger):
            keep = stored[job_id][1]
        plan.append((job_id, trigger, keep))
    return plan


def build_scheduler(db: str, max_parallel: int) -> Any:
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.blocking import BlockingScheduler

    return BlockingScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{jobs_path(db)}")},
        executors={"default": ThreadPoolExecutor(max_workers=max_parallel)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        },
        timezone=TIMEZONE,
    )


def add_jobs(scheduler: Any, sites: list[Any], config: CrawlJobConfig, every: float | None) -> None:
    known = {JOB_PREFIX + s.name for s in sites}
    for job_id, trigger, keep in plan_jobs(sites, every, config.db):
        name = job_id.removeprefix(JOB_PREFIX)
        options: dict[str, Any] = {}
        if keep is not None:
            options["next_run_time"] = keep
        if every:
            # A missed run in --every mode is still wanted once, however late.
            options["misfire_grace_time"] = None
        scheduler.add_job(
            "scheduler:run_site_crawl",
            trigger=trigger,
            id=job_id,
            name=name,
            kwargs={
                "site": name,
                "db": config.db,
                "sites_file": config.sites_file,
                "timeout": config.timeout,
            },
            replace_existing=True,
            **options,
        )
    remove_stale_jobs(config.db, known)


def remove_stale_jobs(db: str, known: set[str]) -> None:
    """Stored jobs of sites no longer in the registry are deleted before the start."""
    for job_id in set(stored_jobs(db)) - known:
        if not job_id.startswith(JOB_PREFIX):
            continue
        log.info(
            "removing the job of %s: no longer in the registry", job_id.removeprefix(JOB_PREFIX)
        )
        conn = sqlite3.connect(jobs_path(db))
        try:
            with conn:
                conn.execute("DELETE FROM apscheduler_jobs WHERE id = ?", (job_id,))
        finally:
            conn.close()


def list_jobs(sites: list[Any], every: float | None, db: str, out: Any = sys.stdout) -> None:
    """Print each site's next fire time (the stored one when the schedule is unchanged)."""
    now = datetime.now(TIMEZONE)
    print(f"{'site':22} {'next crawl (Asia/Shanghai)':28} schedule", file=out)
    for job_id, trigger, keep in plan_jobs(sites, every, db):
        nxt = keep if keep is not None else trigger.get_next_fire_time(None, now)
        when = nxt.astimezone(TIMEZONE).strftime("%Y-%m-%d %H:%M:%S") if nxt else "never"
        print(f"{job_id.removeprefix(JOB_PREFIX):22} {when:28} {trigger}", file=out)


def _on_event(event: Any) -> None:
    from apscheduler.events import EVENT_JOB_MISSED

    if event.code == EVENT_JOB_MISSED:
        log.warning(
            "%s: run due at %s was missed (beyond the grace time)",
            event.job_id,
            event.scheduled_run_time,
        )


def main(args: argparse.Namespace) -> int:
    """``govarchive schedule``: returns the process exit code."""
    from apscheduler.events import EVENT_JOB_MISSED

    from crawler.locks import Locked, scheduler_lock
    from spiders.registry import load_registry

    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    sites = load_registry(args.sites)
    db = os.fspath(Path(args.db).resolve())
    if args.list:
        list_jobs(sites, args.every, db)
        return 0
    try:
        lock = scheduler_lock(db).acquire()
    except Locked as exc:
        print(
            f"govarchive schedule: another scheduler is already running on {args.db} ({exc.holder});"
            " stop it first (one scheduler per archive)",
            file=sys.stderr,
        )
        return 2
    try:
        from archive import Archive

        Archive(db).close()  # create or migrate before any crawl starts
        sites_file = os.fspath(Path(args.sites).resolve()) if args.sites else None
        config = CrawlJobConfig(db, sites_file, args.timeout or DEFAULT_CRAWL_TIMEOUT)
        scheduler = build_scheduler(db, getattr(args, "max_parallel", None) or DEFAULT_MAX_PARALLEL)
        add_jobs(scheduler, sites, config, args.every)
        scheduler.add_listener(_on_event, EVENT_JOB_MISSED)
        stop_timeout = getattr(args, "stop_timeout", None) or DEFAULT_STOP_TIMEOUT

        def stop(signum: int, _frame: Any) -> None:
            log.info(
                "received %s: no new crawls; stopping running ones", signal.Signals(signum).name
            )
            _stopping.set()
            threading.Thread(target=_stop_all, args=(stop_timeout,), daemon=True).start()
            scheduler.shutdown(wait=False)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        log.info(
            "scheduling %d sites into %s (%s)",
            len(sites),
            db,
            f"every {args.every:g}s" if args.every else "cron schedules",
        )
        scheduler.start()
        _stop_all(stop_timeout)
        _wait_for_children(stop_timeout)
        log.info("scheduler stopped")
        return 0
    finally:
        lock.release()


def _stop_all(grace: float) -> None:
    with _children_lock:
        children = list(_children.values())
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        remaining = deadline - time.monotonic()
        try:
            child.wait(timeout=max(0.1, remaining))
        except subprocess.TimeoutExpired:
            child.kill()


def _wait_for_children(grace: float) -> None:
    deadline = time.monotonic() + grace + 5
    while time.monotonic() < deadline:
        with _children_lock:
            if not _children:
                return
        time.sleep(0.1)


if __name__ == "__main__":  # pragma: no cover - use `govarchive schedule`
    print("use: govarchive schedule --help", file=sys.stderr)
    sys.exit(2)
