"""``ColumnListings``: how a ``GovSpider`` walks its site's columns: list pages requested
in order and read for their document links (or a sitemap), each column's walk recorded
(``spiders.walk``), and once the listing is done, its verdict: a believed walk has every
unlisted known document checked (delisted or missing); otherwise only those due are."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import scrapy
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response

from archive.evidence import Verdict, verdict
from archive.store import WalkRecord
from crawler.items import ListPageItem
from crawler.render import looks_like_challenge
from parsers.listing import ListItem, ListPage
from parsers.page_state import visible_text
from parsers.selectors import MAINTENANCE_PAGE
from parsers.urls import canonical_url
from spiders.walk import (
    ColumnWalk,
    add_pages,
    next_page,
    record_failure,
    record_page,
    walk_record,
)


class ColumnListings:
    """The column walk of a ``GovSpider`` (which provides what is declared here)."""

    site: Any
    walks: dict[str, ColumnWalk]
    verdicts: dict[str, Verdict]
    history: dict[str, Any]
    known: dict[str, Any]
    listed: set[str]
    requested: set[str]
    session: Any
    crawler: Any
    full_walk: bool
    checks_scheduled: bool
    now: Any
    gone_after: Any
    page_request: Callable[..., Request]
    redirect_fetches: Callable[[Any], Iterator[Any]]
    left_the_web: Callable[[Response], Any]
    fetch_item: Callable[..., Any]
    is_allowed: Callable[[str], bool]
    is_due: Callable[[Any], bool]
    key_of: Callable[[str], str]
    follow: Callable[..., Iterator[Any]]
    detail_request: Callable[..., Request]
    on_error: Callable[..., Any]

    # --- list pages ----------------------------------------------------------------------
    def list_request(self, url: str, column: str, **kwargs: Any) -> Request:
        meta = {"kind": "list", "column": column, **kwargs.pop("meta", {})}
        return self.page_request(url, self.parse_list, meta, dont_filter=True, **kwargs)

    def list_page(self, response: Response) -> ListPage:  # pragma: no cover - abstract
        raise NotImplementedError

    def expects_links(self, response: Response) -> bool:
        """Whether this list page must hold document links to be a healthy listing."""
        return True

    def next_list_requests(
        self, response: Response, page: ListPage, walk: ColumnWalk
    ) -> Iterable[Request]:
        """The column's next list page, in order, until the walk stops."""
        add_pages(walk, page.page_urls)
        url = next_page(walk, self.site.max_pages)
        return [] if url is None else [self.list_request(url, column=walk.start_url)]

    def parse_list(self, response: Response) -> Iterator[Any]:
        yield from self.redirect_fetches(response)
        refused = self.left_the_web(response)
        if refused is not None:
            yield refused
            return
        walk = self.walks.setdefault(
            response.meta["column"], ColumnWalk(response.meta["column"], full=self.full_walk)
        )
        page = self.list_page(response)
        items = [item for item in page.items if self.is_allowed(item.url)]
        if not items and looks_like_challenge(response.body):
            yield self.fetch_item(response, "list", error="js-challenge", keep_raw=True)
            record_failure(walk, response.url, "js-challenge")
            return
        if not items and MAINTENANCE_PAGE.search(visible_text(response.body)[:2000]):
            yield self.fetch_item(response, "list", error="maintenance-page")
            record_failure(walk, response.url, "maintenance-page")
            return
        yield self.fetch_item(response, "list")
        self.session.learn([canonical_url(item.url) for item in items])
        keys = [self.key_of(item.url) for item in items]
        new = [key for key in keys if key not in self.known]
        record_page(walk, response.url, page, keys, new, self.expects_links(response))
        yield ListPageItem(self.site.name, response.url, len(items), len(new))
        for item, key in zip(items, keys, strict=True):
            yield from self.follow(item, listing_url=response.url, key=key)
        yield from self.next_list_requests(response, page, walk)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        from scrapy.utils.sitemap import Sitemap

        yield from self.redirect_fetches(response)
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
                    meta={"kind": "sitemap"},
                )
            return
        items = [ListItem(url=u, title="", date=None) for u in urls if self.is_allowed(u)]
        yield ListPageItem(self.site.name, response.url, len(items))
        for item in items:
            yield from self.follow(item, listing_url=response.url)

    # --- the end of the walk -------------------------------------------------------------
    @property
    def listing_complete(self) -> bool:
        """Every column was walked to its end, and every walk is believed."""
        return bool(self.verdicts) and all(v.complete for v in self.verdicts.values())

    @property
    def listing_answered(self) -> bool:
        """Every column's first list page answered with document links: the site was up,
        so a document's 404 tonight is evidence about that document."""
        return bool(self.walks) and all(w.answered for w in self.walks.values())

    def walk_records(self) -> list[WalkRecord]:
        return [
            walk_record(self.site.name, walk, self.verdicts.get(url) or Verdict(False))
            for url, walk in self.walks.items()
        ]

    def judge_walks(self) -> None:
        for url, walk in self.walks.items():
            self.verdicts[url] = verdict(
                walk,
                self.history.get(url),
                now=self.now,
                max_drop=self.site.max_listing_drop,
                confirm_after=self.gone_after,
            )

    def on_idle(self, spider: scrapy.Spider) -> None:
        """Once the listing is done: judge it, then check known documents not listed."""
        if spider is not self or self.checks_scheduled:
            return
        self.checks_scheduled = True
        self.judge_walks()
        requests = list(self.check_requests())
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider

    def check_requests(self) -> Iterator[Request]:
        """A believed walk: every unlisted known document is checked (delisted or missing).
        Otherwise only those due for a revisit are fetched, and nothing is decided."""
        complete = self.listing_complete
        for url, known in self.known.items():
            if url in self.requested or url in self.listed or known.status == "gone":
                continue
            if complete:
                yield self.detail_request(url, known=known, kind="check")
            elif self.is_due(known):
                yield self.detail_request(url, known=known)
