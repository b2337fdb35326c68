"""crawler.middlewares: Retry-After slows the host down, within a bound."""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

from scrapy.http import HtmlResponse, Request

from crawler.middlewares import RetryAfterMiddleware, retry_after_seconds


def test_retry_after_seconds() -> None:
    assert retry_after_seconds(b"120") == 120.0


def test_retry_after_http_date() -> None:
    now = datetime(2025, 6, 1, 8, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds(b"Sun, 01 Jun 2025 08:00:30 GMT", now=now) == 30.0


def test_retry_after_garbage() -> None:
    assert retry_after_seconds(b"soon") is None


def middleware(max_delay: float) -> tuple[RetryAfterMiddleware, SimpleNamespace]:
    slot = SimpleNamespace(delay=0.5)
    crawler = SimpleNamespace(engine=SimpleNamespace(downloader=SimpleNamespace(slots={"h": slot})))
    return RetryAfterMiddleware(crawler, max_delay), slot  # type: ignore[arg-type]


def respond(mw: RetryAfterMiddleware, status: int, retry_after: str) -> None:
    request = Request("http://h/x", meta={"download_slot": "h"})
    response = HtmlResponse(
        "http://h/x", status=status, headers={"Retry-After": retry_after}, request=request
    )
    mw.process_response(request, response)


def test_503_retry_after_raises_the_host_delay() -> None:
    mw, slot = middleware(120)
    respond(mw, 503, "30")
    assert slot.delay == 30


def test_retry_after_is_capped() -> None:
    mw, slot = middleware(10)
    respond(mw, 429, "3600")
    assert slot.delay == 10


def test_other_statuses_leave_the_delay() -> None:
    mw, slot = middleware(120)
    respond(mw, 500, "30")
    assert slot.delay == 0.5
