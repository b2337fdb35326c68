"""HTTP heads of a capture: the request as sent and the response's status line and headers
as received, kept beside the body so a capture can be shown (and exported as WARC) as the
exchange it was.

A head is its HTTP/1.1 text (``GET /a HTTP/1.1`` or ``HTTP/1.1 404 Not Found``, then one
``Name: value`` line per header, CRLF-separated), packed with raw DEFLATE and a preset
dictionary of the lines crawls send and receive most, so that a typical request head takes
about 60 bytes and a response head about 100 instead of 300-600. The first byte of a
packed head names its codec: ``HEAD_DICT_V1`` is part of the file format and is never
edited (a better dictionary gets the next codec byte, and both stay readable).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from http import HTTPStatus
from urllib.parse import urlsplit

# Codec byte 1: raw DEFLATE (no zlib header) with HEAD_DICT_V1 as the preset dictionary.
CODEC_V1 = b"\x01"
HEAD_DICT_V1 = (
    b"Connection: close\r\nConnection: keep-alive\r\nVary: Accept-Encoding\r\n"
    b"Accept-Ranges: bytes\r\nCache-Control: no-cache\r\nCache-Control: max-age=\r\n"
    b"Transfer-Encoding: chunked\r\nContent-Encoding: gzip\r\nX-Frame-Options: SAMEORIGIN\r\n"
    b"X-Content-Type-Options: nosniff\r\nStrict-Transport-Security: max-age=31536000\r\n"
    b"Set-Cookie: JSESSIONID=; Path=/; HttpOnly\r\nServer: nginx\r\nServer: Apache\r\n"
    b"Server: BaseHTTP/0.6 Python/3\r\nContent-Type: application/pdf\r\n"
    b"Content-Type: application/json;charset=UTF-8\r\nContent-Type: text/html; charset=gb2312\r\n"
    b'Expires: Thu, 01 Jan 1970 00:00:00 GMT\r\nETag: "\r\nLast-Modified: \r\nLocation: http://\r\n'
    b"Content-Length: \r\nContent-Type: text/html; charset=utf-8\r\nContent-Type: text/html;"
    b" charset=UTF-8\r\nDate: Mon, Tue, Wed, Thu, Fri, Sat, Sun, 2026 GMT\r\n"
    b"HTTP/1.1 200 OK\r\nHTTP/1.1 304 Not Modified\r\nHTTP/1.1 404 Not Found\r\n"
    b"HTTP/1.1 302 Found\r\nHTTP/1.1 301 Moved Permanently\r\n"
    b"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
    b"Accept-Language: zh-CN,zh;q=0.9,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n"
    b"User-Agent: govarchive/0.1.0 (+https://github.com/govarchive/govarchive)\r\n"
    b"If-Modified-Since: If-None-Match: Cookie: JSESSIONID=\r\nReferer: http://\r\n"
    b"GET / HTTP/1.1\r\nHost: www.gov.cn\r\n/index.html/index.shtml.htm"
)


def pack_head(text: str) -> bytes:
    """A head's text, packed (see the module docstring). Header values are Latin-1 on the
    wire; anything else is kept as UTF-8."""
    raw = text.encode("utf-8")
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, zdict=HEAD_DICT_V1)
    return CODEC_V1 + packer.compress(raw) + packer.flush()


def unpack_head(blob: bytes | None) -> str | None:
    """The text of a packed head (None for None)."""
    if blob is None:
        return None
    if blob[:1] != CODEC_V1:
        raise ValueError(f"unknown head codec {blob[:1]!r}")
    unpacker = zlib.decompressobj(-15, zdict=HEAD_DICT_V1)
    return (unpacker.decompress(bytes(blob[1:])) + unpacker.flush()).decode("utf-8")


def request_head(method: str, url: str, headers: Iterable[tuple[str, str]]) -> str:
    """A request's head as HTTP/1.1 sends it: the request line with the path and query, the
    ``Host`` header (the download handler adds it from the URL), then the given headers."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target} HTTP/1.1"]
    names = {name.lower() for name, _ in headers}
    if "host" not in names and parts.netloc:
        lines.append(f"Host: {parts.netloc}")
    lines.extend(f"{name}: {value}" for name, value in headers)
    return "\r\n".join(lines)


def response_head(protocol: str | None, status: int, headers: Iterable[tuple[str, str]]) -> str:
    """A response's status line and headers. The reason phrase is the standard one for the
    status: Scrapy does not keep the one the server sent."""
    lines = [f"{protocol or 'HTTP/1.1'} {status} {reason_phrase(status)}".rstrip()]
    lines.extend(f"{name}: {value}" for name, value in headers)
    return "\r\n".join(lines)


def split_head(text: str) -> tuple[str, list[tuple[str, str]]]:
    """A head's first line and its headers, in order."""
    first, *rest = text.split("\r\n")
    headers = []
    for line in rest:
        name, _, value = line.partition(":")
        headers.append((name, value.strip()))
    return first, headers


def reason_phrase(status: int) -> str:
    """The standard reason phrase of a status ('' for one HTTP does not name)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
