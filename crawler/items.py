"""What spiders hand the pipeline: one item type per thing the archive records."""

from __future__ import annotations

from dataclasses import dataclass, field

from parsers.record import Record


@dataclass
class FetchItem:
    """One request's outcome (a ``fetches`` row); the raw body is kept when given."""

    site: str
    url: str
    kind: str  # list | detail | attachment | sitemap | check
    status: int | None = None
    body: bytes | None = None
    content_type: str | None = None
    elapsed_ms: int | None = None
    error: str | None = None
    keep_raw: bool = False


@dataclass
class DocumentItem:
    """A parsed detail page and the fetch that brought it."""

    site: str
    record: Record
    fetch: FetchItem
    list_date: str | None = None
    etag: str | None = None
    last_modified: str | None = None


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


@dataclass
class SeenItem:
    """A known document that is still there: listed again, or answered 304."""

    site: str
    url: str
    listed: bool = False
    fetched: bool = False


@dataclass
class MissingItem:
    """A known document answered 404/410 or a soft-404 page."""

    site: str
    url: str
    reason: str


@dataclass
class DelistedItem:
    """A known document gone from its complete column listing but still answering."""

    site: str
    url: str


@dataclass
class ListingItem:
    """How many document links a list page gave."""

    site: str
    url: str
    links: int
    new_links: int = 0
    urls: list[str] = field(default_factory=list)
