"""Images inside a document's content, captured with it: a document page shows the archived
copies, never the live site's (which may have changed, and which a reader's browser would
otherwise call out to).

``ContentImages`` is mixed into ``spiders.base.GovSpider``. After a document is parsed, the
``<img src>`` of its clean content (``record.body_html``, where URLs are absolute) are
fetched — at most ``parsers.sanitize.MAX_IMAGES`` a document, each at most
``IMAGE_MAXSIZE`` bytes, on the site's own hosts, never one the archive already holds — and kept as ``image`` fetches
(bodies in the file store, by SHA-256).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from scrapy.http import Request, Response

from crawler.items import FetchItem
from parsers.sanitize import content_images

IMAGE_MAXSIZE = 5 * 1024 * 1024


class ContentImages:
    """Requests for a document's content images, and their answers as fetches."""

    # Provided by GovSpider and AnswerEvidence, beside this mixin.
    known_images: set[str]
    on_error: Callable[..., Any]
    is_allowed: Callable[[str], bool]
    fetch_item: Callable[..., FetchItem]
    redirect_fetches: Callable[[Any], Iterator[FetchItem]]

    def image_requests(self, record: Any) -> Iterator[Request]:
        for url in content_images(record.body_html):
            if url in self.known_images or not self.is_allowed(url):
                continue
            self.known_images.add(url)
            meta = {"kind": "image", "document_url": record.url, "download_maxsize": IMAGE_MAXSIZE}
            yield Request(url, callback=self.parse_image, errback=self.on_error, meta=meta)

    async def parse_image(self, response: Response) -> AsyncIterator[Any]:
        for item in self.redirect_fetches(response):
            yield item
        yield self.fetch_item(response, "image", keep_raw=True)
