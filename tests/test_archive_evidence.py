"""archive.evidence: every rule that turns an observation into evidence, as tables of cases.

Each row is one observation and what it must (or must never) be evidence of. The same
rules are exercised end to end by the spiders' callbacks (test_spiders_callbacks), whole
replica crawls (test_false_evidence, test_lifecycle_crawl) and the archive's own writes
(test_archive_lifecycle).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from archive.evidence import (
    ABSENT,
    ALREADY_GONE,
    CONFIRMED_GONE,
    END,
    FAILED,
    KNOWN_STREAK,
    MAX_PAGES,
    STILL_MISSING,
    WALK_FAILED,
    AbsenceStep,
    Answer,
    absence_step,
    answer_event,
    error_answer,
    landing_answer,
    night_of_missing,
    page_answer,
    redirect_answer,
    shared_landings,
    verdict,
)
from archive.lifecycle import RECOVERED, RESTORED
from archive.walks import ColumnHistory
from parsers.page_state import DOCUMENT, EMPTY, MISSING, TRANSIENT

SITE = "http://x.example.gov.cn"
NOW = "2025-04-08T02:00:00+08:00"
DAY_BEFORE = "2025-04-07T02:00:00+08:00"
HOURS_BEFORE = "2025-04-07T22:00:00+08:00"
DAY = timedelta(hours=24)


# --- an HTTP error answer --------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "status", "reason", "redirected", "expected"),
    [
        ("detail", 404, "http-404", False, Answer(ABSENT, "http-404")),
        ("check", 410, "http-410", False, Answer(ABSENT, "http-410")),
        ("detail", 404, "http-404", True, Answer(ABSENT, "redirect-to-404")),
        ("detail", 500, "http-500", False, None),  # a server failing says nothing
        ("detail", 403, "http-403", False, None),
        ("detail", None, "timeout", False, None),
        ("list", 404, "http-404", False, None),  # a list page is the walk's, not a document's
        ("attachment", 404, "http-404", False, None),
    ],
)
def test_error_answer(
    kind: str, status: int | None, reason: str, redirected: bool, expected: Answer | None
) -> None:
    assert error_answer(kind, status, reason, redirected) == expected


# --- a redirect's landing ----------------------------------------------------------------
COLUMNS = {f"{SITE}/zwgk/index.html", f"{SITE}/zwgk/index_1.html"}


@pytest.mark.parametrize(
    ("landing", "home", "expected"),
    [
        (f"{SITE}/zwgk/index_1.html", None, "redirect-to-column"),
        (f"{SITE}/", None, "redirect-to-home"),
        (f"{SITE}/index.html", None, "redirect-to-home"),
        (f"{SITE}/default.aspx", None, "redirect-to-home"),
        (f"{SITE}/main.jsp", None, "redirect-to-home"),
        (f"{SITE}/HOME.SHTML", None, "redirect-to-home"),
        (f"{SITE}/portal/start.html", f"{SITE}/portal/start.html", "redirect-to-home"),
        (f"{SITE}/zwgk/t2025_9.html", None, None),  # a document's new URL: a move
        (f"{SITE}/index_1.html", None, None),
        (f"{SITE}/home/notice.html", None, None),
    ],
)
def test_landing_answer(landing: str, home: str | None, expected: str | None) -> None:
    answer = landing_answer(landing, COLUMNS, home)
    assert (answer.reason if answer else None) == expected


def test_a_landing_on_a_column_or_the_home_page_is_absence() -> None:
    assert landing_answer(f"{SITE}/", COLUMNS, None).kind == ABSENT  # type: ignore[union-attr]


# --- a parsed page -------------------------------------------------------------------------
@dataclass(frozen=True)
class Page:
    state: str = DOCUMENT
    known: bool = True
    known_has_text: bool = True
    has_words: bool = True
    has_pictures: bool = False
    served_instead: bool = False


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (Page(), None),
        (Page(known=False), None),
        (Page(state=MISSING), Answer(ABSENT, "soft-404")),
        (Page(state=MISSING, known=False), Answer(ABSENT, "soft-404")),
        (Page(state=TRANSIENT), Answer(FAILED, "maintenance-page")),
        (Page(state=EMPTY), Answer(FAILED, "empty-page")),
        (Page(state=EMPTY, known=False), Answer(FAILED, "empty-page")),
        # A text document answering with pictures alone: a broken template, not an edit.
        (Page(has_words=False, has_pictures=True), Answer(FAILED, "empty-page")),
        # A document published as pictures stays one, new or known.
        (Page(known_has_text=False, has_words=False, has_pictures=True), None),
        (Page(known=False, has_words=False, has_pictures=True), None),
        (Page(has_words=False), Answer(FAILED, "empty-page")),  # a title alone
        (Page(served_instead=True), Answer(ABSENT, "other-page-served")),
        # Another page at a URL the archive never held is only a page.
        (Page(known=False, served_instead=True), None),
        # A page judged missing is missing, whatever else it looks like.
        (Page(state=MISSING, served_instead=True), Answer(ABSENT, "soft-404")),
    ],
)
def test_page_answer(page: Page, expected: Answer | None) -> None:
    answer = page_answer(
        page.state,
        known=page.known,
        known_has_text=page.known_has_text,
        has_words=page.has_words,
        has_pictures=page.has_pictures,
        served_instead=lambda: page.served_instead,
    )
    assert answer == expected


def test_other_page_served_is_not_asked_of_an_error_page() -> None:
    asked: list[bool] = []
    page_answer(
        TRANSIENT, known=True, known_has_text=True, has_words=True, has_pictures=False,
        served_instead=lambda: asked.append(True) or True,
    )  # fmt: skip
    assert asked == []


@pytest.mark.parametrize(
    ("landed_on_known", "same_document", "expected"),
    [
        (True, False, Answer(ABSENT, "redirect-to-other-document")),
        (True, True, None),  # its own page under another archived URL
        (False, False, None),  # a URL the archive does not hold: a move
        (False, True, None),
    ],
)
def test_redirect_answer(
    landed_on_known: bool, same_document: bool, expected: Answer | None
) -> None:
    assert redirect_answer(landed_on_known, same_document) == expected


# --- a column walk -------------------------------------------------------------------------
@dataclass
class Walk:
    """What a finished walk observed (``archive.evidence.WalkFacts``)."""

    link_count: int = 25
    pages: int = 3
    page_counts: list[int] = field(default_factory=lambda: [10, 10, 5])
    new: int = 0
    stopped: str | None = END
    problems: list[str] = field(default_factory=list)
    declared_pages: int | None = None
    declared_records: int | None = None

    @property
    def links(self) -> set[str]:
        return {f"{SITE}/t{n}.html" for n in range(self.link_count)}

    @property
    def new_links(self) -> set[str]:
        return {f"{SITE}/t{n}.html" for n in range(self.new)}

    @property
    def problems_note(self) -> str:
        return "; ".join(self.problems)


def history(links: int | None = None, **previous: object) -> ColumnHistory:
    return ColumnHistory(last_complete_links=links, **previous)  # type: ignore[arg-type]


SHRANK_BEFORE = {"previous_links": 5, "previous_note": "listing shrank: 5 links"}


@pytest.mark.parametrize(
    ("walk", "seen", "complete", "healthy"),
    [
        (Walk(), None, True, True),
        (Walk(stopped=KNOWN_STREAK), None, False, True),  # a shallow night decides nothing
        (Walk(stopped=MAX_PAGES), None, False, True),
        (Walk(stopped=WALK_FAILED), None, False, False),
        (Walk(stopped=None), None, False, False),
        (Walk(problems=["list page http-500: x"]), None, False, False),
        (Walk(link_count=0, page_counts=[0]), None, False, False),
        (Walk(declared_pages=4), None, False, False),
        (Walk(declared_records=26), None, False, False),
        (Walk(declared_pages=3, declared_records=25), None, True, True),
        (Walk(page_counts=[10, 2, 5]), None, False, False),  # a short page before the last
        (Walk(link_count=5, page_counts=[5], pages=1), history(25), False, False),  # shrank
        (Walk(link_count=23), history(25), True, True),  # lost two: not a shrink
        (Walk(link_count=20), history(25), True, True),  # within the allowed drop
        # A shrink found again, a day after the first walk that found it, is real.
        (Walk(link_count=5, page_counts=[5], pages=1),
         history(25, previous_at=DAY_BEFORE, **SHRANK_BEFORE), True, True),
        # …but not hours after it.
        (Walk(link_count=5, page_counts=[5], pages=1),
         history(25, previous_at=HOURS_BEFORE, **SHRANK_BEFORE), False, False),
        # Links swapped, not documents removed: session ids, a redesign.
        (Walk(new=25), history(25), False, False),
        (Walk(new=3), history(22), True, True),
        (Walk(new=15), history(10), True, True),  # many new, the old ones kept
    ],
)  # fmt: skip
def test_verdict(walk: Walk, seen: ColumnHistory | None, complete: bool, healthy: bool) -> None:
    judged = verdict(walk, seen, now=NOW, confirm_after=DAY)
    assert (judged.complete, judged.healthy) == (complete, healthy)


def test_an_unbelieved_walk_says_why() -> None:
    assert verdict(Walk(declared_pages=4), None, now=NOW).note == (
        "walked 3 list pages, the pager declares 4"
    )


# --- a site's night ------------------------------------------------------------------------
MISSING_URLS = [f"{SITE}/t{n}.html" for n in range(6)]


def test_a_night_whose_listing_did_not_answer_records_no_missing_answer() -> None:
    night = night_of_missing(MISSING_URLS, listing_answered=False, listed=frozenset(), answered=0)
    assert night.record is False


def test_a_night_whose_listing_did_not_answer_says_so() -> None:
    night = night_of_missing(MISSING_URLS, listing_answered=False, listed=frozenset(), answered=0)
    assert night.notes == ["6 missing answers not counted: the listing did not answer"]


@pytest.mark.parametrize(
    ("listed", "answered", "uncounted"),
    [
        (0, 0, 0),  # the listing dropped them too: all count
        (6, 100, 0),  # a few failures on a good night count
        (5, 4, 5),  # most of the night's answers missing while listed: none counts
        (4, 0, 0),  # under MASS_MISSING_MIN: counts
        (6, 6, 0),  # exactly half: counts
        (6, 5, 6),
    ],
)
def test_a_night_where_listed_documents_fail_en_masse_counts_none(
    listed: int, answered: int, uncounted: int
) -> None:
    night = night_of_missing(
        MISSING_URLS, listing_answered=True, listed=frozenset(MISSING_URLS[:listed]),
        answered=answered,
    )  # fmt: skip
    assert (night.record, len(night.uncounted)) == (True, uncounted)


def test_a_night_without_missing_answers_notes_nothing() -> None:
    night = night_of_missing([], listing_answered=False, listed=frozenset(), answered=0)
    assert night.notes == []


@pytest.mark.parametrize(
    ("moves", "shared"),
    [
        ([], set()),
        ([("new/a", "old/a")], set()),
        ([("new/a", "old/a"), ("new/b", "old/b")], set()),
        ([("notice", "old/a"), ("notice", "old/b")], {"notice"}),
        ([("notice", "old/a"), ("notice", "old/a")], set()),  # one document asked twice
        ([("notice", "old/a"), ("notice", "old/b"), ("new/c", "old/c")], {"notice"}),
    ],
)
def test_shared_landings(moves: list[tuple[str, str]], shared: set[str]) -> None:
    assert shared_landings(moves) == shared


# --- a document's absence ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("facts", "counts", "expected"),
    [
        # The first answer of an absence opens it.
        ((False, None, 0), True, AbsenceStep(STILL_MISSING, NOW, 1, opens=True)),
        # A second answer hours later does not confirm it…
        ((False, HOURS_BEFORE, 1), True, AbsenceStep(STILL_MISSING, HOURS_BEFORE, 2)),
        # …a second a day later does.
        ((False, DAY_BEFORE, 1), True, AbsenceStep(CONFIRMED_GONE, DAY_BEFORE, 2)),
        # An uncounted answer opens the absence but never brings it closer to gone.
        ((False, None, 0), False, AbsenceStep(STILL_MISSING, NOW, 0, opens=True)),
        ((False, DAY_BEFORE, 1), False, AbsenceStep(STILL_MISSING, DAY_BEFORE, 1)),
        # One answer a day ago that did not count is not two answers.
        ((False, DAY_BEFORE, 0), True, AbsenceStep(STILL_MISSING, DAY_BEFORE, 1)),
        ((True, DAY_BEFORE, 2), True, AbsenceStep(ALREADY_GONE, DAY_BEFORE, 3)),
    ],
)
def test_absence_step(
    facts: tuple[bool, str | None, int], counts: bool, expected: AbsenceStep
) -> None:
    gone, since, count = facts
    step = absence_step(
        gone=gone, missing_since=since, missing_count=count, counts=counts, now=NOW,
        gone_after=DAY,
    )  # fmt: skip
    assert step == expected


@pytest.mark.parametrize(
    ("gone", "missing", "event"),
    [(True, True, RESTORED), (False, True, RECOVERED), (False, False, None)],
)
def test_answer_event(gone: bool, missing: bool, event: str | None) -> None:
    assert answer_event(gone=gone, missing=missing) == event
