"""Crawls across machines: one job per site through RQ, items back through Redis to the one
archive writer (``govarchive ingest``).

Why RQ (Redis Queue): the unit of work is "crawl site X", a Python call, and RQ runs each
job in a fresh forked process (a Twisted reactor runs once per process) on any machine
that can reach Redis, with no deployment step (Scrapyd needs an egg per release and keeps
items in files on each node) and no per-request sharing (scrapy-redis spreads one spider's
requests over workers, which is the opposite of one polite worker per site).

- ``enqueue_sites`` (``govarchive enqueue``, or the scheduler with ``--queue``): opens a
  queued run in the archive, reads each site's ``SiteState`` (what the archive knows of it)
  and queues one ``crawl_site`` job per site. Workers need no archive.
- ``crawl_site`` (in ``govarchive worker``): holds the site's lock in Redis (one worker
  per site at a time, so each site keeps its delay), crawls it with ``RedisItemPipeline``,
  which pushes each item, and at the end the ``SiteReport``, to one Redis list.
- ``ingest`` (``govarchive ingest``): the archive's single writer pops that list and feeds
  each site's ``SiteRecorder``, exactly as a local crawl's pipeline does, committing in
  batches; a run is finished when all its sites have reported (or their job failed).

Messages are pickled: Redis must be reachable only by the machines of the crawl.
"""

from __future__ import annotations

import logging
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

from archive import Archive
from crawler.recorder import SiteRecorder, SiteReport
from spiders.registry import Site
from spiders.site_state import SiteState

QUEUE_NAME = "govarchive"
ITEMS_KEY = "govarchive:items"
SITE_LOCK_KEY = "govarchive:site-lock:{site}"
# A site's job may run this long (the crawl's own limit, CLOSESPIDER_TIMEOUT, is 3.5 h).
JOB_TIMEOUT_SECONDS = 5 * 3600
# How long a worker's push of an item, or the ingest's read, may wait on Redis.
REDIS_TIMEOUT_SECONDS = 30.0
# Job statuses after which no report will come from the job (or, for "finished", after
# which its report has long been on the list: a report lost with a stopped ingest).
_ENDED = {"failed", "stopped", "canceled", "finished"}
logger = logging.getLogger(__name__)
# How often an idle ingest asks RQ whether a site's job ended without its report.
LOST_CHECK_SECONDS = 30.0


def _redis(url: str, timeout: float | None = None) -> Any:
    """A Redis client; ``timeout``: seconds a connection or a reply may take before the
    call fails (None: wait as long as it takes, as RQ's own blocking reads must)."""
    from redis import Redis

    return Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


def job_id(run_id: int, site: str) -> str:
    return f"govarchive-run{run_id}-{site}"


# --- queueing ------------------------------------------------------------------------------
def enqueue_sites(
    redis_url: str,
    db_path: str,
    sites: list[Site],
    *,
    now: str | None = None,
    full_walk: bool = False,
    settings: dict[str, Any] | None = None,
    command: str = "govarchive enqueue",
) -> int:
    """Queue one crawl job per site; return the run they report to."""
    from rq import Queue

    with Archive(db_path) as archive:
        archive.upsert_sites([site.as_row() for site in sites], at=now)
        run_id = archive.queue_run(command, [site.name for site in sites], at=now)
        states = {site.name: SiteState.read(archive, site.name) for site in sites}
    queue = Queue(QUEUE_NAME, connection=_redis(redis_url))
    for site in sites:
        queue.enqueue(
            crawl_site,
            site,
            states[site.name],
            run_id,
            redis_url,
            now=now,
            full_walk=full_walk,
            settings=settings or {},
            job_id=job_id(run_id, site.name),
            job_timeout=JOB_TIMEOUT_SECONDS,
            result_ttl=7 * 86400,
            failure_ttl=30 * 86400,
        )
    return run_id


# --- on a worker ---------------------------------------------------------------------------
def crawl_site(
    site: Site,
    state: SiteState,
    run_id: int,
    redis_url: str,
    *,
    now: str | None = None,
    full_walk: bool = False,
    settings: dict[str, Any] | None = None,
) -> str:
    """Crawl one site (an RQ job, in its own process); return the finish reason."""
    redis = _redis(redis_url)
    lock = SITE_LOCK_KEY.format(site=site.name)
    if not redis.set(lock, job_id(run_id, site.name), nx=True, ex=JOB_TIMEOUT_SECONDS):
        holder = (redis.get(lock) or b"?").decode()
        push(redis, "skipped", run_id, site.name, f"another worker is crawling it ({holder})")
        return "skipped"
    try:
        return _crawl(site, state, run_id, redis_url, now, full_walk, settings or {})
    finally:
        redis.delete(lock)


