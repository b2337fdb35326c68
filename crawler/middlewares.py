"""Downloader middlewares: what the stock ones do not cover.

``RetryAfterMiddleware``: a 429/503 answer with ``Retry-After`` slows that host down for
as long as it asks (bounded by ``GOVARCHIVE_MAX_RETRY_AFTER``), before RetryMiddleware
tries again.

``BoundedCookiesMiddleware``: Scrapy's cookie handling, with the jar emptied when a server
fills it past ``GOVARCHIVE_MAX_COOKIES`` cookies or ``GOVARCHIVE_MAX_COOKIE_BYTES`` bytes
(thousands of cookies would make every later request too large to be answered: 431).

Decompression (``StrictHttpCompressionMiddleware``) is in ``crawler.compression``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.http import Request, Response

logger = logging.getLogger(__name__)
# The stats key counting how often a cookie jar was emptied (the site's health note says so).
COOKIE_JAR_CLEARED = "govarchive/cookie_jar_cleared"


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


class BoundedCookiesMiddleware(CookiesMiddleware):
    """CookiesMiddleware whose jar is emptied when a response fills it past the limits."""

    max_cookies = 100
    max_bytes = 16 * 1024

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BoundedCookiesMiddleware:
        middleware = super().from_crawler(crawler)
        middleware.max_cookies = crawler.settings.getint("GOVARCHIVE_MAX_COOKIES", cls.max_cookies)
        middleware.max_bytes = crawler.settings.getint("GOVARCHIVE_MAX_COOKIE_BYTES", cls.max_bytes)
        return middleware

    def process_response(self, request: Request, response: Response) -> Response:
        response = super().process_response(request, response)
        jar = self.jars[request.meta.get("cookiejar")]
        count = len(jar)
        if count <= self.max_cookies:
            size = sum(len(c.name) + len(c.value or "") for c in jar)
            if size <= self.max_bytes:
                return response
        jar.clear()
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(COOKIE_JAR_CLEARED)
        logger.warning(
            "cookie jar emptied after %s: over %d cookies or %d bytes",
            response.url,
            self.max_cookies,
            self.max_bytes,
        )
        return response
