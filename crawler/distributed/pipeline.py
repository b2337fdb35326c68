"""A worker's crawl pipeline: the site's messages onto Redis, in order, never lost silently.

``RedisItemPipeline`` pushes from one sender thread, so the messages keep the order the crawl
made them in (their ``seq``); while Redis restarts a push is tried again for up to
``PUSH_GIVE_UP_SECONDS``, and while the ingest's backlog is over ``BACKLOG_LIMIT`` messages
the pushes (and so the crawl) pause. A message that could not be pushed is counted: the
site's report then claims no complete listing (``after_losses``). Bytes above 1 MB travel
beside their message in bounded chunks (``BlobStore``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from crawler.distributed import messages
from crawler.distributed.keys import Namespace, connect, with_reconnect
from crawler.distributed.messages import Envelope
from crawler.recorder import SiteReport

# How long a push may keep retrying while Redis is unreachable before its message is lost.
PUSH_GIVE_UP_SECONDS = 600.0
# Messages waiting for the ingest above which workers pause.
BACKLOG_LIMIT = 20_000
BLOB_TTL_SECONDS = 14 * 86400
logger = logging.getLogger(__name__)


class ItemsNotDelivered(RuntimeError):
    """The crawl's report could not be pushed: the ingest would wait for it in vain."""


@dataclass
class Delivery:
    """What one job's crawl shares with its pipeline (found by ``token``: Scrapy copies
    settings, so objects are not passed through them)."""

    namespace: Namespace
    run_id: int
    site: str
    attempt: int
    url: str
    lease_lost: threading.Event = field(default_factory=threading.Event)
    lost: int = 0
    undelivered: str | None = None  # why the report could not be pushed


_DELIVERIES: dict[str, Delivery] = {}


def after_losses(report: SiteReport, lost: int) -> SiteReport:
    """The report of a crawl ``lost`` of whose messages never reached the archive: it claims
    neither a complete nor an answering listing, so what did arrive proves no absence."""
    if not lost:
        return report
    return replace(
        report,
        listing_complete=False,
        listing_answered=False,
        finish_reason=f"items-lost ({lost} messages did not reach the archive)",
    )


class RedisItemPipeline:
    """A worker's pipeline: the site's messages onto Redis, in order, from one thread."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.delivery = _DELIVERIES[crawler.settings.get("GOVARCHIVE_DELIVERY")]
        self.redis = connect(self.delivery.url, 30.0)
        self.blobs = BlobStore(self.redis, self.delivery.namespace)
        self.sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="govarchive-push")
        self.seq = 0
        self.backlog = 0  # messages waiting for the ingest, as Redis last said
        self.backlog_limit = crawler.settings.getint("GOVARCHIVE_BACKLOG_LIMIT", BACKLOG_LIMIT)
        self.give_up = crawler.settings.getfloat("GOVARCHIVE_PUSH_GIVE_UP", PUSH_GIVE_UP_SECONDS)

    @classmethod
    def from_crawler(cls, crawler: Any) -> RedisItemPipeline:
        return cls(crawler)

    def _send(self, kind: str, payload: Any, lost: int = 0) -> Future[None]:
        self.seq += 1
        envelope = Envelope(
            self.delivery.namespace.archive_id, self.delivery.run_id, self.delivery.site,
            self.delivery.attempt, self.seq, kind, payload, lost,
        )  # fmt: skip
        return self.sender.submit(self._push, envelope)

    def _push(self, envelope: Envelope) -> None:
        """In the sender thread: wait out a full backlog, then push (again while Redis
        restarts, for at most ``give_up`` seconds)."""
        if self.delivery.lease_lost.is_set():
            raise ItemsNotDelivered("the site's lease was lost")
        if self.backlog > self.backlog_limit:
            self._wait_for_room()
        raw = messages.pack(envelope, self.blobs.put)
        # RPUSH answers with the list's length: the backlog, known at no extra cost.
        self.backlog = with_reconnect(
            lambda: int(self.redis.rpush(self.delivery.namespace.items, raw)),
            give_up_after=self.give_up,
            on_wait=lambda error, wait: logger.warning("Redis unreachable (%s): push again", error),
        )

    def _wait_for_room(self) -> None:
        def backlog() -> int:
            return int(self.redis.llen(self.delivery.namespace.items))

        self.backlog = with_reconnect(backlog, give_up_after=self.give_up)
        while self.backlog > self.backlog_limit:
            time.sleep(0.5)  # paused: the ingest is behind
            self.backlog = with_reconnect(backlog, give_up_after=self.give_up)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        now = self.crawler.settings.get("GOVARCHIVE_NOW") or None
        self._send("open", (spider.site.as_row(), now)).add_done_callback(self._count)

    def _count(self, future: Future[None]) -> None:
        error = future.exception()
        if error is not None:
            self.delivery.lost += 1
            logger.error("a message could not be pushed to Redis: %s", error)

    async def process_item(self, item: Any) -> Any:
        future = self._send("item", item)
        future.add_done_callback(self._count)
        try:
            await asyncio.wrap_future(future)
        except Exception:
            pass  # counted; the report says how many were lost
        return item

    async def close_spider(self) -> None:
        from crawler.pipelines import site_report

        report = site_report(self.crawler.spider, self.crawler)
        future = self.sender.submit(lambda: None)
        await asyncio.wrap_future(future)  # every item pushed (or counted lost) first
        lost = self.delivery.lost
        try:
            await asyncio.wrap_future(self._send("close", after_losses(report, lost), lost))
        except Exception as error:
            self.delivery.undelivered = f"the site's report could not be pushed to Redis: {error}"
        finally:
            self.sender.shutdown(wait=True)


class BlobStore:
    """Bytes above ``messages.BLOB_BYTES`` beside the message, in chunks of at most that
    size under a key of the archive's namespace (deleted once the ingest has recorded them)."""

    def __init__(self, redis: Any, namespace: Namespace) -> None:
        self.redis = redis
        self.namespace = namespace

    def put(self, data: bytes) -> dict[str, Any]:
        key = self.namespace.blob()
        step = messages.BLOB_BYTES
        chunks = [data[i : i + step] for i in range(0, len(data), step)]
        for chunk in chunks:
            with_reconnect(lambda chunk=chunk: self.redis.rpush(key, chunk), give_up_after=600)
        self.redis.expire(key, BLOB_TTL_SECONDS)
        return {"blob": key, "size": len(data), "chunks": len(chunks)}

    def get(self, ref: dict[str, Any]) -> bytes:
        key, size, count = ref.get("blob"), ref.get("size"), ref.get("chunks")
        if not isinstance(key, str) or not key.startswith(self.namespace.prefix + ":blob:"):
            raise messages.MessageError("a blob outside this archive's keys")
        if not isinstance(size, int) or not isinstance(count, int):
            raise messages.MessageError("a blob reference without its size")
        parts = [self.redis.lindex(key, n) for n in range(count)]
        data = b"".join(p for p in parts if p is not None)
        if len(data) != size:
            raise messages.MessageError(f"blob {key}: {len(data)} of {size} bytes found")
        return data
