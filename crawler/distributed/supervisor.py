"""Watching the jobs of the runs ``govarchive ingest`` is finishing.

A site's job may wait in the queue, run, or end without its report reaching the archive. The
supervisor tells which: a job running without its site's lease (the worker died, the lease
expired) is queued again while it has retries left; a job that failed, was cancelled, vanished
(Redis lost its data) or finished without its report closes its site as such, counting no
absence. It acts only when no message waits, so a report pushed before its lease was let go
is recorded first, and only after a verdict has held for the ingest's grace period.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Any, Protocol

from crawler.distributed import messages
from crawler.distributed.jobs import requeue_site
from crawler.distributed.keys import Namespace
from crawler.recorder import SiteReport


class WatchedIngest(Protocol):
    """What the supervisor reads and calls of the ingest it watches (``ingest.Ingest``),
    so the supervisor needs no import of the ingest, which owns it."""

    archive: Any
    redis: Any
    namespace: Namespace
    grace: float
    result: Any

    def open_sites(self) -> dict[int, list[str]]: ...

    def close_site(self, run_id: int, site: str, report: SiteReport) -> None: ...


_WAITING = {"queued", "scheduled", "deferred", "created"}
logger = logging.getLogger(__name__)


class Supervisor:
    """Watch the jobs of the open runs: requeue a site whose worker died, close a site whose
    job failed, vanished or ended without its report."""

    def __init__(self, ingest: WatchedIngest) -> None:
        self.ingest = ingest
        self.first_seen: dict[tuple[int, str, str], float] = {}  # (run, site, verdict) -> when

    def check(self) -> None:
        ingest = self.ingest
        redis, ns = ingest.redis, ingest.namespace
        try:
            for run_id, sites in ingest.open_sites().items():
                jobs = {
                    k.decode(): v.decode()
                    for k, v in redis.hgetall(ns.current_jobs(run_id)).items()
                }
                for site in sites:
                    leased = redis.get(ns.site_lock(site))
                    verdict = self._verdict(jobs.get(site), leased)
                    # Acted on only when no message waits: a report pushed before its lease
                    # was let go is then recorded already.
                    if verdict is None or redis.llen(ns.items):
                        self.first_seen = {
                            k: v for k, v in self.first_seen.items() if k[:2] != (run_id, site)
                        }
                        continue
                    self._act(run_id, site, jobs.get(site), verdict)
        except messages.MessageError:
            raise
        except Exception as error:  # Redis restarting: the next check tries again
            logger.warning("ingest: could not check the jobs (%s)", error)

    def _verdict(self, job_id: str | None, leased: bytes | None) -> str | None:
        """What the site's job says: None while it runs or waits."""
        from rq.exceptions import NoSuchJobError

        if job_id is None:
            return "queue-lost (its job is not in Redis)"
        try:
            job = _fetch(job_id, self.ingest.redis)
        except NoSuchJobError:
            return "queue-lost (its job is not in Redis)"
        status = str(getattr(job.get_status(), "value", job.get_status()))
        if status in _WAITING:
            return None
        if status == "started":
            if leased is not None and leased.decode() == job_id:
                return None
            started = job.started_at
            if started is None:
                return None
            if started.tzinfo is None:
                started = started.replace(tzinfo=timezone.utc)
            lease = float(job.kwargs.get("lease_seconds", 120.0))
            if (datetime.now(timezone.utc) - started).total_seconds() < lease:
                return None
            return "worker-lost"
        if status == "finished":
            return "report-lost (the job finished; its report never arrived)"
        note = (job.meta or {}).get("govarchive") or _last_line(job)
        return f"job-failed ({status}: {note})"

    def _act(self, run_id: int, site: str, job_id: str | None, verdict: str) -> None:
        key = (run_id, site, verdict)
        now = time.monotonic()
        first = self.first_seen.setdefault(key, now)
        if now - first < self.ingest.grace:
            return
        ingest = self.ingest
        if verdict == "worker-lost" and job_id is not None:
            job = _fetch(job_id, ingest.redis)
            if (job.retries_left or 0) > 0:
                new = requeue_site(ingest.redis, ingest.namespace, run_id, site, job)
                logger.warning(
                    "ingest: %s's worker died (lease expired); queued again as %s", site, new
                )
                ingest.result.requeued.append((run_id, site))
                del self.first_seen[key]
                return
        with ingest.archive.unit():
            ingest.close_site(run_id, site, failed_report(verdict))
        del self.first_seen[key]


def _fetch(job_id: str, redis: Any) -> Any:
    from rq.serializers import JSONSerializer

    from crawler.distributed.jobs import CrawlJob

    return CrawlJob.fetch(job_id, connection=redis, serializer=JSONSerializer)


def _last_line(job: Any) -> str:
    text = job.latest_result().exc_string if job.latest_result() else ""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no reason recorded"


def failed_report(reason: str) -> SiteReport:
    """The report of a site whose crawl never reported: no listing, nothing absent."""
    return SiteReport(
        listing_complete=False, listing_answered=False, listed=frozenset(), finish_reason=reason
    )
