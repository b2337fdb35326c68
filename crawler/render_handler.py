"""The download handler of ``render: browser`` sites: scrapy-playwright's, with a hard
bound on each rendered page (imported only by crawls that render, through
``crawler.render.HANDLER``).

A page is bounded by Playwright twice (its navigation, then the wait for text), but a page
that reloads forever can still hold a call Playwright makes after those (reading the content
of a page that is navigating again): the crawl then never ended (in about one test run in
five). Here the whole rendered download gets at most twice the settle time and
``RENDER_GRACE_SECONDS``; past it, it ends as Playwright's own timeout does, a
``challenge-failed`` error, and the crawl goes on.
"""

from __future__ import annotations

import asyncio

from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

RENDER_GRACE_SECONDS = 10.0


class BoundedPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's download handler; a rendered download never outlasts its bound.
    Only its public interface is used: the constructor it is built with and Scrapy's
    ``download_request`` (asynchronous since Scrapy 2.14)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settle_ms = crawler.settings.getfloat("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT")
        self.bound = render_bound(settle_ms)

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get("playwright"):  # fetched as any other page
            return await super().download_request(request)
        try:
            return await asyncio.wait_for(super().download_request(request), self.bound)
        except asyncio.TimeoutError as exc:  # the builtin TimeoutError from Python 3.11
            raise PlaywrightTimeoutError(
                f"rendering {request.url} took over {self.bound:.0f}s"
            ) from exc


def render_bound(settle_ms: float) -> float:
    """Seconds a rendered download may take: the navigation and the wait for text, each
    bounded by the navigation timeout (``settle_ms``), and a grace for the rest."""
    return 2 * settle_ms / 1000 + RENDER_GRACE_SECONDS
