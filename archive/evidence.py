"""What an observation is evidence of: every rule that turns a site's answers and its listing
walks into lifecycle events, in one place.

Pure functions of what was observed (an answer's status and page state, a column walk, a
night's answers, a document's absence so far): no SQL, no Scrapy, no clock. Who asks:

* the spider, of each answer at a document's URL: ``error_answer``, ``landing_answer``,
  ``page_answer`` and ``redirect_answer`` say whether it is a missing answer (and why), a
  failed fetch (never evidence of absence), or the document;
* the spider, of each finished column walk: ``verdict`` (may it decide delistings?);
* the recorder, which the crawl's own writer and ``govarchive ingest`` both run, at the end
  of a site's night: ``shared_landings`` (several documents redirected to one page moved
  nowhere) and ``night_of_missing`` (which missing answers the night lets count);
* the archive, as it writes a document's facts: ``absence_step`` (missing, then gone once
  confirmed) and ``answer_event`` (recovered, restored).

A flaky, redesigned or hostile server must never create evidence: every rule here errs
toward deciding nothing. The cases are tabled in ``tests/test_archive_evidence.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol
from urllib.parse import urlsplit

from archive.clock import parse_iso
from archive.lifecycle import RECOVERED, RESTORED
from archive.walks import ColumnHistory
from parsers.page_state import EMPTY, MISSING, TRANSIENT

# --- answers at a document's URL -------------------------------------------------------
MISSING_STATUSES = (404, 410)
# A site's root page, wherever a removed document's URL may be redirected to.
HOME_PATH = re.compile(r"^/(?:(?:index|default|main|home)\.(?:s?html?|jsp|php|aspx?))?$", re.I)
# What an answer is: evidence that the document is missing, or a failed fetch.
ABSENT = "missing"
FAILED = "failed"
# Why a document that redirects to the same page as another one is missing, not moved.
SHARED_LANDING = "redirect-to-shared-page"


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer that is not the document: ``ABSENT`` (a missing answer, held until the
    listing's verdict) or ``FAILED`` (recorded as a failed fetch, evidence of nothing)."""

    kind: str
    reason: str


def error_answer(kind: str, status: int | None, reason: str, redirected: bool) -> Answer | None:
    """An HTTP error answer to a document request (``kind`` detail or check): a 404 or 410
    is a missing answer (``redirect-to-404`` when a redirect led there); None for any other
    failure (a 5xx, a timeout), which is a failed fetch."""
    if kind not in ("detail", "check") or status not in MISSING_STATUSES:
        return None
    return Answer(ABSENT, "redirect-to-404" if redirected else reason)


def landing_answer(landing: str, columns: Iterable[str], home: str | None) -> Answer | None:
    """A document request redirected to the site's home page or one of its column pages
    (canonical URLs): the document is missing. None for any other landing."""
    if landing in set(columns):
        return Answer(ABSENT, "redirect-to-column")
    if landing == home or HOME_PATH.match(urlsplit(landing).path or "/"):
        return Answer(ABSENT, "redirect-to-home")
    return None


def page_answer(
    state: str,
    *,
    known: bool,
    known_has_text: bool,
    has_words: bool,
    has_pictures: bool,
    served_instead: Callable[[], bool],
) -> Answer | None:
    """A parsed page at a document's URL, by its ``parsers.page_state`` state: a not-found
    or withdrawal page is missing; a maintenance page or an empty page is a failed fetch;
    a known document's URL serving some other page (``served_instead``, asked last: it may
    parse the page again) is missing. None: the page is the document. ``has_words``: the
    record holds text, an attachment or document metadata; ``has_pictures``: pictures in
    its content.

    A known document archived with text that now answers with pictures alone is a broken
    template or an error image, not an edit (an empty page); a document that was published
    as pictures stays one."""
    if state == MISSING:
        return Answer(ABSENT, "soft-404")
    if state == TRANSIENT:
        return Answer(FAILED, "maintenance-page")
    pictures_count = not known or not known_has_text
    if state == EMPTY or (known and not (has_words or (pictures_count and has_pictures))):
        return Answer(FAILED, "empty-page")
    if known and served_instead():
        return Answer(ABSENT, "other-page-served")
    return None


def redirect_answer(landed_on_known: bool, same_document: bool) -> Answer | None:
    """A known document's URL redirected to another archived document's URL: missing
    (``redirect-to-other-document``) unless the landing page is this document. A redirect
    to a URL the archive does not hold stays a move (a redesign moves documents to new URLs
    under a template that may read their titles differently: judged strictly, each would
    become missing, then gone)."""
    if not landed_on_known or same_document:
        return None
    return Answer(ABSENT, "redirect-to-other-document")


