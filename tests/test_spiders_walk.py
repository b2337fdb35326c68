"""spiders.walk: paging and stopping a listing walk, without Scrapy, and the verdict
(``archive.evidence.verdict``) on walks it really walked."""

from __future__ import annotations

from datetime import timedelta

from archive.evidence import verdict
from archive.walks import ColumnHistory
from parsers.listing import MAX_ITEMS, ListItem, ListPage
from spiders.walk import (
    EMPTY_PAGES_TO_STOP,
    EMPTY_STREAK,
    END,
    KNOWN_STREAK,
    MAX_PAGES,
    ColumnWalk,
    add_pages,
    full_walk_due,
    next_page,
    record_failure,
    record_page,
)

COLUMN = "http://x.example.gov.cn/col/index.html"
PAGES = [
    COLUMN,
    "http://x.example.gov.cn/col/index_1.html",
    "http://x.example.gov.cn/col/index_2.html",
]
NOW = "2025-04-08T02:00:00+08:00"


def links(page: int, count: int = 10) -> list[str]:
    return [f"http://x.example.gov.cn/col/t2025_{page}_{n}.html" for n in range(count)]


def walk_all(full: bool, counts=(10, 10, 5), new=(0, 0, 0), declared=3) -> ColumnWalk:
    walk = ColumnWalk(COLUMN, full=full)
    url = COLUMN
    for index, count in enumerate(counts):
        page_links = links(index, count)
        record_page(walk, url, ListPage(total_pages=declared), page_links, page_links[: new[index]])
        add_pages(walk, PAGES[:declared])
        url = next_page(walk, max_pages=None)
        if url is None:
            break
    return walk


def test_full_walk_reaches_the_end() -> None:
    assert walk_all(full=True).stopped == END


def test_shallow_walk_stops_after_two_known_pages() -> None:
    assert walk_all(full=False).stopped == KNOWN_STREAK


def test_shallow_walk_goes_on_while_pages_have_new_links() -> None:
    assert walk_all(full=False, new=(3, 0, 0)).stopped == END


def test_max_pages_stops() -> None:
    walk = ColumnWalk(COLUMN, full=True)
    record_page(walk, COLUMN, ListPage(), links(0), [])
    add_pages(walk, PAGES)
    assert (next_page(walk, max_pages=1), walk.stopped) == (None, MAX_PAGES)


def test_pages_queued_once() -> None:
    walk = ColumnWalk(COLUMN, full=True)
    add_pages(walk, PAGES)
    add_pages(walk, PAGES)
    assert walk.queue == PAGES[1:]


def test_complete_walk_believed() -> None:
    assert verdict(walk_all(full=True), None, now=NOW).complete


def test_shallow_walk_decides_nothing_but_is_healthy() -> None:
    judged = verdict(walk_all(full=False), None, now=NOW)
    assert (judged.complete, judged.healthy) == (False, True)


def test_empty_page_is_unhealthy() -> None:
    judged = verdict(walk_all(full=True, counts=(0, 10, 5)), None, now=NOW)
    assert (judged.complete, judged.healthy) == (False, False)


def test_short_middle_page_not_believed() -> None:
    assert not verdict(walk_all(full=True, counts=(10, 2, 5)), None, now=NOW).complete


def test_pager_total_disagreeing_not_believed() -> None:
    walk = walk_all(full=True, counts=(10, 10), declared=2)
    walk.declared_pages = 3
    assert not verdict(walk, None, now=NOW).complete


def test_declared_records_missing_not_believed() -> None:
    walk = walk_all(full=True)
    walk.declared_records = 40
    assert not verdict(walk, None, now=NOW).complete


def test_link_cap_not_believed() -> None:
    walk = ColumnWalk(COLUMN, full=True)
    items = [ListItem(url=u, title="t") for u in links(0, MAX_ITEMS)]
    record_page(walk, COLUMN, ListPage(items=items), links(0, MAX_ITEMS), [])
    next_page(walk, max_pages=None)
    assert not verdict(walk, None, now=NOW).complete


def test_failed_page_not_believed() -> None:
    walk = ColumnWalk(COLUMN, full=True)
    record_page(walk, COLUMN, ListPage(), links(0), [])
    record_failure(walk, PAGES[1], "http-500")
    assert verdict(walk, None, now=NOW).note == f"list page http-500: {PAGES[1]}"


def test_sharp_shrink_not_believed() -> None:
    history = ColumnHistory(last_complete_links=25)
    assert not verdict(walk_all(full=True, counts=(3,), declared=1), history, now=NOW).complete


def test_small_loss_believed() -> None:
    history = ColumnHistory(last_complete_links=26)
    assert verdict(walk_all(full=True), history, now=NOW).complete


