"""``govarchive worker``: RQ workers that run only ``crawl_site`` jobs (as JSON), and come
back when Redis restarts instead of exiting.

With ``--processes N``, N workers run side by side, so one machine crawls up to N queued
sites at once (each site still one request at a time with its delay), as a local crawl runs
its sites together.
"""

from __future__ import annotations

import logging
import os
import signal
from typing import Any

from crawler.distributed.keys import QUEUE_NAME, TRANSIENT, connect, with_reconnect

logger = logging.getLogger(__name__)


def worker_class() -> type:
    """RQ's worker, stopping within a second of its last job."""
    from rq import Worker

    class CrawlWorker(Worker):
        def subscribe(self) -> None:
            """RQ's own, with the command channel's thread polling every second: RQ's polls
            every 60 s, and a worker stopping (a burst worker done) waits for that thread."""
            self.pubsub = self.connection.pubsub()
            self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
            self.pubsub_thread = self.pubsub.run_in_thread(
                sleep_time=1.0, daemon=True, exception_handler=self._pubsub_exception_handler
            )

    return CrawlWorker


def work(url: str, *, burst: bool = False, name: str | None = None, processes: int = 1) -> int:
    """Run ``processes`` workers until they stop (``burst``: once the queue is empty)."""
    _preload()
    if processes <= 1:
        return work_one(url, burst=burst, name=name)
    children: list[int] = []
    for n in range(processes):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's exit is what the parent sees
            code = 1
            try:
                code = work_one(url, burst=burst, name=f"{name}-{n + 1}" if name else None)
            finally:
                os._exit(code)
        children.append(pid)

    def forward(signum: int, frame: Any) -> None:
        for child in children:
            try:
                os.kill(child, signum)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    codes = []
    for child in children:
        _, status = os.waitpid(child, 0)
        codes.append(os.waitstatus_to_exitcode(status))
    return max(codes)


def work_one(url: str, *, burst: bool = False, name: str | None = None) -> int:
    """One RQ worker; started again (after Redis answers) whenever it stopped because Redis
    could not be reached."""
    from rq import Queue
    from rq.serializers import JSONSerializer

    from crawler.distributed.jobs import CrawlJob

    restarts = 0
    worked = False
    while True:
        redis = connect(url)
        options: dict[str, Any] = {
            "connection": redis, "serializer": JSONSerializer, "job_class": CrawlJob,
        }  # fmt: skip
        if name:
            # A worker killed with Redis keeps its name registered for a while: a new one.
            options["name"] = name if not restarts else f"{name}.{restarts}"
        try:
            queue = Queue(QUEUE_NAME, connection=redis, serializer=JSONSerializer)
            worker = worker_class()([queue], **options)
            worked = worker.work(burst=burst, with_scheduler=True) or worked
        except TRANSIENT as error:
            logger.warning("worker: Redis unreachable (%s)", error)
        if _reachable(redis):
            return 0 if worked or burst else 1
        restarts += 1
        logger.warning("worker: Redis unreachable; waiting for it to come back")
        with_reconnect(redis.ping, on_wait=lambda error, wait: None)


def _preload() -> None:
    """Import the crawl's code once, before the workers fork: each job's process (RQ forks
    one per job) then starts crawling at once instead of importing Scrapy and the parsers
    (1.3 s of CPU each on this project's 2-core machine). Installs no reactor."""
    from scrapy.utils.misc import load_object

    import crawler.distributed.pipeline  # noqa: F401
    import crawler.runner  # noqa: F401
    from spiders import FAMILY_SPIDERS

    for path in FAMILY_SPIDERS.values():
        load_object(path)


def _reachable(redis: Any) -> bool:
    try:
        redis.ping()
        return True
    except TRANSIENT:
        return False
