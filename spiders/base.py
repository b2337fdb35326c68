"""``GovSpider``: what every CMS family shares.

A spider crawls one registry site. It walks the site's column listings (``spiders.walk``:
a shallow walk on most nights, to the end when a full walk is due), follows document links
it has not archived or that are due for a revisit, parses each detail page with
``parsers.parse_page``, follows attachments, and reports every fetch — success or failure —
to the pipeline, which turns them into lifecycle events. What each answer is evidence of:

* a page that parses to a document: the document (new, changed, unchanged, or moved when
  it now answers at another URL);
* 404/410, a not-found or withdrawal page, or a redirect to the home page, a column page or
  an error page: the document is *missing* (the pipeline counts it only when the site's
  listing answered this run);
* a maintenance page, 5xx, a timeout: nothing about the document;
* absence from a complete and plausible walk of every column, while the URL still answers:
  *delisted*.

Family subclasses only say how a list page gives its items and pages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response

from archive.attachments import KnownAttachment
from archive.evidence import Verdict
from archive.store import ColumnHistory, KnownDocument, now_iso, parse_iso
from crawler.items import (
    DocumentItem,
    SeenItem,
)
from crawler.parse_pool import ParsedAnswer, PreviousCapture, parse_async, workers_for
from crawler.redirects import refusal
from crawler.render import (
    browser_settings,
    context_guard,
    looks_like_challenge,
    origin_guard,
    render_in_browser,
)
from parsers.listing import ListItem
from parsers.page import PageLimitError
from parsers.urls import SESSION_PATH_PARAM, canonical_url, same_path_key
from spiders.attachments import DocumentAttachments
from spiders.columns import ColumnListings
from spiders.evidence import AnswerEvidence
from spiders.images import ContentImages
from spiders.registry import Site, find_site, load_registry
from spiders.responses import charset, header, looks_binary
from spiders.revisit import revisit_due
from spiders.session_params import SessionParams
from spiders.site_state import SiteState
from spiders.walk import ColumnWalk, full_walk_due


class GovSpider(ColumnListings, AnswerEvidence, ContentImages, DocumentAttachments, scrapy.Spider):
    """Base spider for one registry site; subclasses set ``name`` and ``family``."""

    family = ""
    # 304 (conditional revisits) reaches the callbacks. Redirects are followed by
    # crawler.redirects, which keeps each hop for the callback to record and ends a loop,
    # a chain too long or an offsite target with a named reason (on_error).
    handle_httpstatus_list = [304]

    def __init__(
        self,
        site: Site | str | None = None,
        sites: str | None = None,
        full: str | bool = False,
        *args: Any,
        site_state: SiteState | None = None,
        **kwargs: Any,
    ) -> None:
        """``site_state``: what the archive knows of the site, when the crawl runs where the
        archive is not (a queued job); otherwise it is read from ``GOVARCHIVE_DB``."""
        super().__init__(*args, **kwargs)
        self.site_state = site_state
        self.site: Site = site if isinstance(site, Site) else self._registry_site(site, sites)
        if self.site.family != self.family:
            raise ValueError(
                f"site {self.site.name!r} is family {self.site.family!r}, not {self.family!r}"
            )
        self.allowed_domains = list(self.site.allowed_domains)
        self.allowed_ports = self.site.allowed_ports
        self.forced_full = full in (True, "1", "true", "yes")
        self.full_walk = self.forced_full
        self.known: dict[str, KnownDocument] = {}
        self.known_by_path: dict[str, KnownDocument] = {}
        self.former_urls: dict[str, str] = {}
        self.session = SessionParams(self.site.ignore_params, ())
        self.known_attachments: dict[str, dict[str, KnownAttachment]] = {}
        self.known_images: set[str] = set()
        self.robots_answers: list[dict[str, Any]] = []
        self.history: dict[str, ColumnHistory] = {}
        self.listed: set[str] = set()
        self.requested: set[str] = set()
        self.walks: dict[str, ColumnWalk] = {}
        self.verdicts: dict[str, Verdict] = {}
        self.checks_scheduled = False
        self.now = now_iso()
        self.parse_workers = 0
        self.attachment_seconds = 60.0
        self.gone_after = timedelta(hours=24)

    def _registry_site(self, name: str | None, sites: str | None) -> Site:
        registry = load_registry(sites)
        if name is None:
            choices = ", ".join(s.name for s in registry if s.family == self.family)
            raise ValueError(f"pass -a site=NAME; sites of family {self.family}: {choices}")
        return find_site(registry, name)

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
        self.forced_full = self.forced_full or settings.getbool("GOVARCHIVE_FULL_WALK")
        self.db_path = settings.get("GOVARCHIVE_DB")
        self.revisit_days = settings.getfloat("GOVARCHIVE_REVISIT_DAYS", 0) or site.revisit_days
        self.gone_after = timedelta(hours=settings.getfloat("GOVARCHIVE_GONE_AFTER_HOURS", 24.0))
        self.attachment_maxsize = settings.getint("GOVARCHIVE_ATTACHMENT_MAXSIZE")
        self.attachment_seconds = settings.getfloat("GOVARCHIVE_ATTACHMENT_SECONDS", 60.0)
        self.parse_workers = workers_for(settings)
        self.render_settle_ms = settings.getint("GOVARCHIVE_RENDER_SETTLE_MS", 20_000)
        self.browser_guard: Any = None  # crawler.render.context_guard, for rendered sites
        if site.render == "browser":
            domains, ports = list(site.allowed_domains), site.allowed_ports
            browser = browser_settings(self.render_settle_ms, domains, ports)
            for name, value in browser.items():
                settings.set(name, value, priority="spider")
            self.browser_guard = context_guard(origin_guard(domains, ports))

    def page_request(self, url: str, callback: Any, meta: dict[str, Any], **kwargs: Any) -> Request:
        """A list or document page request, through ``prepare``."""
        return self.prepare(
            Request(url, callback=callback, errback=self.on_error, meta=meta, **kwargs)
        )

    def prepare(self, request: Request) -> Request:
        """Every page request passes here: a ``render: browser`` site's go to Chromium."""
        if self.site.render == "browser":
            render_in_browser(request, self.render_settle_ms, self.browser_guard)
        return request

    async def start(self) -> AsyncIterator[Any]:
        self.load_known()
        self.full_walk = self.forced_full or full_walk_due(
            self.site.start_urls,
            self.history,
            self.now,
            timedelta(days=self.site.full_walk_days),
        )
        for url in self.site.start_urls:
            self.walks[url] = ColumnWalk(url, full=self.full_walk)
            yield self.list_request(url, column=url)
        for url in self.site.sitemap_urls:
            yield Request(
                url,
                callback=self.parse_sitemap,
                errback=self.on_error,
                meta={"kind": "sitemap"},
                dont_filter=True,
            )

    def load_known(self) -> None:
        state = self.site_state
        if state is None and self.db_path:
            state = SiteState.read_file(self.db_path, self.site.name)
        if state is None:
            return
        self.known = state.known
        self.known_attachments = state.known_attachments
        self.known_images = set(state.known_images)
        self.history = state.history
        self.former_urls = state.former_urls
        self.known_by_path = {same_path_key(url): doc for url, doc in self.known.items()}
        self.session = SessionParams(self.site.ignore_params, self.known)

    def key_of(self, url: str) -> str:
        """The archive key of a document link: its canonical URL; the known document's URL
        when only the scheme or port differs (a site moved to https), when only session
        parameters differ (``spiders.session_params``), or when the link is a URL the
        document had before it moved (a listing still linking the old address); a new
        document's URL without session parameters."""
        key = canonical_url(url)
        if key in self.known:
            return key
        if self.former_urls.get(key) in self.known:
            return self.former_urls[key]
        same = self.session.resolve(key)
        if same is not None:
            return same
        twin = self.known_by_path.get(same_path_key(key))
        return twin.url if twin is not None else self.session.strip(key)

    def is_allowed(self, url: str) -> bool:
        """May the crawl fetch ``url``? Read exactly as the downloader will read it
        (w3lib's ``safe_url_string``: a backslash is a path separator, so
        ``http://127.0.0.1:8000\\@allowed.host/`` is 127.0.0.1): http or https, an allowed
        host, and a port the registry allows."""
        return refusal(url, self.allowed_domains, self.allowed_ports) is None

    def is_due(self, known: KnownDocument) -> bool:
        if known.missing_since or known.status in ("missing", "gone"):
            return True  # an open absence is checked on every crawl
        if not known.last_fetched:
            return True
        return revisit_due(
            known.url, parse_iso(known.last_fetched), parse_iso(self.now), self.revisit_days
        )

    def follow(
        self, item: ListItem, listing_url: str | None = None, key: str | None = None
    ) -> Iterator[Any]:
        """Follow one listed link; ``key`` is its archive key when already worked out."""
        url = canonical_url(item.url)
        key = key or self.key_of(item.url)
        first_time = key not in self.listed
        self.listed.add(key)
        known = self.known.get(key)
        if known is not None and first_time:
            yield SeenItem(self.site.name, key, listed=True, listing_url=listing_url)
        moved = known is not None and self.session.strip(key) != self.session.strip(url)
        redated = bool(known and item.date and known.list_date and item.date != known.list_date)
        if known is None or moved or redated or self.is_due(known):
            if key not in self.requested:
                # Asked for without a session id in its path (``;jsessionid=…``): the page is
                # the same, and a stale session's id may be refused.
                yield self.detail_request(
                    self.session.strip(SESSION_PATH_PARAM.sub("", item.url)),
                    doc_url=key,
                    list_date=item.date,
                    list_title=item.title,
                    known=known,
                    moved=moved,
                )

    # --- detail pages ----------------------------------------------------------------------
    def detail_request(
        self,
        url: str,
        *,
        doc_url: str | None = None,
        list_date: str | None = None,
        list_title: str | None = None,
        known: KnownDocument | None = None,
        kind: str = "detail",
        moved: bool = False,
    ) -> Request:
        doc_url = doc_url or canonical_url(url)
        self.requested.add(doc_url)
        headers = {}
        conditional = known is not None and known.status == "live" and not known.missing_since
        if conditional and kind == "detail" and not moved:
            assert known is not None
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
        meta = {
            "kind": kind,
            "doc_url": doc_url,
            "list_date": list_date,
            "list_title": list_title,
            "moved": moved,
        }
        return self.page_request(url, self.parse_detail, meta, headers=headers)

    async def parse_detail(self, response: Response) -> AsyncIterator[Any]:
        kind = response.meta.get("kind", "detail")
        doc_url = response.meta.get("doc_url") or canonical_url(response.url)
        for item in self.redirect_fetches(response):
            yield item
        unparsed = self.answer_before_parsing(response, kind, doc_url)
        if unparsed is not None:
            yield unparsed
            if response.status == 304:  # the page is unchanged; its files may not be
                for request in self.attachment_revisits(doc_url, {}):
                    yield request
            return
        try:
            parsed = await parse_async(
                response.body,
                response.url,
                charset(response),
                self.parse_workers,
                self.previous_capture(doc_url),
            )
        except PageLimitError as exc:  # over a work limit: named, raw page kept
            yield self.fetch_item(response, kind, error=exc.reason, keep_raw=True)
            return
        except Exception as exc:  # noqa: BLE001 - a page that breaks the parser is recorded
            # The raw page is kept: a re-parse with fixed parsers can still archive it.
            error = f"parse-error: {type(exc).__name__}"
            yield self.fetch_item(response, kind, error=error, keep_raw=True)
            return
        record = parsed.record
        not_a_document = self.not_a_document(response, record, kind, doc_url)
        if not_a_document is None:
            not_a_document = self.landed_elsewhere(response, record, kind, doc_url)
        if not_a_document is not None:
            yield not_a_document
            return
        yield self.document_item(response, kind, doc_url, parsed)
        for request in self.attachment_requests(response, record):
            yield request
        for request in self.image_requests(record):
            yield request

    def answer_before_parsing(self, response: Response, kind: str, doc_url: str) -> Any | None:
        """What an answer is when it needs no parsing: a browser error page (a refused
        navigation), 304 Not Modified, a redirect to the home page or a column, a binary
        body, a JavaScript challenge. None: parse it."""
        refused = self.left_the_web(response)
        if refused is not None:
            return refused
        if response.status == 304:
            fetch = self.fetch_item(response, kind)
            return SeenItem(self.site.name, doc_url, fetched=True, fetch=fetch)
        landed = self.redirect_landing(response)
        if landed:
            return self.missing(response, kind, doc_url, landed)
        if looks_binary(response.body):
            return self.fetch_item(response, kind, error="not-html")
        if looks_like_challenge(response.body):
            return self.fetch_item(response, kind, error="js-challenge", keep_raw=True)
        return None

    def previous_capture(self, doc_url: str) -> PreviousCapture | None:
        """Where a known document's archived record came from, for the parse worker to
        compare today's page with (None: a new document, no capture kept, or no archive
        file on this machine)."""
        known = self.known.get(doc_url)
        if known is None or not (self.db_path and known.raw_sha256 and known.content_hash):
            return None
        return PreviousCapture(str(self.db_path), known.raw_sha256, known.content_hash)

    def document_item(
        self, response: Response, kind: str, doc_url: str, parsed: ParsedAnswer
    ) -> DocumentItem:
        record = parsed.record
        final_url = canonical_url(response.url)
        moved_from = moved_via = None
        if final_url != doc_url and doc_url in self.known:
            moved_from = doc_url
            moved_via = "redirect" if response.meta.get("redirect_urls") else "same-path"
        record.url = final_url
        evidence = None
        if kind == "check" and doc_url not in self.listed:
            evidence = self.delisting_evidence()
        return DocumentItem(
            site=self.site.name,
            record=record,
            fetch=self.fetch_item(response, kind, keep_raw=True),
            list_date=response.meta.get("list_date"),
            etag=header(response, b"ETag"),
            last_modified=header(response, b"Last-Modified"),
            moved_from=moved_from,
            moved_via=moved_via,
            delisted_evidence=evidence,
            reparsed=parsed.reparsed,
            # Without the archive file (a crawl on another machine), or when the parse
            # worker could not read it, the recorder compares.
            compared=parsed.compared and (bool(self.db_path) or doc_url not in self.known),
        )
