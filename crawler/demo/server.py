"""A local replica site server on 127.0.0.1: serves a dict of pages, switchable by day.

Used by ``govarchive demo`` and by the tests. GET serves pages (with ETag and
Last-Modified, answering 304 to conditional requests); POST serves Hanweb's
``dataproxy.jsp``; anything else is a 404 page.
"""

from __future__ import annotations

import hashlib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from crawler.demo.site import Page


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now (for servers that cannot take 0)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


NOT_FOUND = "<html><head><title>404</title></head><body><h1>404 页面不存在</h1></body></html>"
# The longest a held request waits for its test (a test that fails before releasing it
# leaves no server thread waiting for ever).
HOLD_SECONDS = 120.0
# Last-Modified for every page of one day's state (stable across restarts).
_LAST_MODIFIED = formatdate(1743465600, usegmt=True)


class ReplicaSite:
    """The pages of one site; ``dataproxy`` answers POSTs to ``dataproxy.jsp``."""

    def __init__(
        self,
        pages: dict[str, Page],
        dataproxy: Callable[[int, int], Page] | None = None,
    ) -> None:
        self.pages = pages
        self.dataproxy = dataproxy
        self.requests: list[tuple[str, str]] = []
        # (time.monotonic() on arrival, path) of every request: the crawl's pace.
        self.request_times: list[tuple[float, str]] = []
        self.user_agents: list[str] = []
        # path -> seconds to wait before answering (a slow server, for tests).
        self.delays: dict[str, float] = {}
        # path -> an event the answer waits for (at most HOLD_SECONDS): a test answers a
        # request once it has done what must happen while the crawl waits.
        self.holds: dict[str, threading.Event] = {}
        # path -> an error status to answer with instead of the page (a flaky server).
        self.statuses: dict[str, int] = {}
        # path -> where a 301 sends it (a moved or removed document).
        self.redirects: dict[str, str] = {}
        # a status for every request (a site down for the night), None when up.
        self.down_status: int | None = None
        self.lock = threading.Lock()

    def replace(
        self, pages: dict[str, Page], dataproxy: Callable[[int, int], Page] | None = None
    ) -> None:
        with self.lock:
            self.pages = pages
            self.dataproxy = dataproxy


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        return

    def _send(self, status: int, page: Page | None, head_only: bool = False) -> None:
        body = page.body if page else NOT_FOUND.encode("utf-8")
        content_type = page.content_type if page else "text/html; charset=utf-8"
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if page is not None and status == 200 and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if page is not None:
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", _LAST_MODIFIED)
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        site = self.server.site
        with site.lock:
            site.requests.append(("GET", self.path))
            site.request_times.append((time.monotonic(), self.path))
            site.user_agents.append(self.headers.get("User-Agent", ""))
            path = self.path
            page = site.pages.get(path) or site.pages.get(urlsplit(path).path)
            if path == "/robots.txt" and page is None:
                page = Page(b"User-agent: *\nAllow: /\n", "text/plain")
            delay = site.delays.get(path, 0.0)
            hold = site.holds.get(path)
            status = site.statuses.get(path) or (
                site.down_status if path != "/robots.txt" else None
            )
            location = site.redirects.get(path)
        if delay:
            time.sleep(delay)
        if hold is not None:
            hold.wait(HOLD_SECONDS)
        if status:
            self._send(status, None)
            return
        if location:
            self.send_response(301)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(200 if page else 404, page)

    def do_HEAD(self) -> None:  # noqa: N802
        site = self.server.site
        with site.lock:
            page = site.pages.get(self.path)
        self._send(200 if page else 404, page, head_only=True)

    def do_POST(self) -> None:  # noqa: N802
        site = self.server.site
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 65536))
        parts = urlsplit(self.path)
        with site.lock:
            site.requests.append(("POST", self.path))
            site.request_times.append((time.monotonic(), self.path))
            proxy = site.dataproxy
        if proxy is None or not parts.path.endswith("dataproxy.jsp"):
            self._send(404, None)
            return
        query = parse_qs(parts.query)
        try:
            start = int(query.get("startrecord", ["1"])[0])
            end = int(query.get("endrecord", ["25"])[0])
        except ValueError:
            self._send(404, None)
            return
        self._send(200, proxy(start, end))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, site: ReplicaSite, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.site = site


class ReplicaServer:
    """Serve a ``ReplicaSite`` on 127.0.0.1 at a free port, in a background thread."""

    def __init__(self, site: ReplicaSite, port: int = 0, tls: ssl.SSLContext | None = None) -> None:
        """Serve on ``port`` if it is free, else on any free port; over TLS with ``tls``."""
        self.site = site
        try:
            self._server = _Server(site, port)
        except OSError:
            self._server = _Server(site, 0)
        self.scheme = "http"
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            self.scheme = "https"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def __enter__(self) -> ReplicaServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
