"""crawler.render: a site behind a JavaScript challenge, archived through a real Chromium
(``render: browser``), and recorded as a challenge without it.

The replica answers every page with a script that sets a cookie and reloads until the request
carries that cookie (a 瑞数-style challenge, minus the obfuscation)."""

from __future__ import annotations

import random
import re
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import run_cli
from twisted.python.failure import Failure

from benchmarks.scoring import CORPUS
from crawler.render import browser_settings, looks_like_challenge

CHALLENGE = (
    b"<html><head><script>document.cookie='govarchive_ok=1; path=/';"
    b"location.reload();</script></head><body></body></html>"
)
BODY = "为进一步规范行政执法行为，提高依法行政水平，现就有关事项通知如下，请认真贯彻执行。"


def page(path: str) -> bytes | None:
    if path == "/zwgk/index.html":
        links = "".join(
            f"<li><a href='/zwgk/202506/t20250601_{n}.html'>关于规范执法的第{n}号通知</a></li>"
            for n in range(3)
        )
        return f"<html><head><title>通知公告</title></head><body><ul>{links}</ul></body></html>".encode()
    if path.startswith("/zwgk/202506/t20250601_"):
        n = path.rsplit("_", 1)[1].split(".")[0]
        return (
            f"<html><head><title>关于规范执法的第{n}号通知</title></head><body>"
            f"<h1>关于规范执法的第{n}号通知</h1><div id='zoom'><p>{BODY}</p><p>{BODY}</p></div></body></html>"
        ).encode()
    return None


class ChallengeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return

    # A challenge that never lets anyone through (a browser that fails it).
    unsolvable = False

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/robots.txt":
            body, status = b"User-agent: *\nAllow: /\n", 200
        elif self.unsolvable or "govarchive_ok=1" not in (self.headers.get("Cookie") or ""):
            body, status = CHALLENGE, 200
        else:
            found = page(self.path)
            body, status = (found, 200) if found is not None else (b"not found", 404)
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class UnsolvableHandler(ChallengeHandler):
    unsolvable = True


def serve(handler: type) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


SECRET = "INTERNAL-SECRET-4711"


class SecretHandler(BaseHTTPRequestHandler):
    """An internal service on another port of the same machine: it records who asked."""

    asked: list[str] = []

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return

    def do_GET(self) -> None:  # noqa: N802
        SecretHandler.asked.append(self.path)
        body = f"<html><head><title>内部系统</title></head><body><p>{SECRET}</p></body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class LeakyHandler(ChallengeHandler):
    """Documents whose script fetches an internal address and frames it; the last one's
    script also navigates to it."""

    secret_url = ""

    def do_GET(self) -> None:  # noqa: N802
        found = page(self.path)
        if found is not None and "t20250601_" in self.path:
            navigate = (
                f" setTimeout(() => {{ location.href = '{self.secret_url}/navigated'; }}, 50);"
                if self.path.endswith("_2.html")
                else ""
            )
            script = (
                f"<script>fetch('{self.secret_url}/fetched').then(r => r.text()).then(t =>"
                " document.getElementById('zoom').insertAdjacentHTML('beforeend', t));"
                f"{navigate}</script><iframe src='{self.secret_url}/framed'></iframe>"
            )
            found = found.replace(b"</body>", script.encode() + b"</body>")
        body, status = (found, 200) if found is not None else (b"User-agent: *\nAllow: /\n", 200)
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


# The sites of the night: (name, handler, rendered through Chromium).
SITES = [
    ("rendered", ChallengeHandler, True),
    ("plain", ChallengeHandler, False),
    ("never-settles", UnsolvableHandler, True),
    ("leaky", LeakyHandler, True),
]


@pytest.fixture(scope="module")
def night(tmp_path_factory) -> Iterator[str]:
    """The challenged site crawled through Chromium and without it, and a site whose
    challenge never settles, as three sites of one registry crawled in one night."""
    tmp = tmp_path_factory.mktemp("render")
    secret = serve(SecretHandler)
    LeakyHandler.secret_url = f"http://127.0.0.1:{secret.server_address[1]}"
    servers = [serve(handler) for _, handler, _ in SITES]
    try:
        registry = tmp / "sites.yaml"
        registry.write_text(
            "".join(
                f"- {{name: {name}, title: 某县, family: trs, delay: 0,"
                f" start_urls: ['http://127.0.0.1:{server.server_address[1]}/zwgk/index.html']"
                f"{', render: browser' if render else ''}}}\n"
                for (name, _, render), server in zip(SITES, servers, strict=True)
            ),
            encoding="utf-8",
        )
        db = tmp / "archive.db"
        run_cli("crawl", "--sites", str(registry), "--db", str(db),
                "--set", "GOVARCHIVE_RENDER_SETTLE_MS=3000", timeout=300)  # fmt: skip
        yield str(db)
    finally:
        for server in [*servers, secret]:
            server.shutdown()
            server.server_close()


