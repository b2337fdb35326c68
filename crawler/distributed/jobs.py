"""Queueing site crawls, and crawling one on a worker: ``govarchive enqueue`` and the job
``govarchive worker`` runs.

- ``enqueue_sites`` opens a queued run in the archive, reads each site's ``SiteState`` (what
  the archive knows of it) and queues one ``crawl_site`` job per site, as JSON, with RQ's
  ``Retry`` (a job that fails is tried again after a growing pause). Workers need no archive.
- ``crawl_site`` holds its site's *lease*, a Redis lock that a heartbeat renews every quarter
  of its length: one job per site at a time (so the site keeps its delay), and a worker that
  dies lets go within the lease, so ``govarchive ingest`` can requeue the site. A site that
  another job holds is not crawled: the job fails with ``SiteBusy`` (its status says so) and
  RQ tries it again later.
- the crawl's messages go out through ``crawler.distributed.pipeline``.

Only ``crawl_site`` may run on a worker (``CrawlJob``): a job naming any other function is
refused, so whoever can write to Redis cannot call arbitrary code through the queue.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from typing import Any

from rq.job import Job
from rq.serializers import JSONSerializer

from archive import Archive
from crawler.distributed import messages
from crawler.distributed.keys import (
    QUEUE_NAME,
    REDIS_ENV,
    TRANSIENT,
    Namespace,
    connect,
    redis_url,
)
from crawler.distributed.pipeline import _DELIVERIES, Delivery, ItemsNotDelivered
from spiders.registry import Site
from spiders.site_state import SiteState

# A site's job may run this long (the crawl's own limit, CLOSESPIDER_TIMEOUT, is 3.5 h).
JOB_TIMEOUT_SECONDS = 5 * 3600
# A site's lease: how soon after its worker dies another may crawl the site.
LEASE_SECONDS = 120.0
# How many times a failed or abandoned job is tried again, and the first pause (doubling).
RETRIES = 2
RETRY_AFTER_SECONDS = 60
ALLOWED_FUNCTIONS = frozenset({"crawler.distributed.jobs.crawl_site"})
logger = logging.getLogger(__name__)


class SiteBusy(RuntimeError):
    """Another job holds the site's lease."""


class UnsafeJob(RuntimeError):
    """A job naming a function other than ``crawl_site``."""


class CrawlJob(Job):
    """RQ's job, refusing every function but ``crawl_site``."""

    @property
    def func(self) -> Any:
        if self.func_name not in ALLOWED_FUNCTIONS:
            raise UnsafeJob(
                f"refused: a govarchive worker runs only crawl_site, not {self.func_name!r}"
            )
        return super().func


def retry_policy(retries: int, first_pause: int) -> Any:
    from rq import Retry

    return Retry(max=retries, interval=[first_pause * 2**n for n in range(retries)])


# --- queueing ------------------------------------------------------------------------------
def enqueue_sites(
    url: str,
    db_path: str,
    sites: list[Site],
    *,
    now: str | None = None,
    full_walk: bool = False,
    settings: dict[str, Any] | None = None,
    command: str = "govarchive enqueue",
    lease_seconds: float = LEASE_SECONDS,
    retries: int = RETRIES,
    retry_after: int = RETRY_AFTER_SECONDS,
) -> int:
    """Queue one crawl job per site; return the run they report to."""
    from rq import Queue

    with Archive(db_path) as archive:
        archive.upsert_sites([site.as_row() for site in sites], at=now)
        run_id = archive.queue_run(command, [site.name for site in sites], at=now)
        states = {site.name: SiteState.read(archive, site.name) for site in sites}
        namespace = Namespace(archive.archive_id)
    redis = connect(url)
    queue = Queue(QUEUE_NAME, connection=redis, serializer=JSONSerializer)
    for site in sites:
        job = namespace.job_id(run_id, site.name)
        redis.hset(namespace.current_jobs(run_id), site.name, job)
        queue.enqueue(
            crawl_site,
            namespace.archive_id,
            run_id,
            messages.encode(site),
            messages.encode(states[site.name]),
            now=now,
            full_walk=full_walk,
            settings=settings or {},
            lease_seconds=lease_seconds,
            job_id=job,
            job_timeout=JOB_TIMEOUT_SECONDS,
            result_ttl=7 * 86400,
            failure_ttl=30 * 86400,
            retry=retry_policy(retries, retry_after) if retries else None,
            description=f"crawl {site.name} (run {run_id})",
        )
    redis.expire(namespace.current_jobs(run_id), 30 * 86400)
    return run_id


