"""Sites behind JavaScript challenges (a 412, or a page that is only a script setting a
cookie and reloading, 瑞数-style): with the registry key ``render: browser`` that site's
pages are fetched through a real Chromium (scrapy-playwright driving the system browser, never
one downloaded at run time), with the same delay and concurrency as any site. The browser
keeps its cookies for the whole crawl, so a challenge is solved once. A page is taken once it
shows text; one that never does is a ``challenge-failed`` error.

Without ``render: browser`` a challenge page is recorded as ``js-challenge``: never a
document, and a listing showing one is not believed (``looks_like_challenge``).
"""

from __future__ import annotations

import os
import re
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from scrapy.http import Request

CHROMIUM = os.environ.get("GOVARCHIVE_CHROMIUM", "/usr/bin/chromium")
# How long a page may take to show text before it is a challenge that failed.
SETTLE_MS = 20_000
# Flags for a headless Chromium on a machine without a display (or a network).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# scrapy-playwright's handler, each rendered page bounded in time (crawler.render_handler).
HANDLER = "crawler.render_handler.BoundedPlaywrightHandler"
# Kinds of request rendered in the browser (attachments are files: fetched as they are).
RENDERED_KINDS = frozenset({"list", "detail", "check"})
# A challenge page's script sets a cookie or reloads (any case); it shows fewer than
# CHALLENGE_MAX_TEXT characters of text.
_CHALLENGE_WORDS = (
    b"document.cookie",
    b"location.reload",
    b"location.replace",
    b"location.href",
    b"$_ts",
)
CHALLENGE_MAX_TEXT = 40
_TAGS = re.compile(rb"<script\b.*?</script>|<style\b.*?</style>|<[^>]+>", re.S | re.I)


def origin_guard(domains: list[str], ports: frozenset[int]) -> Callable[[Any], bool]:
    """The browser's request filter for one site (scrapy-playwright's
    ``PLAYWRIGHT_ABORT_REQUEST``): a request the crawl itself would refuse — another host,
    another port, another scheme (``crawler.redirects.refusal``) — is aborted, whether the
    page's script fetches it, frames it or navigates to it, so a page cannot have Chromium
    reach an internal address and write what it found into the archived body. A page's own
    ``data:``, ``blob:`` and ``about:`` URLs load."""
    from crawler.redirects import refusal

    def abort(request: Any) -> bool:
        url = str(request.url)
        if url.startswith(("data:", "blob:", "about:")):
            return False
        return refusal(url, domains, ports) is not None

    return abort


def context_guard(abort: Callable[[Any], bool]) -> Callable[..., Awaitable[None]]:
    """A page init callback (scrapy-playwright's ``playwright_page_init_callback``) that puts
    the origin guard on the page's browser context too, once per context. scrapy-playwright's
    guard is a route of each page; a request no route of the page handles (while the page's
    route is replaced, or goes as the page closes) falls through to the context, which
    without a route of its own lets it out to the network: seen once, under load, as a
    script's navigation to an internal address reaching it."""
    guarded: weakref.WeakSet[Any] = weakref.WeakSet()  # a context closed leaves it

    async def on_context(route: Any) -> None:
        if abort(route.request):
            await route.abort()
        else:
            await route.fallback()

    async def init(page: Any, request: Request) -> None:
        context = page.context
        if context not in guarded:
            guarded.add(context)
            await context.route("**", on_context)

    return init


def browser_settings(
    settle_ms: int = SETTLE_MS,
    domains: list[str] | None = None,
    ports: frozenset[int] | None = None,
) -> dict[str, Any]:
    """The settings a ``render: browser`` site's crawl runs with; ``settle_ms`` bounds a
    page's navigation too (a challenge that reloads forever never finishes loading); with
    the site's ``domains`` and ``ports``, the browser asks for nothing outside them."""
    guard = {} if domains is None or ports is None else {
        "PLAYWRIGHT_ABORT_REQUEST": origin_guard(domains, ports)
    }  # fmt: skip
    return {
        **guard,
        "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": CHROMIUM,
            "headless": True,
            "args": CHROMIUM_ARGS,
        },
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": settle_ms,
        # One browser page at a time, like the site's one request at a time.
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 1,
    }


def render_in_browser(
    request: Request,
    settle_ms: int = SETTLE_MS,
    guard: Callable[..., Awaitable[None]] | None = None,
) -> None:
    """Mark a page request for the browser, to be taken once the page shows text (within
    ``settle_ms``); ``guard`` (``context_guard``) runs as the page opens."""
    from scrapy_playwright.page import PageMethod

    if request.meta.get("kind", "detail") not in RENDERED_KINDS or request.method != "GET":
        return
    request.meta["playwright"] = True
    if guard is not None:
        request.meta["playwright_page_init_callback"] = guard
    request.meta["playwright_page_methods"] = [
        PageMethod(
            "wait_for_function",
            "() => document.body && document.body.innerText.trim().length > 0",
            timeout=settle_ms,
        )
    ]


def looks_like_challenge(body: bytes) -> bool:
    """A short page with no text of its own whose script sets a cookie or reloads.

    Every document page passes here, on the crawl's reactor thread: the script words are
    looked for without a regular expression, and the page's text is counted only until
    it is enough to be a page of its own."""
    if len(body) > 20_000:
        return False
    lowered = body.lower()
    if not any(word in lowered for word in _CHALLENGE_WORDS):
        return False
    visible, start = 0, 0
    for markup in _TAGS.finditer(body):
        visible += _visible_chars(body[start : markup.start()])
        if visible >= CHALLENGE_MAX_TEXT:
            return False
        start = markup.end()
    return visible + _visible_chars(body[start:]) < CHALLENGE_MAX_TEXT


def _visible_chars(text: bytes) -> int:
    """Characters of ``text`` that are not whitespace, read as UTF-8."""
    return len("".join(text.decode("utf-8", "replace").split()))
