"""What a response or a failure says, read the same way by every spider: the failure's
reason, the declared charset, whether a body is binary, a header's value."""

from __future__ import annotations

from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure


def failure_reason(failure: Failure) -> tuple[str, int | None]:
    """A short, stable reason for a failed request, and the HTTP status if any."""
    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        return f"http-{status}", status
    name = type(exc).__name__
    text = str(exc)
    if "robots.txt" in text:
        return "robots-disallowed", None
    if "offsite" in text.lower():
        return "offsite-redirect", None
    if "Timeout" in name or "timed out" in text.lower():
        return "timeout", None
    if "during decompression" in text:
        return "too-large-decompressed", None
    if "Cancelled" in name or "max size" in text.lower() or "maxsize" in text.lower():
        return "too-large", None
    if "DataLoss" in name or "dataloss" in text.lower():
        return "truncated", None
    if "Refused" in name:
        return "connection-refused", None
    if "DNS" in name or "Resolve" in name:
        return "dns-error", None
    if name in ("ConnectionLost", "ResponseFailed", "ResponseNeverReceived", "DownloadFailedError"):
        return "connection-lost", None
    return f"error-{name}", None


def charset(response: Response) -> str | None:
    """The charset the Content-Type header declares, if any."""
    content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
    for part in content_type.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


def looks_binary(body: bytes) -> bool:
    """A file (PDF, image, archive) or other non-text body served where a page was expected."""
    head = body[:2048]
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return False
    if head[:400].count(0) > 40:  # UTF-16 without BOM is mostly NUL on one side
        even, odd = head[0:400:2].count(0), head[1:400:2].count(0)
        return not (even > 150 or odd > 150)
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return head.startswith((b"%PDF", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8")) or (
        len(head) > 0 and controls > len(head) * 0.1
    )


def header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
