"""What a response or a failure says, read the same way by every spider: the failure's
reason, the declared charset, whether a body is binary, a header's value."""

from __future__ import annotations

from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from parsers.decode import charset_of


def _failure_types() -> tuple[tuple[type[BaseException], str], ...]:
    """Exception types -> reasons, as Scrapy's own RETRY_EXCEPTIONS names the failures."""
    from scrapy.exceptions import (
        CannotResolveHostError,
        DownloadCancelledError,
        DownloadConnectionRefusedError,
        DownloadFailedError,
        DownloadTimeoutError,
        ResponseDataLossError,
        UnsupportedURLSchemeError,
    )
    from twisted.internet import error as tx
    from twisted.internet.defer import CancelledError
    from twisted.web.client import ResponseFailed, ResponseNeverReceived

    return (
        (DownloadTimeoutError, "timeout"),
        (tx.TimeoutError, "timeout"),
        (tx.TCPTimedOutError, "timeout"),
        (DownloadCancelledError, "too-large"),  # DOWNLOAD_MAXSIZE or the attachment limit
        (CancelledError, "too-large"),
        (ResponseDataLossError, "truncated"),
        (DownloadConnectionRefusedError, "connection-refused"),
        (tx.ConnectionRefusedError, "connection-refused"),
        (CannotResolveHostError, "dns-error"),
        (tx.DNSLookupError, "dns-error"),
        (UnsupportedURLSchemeError, "unsupported-scheme"),
        (DownloadFailedError, "connection-lost"),
        (ResponseFailed, "connection-lost"),
        (ResponseNeverReceived, "connection-lost"),
        (tx.ConnectionLost, "connection-lost"),
        (tx.ConnectionDone, "connection-lost"),
        (tx.ConnectError, "connection-failed"),
    )


def failure_reason(failure: Failure) -> tuple[str, int | None]:
    """A short, stable reason for a failed request (by the exception's type), and the
    HTTP status if any."""
    from scrapy.exceptions import IgnoreRequest

    from crawler.compression import ContentEncodingError, DecompressedTooLarge
    from crawler.redirects import RedirectRefused

    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        return f"http-{status}", status
    if isinstance(exc, ContentEncodingError):
        return exc.reason, None
    if isinstance(exc, RedirectRefused):
        return exc.reason, exc.status
    if type(exc).__name__ == "TimeoutError" and type(exc).__module__.startswith("playwright"):
        return "challenge-failed", None  # a page rendered in Chromium never showed text
    if isinstance(exc, IgnoreRequest):
        if isinstance(exc.__cause__, DecompressedTooLarge):
            return "too-large-decompressed", None
        # Scrapy's robots.txt middleware says so only in its message.
        return ("robots-disallowed" if "robots.txt" in str(exc) else "ignored"), None
    for kind, reason in _failure_types():
        if isinstance(exc, kind):
            return reason, None
    return f"error-{type(exc).__name__}", None


def charset(response: Response) -> str | None:
    """The charset the Content-Type header declares, if any."""
    return charset_of(response.headers.get(b"Content-Type", b"").decode("latin-1"))


# Control bytes that no text page holds (tab, newlines, form feed and CR are text).
_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b)


def looks_binary(body: bytes) -> bool:
    """A file (PDF, image, archive) or other non-text body served where a page was expected."""
    head = body[:2048]
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return False
    if head[:400].count(0) > 40:  # UTF-16 without BOM is mostly NUL on one side
        even, odd = head[0:400:2].count(0), head[1:400:2].count(0)
        return not (even > 150 or odd > 150)
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return head.startswith((b"%PDF", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8")) or (
        len(head) > 0 and controls > len(head) * 0.1
    )


def header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
