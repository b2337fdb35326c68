"""TRS WCM sites: static column pages ``index.html``, ``index_1.html``… paginated by
``createPageHTML(total, current, prefix, ext)`` or ``countPage``; details at
``./202303/t20230329_45634.html``.

"动静结合" columns publish only their newest pages statically and serve the rest from a
dynamic endpoint: the registry's ``options.static_pages`` (how many static pages there
are) and ``options.dynamic_page_url`` (a URL template with ``{page}``, the page's index
as in ``index_{page}.html``) send the later pages there.
"""

from __future__ import annotations

from urllib.parse import urljoin

from scrapy.http import Response

from parsers.listing import ListPage, parse_list_page
from spiders.base import GovSpider


class TrsSpider(GovSpider):
    """A TRS-family site: ``scrapy crawl trs -a site=NAME``."""

    name = "trs"
    family = "trs"

    def list_page(self, response: Response) -> ListPage:
        page = parse_list_page(
            response.body, response.url, family="trs", max_pages=self.site.max_pages
        )
        static = self.site.options.get("static_pages")
        dynamic = self.site.options.get("dynamic_page_url")
        if static and dynamic and page.page_urls:
            page.page_urls = [
                url if index < static else urljoin(response.url, dynamic.format(page=index))
                for index, url in enumerate(page.page_urls)
            ]
        return page