def rows(db: str, sql: str, *params: object) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_a_challenged_site_is_archived_through_chromium(night) -> None:
    assert rows(night, "SELECT count(*) FROM documents WHERE site = 'rendered'") == [(3,)]


def test_documents_read_through_chromium_keep_their_text(night) -> None:
    bodies = [r[0] for r in rows(night, "SELECT body_text FROM documents WHERE site = 'rendered'")]
    assert all(BODY in body for body in bodies)


def test_without_render_the_challenge_is_no_document(night) -> None:
    assert rows(night, "SELECT count(*) FROM documents WHERE site = 'plain'") == [(0,)]


def test_without_render_the_challenge_is_recorded(night) -> None:
    errors = {
        r[0]
        for r in rows(night, "SELECT error FROM fetches WHERE site = 'plain' AND kind = 'list'")
    }
    assert "js-challenge" in errors


def test_a_page_that_never_settles_is_challenge_failed(night) -> None:
    errors = {
        r[0]
        for r in rows(
            night, "SELECT error FROM fetches WHERE site = 'never-settles' AND kind = 'list'"
        )
    }
    assert "challenge-failed" in errors


def test_a_rendered_page_cannot_reach_an_internal_address(night) -> None:
    assert SecretHandler.asked == []


def test_nothing_internal_is_archived(night) -> None:
    bodies = rows(night, "SELECT count(*) FROM documents WHERE body_text LIKE ?", f"%{SECRET}%")
    assert bodies == [(0,)]


def test_pages_whose_script_reached_for_an_internal_address_are_archived(night) -> None:
    assert rows(night, "SELECT count(*) FROM documents WHERE site = 'leaky'") == [(2,)]


def test_a_page_whose_script_navigates_inside_is_a_refused_fetch(night) -> None:
    refused = rows(
        night, "SELECT url FROM fetches WHERE site = 'leaky' AND error = 'navigation-refused'"
    )
    assert [url.rsplit("/", 1)[1] for (url,) in refused] == ["t20250601_2.html"]


def test_no_document_is_archived_under_a_browser_error_url(night) -> None:
    assert rows(night, "SELECT count(*) FROM documents WHERE url NOT LIKE 'http%'") == [(0,)]


def test_a_challenge_page_is_recognised() -> None:
    assert looks_like_challenge(CHALLENGE)


def test_a_document_is_not_a_challenge() -> None:
    assert not looks_like_challenge(page("/zwgk/202506/t20250601_1.html") or b"")


# --- looks_like_challenge against the plain definition it replaced ---------------------
_REFERENCE_SCRIPT = re.compile(r"document\.cookie|location\.(?:reload|replace|href)|\$_ts", re.I)
_REFERENCE_TAGS = re.compile(rb"<script\b.*?</script>|<style\b.*?</style>|<[^>]+>", re.S | re.I)


def reference_challenge(body: bytes) -> bool:
    """A short page with no text of its own whose script sets a cookie or reloads, as first
    written: every tag stripped, then the text counted."""
    if len(body) > 20_000 or not _REFERENCE_SCRIPT.search(body.decode("latin-1")):
        return False
    visible = _REFERENCE_TAGS.sub(b"", body).decode("utf-8", "replace")
    return len("".join(visible.split())) < 40


def challenge_inputs() -> list[bytes]:
    """Pages around every edge of the rule: script words in any case, text of 38-42
    characters (CJK, spaced, GBK bytes), bodies around the 20,000-byte limit, and the
    corpus's real pages with a reload script added to their head."""
    rng = random.Random(20261201)
    scripts = [b"", b"<script>document.cookie='a=1'</script>", b"<SCRIPT>Location.HREF='/'</SCRIPT>",
               b"<script>window.$_ts=1</script>", b"<script>location.replace('/x')</script>",
               b"<style>p{}</style>"]  # fmt: skip
    pieces = ["执法", " ", "\u3000", "a", "<b>", "</b>", "<br/>", "<!-- c -->", "\n"]
    out = []
    for script in scripts:
        for length in (0, 20, 38, 39, 40, 41, 42, 200):
            text = "".join(rng.choice(pieces) for _ in range(length))
            for encoding in ("utf-8", "gbk"):
                body = f"<html><head>{{}}</head><body><p>{text}</p></body></html>".encode(
                    encoding, "ignore"
                )
                out.append(body.replace(b"{}", script))
        out.append(
            b"<html><head>" + script + b"</head><body>" + b"x" * (20_000 - 60) + b"</body></html>"
        )
    for count in (39, 40, 41):  # exactly at the limit, in characters, not bytes
        for text in ("执" * count, " ".join("法" * count), "a" * count):
            out.append(b"<script>location.reload()</script><p>" + text.encode() + b"</p>")
    for path in sorted((CORPUS / "detail").glob("*.html")):
        raw = path.read_bytes()
        out.append(raw)
        out.append(raw.replace(b"<head>", b"<head><script>location.reload()</script>", 1)[:20_000])
    return out


