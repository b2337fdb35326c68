"""``SiteRecorder``: what one site's crawl items become in the archive, for one run.

Fed by the crawl's own pipeline (``crawler.pipelines``, in the crawl's writer process) or, for a
crawl on another machine, by ``govarchive ingest`` from Redis (``crawler.distributed``): the
same calls either way. A local crawl's items arrive parsed and compared with their previous
captures, so the writer only writes; only ingest parses a previous capture, which a crawl
on another machine could not read. Nothing here knows Scrapy; the end of a site's crawl
arrives as a ``SiteReport`` (what the spider concluded about its listing).

Counts per site and run are kept in memory and flushed every ``FLUSH_EVERY`` items and at
the end, so a crawl killed mid-way still leaves every committed document in place.

Missing answers (404/410, not-found and withdrawal pages, redirects away) are held until
the site's crawl ends, then judged against the night by ``archive.evidence`` (where every
rule that turns answers into events lives): a site that 404s everything for a night says
nothing about any one document.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from archive import Archive
from archive.documents import Reparsed
from archive.evidence import SHARED_LANDING, night_of_missing, shared_landings
from archive.store import FetchRef, WalkRecord
from crawler.items import (
    AttachmentItem,
    DocumentItem,
    FetchItem,
    ListPageItem,
    MissingItem,
    SeenItem,
)
from parsers import parse_page
from parsers.decode import charset_of

FLUSH_EVERY = 100


@dataclass(slots=True)
class HeldMissing:
    """A missing answer waiting for the site's listing verdict."""

    url: str
    reason: str
    fetch_id: int | None
    http_status: int | None


@dataclass(slots=True)
class SiteReport:
    """What a site's crawl concluded, handed over when it ends."""

    listing_complete: bool
    listing_answered: bool
    listed: frozenset[str]
    walks: list[WalkRecord] = field(default_factory=list)
    cookie_jar_cleared: int = 0
    finish_reason: str | None = None


@dataclass(slots=True)
class RecorderState:
    """What a ``SiteRecorder`` holds between items, beside the archive: kept by
    ``govarchive ingest`` with each message it records, so a restarted ingest resumes the
    site where the archive stands (counts are flushed with every message there)."""

    site_row: dict[str, Any]
    now: str | None
    totals: dict[str, int] = field(default_factory=dict)
    held: list[HeldMissing] = field(default_factory=list)
    held_moves: list[DocumentItem] = field(default_factory=list)
    held_attachments: list[AttachmentItem] = field(default_factory=list)


