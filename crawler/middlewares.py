"""Downloader middlewares: what the stock ones do not cover.

``RetryAfterMiddleware``: after a 429/503 answer with ``Retry-After``, no request goes to
that host until the time it asks for has passed (bounded by ``GOVARCHIVE_MAX_RETRY_AFTER``);
then RetryMiddleware's retry goes out.

``BoundedCookiesMiddleware``: Scrapy's cookie handling, with the jar emptied when a server
fills it past ``GOVARCHIVE_MAX_COOKIES`` cookies or ``GOVARCHIVE_MAX_COOKIE_BYTES`` bytes
(thousands of cookies would make every later request too large to be answered: 431).

Decompression (``StrictHttpCompressionMiddleware``) is in ``crawler.compression``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

logger = logging.getLogger(__name__)
# How often a request held for Retry-After looks whether the crawl was stopped (seconds).
STOP_CHECK_SECONDS = 1.0
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
    """Honour Retry-After on 429/503: no request goes to that host again until the time it
    asked for has passed (at most ``max_delay`` seconds from the answer). Requests to the
    host wait here, in ``process_request``, before Scrapy downloads them, so the retry that
    RetryMiddleware makes waits too; other hosts are not held up. A crawl stopped meanwhile
    (SIGTERM) does not wait out the host's time: what is held is dropped, as a request
    ignored. Only public Scrapy APIs: a coroutine ``process_request``, ``Crawler.crawling``.
    """

    def __init__(
        self,
        max_delay: float,
        clock: Callable[[], float] = time.monotonic,
        running: Callable[[], bool] = lambda: True,
        check_every: float = STOP_CHECK_SECONDS,
    ) -> None:
        self.max_delay = max_delay
        self.clock = clock
        self.running = running
        self.check_every = check_every
        self.not_before: dict[str, float] = {}  # host -> when it may be asked again

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        max_delay = crawler.settings.getfloat("GOVARCHIVE_MAX_RETRY_AFTER", 120)
        return cls(max_delay, running=lambda: crawler.crawling)

    async def process_request(self, request: Request) -> None:
        host = _host(request)
        while (wait := self.not_before.get(host, 0.0) - self.clock()) > 0:
            if not self.running():
                raise IgnoreRequest(f"the crawl stopped while {host} asked to wait (Retry-After)")
            await asyncio.sleep(min(wait, self.check_every))

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status not in (429, 503):
            return response
        seconds = retry_after_seconds(response.headers.get(b"Retry-After"))
        if seconds is None:
            return response
        host = _host(request)
        until = self.clock() + min(seconds, self.max_delay)
        self.not_before[host] = max(self.not_before.get(host, 0.0), until)
        return response


def _host(request: Request) -> str:
    return urlsplit(request.url).hostname or ""


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
