"""Downloader middlewares: what the stock ones do not cover.

``RetryAfterMiddleware``: a 429/503 answer with ``Retry-After`` slows that host down for
as long as it asks (bounded by ``GOVARCHIVE_MAX_RETRY_AFTER``), before RetryMiddleware
tries again.

``BoundedCookiesMiddleware``: Scrapy's cookie handling, with the jar emptied when a server
fills it past ``GOVARCHIVE_MAX_COOKIES`` cookies or ``GOVARCHIVE_MAX_COOKIE_BYTES`` bytes
(thousands of cookies would make every later request too large to be answered: 431).

``StrictHttpCompressionMiddleware``: Scrapy's decompression, except that a body which does
not decode fails as ``bad-encoding`` and a compressed stream that stops before its end fails
as ``truncated`` (Scrapy keeps whatever part of a gzip body decoded, silently).
"""

from __future__ import annotations

import logging
import zlib
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.http import Request, Response
from scrapy.utils._compression import _check_max_size, _DecompressionMaxSizeExceeded

_CHUNK = 65536
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


class ContentEncodingError(Exception):
    """A compressed body that cannot be read: ``reason`` is ``bad-encoding`` or ``truncated``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def inflate_strictly(body: bytes, encoding: bytes, max_size: int) -> bytes:
    """Decode a gzip or deflate body whole: every gzip member to its end, or an error.

    ``max_size`` bounds the decoded size as Scrapy's own decoder does (0: no bound).
    """
    if not body:
        return body
    gzip = encoding in (b"gzip", b"x-gzip")
    out = bytearray()
    data = body
    while data:
        decoder = zlib.decompressobj(wbits=31 if gzip else 15)
        try:
            chunk = decoder.decompress(data, _CHUNK)
        except zlib.error as error:
            if gzip:
                raise ContentEncodingError(
                    "bad-encoding", f"{encoding.decode()}: {error}"
                ) from error
            # Servers that send raw deflate (no zlib header) under "deflate".
            decoder = zlib.decompressobj(wbits=-15)
            try:
                chunk = decoder.decompress(data, _CHUNK)
            except zlib.error as raw_error:
                raise ContentEncodingError("bad-encoding", f"deflate: {raw_error}") from raw_error
        while True:
            out += chunk
            _check_max_size(len(out), max_size)
            if decoder.eof or not decoder.unconsumed_tail:
                break
            try:
                chunk = decoder.decompress(decoder.unconsumed_tail, _CHUNK)
            except zlib.error as error:
                raise ContentEncodingError(
                    "bad-encoding", f"{encoding.decode()}: {error}"
                ) from error
        if not decoder.eof:
            raise ContentEncodingError(
                "truncated", f"{encoding.decode()} stream ends early ({len(body)} bytes received)"
            )
        # Another gzip member may follow (concatenated gzip is valid); trailing junk is not.
        data = decoder.unused_data if gzip and decoder.unused_data[:2] == b"\x1f\x8b" else b""
    return bytes(out)


class StrictHttpCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's HttpCompressionMiddleware with decoding failures named, not swallowed."""

    @staticmethod
    def _decode(body: bytes, encoding: bytes, max_size: int) -> bytes:
        if encoding in (b"gzip", b"x-gzip", b"deflate"):
            return inflate_strictly(body, encoding, max_size)
        try:
            return HttpCompressionMiddleware._decode(body, encoding, max_size)
        except _DecompressionMaxSizeExceeded:
            raise
        except Exception as error:  # brotli and zstd raise their own error types
            raise ContentEncodingError(
                "bad-encoding", f"{encoding.decode()}: {type(error).__name__}"
            ) from error


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