# --- a column walk ---------------------------------------------------------------------
# Why a walk stopped (``spiders.walk`` stops it; the verdict reads it).
END = "end"
KNOWN_STREAK = "known-pages"
EMPTY_STREAK = "empty-pages"
MAX_PAGES = "max-pages"
WALK_FAILED = "failed"
# A walk may lose this share of the last complete walk's links and still be believed…
DEFAULT_MAX_LISTING_DROP = 0.2
# …and may always lose this many (a small column losing one document is not a shrink).
SMALL_DROP = 2
# A page before the last yielding less than this share of the fullest page is short.
SHORT_PAGE_SHARE = 0.5
# A second walk that finds a shrunk listing again, at least this long after the first
# and within this share of its size, confirms the shrink (a real mass removal).
SHRINK_AGREEMENT = 0.05
# A walk in which at least this share of the last complete walk's links vanished while
# nearly as many (CHURN_NEW_SHARE of them) new ones appeared changed its links, not its
# documents (session ids in the links, a redesign): it decides no delisting.
CHURN_SHARE = 0.5
CHURN_NEW_SHARE = 0.8


class WalkFacts(Protocol):
    """What a finished column walk observed (``spiders.walk.ColumnWalk``)."""

    stopped: str | None
    problems: list[str]
    pages: int
    links: set[str]
    new_links: set[str]  # links the archive did not know
    page_counts: list[int]  # links per list page, in walk order
    declared_pages: int | None
    declared_records: int | None

    @property
    def problems_note(self) -> str: ...


@dataclass(slots=True)
class Verdict:
    """Whether a walk may decide delistings, and if not, why; ``healthy`` is False when the
    listing itself looked wrong (not when a shallow walk simply stopped early)."""

    complete: bool
    note: str | None = None
    healthy: bool = True


def verdict(
    walk: WalkFacts,
    history: ColumnHistory | None,
    *,
    now: str,
    max_drop: float = DEFAULT_MAX_LISTING_DROP,
    confirm_after: timedelta = timedelta(hours=24),
) -> Verdict:
    """Judge a finished walk: believed (complete) only when it reached the column's last
    page with every page answering, and it is plausible: not empty, page and record totals
    agree with the pager, no short page, no churn of links, no unconfirmed shrink against
    the last complete walk (README "Lifecycle": when a listing is believed)."""
    if walk.problems:
        return Verdict(False, walk.problems_note, healthy=False)
    if walk.stopped == KNOWN_STREAK:
        return Verdict(False)
    if walk.stopped == MAX_PAGES:
        return Verdict(False, "stopped at max_pages: delistings cannot be decided")
    if walk.stopped != END:
        return Verdict(False, "walk did not finish", healthy=False)
    count = len(walk.links)
    if count == 0:
        return Verdict(False, "listing is empty", healthy=False)
    if walk.declared_pages is not None and walk.pages < walk.declared_pages:
        note = f"walked {walk.pages} list pages, the pager declares {walk.declared_pages}"
        return Verdict(False, note, healthy=False)
    if walk.declared_records is not None and count < walk.declared_records:
        note = f"found {count} links, the listing declares {walk.declared_records} records"
        return Verdict(False, note, healthy=False)
    short = _short_page(walk.page_counts)
    if short is not None:
        return Verdict(False, f"list page {short + 1} of {walk.pages} is short", healthy=False)
    baseline = history.last_complete_links if history else None
    churn = _churn(count, len(walk.new_links), baseline)
    if churn is not None:
        return Verdict(False, churn, healthy=False)
    if baseline and count < baseline * (1 - max_drop) and baseline - count > SMALL_DROP:
        if _shrink_confirmed(count, history, now, confirm_after):
            return Verdict(True, f"shrink confirmed: {count} links (was {baseline})")
        note = f"listing shrank: {count} links, last complete walk {baseline}"
        return Verdict(False, note, healthy=False)
    return Verdict(True)


def _churn(count: int, new: int, baseline: int | None) -> str | None:
    """Why a walk's links look swapped rather than its documents removed (None: they do
    not): most of the last complete walk's links vanished and nearly as many new appeared."""
    if not baseline:
        return None
    vanished = baseline - (count - new)
    if (
        vanished <= SMALL_DROP
        or vanished < baseline * CHURN_SHARE
        or new < vanished * CHURN_NEW_SHARE
    ):
        return None
    return (
        f"links churned: {vanished} of the last complete walk's {baseline} links vanished"
        f" and {new} new appeared (session ids in the links?): no delisting decided"
    )


def _short_page(counts: list[int]) -> int | None:
    """The index of a page before the last that yields far fewer links than the fullest."""
    if len(counts) < 3:
        return None
    fullest = max(counts)
    for index, value in enumerate(counts[:-1]):
        if value < fullest * SHORT_PAGE_SHARE:
            return index
    return None


