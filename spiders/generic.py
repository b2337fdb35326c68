"""Any other site: list items and the next-page link picked by selectors from the
registry (``options.item_selector``, ``options.next_selector``; CSS or XPath). Without
an item selector, links that look like document URLs are taken."""

from __future__ import annotations

from cssselect import GenericTranslator, SelectorError
from scrapy.http import Response

from parsers.listing import ListPage, parse_list_page
from spiders.base import GovSpider


def to_xpath(selector: str | None) -> str | None:
    """An XPath for a CSS or XPath selector (XPath starts with "/" or "(")."""
    if not selector:
        return None
    selector = selector.strip()
    if selector.startswith(("/", "(")):
        return selector
    try:
        return GenericTranslator().css_to_xpath(selector)
    except SelectorError as exc:
        raise ValueError(f"not a CSS or XPath selector: {selector!r} ({exc})") from exc


class GenericSpider(GovSpider):
    """A site configured by selectors: ``scrapy crawl generic -a site=NAME``."""

    name = "generic"
    family = "generic"

    def list_page(self, response: Response) -> ListPage:
        options = self.site.options
        next_xpath = to_xpath(options.get("next_selector"))
        if next_xpath and not next_xpath.endswith("@href"):
            next_xpath = f"({next_xpath})/@href"
        return parse_list_page(
            response.body,
            response.url,
            family="generic",
            item_xpath=to_xpath(options.get("item_selector")),
            next_xpath=next_xpath,
            max_pages=self.site.max_pages,
        )
