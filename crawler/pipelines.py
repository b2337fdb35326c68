"""``ArchivePipeline``: a thin adapter from spider items to ``archive.Archive`` calls.

Counts per site and run are kept in memory and flushed every ``FLUSH_EVERY`` items and at
the end, so a crawl killed mid-way still leaves every archived document in place.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from scrapy.crawler import Crawler

from archive import Archive
from crawler.items import (
    AttachmentItem,
    DelistedItem,
    DocumentItem,
    FetchItem,
    ListingItem,
    MissingItem,
    SeenItem,
)

FLUSH_EVERY = 100


class ArchivePipeline:
    """Write every item to the archive file named by ``GOVARCHIVE_DB``."""

    def __init__(
        self,
        crawler: Crawler,
        db_path: str,
        run_id: int | None,
        now: str | None,
        gone_after_hours: float,
    ) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.run_id = run_id
        self.own_run = run_id is None
        self.now = now
        self.gone_after_hours = gone_after_hours
        self.counts: Counter[str] = Counter()
        self.pending = 0
        self.archive: Archive | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        settings = crawler.settings
        run_id = settings.get("GOVARCHIVE_RUN_ID")
        return cls(
            crawler,
            settings.get("GOVARCHIVE_DB"),
            int(run_id) if run_id not in (None, "") else None,
            settings.get("GOVARCHIVE_NOW") or None,
            settings.getfloat("GOVARCHIVE_GONE_AFTER_HOURS", 24.0),
        )

    @property
    def site(self) -> str:
        return self.crawler.spider.site.name  # type: ignore[union-attr]

    def open_spider(self) -> None:
        self.archive = Archive(self.db_path, gone_after_hours=self.gone_after_hours)
        spider = self.crawler.spider
        self.archive.upsert_sites([spider.site.as_row()])  # type: ignore[union-attr]
        if self.run_id is None:
            self.run_id = self.archive.start_run(
                f"scrapy crawl {spider.name}", [self.site], at=self.now
            )

    def close_spider(self) -> None:
        assert self.archive is not None
        self.flush()
        spider = self.crawler.spider
        self.archive.finish_site(self.run_id or 0, self.site, bool(spider.listing_complete))  # type: ignore[union-attr]
        if self.own_run:
            reason = self.crawler.stats.get_value("finish_reason") if self.crawler.stats else None
            self.archive.finish_run(self.run_id or 0, reason or "finished", at=self.now)
        self.archive.close()

    def flush(self) -> None:
        if self.archive is not None and self.counts:
            self.archive.add_site_counts(self.run_id or 0, self.site, **self.counts)
            self.counts.clear()
        self.pending = 0

    def count(self, **names: int) -> None:
        self.counts.update(names)
        self.pending += 1
        if self.pending >= FLUSH_EVERY:
            self.flush()

    def process_item(self, item: Any) -> Any:
        archive = self.archive
        assert archive is not None
        at = self.now
        if isinstance(item, FetchItem):
            self._fetch(item)
        elif isinstance(item, DocumentItem):
            sha = self._fetch(item.fetch)
            outcome = archive.record_document(
                item.record,
                site=item.site,
                run_id=self.run_id,
                raw_sha256=sha,
                list_date=item.list_date,
                etag=item.etag,
                last_modified=item.last_modified,
                at=at,
            )
            self.count(**{outcome: 1})
        elif isinstance(item, SeenItem):
            archive.touch_document(item.url, listed=item.listed, fetched=item.fetched, at=at)
            if item.fetched:
                self.count(not_modified=1)
        elif isinstance(item, MissingItem):
            if archive.record_missing(item.url, at=at) == "gone":
                self.count(gone=1)
        elif isinstance(item, DelistedItem):
            archive.mark_delisted(item.url, at=at)
            self.count(delisted=1)
        elif isinstance(item, ListingItem):
            self.count(list_pages=1, list_links=item.links)
        elif isinstance(item, AttachmentItem):
            sha = archive.record_attachment(
                item.document_url,
                item.url,
                item.name,
                item.data,
                content_type=item.content_type,
                error=item.error,
                at=at,
            )
            if sha:
                self.count(attachments=1)
        return item

    def _fetch(self, item: FetchItem) -> str | None:
        assert self.archive is not None
        sha = self.archive.record_fetch(
            self.run_id,
            item.url,
            site=item.site,
            kind=item.kind,
            status=item.status,
            body=item.body,
            keep_raw=item.keep_raw,
            content_type=item.content_type,
            elapsed_ms=item.elapsed_ms,
            error=item.error,
            at=self.now,
        )
        self.count(pages=1, errors=1 if item.error else 0)
        return sha
