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
from typing import Any

from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy.http import Request, Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

RENDER_GRACE_SECONDS = 10.0


class BoundedPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's download handler; a rendered download never outlasts its bound."""

    def render_bound(self) -> float:
        """Seconds a rendered download may take: the navigation and the wait for text, each
        bounded by the navigation timeout (ms), and a grace for the rest."""
        settle_ms = self._crawler.settings.getfloat("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT")
        return 2 * settle_ms / 1000 + RENDER_GRACE_SECONDS

    async def _download_request(self, request: Request, spider: Any = None) -> Response:
        bound = self.render_bound()
        try:
            return await asyncio.wait_for(super()._download_request(request, spider), bound)
        except asyncio.TimeoutError as exc:  # the builtin TimeoutError from Python 3.11
            raise PlaywrightTimeoutError(f"rendering {request.url} took over {bound:.0f}s") from exc
