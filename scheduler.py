"""Nightly collection: APScheduler runs each registry site's crawl in a child process.

One long-lived process (under systemd, supervisor or a container) for months:

* APScheduler's ``BackgroundScheduler``, timezone Asia/Shanghai, jobs persisted in
  ``<archive>.jobs.sqlite`` (SQLAlchemyJobStore), read and changed only through its public
  API (started paused, jobs planned, then resumed). Each site gets one job: nightly at 02:00 with up to 30 minutes of
  jitter, or the site's ``schedule`` (cron or ``nightly``/``weekly``/…); ``--every N``
  replaces them all with an N-second interval (for trying it out, and for tests).
* Each crawl is a child process (``python -m crawler.cli crawl --site NAME``), because
  Twisted's reactor cannot be restarted, in a process group of its own (its parse workers
  too): a time limit or a shutdown stops the whole group. The scheduler opens the crawl's
  ``runs`` row and passes its id to the child, then records the exit and finish reason.
* With ``--queue URL`` the jobs crawl nothing here: each queues its site for
  ``govarchive worker`` processes on any machine (``crawler.distributed``), and
  ``govarchive ingest`` writes what they crawl into the archive.
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
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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
# Crawls (of different sites) running at once.
DEFAULT_MAX_PARALLEL = 2
JOB_PREFIX = "crawl:"
# The OCR of scanned attachments (``govarchive ocr``), after the night's crawls.
OCR_JOB = "ocr"
OCR_SCHEDULE = "30 6 * * *"

log = logging.getLogger("govarchive.scheduler")

# The jobs' functions, named here too: job stores written before they moved to
# crawler.site_jobs hold them as "scheduler:NAME", and the jobs planned here still do.
from crawler.site_jobs import (  # noqa: E402, F401
    DEFAULT_STOP_TIMEOUT,
    crawl_command,
    enqueue_site_crawl,
    run_ocr,
    run_site_crawl,
    stop_all,
    stopping,
)


def jobs_path(db: str | os.PathLike[str]) -> Path:
    """The APScheduler job store beside the archive."""
    return Path(f"{os.fspath(db)}.jobs.sqlite")


@dataclass
class CrawlJobConfig:
    """Where a job's child crawl finds its registry and archive."""

    db: str
    sites_file: str | None
    timeout: float
    stop_timeout: float = 60.0
    queue: str | None = None  # a Redis URL: queue the site's crawl instead of running it
    alerts: str | None = None  # a subscriptions file: each crawl sends its alerts at its end


def _trigger_for(cron: str | None, every: float | None) -> Any:
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if every:
        return IntervalTrigger(seconds=every, timezone=TIMEZONE)
    if cron:
        return CronTrigger.from_crontab(cron, timezone=TIMEZONE)
    return CronTrigger(**NIGHTLY, jitter=NIGHTLY_JITTER_SECONDS, timezone=TIMEZONE)


def stored_jobs(scheduler: Any) -> dict[str, tuple[str, datetime | None]]:
    """Jobs in the store of a started (paused) scheduler: id -> (trigger, next run time)."""
    return {job.id: (str(job.trigger), job.next_run_time) for job in scheduler.get_jobs()}


def plan_jobs(
    sites: list[Any], every: float | None, stored: dict[str, tuple[str, datetime | None]]
) -> list[tuple[str, Any, datetime | None]]:
    """(job id, trigger, next run time to keep) per site; a stored next run time is kept
    when the site's trigger is unchanged, so a missed run is still due after a restart."""
    plan = []
    for site in sites:
        job_id = JOB_PREFIX + site.name
        trigger = _trigger_for(site.cron, every)
        keep = None
        if job_id in stored and stored[job_id][0] == str(trigger):
            keep = stored[job_id][1]
        plan.append((job_id, trigger, keep))
    return plan


@contextmanager
def open_store(db: str) -> Iterator[Any]:
    """A paused scheduler on the archive's job store, for reading or changing jobs through
    APScheduler's public API without ever running one (the store is detached before the
    scheduler shuts down, so a due job cannot slip through at shutdown)."""
    scheduler = build_scheduler(db, 1)
    scheduler.start(paused=True)
    try:
        yield scheduler
    finally:
        scheduler.remove_jobstore("default", shutdown=True)
        scheduler.shutdown(wait=False)


