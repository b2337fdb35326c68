"""A fault-injecting government site on 127.0.0.1, for the reliability tests.

Every detail URL under ``/zwgk/`` misbehaves in one way (see ``FAULTS``); the column page
``/zwgk/index.html`` links them all, so one crawl meets every fault.
"""

from __future__ import annotations

import functools
import gzip
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

TITLE = "关于开展行政执法检查的通知"
BODY = "为进一步规范行政执法行为，提高依法行政水平，现就开展行政执法检查有关事项通知如下。"


def page(title: str = TITLE, charset: str = "utf-8", extra: str = "") -> str:
    return (
        f"<html><head><meta http-equiv='Content-Type' content='text/html; charset={charset}'>"
        f"<title>{title}</title></head><body><h1>{title}</h1><div class='content'>"
        f"<p>{BODY}</p><p>{BODY}</p>{extra}<p>某某县司法局</p><p>2025年6月1日</p></div></body></html>"
    )


# Detail path -> what it does. Names are TRS detail URLs (t<date>_<number>.html) so the
# TRS spider follows every one of them.
FAULTS: dict[str, str] = {
    "t20250601_1001.html": "500",
    "t20250601_1002.html": "503 with Retry-After",
    "t20250601_1003.html": "403 anti-bot page",
    "t20250601_1004.html": "412 anti-bot page",
    "t20250601_1005.html": "200 soft 404",
    "t20250601_1006.html": "connection reset",
    "t20250601_1007.html": "stall past the timeout",
    "t20250601_1008.html": "Content-Length larger than sent",
    "t20250601_1009.html": "declared gb2312, sent UTF-8",
    "t20250601_1010.html": "declared utf-8, sent GBK",
    "t20250601_1011.html": "UTF-16 with BOM",
    "t20250601_1012.html": "30 MB page",
    "t20250601_1013.html": "redirect loop",
    "t20250601_1014.html": "redirect to another domain",
    "t20250601_1015.html": "binary bytes as text/html",
    "t20250601_1016.html": "gzip bomb",
    "t20250601_1017.html": "hostile attachment names",
    "t20250601_1018.html": "no body at all",
    "t20250601_1019.html": "a good page",
    "t20250601_1021.html": "gzip header, then garbage",
    "t20250601_1022.html": "gzip stream cut in half",
    "t20250601_1023.html": "a million tiny elements",
}
HUGE_BYTES = 30 * 1024 * 1024
BOMB_BYTES = 200 * 1024 * 1024
HOSTILE_NAMES = ("../../etc/passwd", "evil\x00name.pdf", "长" * 500 + ".pdf")


class FaultHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FaultServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return

    def send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8",
             headers: dict[str, str] | None = None, length: int | None = None) -> None:  # fmt: skip
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802, C901 - one branch per fault
        self.server.hits.append(self.path)
        path = self.path
        name = path.rsplit("/", 1)[-1]
        flaky = self.server.flaky
        if path == "/robots.txt":
            return self.send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        if path == "/zwgk/index.html":
            links = "".join(f"<li><a href='{n}'>{FAULTS[n]}：{TITLE}</a></li>" for n in FAULTS)
            return self.send(200, f"<html><body><ul>{links}</ul></body></html>".encode())
        if name in flaky:
            return self.send(503, b"<h1>Service Unavailable</h1>", headers={"Retry-After": "1"})
        if name == "t20250601_1019.html":
            return self.send(200, page().encode())
        if name == "t20250601_1001.html":
            return self.send(500, b"<h1>Internal Server Error</h1>")
        if name == "t20250601_1002.html":
            return self.send(503, b"<h1>Service Unavailable</h1>", headers={"Retry-After": "1"})
        if name in ("t20250601_1003.html", "t20250601_1004.html"):
            status = 403 if name == "t20250601_1003.html" else 412
            return self.send(
                status, "<html><body>访问过于频繁，请稍后再试（安全防护）</body></html>".encode()
            )
        if name == "t20250601_1005.html":
            return self.send(
                200,
                "<html><head><title>404</title></head><body>对不起，您访问的页面不存在或已删除！</body></html>".encode(),
            )
        if name == "t20250601_1006.html":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return None
        if name == "t20250601_1007.html":
            time.sleep(self.server.stall_seconds)
            return self.send(200, page().encode())
        if name == "t20250601_1008.html":
            body = page().encode()
            self.send(200, body[:200], length=len(body))
            self.close_connection = True
            return None
        if name == "t20250601_1009.html":
            return self.send(
                200,
                page("关于规范执法的通知（编码一）", "gb2312").encode("utf-8"),
                "text/html; charset=gb2312",
            )
        if name == "t20250601_1010.html":
            return self.send(
                200,
                page("关于规范执法的通知（编码二）", "utf-8").encode("gbk"),
                "text/html; charset=utf-8",
            )
        if name == "t20250601_1011.html":
            body = page("关于规范执法的通知（编码三）", "gb2312").encode("utf-16")
            return self.send(200, body, "text/html")
        if name == "t20250601_1012.html":
            chunk = ("<p>" + BODY * 50 + "</p>\n").encode()
            body = (chunk * (HUGE_BYTES // len(chunk) + 1))[:HUGE_BYTES]
            return self.send(200, body)
        if name == "t20250601_1013.html":
            return self.send(302, b"", headers={"Location": "/zwgk/t20250601_1020.html"})
        if name == "t20250601_1020.html":
            return self.send(302, b"", headers={"Location": "/zwgk/t20250601_1013.html"})
        if name == "t20250601_1014.html":
            port = self.server.server_address[1]
            return self.send(
                302, b"", headers={"Location": f"http://localhost:{port}/zwgk/t20250601_1019.html"}
            )
        if name == "t20250601_1015.html":
            return self.send(200, bytes(range(256)) * 64, "text/html; charset=utf-8")
        if name == "t20250601_1016.html":
            return self.send(200, self.server.bomb, headers={"Content-Encoding": "gzip"})
        if name == "t20250601_1017.html":
            # Links without text: the names come from the server's Content-Disposition.
            links = "".join(
                f"<p><a href='/files/a{n}.pdf'></a></p>" for n in range(len(HOSTILE_NAMES))
            )
            return self.send(200, page("关于公布执法检查结果的通知", extra=links).encode())
        if path.startswith("/files/a"):
            hostile = HOSTILE_NAMES[int(path[len("/files/a") : -len(".pdf")])]
            disposition = f"attachment; filename*=UTF-8''{quote(hostile, safe='')}"
            return self.send(200, b"%PDF-1.4\n% hostile\n", "application/pdf",
                             headers={"Content-Disposition": disposition})  # fmt: skip
        if name == "t20250601_1018.html":
            return self.send(200, b"")
        if name == "t20250601_1023.html":
            return self.send(200, page(extra="<i>x</i>" * 1_000_000).encode())
        if name == "t20250601_1021.html":
            return self.send(200, b"\x1f\x8b\x08\x00" + b"not gzip" * 50,
                             headers={"Content-Encoding": "gzip"})  # fmt: skip
        if name == "t20250601_1022.html":
            whole = gzip.compress(
                page("关于规范执法的通知（截断）", extra="<p>正文</p>" * 400).encode()
            )
            return self.send(200, whole[: len(whole) // 2], headers={"Content-Encoding": "gzip"})
        return self.send(404, b"<h1>404</h1>")


@functools.cache
def gzip_bomb() -> bytes:
    """200 MB of zeros, gzipped to about 200 KB (made once per test session)."""
    return gzip.compress(b"\0" * BOMB_BYTES, compresslevel=9)


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, stall_seconds: float = 10.0) -> None:
        super().__init__(("127.0.0.1", 0), FaultHandler)
        self.stall_seconds = stall_seconds
        self.hits: list[str] = []
        # Documents that answer 503 for now (a flaky server).
        self.flaky: set[str] = set()
        self.bomb = gzip_bomb()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up (timeouts, refused bodies) are expected here: stay quiet."""

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
