"""``GovSpider``: what every CMS family shares.

A spider crawls one registry site. It walks the site's column pages, follows document
links it has not archived (or that are due for a revisit, with conditional requests),
parses each detail page with ``parsers.parse_page``, follows attachments, and reports
every fetch — success or failure — to the pipeline. When the listing was walked to its
end, known documents no longer listed are checked: 404/410 means missing, a live page
means delisted. Family subclasses only say how a list page gives its items and pages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archive import Archive
from archive.store import KnownDocument, now_iso, parse_iso
from crawler.items import (
    AttachmentItem,
    DelistedItem,
    DocumentItem,
    FetchItem,
    ListingItem,
    MissingItem,
    SeenItem,
)
from crawler.parsing import default_workers, parse_async
from parsers.filenames import attachment_name
from parsers.listing import ListItem, ListPage
from parsers.page import looks_missing
from spiders.registry import Site, find_site, load_registry

# Known-only list pages in a row after which paging a column stops.
KNOWN_PAGES_TO_STOP = 2
MISSING_STATUSES = (404, 410)
REDIRECT_STATUSES = (301, 302, 303, 307, 308)


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
    if "max redirections" in text:
        return "redirect-limit", None
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


def _charset(response: Response) -> str | None:
    content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
    for part in content_type.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


def _looks_binary(body: bytes) -> bool:
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


class GovSpider(scrapy.Spider):
    """Base spider for one registry site; subclasses set ``name`` and ``family``."""

    family = ""
    # 304 (conditional revisits) and redirects reach the callbacks: the spider follows
    # redirects itself, so loops, limits and offsite targets are recorded as fetches.
    handle_httpstatus_list = [304, *REDIRECT_STATUSES]

    def __init__(
        self,
        site: str | None = None,
        sites: str | None = None,
        full: str | bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        registry = load_registry(sites)
        if site is None:
            choices = ", ".join(s.name for s in registry if s.family == self.family)
            raise ValueError(f"pass -a site=NAME; sites of family {self.family}: {choices}")
        self.site: Site = find_site(registry, site)
        if self.site.family != self.family:
            raise ValueError(f"site {site!r} is family {self.site.family!r}, not {self.family!r}")
        self.allowed_domains = list(self.site.allowed_domains)
        self.full_walk = full in (True, "1", "true", "yes")
        self.known: dict[str, KnownDocument] = {}
        self.known_attachments: set[tuple[str, str]] = set()
        self.listed: set[str] = set()
        self.requested: set[str] = set()
        self.columns: dict[str, dict[str, Any]] = {}
        self.checks_scheduled = False
        self.now = now_iso()
        self.parse_workers = 0
        self.max_redirects = 5

    # --- Scrapy wiring -------------------------------------------------------------------
    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> GovSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.apply_site_settings(crawler)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    def apply_site_settings(self, crawler: Crawler) -> None:
        """Per-site politeness from the registry (settings may change in from_crawler)."""
        settings = crawler.settings
        site = self.site
        settings.set("DOWNLOAD_DELAY", site.delay, priority="spider")
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", site.concurrency, priority="spider")
        if site.delay == 0:
            settings.set("AUTOTHROTTLE_ENABLED", False, priority="spider")
        if not site.obey_robots:
            settings.set("ROBOTSTXT_OBEY", False, priority="spider")
        self.now = settings.get("GOVARCHIVE_NOW") or now_iso()
        self.full_walk = self.full_walk or settings.getbool("GOVARCHIVE_FULL_WALK")
        self.db_path = settings.get("GOVARCHIVE_DB")
        self.revisit = timedelta(
            days=settings.getfloat("GOVARCHIVE_REVISIT_DAYS", 0) or site.revisit_days
        )
        self.attachment_maxsize = settings.getint("GOVARCHIVE_ATTACHMENT_MAXSIZE")
        self.max_redirects = settings.getint("REDIRECT_MAX_TIMES", 5)
        workers = settings.get("GOVARCHIVE_PARSE_WORKERS")
        self.parse_workers = default_workers() if workers in (None, "") else int(workers)

    async def start(self) -> AsyncIterator[Any]:
        self.load_known()
        for url in self.site.start_urls:
            self.columns[url] = {"pages": [], "index": 0, "streak": 0, "complete": False}
            yield self.list_request(url, column=url)
        for url in self.site.sitemap_urls:
            yield Request(
                url,
                callback=self.parse_sitemap,
                errback=self.on_error,
                meta={"kind": "sitemap", "dont_redirect": True},
                dont_filter=True,
            )

    def load_known(self) -> None:
        if not self.db_path:
            return
        with Archive(self.db_path) as archive:
            self.known = archive.known_documents(self.site.name)
            self.known_attachments = archive.known_attachment_urls(self.site.name)

    # --- list pages ----------------------------------------------------------------------
    def list_request(self, url: str, column: str, **kwargs: Any) -> Request:
        meta = {"kind": "list", "column": column, "dont_redirect": True, **kwargs.pop("meta", {})}
        return Request(
            url,
            callback=self.parse_list,
            errback=self.on_error,
            meta=meta,
            dont_filter=True,
            **kwargs,
        )

    def parse_listing(self, response: Response) -> ListPage:  # pragma: no cover - abstract
        raise NotImplementedError

    def next_list_requests(self, response: Response, page: ListPage) -> Iterable[Request]:
        """The next list page of this column: in order, stopping after known-only pages."""
        column = self.columns[response.meta["column"]]
        visited: set[str] = column.setdefault("visited", set())
        visited.add(response.url)
        for url in page.page_urls:
            if url not in visited and url not in column["pages"]:
                column["pages"].append(url)
        if not column["pages"]:
            column["complete"] = True
            return []
        if self.site.max_pages and column["index"] + 1 >= self.site.max_pages:
            return []
        if not self.full_walk and column["streak"] >= KNOWN_PAGES_TO_STOP:
            return []
        nxt = column["pages"].pop(0)
        visited.add(nxt)
        column["index"] += 1
        return [self.list_request(nxt, column=response.meta["column"])]

    def parse_list(self, response: Response) -> Iterator[Any]:
        if response.status in REDIRECT_STATUSES:
            yield from self.redirect(response)
            return
        yield self.fetch_item(response, "list")
        page = self.parse_listing(response)
        column = self.columns.setdefault(
            response.meta["column"], {"pages": [], "index": 0, "streak": 0, "complete": False}
        )
        items = [item for item in page.items if self.is_allowed(item.url)]
        new = [item for item in items if item.url not in self.known]
        column["streak"] = column["streak"] + 1 if items and not new else 0
        yield ListingItem(self.site.name, response.url, len(items), len(new))
        for item in items:
            yield from self.follow(item)
        yield from self.next_list_requests(response, page)

    def is_allowed(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    def is_due(self, known: KnownDocument) -> bool:
        if not known.last_fetched:
            return True
        return parse_iso(self.now) - parse_iso(known.last_fetched) >= self.revisit

    def follow(self, item: ListItem) -> Iterator[Any]:
        url = item.url
        first_time = url not in self.listed
        self.listed.add(url)
        known = self.known.get(url)
        relisted = known is not None and known.status != "live"
        redated = bool(known and item.date and known.list_date and item.date != known.list_date)
        if known is None or relisted or redated or self.is_due(known):
            if url not in self.requested:
                yield self.detail_request(url, list_date=item.date, known=known)
        elif first_time:
            yield SeenItem(self.site.name, url, listed=True)

    # --- detail pages ----------------------------------------------------------------------
    def detail_request(
        self,
        url: str,
        list_date: str | None = None,
        known: KnownDocument | None = None,
        kind: str = "detail",
    ) -> Request:
        self.requested.add(url)
        headers = {}
        if known is not None and known.status == "live" and kind == "detail":
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
        return Request(
            url,
            callback=self.parse_detail,
            errback=self.on_error,
            headers=headers,
            meta={"kind": kind, "list_date": list_date, "dont_redirect": True},
        )

    async def parse_detail(self, response: Response) -> AsyncIterator[Any]:
        kind = response.meta.get("kind", "detail")
        site = self.site.name
        if response.status in REDIRECT_STATUSES:
            for item in self.redirect(response):
                yield item
            return
        if response.status == 304:
            yield self.fetch_item(response, kind)
            yield SeenItem(site, response.url, fetched=True)
            return
        if _looks_binary(response.body):
            yield self.fetch_item(response, kind, error="not-html")
            return
        try:
            record = await parse_async(
                response.body, response.url, _charset(response), self.parse_workers
            )
        except Exception as exc:  # noqa: BLE001 - a page that breaks the parser is recorded
            yield self.fetch_item(response, kind, error=f"parse-error: {type(exc).__name__}")
            return
        if looks_missing(record):
            yield self.fetch_item(response, kind, error="soft-404")
            yield MissingItem(site, response.url, "soft-404")
            return
        if not record.body_text.strip() and not record.attachments:
            yield self.fetch_item(response, kind, error="empty-page")
            return
        fetch = self.fetch_item(response, kind, keep_raw=True)
        yield DocumentItem(
            site=site,
            record=record,
            fetch=fetch,
            list_date=response.meta.get("list_date"),
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
        )
        if kind == "check" and response.url not in self.listed:
            yield DelistedItem(site, response.url)
        for attachment in record.attachments:
            if (response.url, attachment.url) in self.known_attachments:
                continue
            if not self.is_allowed(attachment.url):
                continue
            meta: dict[str, Any] = {
                "kind": "attachment",
                "dont_redirect": True,
                "document_url": response.url,
                "name": attachment.name,
            }
            if self.attachment_maxsize:
                meta["download_maxsize"] = self.attachment_maxsize
            yield Request(
                attachment.url, callback=self.parse_attachment, errback=self.on_error, meta=meta
            )

    def parse_attachment(self, response: Response) -> Iterator[Any]:
        if response.status in REDIRECT_STATUSES:
            yield from self.redirect(response)
            return
        yield self.fetch_item(response, "attachment")
        name = attachment_name(
            response.meta.get("name"), response.url, response.headers.get(b"Content-Disposition")
        )
        yield AttachmentItem(
            site=self.site.name,
            document_url=response.meta["document_url"],
            url=response.url,
            name=name,
            data=response.body,
            content_type=_header(response, b"Content-Type"),
        )

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        from scrapy.utils.sitemap import Sitemap

        if response.status in REDIRECT_STATUSES:
            yield from self.redirect(response)
            return
        yield self.fetch_item(response, "sitemap")
        try:
            sitemap = Sitemap(response.body)
        except Exception as exc:  # noqa: BLE001 - any malformed XML
            yield self.fetch_item(response, "sitemap", error=f"bad-sitemap: {type(exc).__name__}")
            return
        urls = [entry["loc"] for entry in sitemap if entry.get("loc")]
        if sitemap.type == "sitemapindex":
            for url in urls:
                yield Request(
                    url,
                    callback=self.parse_sitemap,
                    errback=self.on_error,
                    meta={"kind": "sitemap", "dont_redirect": True},
                )
            return
        items = [ListItem(url=u, title="", date=None) for u in urls if self.is_allowed(u)]
        yield ListingItem(self.site.name, response.url, len(items))
        for item in items:
            yield from self.follow(item)

    # --- redirects ---------------------------------------------------------------------
    def redirect(self, response: Response) -> Iterator[Any]:
        """Follow a 3xx ourselves: a loop, too many hops or an offsite target is recorded
        against the first URL of the chain, and nothing is followed."""
        chain: list[str] = [*response.meta.get("redirect_chain", []), response.url]
        kind = response.meta.get("kind", "detail")
        location = response.headers.get(b"Location")
        target = urljoin(response.url, location.decode("latin-1").strip()) if location else None
        error = None
        if target is None:
            error = "redirect-without-location"
        elif target in chain:
            error = "redirect-loop"
        elif len(chain) > self.max_redirects:
            error = "redirect-limit"
        elif not self.is_allowed(target):
            error = "offsite-redirect"
        yield self.fetch_item(response, kind)
        if error:
            yield FetchItem(self.site.name, chain[0], kind, status=response.status, error=error)
            return
        meta = {**response.meta, "redirect_chain": chain}
        if response.status == 303 or (
            response.status in (301, 302) and response.request.method == "POST"
        ):
            yield response.request.replace(
                url=target, method="GET", body=b"", meta=meta, dont_filter=True
            )
        else:
            yield response.request.replace(url=target, meta=meta, dont_filter=True)

    # --- failures ----------------------------------------------------------------------
    def on_error(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        kind = request.meta.get("kind", "detail")
        reason, status = failure_reason(failure)
        yield FetchItem(self.site.name, request.url, kind, status=status, error=reason)
        if kind in ("detail", "check") and status in MISSING_STATUSES:
            yield MissingItem(self.site.name, request.url, reason)
        if kind == "attachment":
            yield AttachmentItem(
                site=self.site.name,
                document_url=request.meta["document_url"],
                url=request.url,
                name=attachment_name(request.meta.get("name"), request.url),
                error=reason,
            )

    def fetch_item(
        self, response: Response, kind: str, error: str | None = None, keep_raw: bool = False
    ) -> FetchItem:
        latency = response.meta.get("download_latency")
        return FetchItem(
            site=self.site.name,
            url=response.url,
            kind=kind,
            status=response.status,
            body=response.body,
            content_type=_header(response, b"Content-Type"),
            elapsed_ms=None if latency is None else int(latency * 1000),
            error=error,
            keep_raw=keep_raw,
        )

    # --- the end of the walk -------------------------------------------------------------
    @property
    def listing_complete(self) -> bool:
        return bool(self.columns) and all(c["complete"] for c in self.columns.values())

    def on_idle(self, spider: scrapy.Spider) -> None:
        """Once the listing is done: check known documents that were not listed or are due."""
        if spider is not self or self.checks_scheduled:
            return
        self.checks_scheduled = True
        requests = list(self.check_requests())
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider

    def check_requests(self) -> Iterator[Request]:
        complete = self.listing_complete
        for url, known in self.known.items():
            if url in self.requested or url in self.listed or known.status == "gone":
                continue
            if complete:
                yield self.detail_request(url, known=known, kind="check")
            elif self.is_due(known) or known.status != "live":
                yield self.detail_request(url, known=known)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