def _crawl(
    site: Site,
    state: SiteState,
    run_id: int,
    redis_url: str,
    now: str | None,
    full_walk: bool,
    settings: dict[str, Any],
) -> str:
    from crawler.runner import crawl_in_this_process

    overrides = {
        "GOVARCHIVE_DB": "",
        "GOVARCHIVE_RUN_ID": run_id,
        "GOVARCHIVE_NOW": now,
        "GOVARCHIVE_FULL_WALK": full_walk,
        "GOVARCHIVE_REDIS_URL": redis_url,
        "ITEM_PIPELINES": {"crawler.queue.RedisItemPipeline": 300},
        **settings,
    }
    return crawl_in_this_process([site], overrides, {site.name: state})


def push(redis: Any, kind: str, run_id: int, site: str, payload: Any) -> None:
    redis.rpush(ITEMS_KEY, pickle.dumps((kind, run_id, site, payload), protocol=5))


def after_losses(report: SiteReport, lost: int) -> SiteReport:
    """The report of a crawl ``lost`` of whose items never reached Redis: it claims
    neither a complete nor an answering listing, so what did arrive proves no absence."""
    if not lost:
        return report
    return replace(
        report,
        listing_complete=False,
        listing_answered=False,
        finish_reason=f"items-lost ({lost} not pushed to Redis)",
    )


class RedisItemPipeline:
    """A worker's pipeline: each item, and the site's report at the end, onto Redis.

    An item that could not be pushed (Redis unreachable for a moment) is counted; the
    report then says so and claims neither a complete nor an answering listing, so what
    did arrive can prove no absence."""

    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        self.crawler = crawler
        # A push waits on the reactor thread: a Redis that stops answering fails it (the
        # item is counted lost) instead of freezing the crawl.
        timeout = settings.getfloat("GOVARCHIVE_REDIS_TIMEOUT", REDIS_TIMEOUT_SECONDS)
        self.redis = _redis(settings.get("GOVARCHIVE_REDIS_URL"), timeout)
        self.run_id = int(settings.get("GOVARCHIVE_RUN_ID"))
        self.lost = 0

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedisItemPipeline:
        return cls(crawler)

    @property
    def site(self) -> str:
        return self.crawler.spider.site.name

    def open_spider(self) -> None:
        spider = self.crawler.spider
        now = self.crawler.settings.get("GOVARCHIVE_NOW") or None
        push(self.redis, "open", self.run_id, self.site, (spider.site.as_row(), now))

    def process_item(self, item: Any) -> Any:
        try:
            push(self.redis, "item", self.run_id, self.site, item)
        except Exception:
            self.lost += 1
            raise
        return item

    def close_spider(self) -> None:
        from crawler.pipelines import site_report

        report = site_report(self.crawler.spider, self.crawler)
        push(self.redis, "close", self.run_id, self.site, after_losses(report, self.lost))


# --- the archive's writer ------------------------------------------------------------------
@dataclass
class IngestResult:
    """What one ``ingest`` did."""

    messages: int = 0
    items: int = 0
    errors: int = 0  # messages that could not be recorded (logged; the ingest goes on)
    sites_closed: list[tuple[int, str]] = field(default_factory=list)
    runs_finished: list[int] = field(default_factory=list)