def build_scheduler(db: str, max_parallel: int) -> Any:
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    return BackgroundScheduler(
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
    """Plan each site's job against the store (the scheduler is started, paused)."""
    stored = stored_jobs(scheduler)
    known = {JOB_PREFIX + s.name for s in sites}
    for job_id, trigger, keep in plan_jobs(sites, every, stored):
        name = job_id.removeprefix(JOB_PREFIX)
        options: dict[str, Any] = {}
        if keep is not None:
            options["next_run_time"] = keep
        if every:
            # A missed run in --every mode is still wanted once, however late.
            options["misfire_grace_time"] = None
        func, kwargs = (
            "scheduler:run_site_crawl",
            {
                "site": name,
                "db": config.db,
                "sites_file": config.sites_file,
                "timeout": config.timeout,
                "stop_timeout": config.stop_timeout,
                "alerts": config.alerts,
            },
        )
        if config.queue:
            func, kwargs = (
                "scheduler:enqueue_site_crawl",
                {
                    "site": name,
                    "db": config.db,
                    "sites_file": config.sites_file,
                    "queue": config.queue,
                },
            )
        scheduler.add_job(
            func,
            trigger=trigger,
            id=job_id,
            name=name,
            kwargs=kwargs,
            replace_existing=True,
            **options,
        )
    # Each morning, after the night's crawls: the scans they left are read by OCR.
    scheduler.add_job(
        "scheduler:run_ocr",
        trigger=_trigger_for(OCR_SCHEDULE, every),
        id=OCR_JOB,
        name=OCR_JOB,
        kwargs={"db": config.db, "timeout": config.timeout},
        replace_existing=True,
    )
    for job_id in set(stored) - known - {OCR_JOB}:
        if job_id.startswith(JOB_PREFIX):
            log.info("removing the job of %s: no longer in the registry", job_id[len(JOB_PREFIX) :])
            scheduler.remove_job(job_id)


def _alerts_file(args: argparse.Namespace) -> str | None:
    """The subscriptions file, checked now (absolute: the job runs it later)."""
    path = getattr(args, "alerts", None)
    if not path:
        return None
    from archive.alerts import SubscriptionError, load_subscriptions

    if getattr(args, "queue", None):
        raise SubscriptionError(
            "--alerts with --queue: the workers' crawls do not send alerts; run"
            " `govarchive alerts` after `govarchive ingest` instead"
        )
    load_subscriptions(path)
    return os.fspath(Path(path).resolve())


def list_jobs(sites: list[Any], every: float | None, db: str, out: Any = sys.stdout) -> None:
    """Print each site's next fire time (the stored one when the schedule is unchanged)."""
    stored: dict[str, tuple[str, datetime | None]] = {}
    if jobs_path(db).exists():
        with open_store(db) as reader:
            stored = stored_jobs(reader)
    now = datetime.now(TIMEZONE)
    print(f"{'site':22} {'next crawl (Asia/Shanghai)':28} schedule", file=out)
    for job_id, trigger, keep in plan_jobs(sites, every, stored):
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
        stop_timeout = getattr(args, "stop_timeout", None) or DEFAULT_STOP_TIMEOUT
        config = CrawlJobConfig(
            db,
            sites_file,
            args.timeout or DEFAULT_CRAWL_TIMEOUT,
            stop_timeout,
            queue=getattr(args, "queue", None),
            alerts=_alerts_file(args),
        )
        scheduler = build_scheduler(db, getattr(args, "max_parallel", None) or DEFAULT_MAX_PARALLEL)
        scheduler.add_listener(_on_event, EVENT_JOB_MISSED)

        def stop(signum: int, _frame: Any) -> None:
            log.info(
                "received %s: no new crawls; stopping running ones", signal.Signals(signum).name
            )
            stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        scheduler.start(paused=True)  # the store is open; nothing runs until resume()
        add_jobs(scheduler, sites, config, args.every)
        log.info(
            "scheduling %d sites into %s (%s)",
            len(sites),
            db,
            f"every {args.every:g}s" if args.every else "cron schedules",
        )
        scheduler.resume()
        while not stopping.wait(1.0):
            pass
        scheduler.pause()
        stop_all(stop_timeout)
        scheduler.shutdown(wait=True)
        log.info("scheduler stopped")
        return 0
    finally:
        lock.release()


if __name__ == "__main__":  # pragma: no cover - use `govarchive schedule`
    print("use: govarchive schedule --help", file=sys.stderr)
    sys.exit(2)
