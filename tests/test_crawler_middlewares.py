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
    request = Request("http://archive.example/x", meta={"download_slot": "h"})
    response = HtmlResponse(
        "http://archive.example/x",
        status=status,
        headers={"Retry-After": retry_after},
        request=request,
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


# Asks Scrapy's cookie middleware about a domain, as it does for a site's first cookie.
ASK_PUBLIC_SUFFIX = """
import crawler
from scrapy.downloadermiddlewares.cookies import _is_public_domain
print(_is_public_domain("www.gov.cn"), _is_public_domain("gov.cn"))
"""


def test_the_public_suffix_list_is_never_fetched(tmp_path) -> None:
    """tldextract would fetch publicsuffix.org (through the proxy the environment names);
    with the crawler imported, the proxy sees no request and the shipped list answers."""
    import os
    import subprocess
    import sys
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from conftest import ROOT

    asked: list[str] = []

    class Proxy(BaseHTTPRequestHandler):
        def do_CONNECT(self) -> None:  # noqa: N802 - http.server's name
            asked.append(self.path)
            self.send_error(502)

        do_GET = do_CONNECT  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    proxy = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{proxy.server_address[1]}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("TLDEXTRACT")}
    env.update(HTTP_PROXY=url, HTTPS_PROXY=url, TLDEXTRACT_CACHE=str(tmp_path))
    try:
        done = subprocess.run([sys.executable, "-c", ASK_PUBLIC_SUFFIX], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert (asked, done.stdout.split()) == ([], ["False", "True"]), done.stderr[-2000:]
