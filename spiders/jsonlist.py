"""Columns served as JSON: a list API or a column JSON file (Hubei-style ``*.json``
columns, lists a page's script renders from a data URL). Where the records are and what
their fields are called comes from the registry::

    family: json
    start_urls: ['https://www.example.gov.cn/api/column/123?page=1']
    options:
      items: data.list          # dotted path to the records ("" for a top-level list)
      url: link                 # each record's document URL (default "url")
      title: title              # (default "title")
      date: pubDate             # optional; a date string or epoch (milli)seconds
      total_records: data.total # optional, what the walk checks its count against
      total_pages: data.pages   # optional
      page_url: 'https://www.example.gov.cn/api/column/123?page={page}'
      first_page: 1             # the {page} of the start URL (default 1)
      per_page: 20              # optional; else the first page's record count
      data_url: "dataUrl\\s*:\\s*'([^']+)'"  # optional, for an HTML column page (below)

A column page that renders its list with JavaScript from a data URL written in the page:
start at the column page and give ``data_url``, a regular expression whose first group is
that URL; the walk continues at the data URL.

The next pages are ``page_url`` with ``{page}`` from ``first_page + 1`` up to the declared
page count (or records / per page); without a declared total only the first page is read.
"""

from __future__ import annotations

import html
import math
import re
from typing import Any
from urllib.parse import urljoin

from scrapy.http import Response

from parsers.decode import decode_html
from parsers.listing import JsonFields, ListPage, parse_json_list
from spiders.base import GovSpider


def json_fields(options: dict[str, Any]) -> JsonFields:
    """The record paths a registry entry's options name (defaults for the rest)."""
    return JsonFields(
        items=str(options.get("items", "")),
        url=str(options.get("url", "url")),
        title=str(options.get("title", "title")),
        date=options.get("date"),
        total_records=options.get("total_records"),
        total_pages=options.get("total_pages"),
    )


def declared_pages(page: ListPage, per_page: int | None) -> int | None:
    """The column's page count: declared, or its records over the records per page."""
    if page.total_pages is not None or page.total_records is None or not per_page:
        return page.total_pages
    return math.ceil(page.total_records / per_page)


def next_page_urls(
    pages: int | None, page_url: str | None, first_page: int, max_pages: int
) -> list[str]:
    """Every page after the first, up to ``pages`` (none when it is unknown)."""
    if not page_url or not pages:
        return []
    last = first_page + min(pages, max_pages) - 1
    return [page_url.format(page=n) for n in range(first_page + 1, last + 1)]


class JsonListSpider(GovSpider):
    """A site whose columns answer JSON: ``scrapy crawl json -a site=NAME``."""

    name = "json"
    family = "json"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Records per page of each column, as its first page held them.
        self.page_sizes: dict[str, int] = {}

    def fields(self) -> JsonFields:
        return json_fields(self.site.options)

    def page_url(self, response: Response) -> str | None:
        return self.site.options.get("page_url")

    def is_column_page(self, response: Response) -> bool:
        """The HTML column page of a ``data_url`` site (it names the data, holds none)."""
        return bool(self.site.options.get("data_url")) and response.url == response.meta.get(
            "column"
        )

    def expects_links(self, response: Response) -> bool:
        return not self.is_column_page(response)

    def list_page(self, response: Response) -> ListPage:
        if self.is_column_page(response):
            text, _ = decode_html(response.body)
            found = re.search(self.site.options["data_url"], text)
            data = html.unescape(found.group(1)) if found and found.groups() else None
            return ListPage(page_urls=[urljoin(response.url, data)] if data else [])
        page = parse_json_list(response.body, response.url, self.fields())
        # Records per page: the registry's, else what the column's first page held (a last,
        # shorter page must not make the column look longer).
        column = response.meta.get("column", response.url)
        size = self.site.options.get("per_page") or self.page_sizes.setdefault(
            column, len(page.items)
        )
        page.total_pages = declared_pages(page, size)
        first_page = int(self.site.options.get("first_page", 1))
        page.page_urls = [
            urljoin(response.url, url)
            for url in next_page_urls(
                page.total_pages, self.page_url(response), first_page, self.site.max_pages
            )
        ]
        return page
