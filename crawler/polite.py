"""A small polite HTTP client for the probe: the crawl's User-Agent, robots.txt of every
origin read first, a delay between requests and a hard request budget (robots.txt counts).
Every URL it fetches, and every redirect it follows, must be one the caller allows (the
same site, ``crawler.probe.same_site``): a hostile home page cannot send the probe to an
internal address. Each request has a total deadline (``DEADLINE``), connection, headers and
body together: a server that drips its answer a byte at a time is cut off, never waited on
for as long as it likes."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import threading
import time
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

MAX_BYTES = 5 * 1024 * 1024
TIMEOUT = 30.0  # per read
DEADLINE = 60.0  # per request, every redirect and the whole body included


class DeadlinePassed(TimeoutError):
    """A request still unanswered (or its body unfinished) at its deadline."""


def _cut(sock: socket.socket) -> None:
    """Wake a read blocked on ``sock`` (it returns at once, at end of file)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _Watched:
    """A connection whose socket is shut down at ``deadline`` (time.monotonic())."""

    deadline: float
    sock: socket.socket | None
    _watchdog: threading.Timer | None = None

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        remaining = max(self.deadline - time.monotonic(), 0.0)
        self._watchdog = threading.Timer(remaining, _cut, (self.sock,))
        self._watchdog.daemon = True
        self._watchdog.start()

    def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        super().close()  # type: ignore[misc]


class _WatchedHTTP(_Watched, http.client.HTTPConnection):
    pass


class _WatchedHTTPS(_Watched, http.client.HTTPSConnection):
    pass


class _DeadlineHandlers:
    """urllib handlers opening every connection with the current request's deadline."""

    def __init__(self) -> None:
        self.deadline = 0.0
        outer = self

        def bound(cls: type) -> Any:
            def make(*args: Any, **kwargs: Any) -> Any:
                connection = cls(*args, **kwargs)
                connection.deadline = outer.deadline
                return connection

            return make

        class HTTP(urllib.request.HTTPHandler):
            def http_open(self, req: Any) -> Any:
                return self.do_open(bound(_WatchedHTTP), req)

        class HTTPS(urllib.request.HTTPSHandler):
            def https_open(self, req: Any) -> Any:
                return self.do_open(bound(_WatchedHTTPS), req, context=self._context)

        self.handlers = [HTTP(), HTTPS()]


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
        self.allow = allow
        self.deadlines = _DeadlineHandlers()
        self.opener = urllib.request.build_opener(_Redirects(allow), *self.deadlines.handlers)
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
        self.deadlines.deadline = deadline = time.monotonic() + DEADLINE
        try:
            with self.opener.open(request, timeout=min(TIMEOUT, DEADLINE)) as response:
                answer = response.status, response.read(MAX_BYTES), response.geturl()
        except urllib.error.HTTPError as error:
            answer = error.code, error.read(MAX_BYTES), url
        except (OSError, http.client.HTTPException) as error:
            if time.monotonic() >= deadline:
                raise DeadlinePassed(f"no whole answer within {DEADLINE:g} s: {url}") from error
            raise
        finally:
            self.last = time.monotonic()
        if self.last >= deadline:  # the watchdog ended the read: what came is not all
            raise DeadlinePassed(f"no whole answer within {DEADLINE:g} s: {url}")
        return answer

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self.robots:
            parser = None
            if self.used < self.budget:
                try:
                    status, body, _ = self._get(f"{origin}/robots.txt")
                except (OSError, ValueError, http.client.HTTPException):
                    status, body = 0, b""
                if status == 200:
                    parser = urllib.robotparser.RobotFileParser()
                    parser.parse(body.decode("utf-8", "replace").splitlines())
            self.robots[origin] = parser
        parser = self.robots[origin]
        return parser is None or parser.can_fetch(self.user_agent, url)

    def get(self, url: str) -> tuple[int, bytes, str] | None:
        """(status, body, final URL); None when the budget is spent, the URL is not one the
        caller allows, or robots.txt says no; status 0 when it did not answer in time."""
        if self.used >= self.budget or not self.allow(url):
            return None
        if not self.allowed(url) or self.used >= self.budget:
            return None
        try:
            return self._get(url)
        except (OSError, ValueError, http.client.HTTPException):
            return (0, b"", url)


_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1"})


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost"
    return True


def _port(url: str) -> int | None:
    try:
        parts = urlsplit(url)
        return parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None


def same_site(url: str, home: str) -> bool:
    """A URL of the same site as ``home``: a host with the same registrable part
    (wangcang.gov.cn for www. and xxgk.wangcang.gov.cn) or, for a home on an IP address,
    that address (localhost and 127.0.0.1 are one); on a port the crawl would fetch from
    (80, 443 or the home's own, as ``SiteConfig.allowed_ports`` has it)."""
    port, home_port = _port(url), _port(home)
    if port is None or port not in {80, 443, home_port}:
        return False
    a, b = (urlsplit(url).hostname or "").lower(), (urlsplit(home).hostname or "").lower()
    if _is_address(b):
        return a == b or {a, b} <= _LOOPBACK_NAMES
    return not _is_address(a) and a.split(".")[-3:] == b.split(".")[-3:]


def _internal(host: str, resolved: dict[str, bool]) -> bool:
    """Whether ``host`` resolves to an address no public site has (loopback, private,
    link-local, reserved); a name that does not resolve is not (its fetch fails)."""
    if host not in resolved:
        try:
            infos = socket.getaddrinfo(host, None)
        except (OSError, UnicodeError):
            infos = []
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
        resolved[host] = any(not a.is_global for a in addresses)
    return resolved[host]


def may_fetch(home: str) -> Callable[[str], bool]:
    """What the probe of ``home`` may fetch: URLs of the same site (``same_site``) whose
    host is not internal, unless the home itself is (a site on a private network, or a
    replica on 127.0.0.1): a name of the site pointed at 127.0.0.1 is not followed there."""
    resolved: dict[str, bool] = {}
    home_host = urlsplit(home).hostname or ""

    def allow(url: str) -> bool:
        if not same_site(url, home):
            return False
        host = urlsplit(url).hostname or ""
        return not _internal(host, resolved) or _internal(home_host, resolved)

    return allow
