"""When a known document is fetched again: its revisit spread over the revisit window.

A site crawled once has every document fetched on the same night; revisiting each one a
fixed ``revisit_days`` later would fetch the whole site again on one night a week (95% of
the first crawl's requests, hours past a polite crawl's time). Instead each document has
its own day in the window, from a hash of its URL: it is due on that day once at least a
day has passed since it was last fetched, and always once the whole window has passed. A
night then fetches about 1/``revisit_days`` of the site, and no document waits longer than
the window.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8))
# A document fetched less than this long ago is never due on its day (a crawl that runs
# late one night and early the next must not fetch it twice in a row).
MIN_GAP = timedelta(hours=20)


def revisit_day(url: str, window_days: int) -> int:
    """The document's day in a window of ``window_days`` (0 … window_days - 1)."""
    digest = hashlib.sha1(url.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % window_days


def china_day(moment: datetime) -> int:
    """The day number of ``moment`` in China time (days since 0001-01-01)."""
    return moment.astimezone(CHINA).date().toordinal()


def revisit_due(url: str, last_fetched: datetime, now: datetime, revisit_days: float) -> bool:
    """Whether a known document is due for a (conditional) fetch at ``now``."""
    elapsed = now - last_fetched
    if elapsed >= timedelta(days=revisit_days):
        return True
    window = math.ceil(revisit_days)
    if window < 2 or elapsed < MIN_GAP:
        return False
    return china_day(now) % window == revisit_day(url, window)
