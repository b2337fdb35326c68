"""Guangdong's 政府信息公开目录 platform (gkmlpt), used by the province and its cities,
districts and departments: a column is ``/gkmlpt/index#CATID`` in a browser, and its records
come from ``/gkmlpt/api/all/CATID?page=N&sid=SID`` as JSON (``articles`` with ``url``,
``title``, and ``created_at`` or, on some sites, ``create_time`` in epoch seconds, as public
crawlers of the platform read it; ``total`` records, 100 a page). Details are server-rendered pages
at ``/gkmlpt/content/…/post_NNN.html``.

A start URL may be the API URL itself, or the column as a browser shows it
(``…/gkmlpt/index#CATID``): the index page is read once for the site's ``SID`` (its
``window._CONFIG``), or the registry gives it as ``options.sid``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy.http import Request, Response

from parsers.decode import decode_html
from parsers.listing import JsonFields
from spiders.jsonlist import JsonListSpider
from spiders.walk import ColumnWalk, record_failure

FIELDS = JsonFields(items="articles", url="url", title="title", date="created_at|create_time",
                    total_records="total")  # fmt: skip
_INDEX = re.compile(r"/gkmlpt/index(?:\.html?)?$")
SID = re.compile(r"""\bSID\s*[:=]\s*['"]?(\d+)""")
_PAGE = re.compile(r"([?&]page=)\d+")


def api_url(index_url: str, sid: str) -> str | None:
    """The API URL of a ``…/gkmlpt/index#CATID`` column (None if it names no column)."""
    parts = urlsplit(index_url)
    if not _INDEX.search(parts.path) or not parts.fragment.isdigit():
        return None
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rsplit('/index', 1)[0]}"
    return f"{base}/api/all/{parts.fragment}?page=1&sid={sid}"


class GkmlptSpider(JsonListSpider):
    """A gkmlpt site: ``scrapy crawl gkmlpt -a site=NAME``."""

    name = "gkmlpt"
    family = "gkmlpt"

    def fields(self) -> JsonFields:
        return FIELDS

    def page_url(self, response: Response) -> str | None:
        url = response.url
        return _PAGE.sub(r"\g<1>{page}", url) if _PAGE.search(url) else f"{url}&page={{page}}"

    async def start(self) -> AsyncIterator[Any]:
        async for request in super().start():
            column = request.meta.get("column") if isinstance(request, Request) else None
            if column and urlsplit(column).fragment:
                yield self.column_request(column)
            else:
                yield request

    def column_request(self, column: str) -> Request:
        """The API's first page for a ``#CATID`` column, or the index page to find the SID."""
        sid = self.site.options.get("sid")
        if sid is not None:
            url = api_url(column, str(sid))
            if url:
                return self.list_request(url, column=column)
        return Request(
            column.split("#", 1)[0],
            callback=self.parse_index,
            errback=self.on_error,
            meta={"kind": "list", "column": column},
            dont_filter=True,
        )

    def parse_index(self, response: Response) -> Iterator[Any]:
        """The platform's index page: its SID gives the column's API URL."""
        yield from self.redirect_fetches(response)
        column = response.meta["column"]
        text, _ = decode_html(response.body)
        sid = SID.search(text)
        url = api_url(column, sid.group(1)) if sid else None
        if url is None:
            walk = self.walks.setdefault(column, ColumnWalk(column, full=self.full_walk))
            yield self.fetch_item(response, "list", error="gkmlpt-no-sid")
            record_failure(walk, response.url, "gkmlpt-no-sid")
            return
        yield self.fetch_item(response, "list")
        yield self.list_request(urljoin(response.url, url), column=column)
