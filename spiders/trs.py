"""TRS WCM sites: static column pages ``index.html``, ``index_1.html``… paginated by
``createPageHTML(total, current, prefix, ext)``; details at ``./202303/t20230329_45634.html``."""

from __future__ import annotations

from scrapy.http import Response

from parsers.listing import ListPage, parse_list_page
from spiders.base import GovSpider


class TrsSpider(GovSpider):
    """A TRS-family site: ``scrapy crawl trs -a site=NAME``."""

    name = "trs"
    family = "trs"

    def parse_listing(self, response: Response) -> ListPage:
        return parse_list_page(
            response.body, response.url, family="trs", max_pages=self.site.max_pages
        )
