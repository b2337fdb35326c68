"""A small polite HTTP client for the probe: the crawl's User-Agent, robots.txt of every
origin read first, a delay between requests and a hard request budget (robots.txt counts).
Redirects are followed only to http(s) URLs the caller allows (the same site): a hostile
home page cannot send the probe to an internal address."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Callable
from urllib.parse import urlsplit

MAX_BYTES = 5 * 1024 * 1024
TIMEOUT = 30.0


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to an http(s) URL ``allow`` accepts."""

    def __init__(self, allow: Callable[[str], bool]) -> None:
        self.allow = allow

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201
        if urlsplit(newurl).scheme not in ("http", "https") or not self.allow(newurl):
            raise urllib.error.HTTPError(newurl, code, f"redirect refused: {newurl}", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class PoliteClient:
    """GET with the crawl's User-Agent, robots.txt, a delay and a request budget."""

    def __init__(
        self,
        user_agent: str,
        delay: float,
        budget: int,
        allow: Callable[[str], bool] = lambda url: True,
    ) -> None:
        self.opener = urllib.request.build_opener(_Redirects(allow))
        self.user_agent = user_agent
        self.delay = delay
        self.budget = budget
        self.used = 0
        self.robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self.last = 0.0

    def _get(self, url: str) -> tuple[int, bytes, str]:
        wait = self.last + self.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self.used += 1
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent})
        try:
            with self.opener.open(request, timeout=TIMEOUT) as response:
                return response.status, response.read(MAX_BYTES), response.geturl()
        except urllib.error.HTTPError as error:
            return error.code, error.read(MAX_BYTES), url
        finally:
            self.last = time.monotonic()

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self.robots:
            parser = None
            if self.used < self.budget:
                try:
                    status, body, _ = self._get(f"{origin}/robots.txt")
                except (OSError, ValueError):
                    status, body = 0, b""
                if status == 200:
                    parser = urllib.robotparser.RobotFileParser()
                    parser.parse(body.decode("utf-8", "replace").splitlines())
            self.robots[origin] = parser
        parser = self.robots[origin]
        return parser is None or parser.can_fetch(self.user_agent, url)

    def get(self, url: str) -> tuple[int, bytes, str] | None:
        """(status, body, final URL); None when the budget is spent or robots.txt says no."""
        if self.used >= self.budget or not self.allowed(url) or self.used >= self.budget:
            return None
        try:
            return self._get(url)
        except (OSError, ValueError):
            return (0, b"", url)