class SiteRecorder:
    """Record one site's items of one run into an ``Archive`` the caller hands in."""

    def __init__(
        self,
        site_row: dict[str, Any],
        command: str,
        run_id: int | None,
        now: str | None,
        on_outcome: Callable[[str], None] | None = None,
    ) -> None:
        self.site_row = site_row
        self.site = str(site_row["name"])
        self.command = command
        self.run_id = run_id
        self.own_run = run_id is None
        self.now = now
        self.on_outcome = on_outcome
        self.counts: Counter[str] = Counter()  # since the last flush to run_sites
        self.totals: Counter[str] = Counter()  # the whole crawl of the site
        self.pending = 0
        self.held: list[HeldMissing] = []
        # Documents reached through a redirect, and their attachments, held until the end:
        # several documents redirected to one page is no move of any of them.
        self.held_moves: list[DocumentItem] = []
        self.held_move_urls: set[str] = set()
        self.held_attachments: list[AttachmentItem] = []
        self.archive: Archive | None = None

    def snapshot(self) -> RecorderState:
        """What this recorder holds now (see ``RecorderState``)."""
        return RecorderState(
            self.site_row, self.now, dict(self.totals), list(self.held),
            list(self.held_moves), list(self.held_attachments),
        )  # fmt: skip

    def resume(self, state: RecorderState) -> None:
        """Take up a snapshot's state (a restarted ``govarchive ingest``)."""
        self.totals = Counter(state.totals)
        self.held = list(state.held)
        self.held_moves = list(state.held_moves)
        self.held_move_urls = {item.record.url for item in self.held_moves}
        self.held_attachments = list(state.held_attachments)

    def open(self, archive: Archive) -> None:
        self.archive = archive
        archive.upsert_sites([self.site_row], at=self.now)
        if self.run_id is None:
            self.run_id = archive.start_run(self.command, [self.site], at=self.now)
        # Other processes (the runner, the scheduler) see this site's run from the start.
        archive.commit_batch()

    def close(self, archive: Archive, report: SiteReport) -> None:
        self.archive = archive
        self._settle_moves()
        notes = self._count_missing(report)
        if report.cookie_jar_cleared:
            notes.append(
                f"cookie jar emptied {report.cookie_jar_cleared} times: the site set too many"
                " cookies"
            )
        self.flush()
        archive.finish_site(
            self.run_id or 0,
            self.site,
            report.listing_complete,
            walks=report.walks,
            notes=notes,
            at=self.now,
        )
        if self.own_run:
            archive.finish_run(self.run_id or 0, report.finish_reason or "finished", at=self.now)
        self.archive = None

    def process(self, archive: Archive, item: Any) -> Any:
        self.archive = archive
        return self._process(item)

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
        """Tell ``on_outcome`` (the progress display) what an item became."""
        if self.on_outcome is not None:
            self.on_outcome(outcome)
        if self.pending >= FLUSH_EVERY:
            self.flush()

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
        fetch_id = self._fetch(item.fetch).id if item.fetch else None
        sha = self.archive.record_attachment(
            item.document_url,
            item.url,
            item.name,
            item.data,
            content_type=item.content_type,
            error=item.error,
            read=item.read,
            at=self.now,
            status=item.status,
            etag=item.etag,
            last_modified=item.last_modified,
            run_id=self.run_id,
            fetch_id=fetch_id,
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
            reparsed=item.reparsed if item.compared else self._reparse(item),
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

    def _reparse(self, item: DocumentItem) -> Reparsed | None:
        """For a crawl that could not read the previous capture (on another machine): the
        previous capture parsed as the crawl parses pages, with the charset the server
        declares (a page whose encoding only the header names must not read differently,
        and so look edited). A local crawl's parse worker has done this already."""
        assert self.archive is not None
        previous = None
        for url in (item.record.url, item.moved_from):
            if url and previous is None:
                previous = self.archive.previous_capture(url, item.record)
        if previous is None:
            return None
        sha, raw = previous
        try:
            return Reparsed(
                sha, parse_page(raw, item.record.url, charset_of(item.fetch.content_type))
            )
        except Exception:  # noqa: BLE001 - a capture today's parsers refuse: compare as stored
            return Reparsed(sha, None)

    def _count_missing(self, report: SiteReport) -> list[str]:
        """Record the held missing answers as the night allows (``night_of_missing``); the
        notes say what was not counted and why."""
        answered = sum(self.totals[k] for k in ("new", "changed", "unchanged", "not_modified"))
        night = night_of_missing(
            (held.url for held in self.held),
            listing_answered=report.listing_answered,
            listed=report.listed,
            answered=answered,
        )
        if night.record:
            for held in self.held:
                self._missing(held, counts=held.url not in night.uncounted)
        return night.notes

    def _settle_moves(self) -> None:
        """Archive the held redirected documents, except those whose landing several of them
        share (``shared_landings``): each of those is a missing answer, not a move."""
        shared = shared_landings(
            (item.record.url, item.moved_from or "") for item in self.held_moves
        )
        for item in self.held_moves:
            if item.record.url not in shared:
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
            request_head=item.request_head,
            response_head=item.response_head,
            peer=item.peer,
            at=self.now,
        )
        self.count(pages=1, errors=1 if item.error else 0)
        return ref
