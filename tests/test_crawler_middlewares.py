"""crawler.middlewares: Retry-After holds the host's requests back, within a bound."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request

from crawler.middlewares import RetryAfterMiddleware, retry_after_seconds


def test_retry_after_seconds() -> None:
    assert retry_after_seconds(b"120") == 120.0


def test_retry_after_http_date() -> None:
    now = datetime(2025, 6, 1, 8, 0, 0, tzinfo=timezone.utc)
    assert retry_after_seconds(b"Sun, 01 Jun 2025 08:00:30 GMT", now=now) == 30.0


def test_retry_after_garbage() -> None:
    assert retry_after_seconds(b"soon") is None


class Clock:
    """The middleware's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def respond(mw: RetryAfterMiddleware, status: int, retry_after: str, host: str = "h") -> None:
    url = f"http://{host}.example/x"
    request = Request(url)
    response = HtmlResponse(
        url, status=status, headers={"Retry-After": retry_after}, request=request
    )
    mw.process_response(request, response)


def sent_at_once(mw: RetryAfterMiddleware, host: str = "h") -> bool:
    """Whether a request to ``host`` goes out without waiting: its ``process_request`` is
    done after one turn of the event loop."""

    async def one_turn() -> bool:
        task = asyncio.create_task(mw.process_request(Request(f"http://{host}.example/y")))
        await asyncio.sleep(0)
        done = task.done()
        task.cancel()
        return done

    return asyncio.run(one_turn())


def test_a_503_with_retry_after_holds_the_hosts_next_request() -> None:
    mw = RetryAfterMiddleware(120, clock=Clock())
    respond(mw, 503, "30")
    assert not sent_at_once(mw)


def test_the_host_is_asked_again_once_its_time_has_passed() -> None:
    clock = Clock()
    mw = RetryAfterMiddleware(120, clock=clock)
    respond(mw, 429, "30")
    clock.now += 30.5
    assert sent_at_once(mw)


def test_another_host_is_not_held_up() -> None:
    mw = RetryAfterMiddleware(120, clock=Clock())
    respond(mw, 503, "30")
    assert sent_at_once(mw, host="other")


def test_retry_after_is_capped() -> None:
    clock = Clock()
    mw = RetryAfterMiddleware(10, clock=clock)
    respond(mw, 429, "3600")
    clock.now += 10.5
    assert sent_at_once(mw)


def test_other_statuses_hold_nothing() -> None:
    mw = RetryAfterMiddleware(120, clock=Clock())
    respond(mw, 500, "30")
    assert sent_at_once(mw)


def test_a_held_request_is_dropped_once_the_crawl_stops() -> None:
    running = [True]
    mw = RetryAfterMiddleware(120, clock=Clock(), running=lambda: running[0], check_every=0.01)
    respond(mw, 503, "60")

    async def held_then_stopped() -> BaseException | None:
        task = asyncio.create_task(mw.process_request(Request("http://h.example/y")))
        await asyncio.sleep(0)
        running[0] = False
        try:
            await asyncio.wait_for(task, 30)
        except BaseException as error:  # noqa: BLE001 - the error is the fact under test
            return error
        return None

    assert isinstance(asyncio.run(held_then_stopped()), IgnoreRequest)


# A real Scrapy crawl with the project's settings: /page answers 503 with Retry-After: 1
# once, then 200; the server notes when each request arrived.
RETRY_AFTER_CRAWL = """
import json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import scrapy
from scrapy.crawler import CrawlerProcess
from crawler.runner import project_settings

arrivals = []

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        arrivals.append(time.monotonic())
        status = 503 if len(arrivals) == 1 else 200
        self.send_response(status)
        if status == 503:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html><body>ok</body></html>")

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
statuses = []

class One(scrapy.Spider):
    name = "one"
    custom_settings = {"ROBOTSTXT_OBEY": False, "DOWNLOAD_DELAY": 0, "LOG_LEVEL": "ERROR",
                       "ITEM_PIPELINES": {}, "EXTENSIONS": {}}

    async def start(self):
        yield scrapy.Request(f"http://127.0.0.1:{server.server_port}/page")

    def parse(self, response):
        statuses.append(response.status)

process = CrawlerProcess(project_settings({"GOVARCHIVE_MAX_RETRY_AFTER": 5}))
process.crawl(One)
process.start()
print(json.dumps({"statuses": statuses, "gap": arrivals[1] - arrivals[0]}))
"""


def test_a_real_crawl_waits_as_long_as_the_server_asks(tmp_path) -> None:
    import json
    import subprocess
    import sys

    from conftest import ROOT

    done = subprocess.run(
        [sys.executable, "-c", RETRY_AFTER_CRAWL], cwd=ROOT, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert (seen["statuses"], seen["gap"] >= 1.0) == ([200], True)


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


# The same, stopped (as SIGTERM stops it) once the server has answered 503 Retry-After: 60.
STOPPED_CRAWL = """
import json, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import scrapy
from scrapy.crawler import CrawlerProcess
from crawler.runner import project_settings

answered = threading.Event()

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(503)
        self.send_header("Retry-After", "60")
        self.send_header("Content-Length", "0")
        self.end_headers()
        answered.set()

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()

class One(scrapy.Spider):
    name = "one"
    custom_settings = {"ROBOTSTXT_OBEY": False, "DOWNLOAD_DELAY": 0, "LOG_LEVEL": "CRITICAL",
                       "ITEM_PIPELINES": {}, "EXTENSIONS": {}}

    async def start(self):
        yield scrapy.Request(f"http://127.0.0.1:{server.server_port}/page")

    def parse(self, response):
        pass

process = CrawlerProcess(project_settings({"GOVARCHIVE_MAX_RETRY_AFTER": 120}))
process.crawl(One)
def stop_once_answered():
    from twisted.internet import reactor  # Scrapy's asyncio reactor, installed by now

    answered.wait(60)
    stopped.append(time.monotonic())
    reactor.callFromThread(process.stop)
stopped = []
threading.Thread(target=stop_once_answered, daemon=True).start()
process.start()
print(json.dumps({"after_stop": time.monotonic() - stopped[0]}))
"""


def test_a_stopped_crawl_does_not_wait_out_a_retry_after() -> None:
    import json
    import subprocess
    import sys

    from conftest import ROOT

    done = subprocess.run(
        [sys.executable, "-c", STOPPED_CRAWL], cwd=ROOT, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    after_stop = json.loads(done.stdout.strip().splitlines()[-1])["after_stop"]
    assert after_stop < 30  # the server asked for 60 s
