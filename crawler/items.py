"""What spiders hand the pipeline: one item type per thing the archive records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archive.documents import Reparsed
from parsers.attachments import AttachmentText
from parsers.record import Record


@dataclass
class FetchItem:
    """One request's outcome (a ``fetches`` row); the raw body is kept when given."""

    site: str
    url: str
    kind: str  # list | detail | attachment | image | sitemap | check | robots
    status: int | None = None
    body: bytes | None = None
    content_type: str | None = None
    elapsed_ms: int | None = None
    error: str | None = None
    keep_raw: bool = False
    # The exchange as evidence (``archive.captures``): the request's head as sent, the
    # response's status line and headers as received, and the server's address.
    request_head: str | None = None
    response_head: str | None = None
    peer: str | None = None


@dataclass
class DocumentItem:
    """A parsed detail page and the fetch that brought it."""

    site: str
    record: Record
    fetch: FetchItem
    list_date: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    # The URL the archive knew it by, when it now answers at ``record.url``; and how.
    moved_from: str | None = None
    moved_via: str | None = None
    # Set when a complete, plausible listing walk no longer lists it: why it is delisted.
    delisted_evidence: dict[str, Any] | None = None
    # The previous capture as today's parsers read it, when the record differs from the
    # archived one (``crawler.parse_pool.parse_answer``). ``compared`` False: the crawl could
    # not read the previous capture (a crawl on another machine); ingest compares instead.
    reparsed: Reparsed | None = None
    compared: bool = True


@dataclass
class AttachmentItem:
    """A file linked from a document (``data`` None when it could not be fetched)."""

    site: str
    document_url: str
    url: str
    name: str
    data: bytes | None = None
    content_type: str | None = None
    error: str | None = None
    read: AttachmentText | None = None  # type and text, read in a parse worker
    status: int | None = None  # the answer's HTTP status (304: the stored file is current)
    etag: str | None = None
    last_modified: str | None = None
    fetch: FetchItem | None = None  # the answer that brought it, recorded with it


@dataclass
class SeenItem:
    """A known document that is still there: listed (on ``listing_url``), or answered 304."""

    site: str
    url: str
    listed: bool = False
    fetched: bool = False
    listing_url: str | None = None
    fetch: FetchItem | None = None


@dataclass
class MissingItem:
    """A known document's URL answered 404/410, a not-found or withdrawal page, or
    redirected to a home, column or error page. ``fetch`` is the answer, kept as evidence."""

    site: str
    url: str
    reason: str
    fetch: FetchItem | None = None


@dataclass
class ListPageItem:
    """How many document links a list page gave."""

    site: str
    url: str
    links: int
    new_links: int = 0
