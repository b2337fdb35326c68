"""A column listing walk: which list page comes next, when to stop, and what it observed
for the verdict on whether it can be believed.

Pure data and functions, no Scrapy: the spider feeds each list page's outcome in and asks
for the next page; at the end, ``archive.evidence.verdict`` says whether
the walk was *complete* (it reached the column's last page with every page answering) and
*plausible* (not empty, not sharply shrunk against the last complete walk, page totals
agree). Only a walk that is both may decide that a document was delisted; anything else is
recorded as an unhealthy listing and decides nothing, because a flaky or redesigned server
must never create evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from archive.clock import parse_iso
from archive.evidence import (
    EMPTY_STREAK,
    END,
    KNOWN_STREAK,
    MAX_PAGES,
    WALK_FAILED,
    Verdict,
)
from archive.walks import ColumnHistory, WalkRecord
from parsers.listing import MAX_ITEMS, ListPage

# Known-only list pages in a row after which a shallow (nightly) walk stops.
KNOWN_PAGES_TO_STOP = 2
# List pages in a row without a document link after which any walk stops: an endless
# "next" chain of empty pages (a calendar, a broken pager) is not a listing.
EMPTY_PAGES_TO_STOP = 3
# A walk's note names at most this many problems (and counts the rest): a health note stays
# a line a person reads, not 5,000 URLs.
NOTED_PROBLEMS = 5


@dataclass
class ColumnWalk:
    """One column's walk in one crawl."""

    start_url: str
    full: bool
    queue: list[str] = field(default_factory=list)
    queued: set[str] = field(default_factory=set)
    visited: set[str] = field(default_factory=set)
    pages: int = 0
    links: set[str] = field(default_factory=set)
    new_links: set[str] = field(default_factory=set)  # links the archive does not know
    page_counts: list[int] = field(default_factory=list)
    known_streak: int = 0
    empty_streak: int = 0
    declared_pages: int | None = None
    declared_records: int | None = None
    problems: list[str] = field(default_factory=list)
    stopped: str | None = None

    def __post_init__(self) -> None:
        self.visited.add(self.start_url)

    @property
    def problems_note(self) -> str:
        return problems_note(self)

    @property
    def answered(self) -> bool:
        """Some list page of the column answered with document links."""
        return bool(self.links)


def record_page(
    walk: ColumnWalk,
    url: str,
    page: ListPage,
    links: list[str],
    new: list[str],
    expects_links: bool = True,
) -> None:
    """A list page answered and was parsed: ``links`` are its document keys, ``new`` those
    the archive does not know. ``expects_links`` is False for a page that may rightly hold
    none (a Hanweb column page whose records all come from dataproxy.jsp)."""
    walk.visited.add(url)
    walk.pages += 1
    if expects_links or links:
        walk.page_counts.append(len(links))
    walk.links.update(links)
    walk.new_links.update(new)
    walk.known_streak = walk.known_streak + 1 if links and not new else 0
    if page.total_pages is not None:
        walk.declared_pages = page.total_pages
    if page.total_records is not None:
        walk.declared_records = page.total_records
    walk.empty_streak = walk.empty_streak + 1 if not links and expects_links else 0
    if not links and expects_links:
        walk.problems.append(f"list page without document links: {url}")
    if len(page.items) >= MAX_ITEMS:
        walk.problems.append(f"list page hit the {MAX_ITEMS}-link cap: {url}")


def record_failure(walk: ColumnWalk, url: str, reason: str) -> None:
    """A list page did not answer, or answered with an error or maintenance page."""
    walk.visited.add(url)
    walk.problems.append(f"list page {reason}: {url}")
    walk.stopped = WALK_FAILED


def add_pages(walk: ColumnWalk, page_urls: list[str]) -> None:
    """Queue the list pages a page names, in order, each once (no list scan per page)."""
    for url in page_urls:
        if url not in walk.visited and url not in walk.queued:
            walk.queued.add(url)
            walk.queue.append(url)


def stop_reason(walk: ColumnWalk, max_pages: int | None, more: bool) -> str | None:
    """Why the walk stops now (None: go on). ``more``: is there a next page to ask for?"""
    if walk.stopped:
        return walk.stopped
    if not more:
        return END
    if max_pages and walk.pages >= max_pages:
        return MAX_PAGES
    if not walk.full and walk.known_streak >= KNOWN_PAGES_TO_STOP:
        return KNOWN_STREAK
    if walk.empty_streak >= EMPTY_PAGES_TO_STOP:
        return EMPTY_STREAK
    return None


def next_page(walk: ColumnWalk, max_pages: int | None) -> str | None:
    """The next list page to fetch, or None when the walk stops (``walk.stopped`` says why)."""
    walk.stopped = stop_reason(walk, max_pages, bool(walk.queue))
    if walk.stopped:
        return None
    url = walk.queue.pop(0)
    walk.visited.add(url)
    return url


def problems_note(walk: ColumnWalk) -> str:
    """The walk's problems in one short line: the first ``NOTED_PROBLEMS``, then a count."""
    noted = "; ".join(walk.problems[:NOTED_PROBLEMS])
    more = len(walk.problems) - NOTED_PROBLEMS
    if more > 0:
        noted += f"; and {more} more ({len(walk.problems)} in all)"
    if walk.stopped == EMPTY_STREAK:
        noted = f"stopped after {EMPTY_PAGES_TO_STOP} list pages in a row without document links; {noted}"
    return noted


def full_walk_due(
    start_urls: list[str], history: dict[str, ColumnHistory], now: str, every: timedelta
) -> bool:
    """A full walk is due when some column has no complete walk within ``every``."""
    for url in start_urls:
        last = history.get(url)
        if last is None or last.last_complete_at is None:
            return True
        if parse_iso(now) - parse_iso(last.last_complete_at) >= every:
            return True
    return False


def walk_record(site: str, walk: ColumnWalk, judged: Verdict) -> WalkRecord:
    return WalkRecord(
        site=site,
        column_url=walk.start_url,
        full_walk=walk.full,
        pages=walk.pages,
        links=len(walk.links),
        reached_end=walk.stopped == END and not walk.problems,
        complete=judged.complete,
        healthy=judged.healthy,
        note=judged.note,
        declared_pages=walk.declared_pages,
        declared_records=walk.declared_records,
    )
