"""Decompressing answers, strictly, with the crawler's own decoders (no private Scrapy API).

``StrictHttpCompressionMiddleware`` takes the place of Scrapy's HttpCompressionMiddleware:
it asks for gzip, deflate and brotli, and decodes each Content-Encoding in turn, except
that a body which does not decode fails as ``bad-encoding`` and a compressed stream that
stops before its end fails as ``truncated`` (Scrapy keeps whatever part of a gzip body
decoded, silently). A body that decodes past ``DOWNLOAD_MAXSIZE`` (a compression bomb) is
refused while it decodes, never held whole: the request is ignored
(``DecompressionRefused``, which keeps the answer's status line and headers but not its
body), its cause a ``DecompressedTooLarge`` (``too-large-decompressed``).
"""

from __future__ import annotations

import logging
import zlib
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response, TextResponse
from scrapy.responsetypes import responsetypes

_CHUNK = 65536
logger = logging.getLogger(__name__)
ACCEPT_ENCODING = b"gzip, deflate, br"


class DecompressedTooLarge(Exception):
    """A body that decodes past its size limit (a compression bomb)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} B decompressed so far, over the limit of {limit} B")
        self.decompressed_size = size


class DecompressionRefused(IgnoreRequest):
    """The request ignored because its body decoded past its size limit. ``response``:
    the answer's status line and headers as received, its body dropped (a bomb is not
    kept: anything that opened it later would decode it again)."""

    def __init__(self, message: str, response: Response) -> None:
        super().__init__(message)
        self.response = response


def _check_size(size: int, max_size: int) -> None:
    if max_size and size > max_size:
        raise DecompressedTooLarge(size, max_size)


class ContentEncodingError(Exception):
    """A compressed body that cannot be read: ``reason`` is ``bad-encoding`` or ``truncated``.
    ``response`` (set by the middleware): the answer as received, its body still encoded,
    kept as evidence of what the server sent."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.response: Response | None = None


def inflate_strictly(body: bytes, encoding: bytes, max_size: int) -> bytes:
    """Decode a gzip or deflate body whole: every gzip member to its end, or an error.

    ``max_size`` bounds the decoded size as Scrapy's own decoder does (0: no bound).
    """
    if not body:
        return body
    gzip = encoding in (b"gzip", b"x-gzip")
    out = bytearray()
    data = body
    while data:
        decoder = zlib.decompressobj(wbits=31 if gzip else 15)
        try:
            chunk = decoder.decompress(data, _CHUNK)
        except zlib.error as error:
            if gzip:
                raise ContentEncodingError(
                    "bad-encoding", f"{encoding.decode()}: {error}"
                ) from error
            # Servers that send raw deflate (no zlib header) under "deflate".
            decoder = zlib.decompressobj(wbits=-15)
            try:
                chunk = decoder.decompress(data, _CHUNK)
            except zlib.error as raw_error:
                raise ContentEncodingError("bad-encoding", f"deflate: {raw_error}") from raw_error
        while True:
            out += chunk
            _check_size(len(out), max_size)
            if decoder.eof or not decoder.unconsumed_tail:
                break
            try:
                chunk = decoder.decompress(decoder.unconsumed_tail, _CHUNK)
            except zlib.error as error:
                raise ContentEncodingError(
                    "bad-encoding", f"{encoding.decode()}: {error}"
                ) from error
        if not decoder.eof:
            raise ContentEncodingError(
                "truncated", f"{encoding.decode()} stream ends early ({len(body)} bytes received)"
            )
        # Another gzip member may follow (concatenated gzip is valid); trailing junk is not.
        data = decoder.unused_data if gzip and decoder.unused_data[:2] == b"\x1f\x8b" else b""
    return bytes(out)


def unbrotli(body: bytes, encoding: bytes, max_size: int) -> bytes:
    """Decode a brotli body whole, a chunk at a time within ``max_size``."""
    import brotli

    decoder = brotli.Decompressor()
    out = bytearray()
    try:
        out += decoder.process(body, output_buffer_limit=_CHUNK)
        _check_size(len(out), max_size)
        while not decoder.is_finished():
            chunk = decoder.process(b"", output_buffer_limit=_CHUNK)
            if not chunk:
                break
            out += chunk
            _check_size(len(out), max_size)
    except brotli.error as error:
        raise ContentEncodingError("bad-encoding", f"br: {error}") from error
    if body and not decoder.is_finished():
        raise ContentEncodingError(
            "truncated", f"br stream ends early ({len(body)} bytes received)"
        )
    return bytes(out)


DECODERS = {b"gzip": inflate_strictly, b"x-gzip": inflate_strictly,
            b"deflate": inflate_strictly, b"br": unbrotli}  # fmt: skip


class StrictHttpCompressionMiddleware:
    """Ask for compressed answers and decode them, failures named (see the module)."""

    def __init__(self, crawler: Crawler) -> None:
        self.max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        self.warn_size = crawler.settings.getint("DOWNLOAD_WARNSIZE")
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StrictHttpCompressionMiddleware:
        if not crawler.settings.getbool("COMPRESSION_ENABLED", True):
            raise NotConfigured
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        request.headers.setdefault(b"Accept-Encoding", ACCEPT_ENCODING)

    def process_response(self, request: Request, response: Response) -> Response:
        if request.method == "HEAD":
            return response
        codings = [
            part.strip().lower()
            for value in response.headers.getlist(b"Content-Encoding")
            for part in value.split(b",")
            if part.strip()
        ]
        if not codings:
            return response
        max_size = request.meta.get("download_maxsize", self.max_size)
        warn_size = request.meta.get("download_warnsize", self.warn_size)
        body = response.body
        try:
            # Applied in order, so undone from the last; an unknown coding stops it.
            while codings and (codings[-1] in DECODERS or codings[-1] == b"identity"):
                coding = codings.pop()
                if coding != b"identity":
                    body = DECODERS[coding](body, coding, max_size)
        except ContentEncodingError as exc:
            exc.response = response
            raise
        except DecompressedTooLarge as exc:
            message = (
                f"Ignored response {response} because its body ({len(response.body)} B"
                f" compressed, {exc.decompressed_size} B decompressed so far) exceeded"
                f" DOWNLOAD_MAXSIZE ({max_size} B) during decompression."
            )
            logger.warning(message)
            raise DecompressionRefused(message, response.replace(body=b"")) from exc
        if len(response.body) < warn_size <= len(body):
            logger.warning(
                "%s body size after decompression (%d B) is larger than the download"
                " warning size (%d B).", response, len(body), warn_size,
            )  # fmt: skip
        if self.stats:
            self.stats.inc_value("httpcompression/response_bytes", len(body))
            self.stats.inc_value("httpcompression/response_count")
        response.headers[b"Content-Encoding"] = codings
        respcls = responsetypes.from_args(headers=response.headers, url=response.url, body=body)
        kwargs: dict[str, Any] = {"body": body}
        if issubclass(respcls, TextResponse):
            kwargs["encoding"] = None  # read again from the decoded body
        response = response.replace(cls=respcls, **kwargs)
        if not codings:
            del response.headers[b"Content-Encoding"]
        return response
