"""``ArchivePipeline``: the crawl's items into the archive, through the writer thread.

A thin Scrapy adapter: each site's items go to a ``SiteRecorder`` (``crawler.recorder``,
which knows what every item means for the archive), called on the process's archive writer
thread (``crawler.writer``), one at a time in the order items arrive, committed in batches;
the reactor thread only hands them over, and waits only when the writes it handed over hold
more than ``MAX_BACKLOG`` items or ``MAX_BACKLOG_BYTES``. When the spider closes, what it concluded about
its listing (``SiteReport``) is read on the reactor thread and handed over too.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.defer import Deferred

from archive import Archive
from archive.clock import clock_at
from crawler.middlewares import COOKIE_JAR_CLEARED
from crawler.progress import archived
from crawler.recorder import SiteRecorder, SiteReport
from crawler.writer import (
    DEFAULT_BATCH_SECONDS,
    DEFAULT_BATCH_WRITES,
    ArchiveWriter,
    count_archive_error,
)

# Writes handed to the writer thread and not yet run, at most (then the pipeline waits for
# them): a crawl reads ahead of its writes without holding more than this in memory.
MAX_BACKLOG = 256
MAX_BACKLOG_BYTES = 64 * 1024 * 1024


def item_bytes(item: Any) -> int:
    """The bytes of pages and files an item holds until it is written."""
    fetch = getattr(item, "fetch", None) or item
    body = getattr(fetch, "body", None) or b""
    data = getattr(item, "data", None) or b""
    return len(body) + len(data)


def _wait(deferred: Deferred[Any]) -> Any:
    """A writer call's Deferred as something a coroutine awaits (the asyncio reactor's
    future, or the Deferred itself under another reactor)."""
    return maybe_deferred_to_future(deferred)


def site_report(spider: Any, crawler: Crawler) -> SiteReport:
    """What ``spider`` concluded about its site's listing, as its crawl ends."""
    if not spider.verdicts:
        spider.judge_walks()  # closed before idle (a stop signal, a timeout)
    stats = crawler.stats
    return SiteReport(
        listing_complete=bool(spider.listing_complete),
        listing_answered=bool(spider.listing_answered),
        listed=frozenset(spider.listed),
        walks=spider.walk_records(),
        cookie_jar_cleared=int((stats.get_value(COOKIE_JAR_CLEARED) if stats else 0) or 0),
        finish_reason=stats.get_value("finish_reason") if stats else None,
    )


class ArchivePipeline:
    """Write every item to the archive file named by ``GOVARCHIVE_DB``."""

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.db_path = settings.get("GOVARCHIVE_DB")
        run_id = settings.get("GOVARCHIVE_RUN_ID")
        self.run_id = int(run_id) if run_id not in (None, "") else None
        self.now = settings.get("GOVARCHIVE_NOW") or None
        self.gone_after_hours = settings.getfloat("GOVARCHIVE_GONE_AFTER_HOURS", 24.0)
        self.show_progress = settings.getbool("GOVARCHIVE_PROGRESS")
        self.batch_writes = settings.getint("GOVARCHIVE_BATCH_WRITES", DEFAULT_BATCH_WRITES)
        self.batch_seconds = settings.getfloat("GOVARCHIVE_BATCH_SECONDS", DEFAULT_BATCH_SECONDS)
        self.writer: ArchiveWriter | None = None
        self.recorder: SiteRecorder | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    async def open_spider(self) -> None:
        spider = self.crawler.spider
        self.recorder = SiteRecorder(
            spider.site.as_row(),
            f"scrapy crawl {spider.name}",
            self.run_id,
            self.now,
            on_outcome=self._progress if self.show_progress else None,
        )
        self.writer = ArchiveWriter.acquire(
            self.db_path,
            self.gone_after_hours,
            self.batch_writes,
            self.batch_seconds,
            clock_at(self.now),
        )
        await _wait(self.writer.call(self._on_writer, self.recorder.open))

    async def process_item(self, item: Any) -> Any:
        """Hand the item to the writer thread; wait for it only when the writes not yet run
        hold more than ``MAX_BACKLOG`` items or ``MAX_BACKLOG_BYTES`` of pages and files."""
        assert self.writer is not None and self.recorder is not None
        writer = self.writer
        writer.submit(self._on_writer, self.recorder.process, item, size=item_bytes(item))
        if writer.backlog > MAX_BACKLOG or writer.backlog_bytes > MAX_BACKLOG_BYTES:
            await _wait(writer.barrier())
        return item

    async def close_spider(self) -> None:
        assert self.writer is not None and self.recorder is not None
        report = site_report(self.crawler.spider, self.crawler)
        try:
            await _wait(self.writer.call(self._on_writer, self.recorder.close, report))
        finally:
            # The writer is released however the close went.
            await _wait(self.writer.release())

    @staticmethod
    def _on_writer(archive: Archive, write: Any, *args: Any) -> Any:
        """On the writer thread: a failed write is counted (the crawl then says so)."""
        try:
            return write(archive, *args)
        except Exception:
            count_archive_error()
            raise

    def _progress(self, outcome: str) -> None:
        # Signals are sent on the reactor thread; the recorder runs on the writer's.
        assert self.recorder is not None
        reactor.callFromThread(
            self.crawler.signals.send_catch_log, archived, site=self.recorder.site, outcome=outcome
        )
