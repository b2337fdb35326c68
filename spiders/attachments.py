"""A document's attachments, fetched with it and revisited with it: a new attachment is
fetched whole; a stored one is asked again, with its last answer's validators, whenever its
document is revisited (when the page answers 304 too), because a file can be replaced at
the same URL while the page stays as it was. An unchanged file costs a 304; new bytes
become a version of the document in the archive (``archive.attachments``).

``DocumentAttachments`` is mixed into ``spiders.base.GovSpider``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from scrapy.http import Request, Response

from archive.attachments import KnownAttachment
from crawler.items import AttachmentItem, FetchItem
from crawler.parse_pool import read_attachment_async
from parsers.filenames import attachment_name
from spiders.responses import header


class DocumentAttachments:
    """Requests for a document's attachments, and their answers as attachment items."""

    # Provided by GovSpider and AnswerEvidence, beside this mixin.
    site: Any
    known_attachments: dict[str, dict[str, KnownAttachment]]
    attachment_maxsize: int
    attachment_seconds: float
    parse_workers: Any
    on_error: Callable[..., Any]
    is_allowed: Callable[[str], bool]
    fetch_item: Callable[..., FetchItem]
    redirect_fetches: Callable[[Any], Iterator[FetchItem]]

    def attachment_requests(self, response: Response, record: Any) -> Iterator[Request]:
        """The document's new attachments, and its stored ones asked again (with their
        validators: an unchanged file costs a 304), since a file can be replaced at the
        same URL while the page stays as it was."""
        known = self.known_attachments.get(record.url, {})
        for attachment in record.attachments:
            if attachment.url not in known:
                yield from self.attachment_request(record.url, attachment.url, attachment.name)
        yield from self.attachment_revisits(
            record.url, {a.url: a.name for a in record.attachments if a.url in known}
        )

    def attachment_revisits(self, doc_url: str, linked: dict[str, str]) -> Iterator[Request]:
        """Conditional requests for a document's stored attachments: those the page links
        (``linked``: URL -> name), or every one when the page answered 304 (empty)."""
        for url, known in self.known_attachments.get(doc_url, {}).items():
            if linked and url not in linked:
                continue
            headers = {}
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
            yield from self.attachment_request(doc_url, url, linked.get(url, known.name), headers)

    def attachment_request(
        self, doc_url: str, url: str, name: str, headers: dict[str, str] | None = None
    ) -> Iterator[Request]:
        if not self.is_allowed(url):
            return
        meta: dict[str, Any] = {"kind": "attachment", "document_url": doc_url, "name": name}
        if self.attachment_maxsize:
            meta["download_maxsize"] = self.attachment_maxsize
        yield Request(
            url,
            callback=self.parse_attachment,
            errback=self.on_error,
            meta=meta,
            headers=headers,
        )

    async def parse_attachment(self, response: Response) -> AsyncIterator[Any]:
        for item in self.redirect_fetches(response):
            yield item
        fetch = self.fetch_item(response, "attachment")  # recorded with the item, so a
        # replaced file's event names the answer that brought it
        name = attachment_name(
            response.meta.get("name"), response.url, response.headers.get(b"Content-Disposition")
        )
        validators = {
            "etag": header(response, b"ETag"),
            "last_modified": header(response, b"Last-Modified"),
        }
        if response.status == 304:  # unchanged since the stored file
            yield AttachmentItem(
                site=self.site.name, document_url=response.meta["document_url"],
                url=response.url, name=name, status=304, fetch=fetch, **validators,
            )  # fmt: skip
            return
        content_type = header(response, b"Content-Type")
        read = await read_attachment_async(
            response.body, content_type, name, self.parse_workers, self.attachment_seconds
        )
        yield AttachmentItem(
            site=self.site.name,
            document_url=response.meta["document_url"],
            url=response.url,
            name=name,
            data=response.body,
            content_type=content_type,
            read=read,
            status=response.status,
            fetch=fetch,
            **validators,
        )