def requeue_site(redis: Any, namespace: Namespace, run_id: int, site: str, dead: Job) -> str:
    """Queue the site's crawl again under a new job id (its worker died holding it); the
    dead job, should RQ ever run it again, finds it is no longer the site's job and stops."""
    from rq import Queue, Retry

    count = int(redis.hincrby(f"{namespace.current_jobs(run_id)}:requeues", site, 1))
    job = namespace.job_id(run_id, site, requeue=count)
    redis.hset(namespace.current_jobs(run_id), site, job)
    queue = Queue(QUEUE_NAME, connection=redis, serializer=JSONSerializer)
    left = (dead.retries_left or 0) - 1  # a requeue spends one of the job's retries
    queue.enqueue(
        crawl_site, *dead.args, **dead.kwargs, job_id=job, job_timeout=JOB_TIMEOUT_SECONDS,
        result_ttl=7 * 86400, failure_ttl=30 * 86400,
        retry=Retry(max=left, interval=dead.retry_intervals or 0) if left > 0 else None,
        description=f"crawl {site} (run {run_id}, again: its worker died)",
    )  # fmt: skip
    return job


# --- on a worker ---------------------------------------------------------------------------
class Lease:
    """The site's lock, renewed by a heartbeat thread until released."""

    def __init__(self, redis: Any, key: str, owner: str, seconds: float) -> None:
        self.lock = redis.lock(key, timeout=seconds, blocking=False, thread_local=False)
        self.owner = owner
        self.seconds = seconds
        self.stopped = threading.Event()
        self.lost = threading.Event()
        self.thread = threading.Thread(target=self._beat, name="govarchive-lease", daemon=True)

    def acquire(self) -> bool:
        if not self.lock.acquire(token=self.owner):
            return False
        self.thread.start()
        return True

    def holder(self) -> str:
        value = self.lock.redis.get(self.lock.name)
        return value.decode() if value else "?"

    def _beat(self) -> None:
        from redis.exceptions import LockError

        while not self.stopped.wait(self.seconds / 4):
            try:
                self.lock.reacquire()
            except LockError:
                logger.error("the site's lease was lost: another worker may crawl it now")
                self.lost.set()
                return
            except TRANSIENT as error:  # Redis restarting: the next beat tries again
                logger.warning("lease not renewed (%s); trying again", error)

    def release(self) -> None:
        self.stopped.set()
        if self.thread.is_alive():
            self.thread.join()
        try:
            self.lock.release()
        except Exception:  # expired, or Redis unreachable: it expires on its own
            pass


def crawl_site(
    archive_id: str,
    run_id: int,
    site_data: dict[str, Any],
    state_data: dict[str, Any],
    *,
    now: str | None = None,
    full_walk: bool = False,
    settings: dict[str, Any] | None = None,
    lease_seconds: float = LEASE_SECONDS,
) -> str:
    """Crawl one site (an RQ job, in its own process); return the finish reason. Redis is
    this worker's own (``GOVARCHIVE_REDIS_URL``, set by ``govarchive worker``)."""
    from rq import get_current_job

    namespace = Namespace(archive_id)
    site = messages.decode(Site, site_data)
    state = messages.decode(SiteState, state_data)
    url = redis_url(os.environ.get(REDIS_ENV))
    redis = connect(url, 30.0)
    current = get_current_job()
    job_id = current.id if current is not None else namespace.job_id(run_id, site.name)
    assigned = redis.hget(namespace.current_jobs(run_id), site.name)
    if assigned is not None and assigned.decode() != job_id:
        return "superseded"  # requeued after this job was given up for dead
    lease = Lease(redis, namespace.site_lock(site.name), job_id, lease_seconds)
    if not lease.acquire():
        message = f"site busy: another job holds {site.name} ({lease.holder()})"
        if current is not None:
            current.meta["govarchive"] = message
            current.save_meta()
        raise SiteBusy(message)
    try:
        attempts_key = namespace.attempts(run_id, site.name)
        attempt = int(redis.incr(attempts_key))
        redis.expire(attempts_key, 30 * 86400)
        delivery = Delivery(namespace, run_id, site.name, attempt, url, lease.lost)
        token = uuid.uuid4().hex
        _DELIVERIES[token] = delivery
        try:
            reason = _crawl(site, state, run_id, token, now, full_walk, settings or {})
        finally:
            _DELIVERIES.pop(token, None)
    finally:
        lease.release()
    if delivery.undelivered:
        raise ItemsNotDelivered(delivery.undelivered)
    return reason


def _crawl(
    site: Site,
    state: SiteState,
    run_id: int,
    token: str,
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
        "GOVARCHIVE_DELIVERY": token,
        "ITEM_PIPELINES": {"crawler.distributed.pipeline.RedisItemPipeline": 300},
        **settings,
    }
    return crawl_in_this_process([site], overrides, {site.name: state})
