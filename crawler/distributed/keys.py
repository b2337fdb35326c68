"""Where things live in Redis for one archive, and how every party connects to it.

Every key carries the archive's id (a UUID the archive keeps in ``archive_meta``), so two
archives can share a Redis database without taking each other's items, and job ids are
unique across archives. The Redis URL (and any password in it) is each machine's own: the
command line or ``GOVARCHIVE_REDIS_URL``, never a job's argument.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from redis.exceptions import AuthenticationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

REDIS_ENV = "GOVARCHIVE_REDIS_URL"
QUEUE_NAME = "govarchive"  # the one RQ queue: workers serve every archive's jobs
# Redis errors after which a client connects again (a restart, a dropped link).
TRANSIENT = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Namespace:
    """The Redis keys of one archive's queued crawls."""

    archive_id: str

    def __post_init__(self) -> None:
        uuid.UUID(self.archive_id)  # a job's archive id is checked before any key is built

    @property
    def prefix(self) -> str:
        return f"govarchive:{self.archive_id}"

    @property
    def items(self) -> str:
        """The list workers push messages to."""
        return f"{self.prefix}:items"

    @property
    def processing(self) -> str:
        """Messages the ingest has taken and not yet committed."""
        return f"{self.prefix}:processing"

    def site_lock(self, site: str) -> str:
        """The lease of the job crawling ``site`` (one at a time, so it keeps its delay)."""
        return f"{self.prefix}:site-lock:{site}"

    def attempts(self, run_id: int, site: str) -> str:
        """A counter: how many times a job of (run, site) has started."""
        return f"{self.prefix}:attempts:{run_id}:{site}"

    def current_jobs(self, run_id: int) -> str:
        """A hash: site -> the job that is to crawl it in this run (a requeue replaces it)."""
        return f"{self.prefix}:jobs:{run_id}"

    def blob(self) -> str:
        return f"{self.prefix}:blob:{uuid.uuid4().hex}"

    def job_id(self, run_id: int, site: str, requeue: int = 0) -> str:
        tail = f"-requeue{requeue}" if requeue else ""
        return f"govarchive-{self.archive_id}-run{run_id}-{site}{tail}"


def redis_url(given: str | None = None) -> str:
    url = given or os.environ.get(REDIS_ENV)
    if not url:
        raise ValueError(f"say where Redis is: --redis URL or ${REDIS_ENV}")
    return url


def connect(url: str, timeout: float | None = None) -> Any:
    """A Redis client; ``timeout``: seconds a connection or a reply may take before the
    call fails (None: as long as it takes, as blocking reads must)."""
    from redis import Redis

    return Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30
    )


def with_reconnect(
    call: Callable[[], T],
    *,
    give_up_after: float | None = None,
    on_wait: Callable[[Exception, float], None] | None = None,
    first_wait: float = 0.2,
    max_wait: float = 10.0,
) -> T:
    """``call()``, again after a growing pause while Redis cannot be reached (a restart),
    for at most ``give_up_after`` seconds (None: until it answers)."""
    wait = first_wait
    started = time.monotonic()
    while True:
        try:
            return call()
        except TRANSIENT as error:
            if isinstance(error, AuthenticationError):
                raise  # a wrong password does not heal by waiting
            waited = time.monotonic() - started
            if give_up_after is not None and waited + wait > give_up_after:
                raise
            if on_wait is not None:
                on_wait(error, wait)
            time.sleep(wait * random.uniform(0.8, 1.2))
            wait = min(wait * 2, max_wait)