class Ingest:
    """Pop the workers' messages into the archive, one site recorder per (run, site)."""

    def __init__(self, archive: Archive, redis_url: str) -> None:
        self.archive = archive
        self.redis_url = redis_url
        self.redis = _redis(redis_url, REDIS_TIMEOUT_SECONDS)
        self.recorders: dict[tuple[int, str], SiteRecorder] = {}
        self.closed: dict[int, dict[str, str]] = {}  # run -> site -> finish reason
        self.result = IngestResult()
        self.last_message = time.monotonic()
        self.clock: dict[int, str | None] = {}  # run -> the time its crawl pretends (--now)
        self.lost_checked = float("-inf")

    def run(self, until: Callable[[Ingest], bool], poll_seconds: float = 1.0) -> IngestResult:
        """Ingest until ``until(self)`` is true when the list is empty."""
        while True:
            popped = self.redis.blpop([ITEMS_KEY], timeout=poll_seconds)
            if popped is not None:
                try:
                    self.handle(pickle.loads(popped[1]))
                except Exception:
                    # One bad message (an item the archive refuses) does not stop the
                    # writer: it is logged and counted, like a failed write of a crawl.
                    self.result.errors += 1
                    logger.exception("ingest: a message could not be recorded")
                continue
            self.archive.commit_batch()
            if time.monotonic() - self.lost_checked >= LOST_CHECK_SECONDS:
                self.lost_checked = time.monotonic()
                self.close_lost_jobs()
            if until(self):
                return self.result

    def handle(self, message: tuple[str, int, str, Any]) -> None:
        kind, run_id, site, payload = message
        self.result.messages += 1
        self.last_message = time.monotonic()
        key = (run_id, site)
        if kind == "open":
            site_row, now = payload
            recorder = SiteRecorder(site_row, "govarchive ingest", run_id, now)
            recorder.open(self.archive)
            self.recorders[key] = recorder
            self.clock[run_id] = now
        elif kind == "item":
            self.result.items += 1
            if key not in self.recorders:  # its "open" went to an ingest that was stopped
                self.recorders[key] = SiteRecorder(
                    {"name": site}, "govarchive ingest", run_id, None
                )
            self.recorders[key].process(self.archive, payload)
        elif kind == "close":
            self.close_site(run_id, site, payload)
        elif kind == "skipped":
            self.close_site(run_id, site, _failed_report(f"skipped: {payload}"))

    def close_site(self, run_id: int, site: str, report: SiteReport) -> None:
        if site in self.closed.get(run_id, {}):
            return  # closed already (as lost, before a late report)
        recorder = self.recorders.pop((run_id, site), None)
        if recorder is not None:
            recorder.close(self.archive, report)
        else:  # nothing came from the site's crawl: the run still says how it ended
            self.archive.finish_site(
                run_id, site, False, notes=[f"no crawl: {report.finish_reason}"],
                at=self.clock.get(run_id),
            )  # fmt: skip
        self.archive.commit_batch()
        self.result.sites_closed.append((run_id, site))
        reasons = self.closed.setdefault(run_id, {})
        reasons[site] = report.finish_reason or "finished"
        expected = set(self.archive.run_sites(run_id))
        if expected and expected <= set(reasons):
            ends = set(reasons.values())
            reason = "finished" if ends == {"finished"} else ",".join(sorted(ends))
            self.archive.finish_run(run_id, reason, at=self.clock.get(run_id))
            self.archive.commit_batch()
            self.result.runs_finished.append(run_id)

    def close_lost_jobs(self) -> None:
        """A site whose job ended without its report reaching this ingest (the worker
        died, the job failed or was stopped, the report was lost with a stopped ingest) is
        closed as ``worker-lost``: nothing it sent counts toward gone. Called when the list
        is empty; a job that ended less than ``LOST_CHECK_SECONDS`` ago is given time for
        its report to arrive."""
        from rq.exceptions import NoSuchJobError
        from rq.job import Job

        now = datetime.now(timezone.utc)
        for run_id, sites in self.open_sites().items():
            for site in sites:
                try:
                    job = Job.fetch(job_id(run_id, site), connection=self.redis)
                except NoSuchJobError:
                    continue
                status = job.get_status()
                if status is None or str(getattr(status, "value", status)) not in _ENDED:
                    continue
                ended = job.ended_at
                if ended is not None and ended.tzinfo is None:
                    ended = ended.replace(tzinfo=timezone.utc)
                if ended is not None and (now - ended).total_seconds() < LOST_CHECK_SECONDS:
                    continue
                self.close_site(run_id, site, _failed_report("worker-lost"))

    def open_sites(self) -> dict[int, list[str]]:
        """Sites of the queued runs still open in this archive that have not reported."""
        rows = self.archive.conn.execute(
            "SELECT id FROM runs WHERE finished_at IS NULL AND pid IS NULL"
        ).fetchall()
        out = {}
        for row in rows:
            run_id = int(row["id"])
            done = self.closed.get(run_id, {})
            out[run_id] = [s for s in self.archive.run_sites(run_id) if s not in done]
        return out


def _failed_report(reason: str) -> SiteReport:
    return SiteReport(
        listing_complete=False, listing_answered=False, listed=frozenset(), finish_reason=reason
    )


def ingest(
    db_path: str,
    redis_url: str,
    *,
    runs: set[int] | None = None,
    idle_seconds: float | None = None,
    gone_after_hours: float = 24.0,
) -> IngestResult:
    """Write the workers' items into the archive: until the ``runs`` are finished, or the
    list has been empty for ``idle_seconds``, or forever (a service)."""

    def done(state: Ingest) -> bool:
        if runs is not None and runs <= set(state.result.runs_finished):
            return True
        if idle_seconds is None:
            return False
        return time.monotonic() - state.last_message >= idle_seconds

    with Archive(db_path, gone_after_hours=gone_after_hours) as archive, archive.batch():
        return Ingest(archive, redis_url).run(done)