def test_shrink_confirmed_by_an_earlier_walk_a_day_before() -> None:
    history = ColumnHistory(
        last_complete_links=25,
        previous_links=3,
        previous_at="2025-04-07T02:00:00+08:00",
        previous_note="listing shrank: 3 links, last complete walk 25",
    )
    walk = walk_all(full=True, counts=(3,), declared=1)
    assert verdict(walk, history, now=NOW, confirm_after=timedelta(hours=24)).complete


def test_shrink_seen_twice_within_hours_not_confirmed() -> None:
    history = ColumnHistory(
        last_complete_links=25,
        previous_links=3,
        previous_at="2025-04-08T00:00:00+08:00",
        previous_note="listing shrank: 3 links, last complete walk 25",
    )
    walk = walk_all(full=True, counts=(3,), declared=1)
    assert not verdict(walk, history, now=NOW, confirm_after=timedelta(hours=24)).complete


def test_full_walk_due_without_history() -> None:
    assert full_walk_due([COLUMN], {}, NOW, timedelta(days=7))


def test_full_walk_not_due_within_the_window() -> None:
    history = {COLUMN: ColumnHistory(last_complete_at="2025-04-05T02:00:00+08:00")}
    assert not full_walk_due([COLUMN], history, NOW, timedelta(days=7))


def test_full_walk_due_after_the_window() -> None:
    history = {COLUMN: ColumnHistory(last_complete_at="2025-04-01T02:00:00+08:00")}
    assert full_walk_due([COLUMN], history, NOW, timedelta(days=7))


def endless_empty_chain(pages: int) -> ColumnWalk:
    """A full walk of a column whose pages each name a next page and no document."""
    walk = ColumnWalk(COLUMN, full=True)
    record_page(walk, COLUMN, ListPage(), links(0), links(0)[:1])
    url = COLUMN
    for n in range(1, pages):
        add_pages(walk, [f"http://x.example.gov.cn/col/index_{n}.html"])
        url = next_page(walk, max_pages=None)
        if url is None:
            break
        record_page(walk, url, ListPage(), [], [])
    return walk


def test_an_endless_chain_of_empty_list_pages_stops_after_three() -> None:
    walk = endless_empty_chain(5000)
    assert (walk.pages, walk.stopped) == (1 + EMPTY_PAGES_TO_STOP, EMPTY_STREAK)


def test_a_walk_stopped_by_empty_pages_decides_nothing() -> None:
    judged = verdict(endless_empty_chain(5000), None, now=NOW)
    assert (judged.complete, judged.healthy) == (False, False)


def test_the_note_says_why_the_walk_stopped() -> None:
    note = verdict(endless_empty_chain(5000), None, now=NOW).note
    assert note.startswith("stopped after 3 list pages in a row without document links")


def test_an_empty_page_between_full_ones_does_not_stop_the_walk() -> None:
    walk = ColumnWalk(COLUMN, full=True)
    for index, count in enumerate((10, 0, 10)):
        record_page(walk, PAGES[index], ListPage(), links(index, count), links(index, count))
    assert walk.empty_streak == 0


def test_a_note_of_many_problems_stays_short() -> None:
    walk = ColumnWalk(COLUMN, full=True)
    for n in range(5000):
        record_failure(walk, f"http://x.example.gov.cn/col/index_{n}.html", "http-503")
    note = verdict(walk, None, now=NOW).note
    assert (len(note) < 600, note.endswith("and 4995 more (5000 in all)")) == (True, True)


# --- links that churn: session ids in the links, not removals ---------------------------
def test_a_walk_whose_links_all_changed_decides_nothing() -> None:
    walk = walk_all(full=True, new=(10, 10, 5))
    assert verdict(walk, ColumnHistory(last_complete_links=25), now=NOW).complete is False


def test_a_walk_whose_links_all_changed_is_unhealthy() -> None:
    walk = walk_all(full=True, new=(10, 10, 5))
    assert verdict(walk, ColumnHistory(last_complete_links=25), now=NOW).healthy is False


def test_the_churn_note_counts_what_vanished_and_appeared() -> None:
    walk = walk_all(full=True, new=(10, 10, 5))
    note = verdict(walk, ColumnHistory(last_complete_links=25), now=NOW).note
    assert note.startswith(
        "links churned: 25 of the last complete walk's 25 links vanished and 25 new"
    )


def test_a_walk_with_a_few_new_links_is_believed() -> None:
    walk = walk_all(full=True, new=(3, 0, 0))
    assert verdict(walk, ColumnHistory(last_complete_links=22), now=NOW).complete is True


def test_a_walk_with_many_new_links_and_the_old_ones_kept_is_believed() -> None:
    # 15 new documents published beside the 10 still listed: growth, not churn.
    walk = walk_all(full=True, new=(10, 5, 0))
    assert verdict(walk, ColumnHistory(last_complete_links=10), now=NOW).complete is True
