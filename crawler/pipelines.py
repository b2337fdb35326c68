"""``ArchivePipeline``: a thin adapter from spider items to ``archive.Archive`` calls.

The calls run on the process's archive writer thread (``crawler.writer``), one at a time in
the order items arrive, committed in batches; the reactor thread only hands them over.
Everything the pipeline keeps (counts, held answers) is touched on that thread alone.
Counts per site and run are kept in memory and flushed every ``FLUSH_EVERY`` items and at
the end, so a crawl killed mid-way still leaves every committed document in place.

Missing answers (404/410, not-found and withdrawal pages, redirects away) are held until
the spider closes: they become lifecycle evidence only when the site's listing answered in
this run. A site that 404s everything for a night says nothing about any one document.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from scrapy.crawler import Crawler
from twisted.internet import reactor
from twisted.internet.defer import Deferred

from archive import Archive
from archive.store import FetchRef
from crawler.items import (
    AttachmentItem,
    DocumentItem,
    FetchItem,
    ListPageItem,
    MissingItem,
    SeenItem,
)
from crawler.middlewares import COOKIE_JAR_CLEARED
from crawler.progress import archived
from crawler.writer import (
    DEFAULT_BATCH_SECONDS,
    DEFAULT_BATCH_WRITES,
    ArchiveWriter,
    count_archive_error,
)
from parsers import parse_page
from spiders.responses import charset_of

FLUSH_EVERY = 100
# Missing answers of documents the listing still shows are not counted when they are at least
# this many and more than this share of the night's document answers (see _count_missing).
MASS_MISSING_MIN = 5
MASS_MISSING_SHARE = 0.5
# Why a document that redirects to the same page as another one is missing, not moved.
SHARED_LANDING = "redirect-to-shared-page"


@dataclass(slots=True)
class HeldMissing:
    """A missing answer waiting for the site's listing verdict."""

    url: str
    reason: str
    fetch_id: int | None
    http_status: int | None


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
        self.counts: Counter[str] = Counter()  # since the last flush to run_sites
        self.totals: Counter[str] = Counter()  # the whole crawl of the site
        self.pending = 0
        self.held: list[HeldMissing] = []
        # Documents reached through a redirect, and their attachments, held until the end:
        # several documents redirected to one page is no move of any of them.
        self.held_moves: list[DocumentItem] = []
        self.held_move_urls: set[str] = set()
        self.held_attachments: list[AttachmentItem] = []
        self.show_progress = crawler.settings.getbool("GOVARCHIVE_PROGRESS")
        self.batch_writes = crawler.settings.getint("GOVARCHIVE_BATCH_WRITES", DEFAULT_BATCH_WRITES)
        self.batch_seconds = crawler.settings.getfloat(
            "GOVARCHIVE_BATCH_SECONDS", DEFAULT_BATCH_SECONDS
        )
        self.writer: ArchiveWriter | None = None
        self.archive: Archive | None = None  # the writer's, set on the writer thread

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
    def spider(self) -> Any:
        return self.crawler.spider

    @property
    def site(self) -> str:
        return self.spider.site.name

    def open_spider(self) -> Deferred[None]:
        self.writer = ArchiveWriter.acquire(
            self.db_path, self.gone_after_hours, self.batch_writes, self.batch_seconds
        )
        return self.writer.call(self._open)

    def _open(self, archive: Archive) -> None:
        self.archive = archive
        archive.upsert_sites([self.spider.site.as_row()], at=self.now)
        if self.run_id is None:
            self.run_id = archive.start_run(
                f"scrapy crawl {self.spider.name}", [self.site], at=self.now
            )
        # Other processes (the runner, the scheduler) see this site's run from the start.
        archive.commit_batch()

    def close_spider(self) -> Deferred[None]:
        assert self.writer is not None
        writer = self.writer
        done = writer.call(self._close_on_writer)
        # The writer is released however the close went; its failure stays the result.
        done.addBoth(lambda result: writer.release().addCallback(lambda _: result))
        return done

    def _close_on_writer(self, archive: Archive) -> None:
        try:
            self._close()
        except Exception:
            count_archive_error()
            raise

    def _close(self) -> None:
        archive = self.archive
        assert archive is not None
        spider = self.spider
        if not spider.verdicts:
            spider.judge_walks()  # closed before idle (a stop signal, a timeout)
        self._settle_moves()
        notes = self._count_missing(spider)
        cleared = self.crawler.stats.get_value(COOKIE_JAR_CLEARED) if self.crawler.stats else 0
        if cleared:
            notes.append(f"cookie jar emptied {cleared} times: the site set too many cookies")
        self.flush()
        archive.finish_site(
            self.run_id or 0,
            self.site,
            bool(spider.listing_complete),
            walks=spider.walk_records(),
            notes=notes,
            at=self.now,
        )
        if self.own_run:
            reason = self.crawler.stats.get_value("finish_reason") if self.crawler.stats else None
            archive.finish_run(self.run_id or 0, reason or "finished", at=self.now)
        self.archive = None

    def flush(self) -> None:
        if self.archive is not None and self.counts:
            self.archive.add_site_counts(self.run_id or 0, self.site, **self.counts)
            self.counts.clear()
        self.pending = 0

    def count(self, **names: int) -> None:
        self.counts.update(names)
        self.totals.update(names)
        self.pending += 1
        for name, value in names.items():
            if value:
                self.progress(name)

    def progress(self, outcome: str) -> None:
        """Tell the progress display what an item became (no signal when it is off: this
        runs for every item)."""
        if self.show_progress:
            # Signals are sent on the reactor thread; this runs on the writer's.
            reactor.callFromThread(
                self.crawler.signals.send_catch_log, archived, site=self.site, outcome=outcome
            )
        if self.pending >= FLUSH_EVERY:
            self.flush()

    def process_item(self, item: Any) -> Deferred[Any]:
        assert self.writer is not None
        return self.writer.call(self._process_on_writer, item)

    def _process_on_writer(self, archive: Archive, item: Any) -> Any:
        try:
            return self._process(item)
        except Exception:
            count_archive_error()
            raise

    def _process(self, item: Any) -> Any:
        archive = self.archive
        assert archive is not None
        at = self.now
        if isinstance(item, FetchItem):
            self._fetch(item)
        elif isinstance(item, DocumentItem):
            if item.moved_from and item.moved_via == "redirect":
                self.held_moves.append(item)
                self.held_move_urls.add(item.record.url)
            else:
                self._document(item)
        elif isinstance(item, SeenItem):
            fetch_id = self._fetch(item.fetch).id if item.fetch else None
            archive.touch_document(
                item.url,
                listed=item.listed,
                fetched=item.fetched,
                listing_url=item.listing_url,
                run_id=self.run_id,
                fetch_id=fetch_id,
                at=at,
            )
            if item.fetched:
                self.count(not_modified=1)
        elif isinstance(item, MissingItem):
            fetch_id = self._fetch(item.fetch).id if item.fetch else None
            status = item.fetch.status if item.fetch else None
            self.held.append(HeldMissing(item.url, item.reason, fetch_id, status))
            self.progress("missing")
        elif isinstance(item, ListPageItem):
            self.count(list_pages=1, list_links=item.links)
        elif isinstance(item, AttachmentItem):
            if item.document_url in self.held_move_urls:
                self.held_attachments.append(item)
                return item
            self._attachment(item)
        return item

    def _attachment(self, item: AttachmentItem) -> None:
        assert self.archive is not None
        sha = self.archive.record_attachment(
            item.document_url,
            item.url,
            item.name,
            item.data,
            content_type=item.content_type,
            error=item.error,
            read=item.read,
            at=self.now,
        )
        if sha:
            self.count(attachments=1)

    def _document(self, item: DocumentItem) -> None:
        assert self.archive is not None
        fetch = self._fetch(item.fetch)
        outcome = self.archive.record_document(
            item.record,
            site=item.site,
            run_id=self.run_id,
            raw_sha256=fetch.sha256,
            fetch_id=fetch.id,
            list_date=item.list_date,
            etag=item.etag,
            last_modified=item.last_modified,
            moved_from=item.moved_from,
            moved_via=item.moved_via,
            # The previous capture parsed as the crawl parses pages: with the charset the
            # server declares (a page whose encoding only the header names must not read
            # differently, and so look edited).
            parse_again=lambda raw, url: parse_page(raw, url, charset_of(item.fetch.content_type)),
            at=self.now,
        )
        self.count(**{outcome: 1})
        if item.delisted_evidence is not None and self.archive.mark_delisted(
            item.record.url,
            at=self.now,
            run_id=self.run_id,
            fetch_id=fetch.id,
            evidence=item.delisted_evidence,
        ):
            self.count(delisted=1)

    def _count_missing(self, spider: Any) -> list[str]:
        """Record the held missing answers, unless the night contradicts them; the notes say
        what was not counted and why.

        Not recorded at all when the listing did not answer. Recorded but never counted
        toward ``gone`` for the documents the listing still shows, when those answers are
        most of the night's document answers (at least MASS_MISSING_MIN): a listing served
        from a cache while the document server fails says the documents are there, and two
        such nights would otherwise confirm them all gone."""
        if not self.held:
            return []
        if not spider.listing_answered:
            return [f"{len(self.held)} missing answers not counted: the listing did not answer"]
        listed = {held.url for held in self.held if held.url in spider.listed}
        answered = sum(self.totals[k] for k in ("new", "changed", "unchanged", "not_modified"))
        suspect = len(listed) >= MASS_MISSING_MIN and len(listed) > MASS_MISSING_SHARE * (
            len(listed) + answered
        )
        for held in self.held:
            self._missing(held, counts=not (suspect and held.url in listed))
        if not suspect:
            return []
        return [
            f"{len(listed)} missing answers not counted toward gone: the listing still shows"
            f" those documents while only {answered} documents answered"
        ]

    def _settle_moves(self) -> None:
        """Archive the held redirected documents: a page that several documents redirect to
        is a shared landing (a generic notice, a search page), so each of them is a missing
        answer (``redirect-to-shared-page``), not a document that moved there."""
        sources: dict[str, set[str]] = {}
        for item in self.held_moves:
            sources.setdefault(item.record.url, set()).add(item.moved_from or "")
        for item in self.held_moves:
            if len(sources[item.record.url]) < 2:
                self._document(item)
                continue
            item.fetch.error = SHARED_LANDING
            fetch = self._fetch(item.fetch)
            self.held.append(
                HeldMissing(item.moved_from or "", SHARED_LANDING, fetch.id, item.fetch.status)
            )
        for attachment in self.held_attachments:
            self._attachment(attachment)
        self.held_moves.clear()
        self.held_move_urls.clear()
        self.held_attachments.clear()

    def _missing(self, held: HeldMissing, counts: bool = True) -> None:
        assert self.archive is not None
        outcome = self.archive.record_missing(
            held.url,
            at=self.now,
            reason=held.reason,
            run_id=self.run_id,
            fetch_id=held.fetch_id,
            http_status=held.http_status,
            counts=counts,
        )
        if outcome == "gone":
            self.count(gone=1)

    def _fetch(self, item: FetchItem) -> FetchRef:
        """Record a fetch (its raw body once, by hash)."""
        assert self.archive is not None
        ref = self.archive.record_fetch(
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
        return ref
