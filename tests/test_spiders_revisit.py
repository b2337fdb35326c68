"""spiders.revisit: a site's revisits spread over the window, none later than the window."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

from spiders.revisit import revisit_due

CHINA = timezone(timedelta(hours=8))
FIRST_CRAWL = datetime(2025, 6, 1, 2, 0, tzinfo=CHINA)
URLS = [f"http://www.example.gov.cn/zwgk/202501/t20250101_{n}.html" for n in range(1400)]


def nightly_revisits(nights: int, window: float) -> tuple[Counter[int], dict[str, list[int]]]:
    """Crawl every night at 02:00 for ``nights`` nights after a first crawl of every URL;
    how many documents each night fetched, and on which nights each document was fetched."""
    last = dict.fromkeys(URLS, FIRST_CRAWL)
    per_night: Counter[int] = Counter()
    fetched_on: dict[str, list[int]] = {url: [] for url in URLS}
    for night in range(1, nights + 1):
        now = FIRST_CRAWL + timedelta(days=night)
        for url in URLS:
            if revisit_due(url, last[url], now, window):
                last[url] = now
                per_night[night] += 1
                fetched_on[url].append(night)
    return per_night, fetched_on


def test_a_night_fetches_about_a_seventh_of_the_site() -> None:
    per_night, _ = nightly_revisits(28, 7)
    assert max(per_night.values()) <= len(URLS) / 7 * 1.3


def test_every_night_of_a_weekly_window_has_work() -> None:
    per_night, _ = nightly_revisits(28, 7)
    assert min(per_night[n] for n in range(1, 29)) >= len(URLS) / 7 * 0.7


def test_no_document_waits_longer_than_the_window() -> None:
    _, fetched_on = nightly_revisits(28, 7)
    gaps = [
        b - a for nights in fetched_on.values() for a, b in zip([0, *nights], nights, strict=False)
    ]
    assert max(gaps) <= 7


def test_each_document_is_fetched_once_a_window() -> None:
    _, fetched_on = nightly_revisits(28, 7)
    assert {len(nights) for nights in fetched_on.values()} == {4}


def test_a_daily_window_fetches_everything_every_night() -> None:
    per_night, _ = nightly_revisits(3, 1)
    assert set(per_night.values()) == {len(URLS)}


def test_a_document_fetched_hours_ago_is_not_due_on_its_day() -> None:
    url = URLS[0]
    now = FIRST_CRAWL + timedelta(days=3)
    assert revisit_due(url, now - timedelta(hours=6), now, 7) is False