def _shrink_confirmed(
    count: int, history: ColumnHistory | None, now: str, confirm_after: timedelta
) -> bool:
    """An earlier walk, long enough ago, found the same shrunk listing."""
    if history is None or history.previous_links is None or history.previous_at is None:
        return False
    if not (history.previous_note or "").startswith("listing shrank"):
        return False
    agrees = abs(history.previous_links - count) <= max(1, count * SHRINK_AGREEMENT)
    return agrees and parse_iso(now) - parse_iso(history.previous_at) >= confirm_after


# --- a site's night ----------------------------------------------------------------------
# Missing answers of documents the listing still shows are not counted when they are at least
# this many and more than this share of the night's document answers (``night_of_missing``).
MASS_MISSING_MIN = 5
MASS_MISSING_SHARE = 0.5


@dataclass(slots=True)
class NightOfMissing:
    """What a site's night lets its missing answers say: ``record`` False when none may be
    recorded; ``uncounted`` the URLs whose answers are recorded but never count toward
    ``gone``; ``notes`` say why, for the run's site row."""

    record: bool
    uncounted: frozenset[str] = frozenset()
    notes: list[str] = field(default_factory=list)


def night_of_missing(
    missing: Iterable[str], *, listing_answered: bool, listed: frozenset[str], answered: int
) -> NightOfMissing:
    """Judge a site's missing answers (document URLs) against its night.

    Not recorded at all when the listing did not answer: a site that 404s everything for a
    night says nothing about any one document. Recorded but never counted toward ``gone``
    for the documents the listing still shows, when those answers are most of the night's
    document answers (``answered``: new, changed, unchanged and not-modified documents) and
    at least MASS_MISSING_MIN: a listing served from a cache while the document server
    fails says the documents are there, and two such nights would otherwise confirm them
    all gone."""
    urls = list(missing)
    if not urls:
        return NightOfMissing(True)
    if not listing_answered:
        note = f"{len(urls)} missing answers not counted: the listing did not answer"
        return NightOfMissing(False, notes=[note])
    still_listed = frozenset(url for url in urls if url in listed)
    suspect = len(still_listed) >= MASS_MISSING_MIN and len(still_listed) > (
        MASS_MISSING_SHARE * (len(still_listed) + answered)
    )
    if not suspect:
        return NightOfMissing(True)
    note = (
        f"{len(still_listed)} missing answers not counted toward gone: the listing still shows"
        f" those documents while only {answered} documents answered"
    )
    return NightOfMissing(True, still_listed, [note])


def shared_landings(moves: Iterable[tuple[str, str]]) -> frozenset[str]:
    """Of a night's redirects of known documents to new URLs, as (landing, former URL)
    pairs, the landings that several documents redirected to: a shared landing (a generic
    notice, a search page) is where none of them moved, so each is a missing answer
    (``SHARED_LANDING``)."""
    sources: dict[str, set[str]] = {}
    for landing, former in moves:
        sources.setdefault(landing, set()).add(former)
    return frozenset(landing for landing, formers in sources.items() if len(formers) >= 2)


# --- a document's absence -------------------------------------------------------------------
# What ``absence_step`` says a missing answer did.
ALREADY_GONE = "already-gone"
STILL_MISSING = "missing"
CONFIRMED_GONE = "gone"


@dataclass(frozen=True, slots=True)
class AbsenceStep:
    """A missing answer's effect on a known document: ``outcome`` (``ALREADY_GONE``,
    ``STILL_MISSING`` or ``CONFIRMED_GONE``), the absence's start and its answer count,
    and whether this answer opens the absence (its ``missing`` event is written)."""

    outcome: str
    missing_since: str | None
    missing_count: int
    opens: bool = False


def absence_step(
    *,
    gone: bool,
    missing_since: str | None,
    missing_count: int,
    counts: bool,
    now: str,
    gone_after: timedelta,
) -> AbsenceStep:
    """One more missing answer for a document. It becomes ``gone`` only when it has been
    missing on at least two counted answers at least ``gone_after`` apart, with no answer
    in between (an answer in between closes the absence: ``answer_event``). ``counts``
    False: a night that contradicts itself (``night_of_missing``) opens the absence but
    never brings it closer to ``gone``."""
    if gone:
        return AbsenceStep(ALREADY_GONE, missing_since, missing_count + 1)
    since = missing_since or now
    count = missing_count + (1 if counts else 0)
    confirmed = counts and count >= 2 and parse_iso(now) - parse_iso(since) >= gone_after
    outcome = CONFIRMED_GONE if confirmed else STILL_MISSING
    return AbsenceStep(outcome, since, count, opens=missing_since is None)


def answer_event(*, gone: bool, missing: bool) -> str | None:
    """The event of a document's URL answering with the document (200 or 304): ``restored``
    after it was confirmed gone, ``recovered`` while only missing, else none."""
    if gone:
        return RESTORED
    return RECOVERED if missing else None