def test_looks_like_challenge_says_what_the_plain_definition_says() -> None:
    inputs = challenge_inputs()
    assert [looks_like_challenge(b) for b in inputs] == [reference_challenge(b) for b in inputs]


def test_the_challenge_inputs_include_challenges() -> None:
    assert sum(reference_challenge(b) for b in challenge_inputs()) >= 10


def test_the_settle_time_bounds_a_pages_navigation_too() -> None:
    from crawler.render import browser_settings

    assert browser_settings(3000)["PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT"] == 3000


# --- the bound on a rendered download ---------------------------------------------------
def test_browser_crawls_use_the_bounded_handler() -> None:
    assert browser_settings()["DOWNLOAD_HANDLERS"]["http"].endswith("BoundedPlaywrightHandler")


def test_a_rendered_download_that_never_ends_is_a_challenge_failed() -> None:
    # scrapy-playwright's own download made to hang (a page reloading forever while its
    # content is read): the bound ends it as Playwright's timeout, which the spider records.
    import asyncio

    from scrapy.http import Request
    from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

    from crawler.render_handler import BoundedPlaywrightHandler, render_bound
    from spiders.responses import failure_reason

    async def never(self: object, request: object) -> None:
        await asyncio.Event().wait()

    handler = BoundedPlaywrightHandler.__new__(BoundedPlaywrightHandler)  # no browser needed
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("crawler.render_handler.RENDER_GRACE_SECONDS", 0.1)
        handler.bound = render_bound(100)
        patch.setattr(ScrapyPlaywrightDownloadHandler, "download_request", never)
        coro = handler.download_request(Request("http://127.0.0.1/x", meta={"playwright": True}))
        with pytest.raises(Exception) as raised:
            asyncio.run(asyncio.wait_for(coro, 30))  # without the bound: not Playwright's
    assert failure_reason(Failure(raised.value))[0] == "challenge-failed"


# --- the guard on the browser context (defence in depth) -------------------------------
class CountingHandler(BaseHTTPRequestHandler):
    """A server that notes every path asked of it and answers a page."""

    asked: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        type(self).asked.append(self.path)
        body = b"<html><body><p>\xe6\xad\xa3\xe6\x96\x87</p></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def navigate_unrouted(allowed_port: int, url: str) -> str | None:
    """Open a page in real Chromium with only the context guard (no route of the page, as
    while scrapy-playwright's is replaced or gone) and navigate it to ``url``; the error
    Playwright raised, or None when the page loaded."""
    import asyncio

    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright
    from scrapy.http import Request

    from crawler.render import CHROMIUM, CHROMIUM_ARGS, context_guard, origin_guard

    async def main() -> str | None:
        async with async_playwright() as driver:
            browser = await driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page = await browser.new_page()
                guard = context_guard(origin_guard(["127.0.0.1"], frozenset({allowed_port})))
                await guard(page, Request(f"http://127.0.0.1:{allowed_port}/"))
                try:
                    await page.goto(url, timeout=60_000)
                except PlaywrightError as error:
                    return error.message
                return None
            finally:
                await browser.close()

    return asyncio.run(main())


@pytest.fixture
def two_servers() -> Iterator[tuple[ThreadingHTTPServer, ThreadingHTTPServer]]:
    CountingHandler.asked = []
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), CountingHandler) for _ in range(2)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield servers[0], servers[1]
    for server in servers:
        server.shutdown()
        server.server_close()


def test_the_context_guard_stops_a_request_no_page_route_handles(two_servers) -> None:
    site, internal = two_servers
    navigate_unrouted(site.server_address[1], f"http://127.0.0.1:{internal.server_address[1]}/x")
    assert CountingHandler.asked == []


def test_the_context_guard_lets_the_sites_own_pages_load(two_servers) -> None:
    site, _ = two_servers
    port = site.server_address[1]
    assert navigate_unrouted(port, f"http://127.0.0.1:{port}/doc.html") is None


def test_the_context_is_guarded_once_for_all_its_pages(two_servers) -> None:
    import asyncio

    from playwright.async_api import async_playwright
    from scrapy.http import Request

    from crawler.render import CHROMIUM, CHROMIUM_ARGS, context_guard, origin_guard

    site, _ = two_servers
    port = site.server_address[1]
    asked: list[str] = []
    refuse = origin_guard(["127.0.0.1"], frozenset({port}))

    def counting(request: object) -> bool:
        asked.append(str(request.url))  # type: ignore[attr-defined]
        return refuse(request)

    async def main() -> None:
        async with async_playwright() as driver:
            browser = await driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                context = await browser.new_context()
                guard = context_guard(counting)
                for _ in range(3):  # three pages of one context, as a crawl opens them
                    page = await context.new_page()
                    await guard(page, Request(f"http://127.0.0.1:{port}/"))
                await page.goto(f"http://127.0.0.1:{port}/doc.html", timeout=60_000)
            finally:
                await browser.close()

    asyncio.run(main())
    assert asked == [f"http://127.0.0.1:{port}/doc.html"]
