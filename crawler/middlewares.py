"""Downloader middlewares: politeness the stock ones do not cover.

``RetryAfterMiddleware``: a 429/503 answer with ``Retry-After`` slows that host down for
as long as it asks (bounded by ``GOVARCHIVE_MAX_RETRY_AFTER``), before RetryMiddleware
tries again.
"""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy.crawler import Crawler
from scrapy.http import Request, Response


def retry_after_seconds(value: bytes | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class RetryAfterMiddleware:
    """Honour Retry-After on 429/503 by raising the host's download delay."""

    def __init__(self, crawler: Crawler, max_delay: float) -> None:
        self.crawler = crawler
        self.max_delay = max_delay

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler, crawler.settings.getfloat("GOVARCHIVE_MAX_RETRY_AFTER", 120))

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in (429, 503):
            return response
        seconds = retry_after_seconds(response.headers.get(b"Retry-After"))
        if seconds is None:
            return response
        engine = self.crawler.engine
        downloader = getattr(engine, "downloader", None)
        slot_key = request.meta.get("download_slot")
        slots = getattr(downloader, "slots", {})
        if slot_key in slots:
            slot = slots[slot_key]
            slot.delay = max(slot.delay, min(seconds, self.max_delay))
        return response
