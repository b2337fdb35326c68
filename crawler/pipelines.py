"""``ArchivePipeline``: the crawl's items into the archive, through the writer process.

A thin Scrapy adapter: each site's items go to its ``SiteRecorder`` (``crawler.recorder``,
which knows what every item means for the archive) in the crawl's writer process
(``crawler.writer``), one at a time in the order items arrive, committed in batches; the
reactor thread only hands them over, and waits only when the items handed over and not yet
written hold more than ``MAX_BACKLOG`` items or ``MAX_BACKLOG_BYTES``. When the spider
closes, what it concluded about its listing (``SiteReport``) is read on the reactor thread
and handed over too.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from crawler.middlewares import COOKIE_JAR_CLEARED
from crawler.progress import archived
from crawler.recorder import SiteReport
from crawler.writer import ArchiveWriter, writer_config

# Items handed to the writer and not yet written, at most (then the pipeline waits for
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
        run_id = settings.get("GOVARCHIVE_RUN_ID")
        self.run_id = int(run_id) if run_id not in (None, "") else None
        self.now = settings.get("GOVARCHIVE_NOW") or None
        self.writer_config = writer_config(settings)
        self.show_progress = settings.getbool("GOVARCHIVE_PROGRESS")
        self.writer: ArchiveWriter | None = None
        self.site = ""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    async def open_spider(self) -> None:
        spider = self.crawler.spider
        self.site = spider.site.name
        self.writer = ArchiveWriter.acquire(self.writer_config)
        await _wait(
            self.writer.open_site(
                spider.site.as_row(),
                f"scrapy crawl {spider.name}",
                self.run_id,
                self.now,
                on_outcome=self._progress if self.show_progress else None,
            )
        )

    async def process_item(self, item: Any) -> Any:
        """Hand the item to the writer; wait for it only when the items not yet written
        hold more than ``MAX_BACKLOG`` items or ``MAX_BACKLOG_BYTES`` of pages and files."""
        assert self.writer is not None
        writer = self.writer
        writer.submit(self.site, item, size=item_bytes(item))
        if writer.backlog > MAX_BACKLOG or writer.backlog_bytes > MAX_BACKLOG_BYTES:
            await _wait(writer.barrier())
        return item

    async def close_spider(self) -> None:
        assert self.writer is not None
        report = site_report(self.crawler.spider, self.crawler)
        try:
            await _wait(self.writer.close_site(self.site, report))
        finally:
            # The writer is released however the close went.
            await _wait(self.writer.release())

    def _progress(self, outcome: str) -> None:
        # Called on the reactor thread with each item's outcome, from the writer's answers.
        self.crawler.signals.send_catch_log(archived, site=self.site, outcome=outcome)
