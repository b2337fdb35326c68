"""A crawl's progress on the terminal: one line per site, updated as items are archived.

A Scrapy extension, on only when ``GOVARCHIVE_PROGRESS`` is true (``govarchive crawl``
sets it when standard error is a terminal): quiet in logs, cron jobs and pipes. The
pipeline says what each item became through the ``archived`` signal.
"""

from __future__ import annotations

import sys
import time
from collections import Counter, defaultdict
from typing import Any, TextIO

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

# Sent by the pipeline: ``site`` and what happened (``outcome``: new, changed, unchanged,
# error, page…).
archived = object()
# Redraw at most this often (seconds).
REFRESH_SECONDS = 0.5
SHOWN = ("pages", "new", "changed", "unchanged", "missing", "errors")


class CrawlProgress:
    """Per-site counters, redrawn in place on a terminal."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.drawn = 0
        self.last = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        if not crawler.settings.getbool("GOVARCHIVE_PROGRESS"):
            raise NotConfigured
        progress = cls(sys.stderr)
        crawler.signals.connect(progress.on_archived, signal=archived)
        crawler.signals.connect(progress.on_closed, signal=signals.spider_closed)
        return progress

    def on_archived(self, site: str, outcome: str) -> None:
        self.counts[site][outcome] += 1
        now = time.monotonic()
        if now - self.last >= REFRESH_SECONDS:
            self.draw()
            self.last = now

    def on_closed(self, spider: Any, reason: str) -> None:
        self.draw()

    def lines(self) -> list[str]:
        return [
            f"{site:22} " + "  ".join(f"{counts[name]} {name}" for name in SHOWN)
            for site, counts in sorted(self.counts.items())
        ]

    def draw(self) -> None:
        lines = self.lines()
        if self.drawn:
            self.out.write(f"\x1b[{self.drawn}F")  # back to the first line drawn
        for line in lines:
            self.out.write(f"\x1b[2K{line}\n")
        self.out.flush()
        self.drawn = len(lines)
