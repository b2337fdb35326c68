"""Column and list pages: document links, their list dates, and the other pages.

Handles TRS static lists paginated by ``createPageHTML(...)``, ``countPage`` variables or a
「第1页/共33页」 pager, Hanweb ``dataproxy.jsp`` answers (records as HTML fragments in CDATA),
columns served as JSON (records and their fields at configured paths), and generic lists
(links that look like document URLs, or configured CSS/XPath selectors).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from lxml import etree, html

from parsers.dates import parse_date
from parsers.decode import decode_html
from parsers.labels import compact
from parsers.text import clean_line
from parsers.urls import SESSION_PATH_PARAM

# Document URLs by CMS family (matched against the URL path).
DETAIL_URL_PATTERNS: dict[str, re.Pattern[str]] = {
    "trs": re.compile(r"/t\d{8}_\d+\.s?html?$"),
    "hanweb": re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$"),
    "generic": re.compile(
        r"(?:/t\d{8}_\d+\.s?html?|/art_\d+_\d+\.html|/\d{6,8}/[\w-]{4,}\.s?html?|"
        r"/content(?:_|/)\d+\.s?html?|/[0-9a-f]{24,32}\.s?html?)$"
    ),
}
# createPageHTML(total, current, prefix, ext) or createPageHTML('div', total, current, …).
CREATE_PAGE_HTML = re.compile(r"createPageHTML\s*\(([^)]*)\)")
COUNT_PAGE = re.compile(r"var\s+countPage\s*=\s*(\d+)")
# A pager written out in text: 第1页/共33页, 第 2 页 / 共 33 页, 当前第1页 共33页.
PAGE_OF_TOTAL = re.compile(r"第\s*(\d+)\s*页\s*[/／|｜,，]?\s*共\s*(\d+)\s*页")
# A link to a static list page such as index_1.htm: what a text pager's pages are called.
STATIC_PAGE_LINK = re.compile(r"""href\s*=\s*["']?(?:\./)?([A-Za-z]\w*)_\d+\.(s?html?)["'\s>]""")
CURRENT_PAGE = re.compile(r"var\s+currentPage\s*=\s*(\d+)")
DATASTORE_TOTAL_RECORD = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>")
DATASTORE_TOTAL_PAGE = re.compile(r"<totalpage>\s*(\d+)\s*</totalpage>")
DATASTORE_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
# An HTML comment holding links: some templates wrap the live list in "<!-- … -->"
# (Gansu's 集约化 lists), so list pages read the links inside comments too.
COMMENT_WITH_LINKS = re.compile(r"<!--((?:(?!-->).)*?<a\s(?:(?!-->).)*?)-->", re.S)
MIN_LINK_TITLE_CHARS = 5
# A list page yields at most this many items (a hostile page cannot flood the crawl).
MAX_ITEMS = 2000


@dataclass(slots=True)
class ListItem:
    """One document link on a list page."""

    url: str
    title: str
    date: str | None = None


@dataclass(slots=True)
class ListPage:
    """What a list page offers: items, and what is known of the other pages."""

    items: list[ListItem] = field(default_factory=list)
    page_urls: list[str] = field(default_factory=list)
    total_pages: int | None = None
    total_records: int | None = None


@dataclass(slots=True)
class Pagination:
    total: int
    current: int
    prefix: str
    ext: str


def parse_pagination(text: str) -> Pagination | None:
    """The arguments of the page's ``createPageHTML`` call (or countPage variables, or a
    pager written as 「第1页/共33页」 beside links to its static pages)."""
    match = CREATE_PAGE_HTML.search(text)
    if match:
        args = [a.strip().strip("'\"") for a in match.group(1).split(",")]
        numbers = [int(a) for a in args if a.isdigit()]
        strings = [a for a in args if a and not a.isdigit()]
        if len(numbers) >= 2:
            ext = strings[-1] if strings else "html"
            prefix = strings[-2] if len(strings) >= 2 else "index"
            if len(strings) >= 3 or (strings and not re.fullmatch(r"s?html?|jsp|php", ext)):
                prefix = strings[-2] if len(strings) >= 2 else prefix
            return Pagination(numbers[0], numbers[1], prefix, ext)
    count = COUNT_PAGE.search(text)
    if count:
        current = CURRENT_PAGE.search(text)
        return Pagination(
            int(count.group(1)), int(current.group(1)) if current else 0, "index", "html"
        )
    return _text_pager(text)


def _text_pager(text: str) -> Pagination | None:
    """「第1页/共33页」 with links to ``index_1.htm``…: static pages named like those links."""
    pager = PAGE_OF_TOTAL.search(text)
    link = STATIC_PAGE_LINK.search(text) if pager else None
    if pager is None or link is None:
        return None
    return Pagination(int(pager.group(2)), int(pager.group(1)) - 1, link.group(1), link.group(2))


def page_urls(url: str, pagination: Pagination, max_pages: int | None = None) -> list[str]:
    """Every page of a TRS column: ``index.html``, ``index_1.html``, …"""
    total = pagination.total if max_pages is None else min(pagination.total, max_pages)
    base = url if url.endswith("/") else url.rsplit("/", 1)[0] + "/"
    return list(_column_pages(base, pagination.prefix, pagination.ext, total))


@lru_cache(maxsize=256)
def _column_pages(base: str, prefix: str, ext: str, total: int) -> tuple[str, ...]:
    """The page URLs of one column, computed once: every list page of the column names
    them all, so a column of N pages would otherwise join N x N URLs."""
    names = (f"{prefix}.{ext}" if n == 0 else f"{prefix}_{n}.{ext}" for n in range(total))
    return tuple(urljoin(base, name) for name in names)


def looks_like_document(url: str) -> bool:
    """Whether a URL has the shape of a document page of any family we know."""
    return _looks_like_detail(url, "generic")


def _looks_like_detail(url: str, family: str) -> bool:
    # A session id in the path (``t2025_1.html;jsessionid=…``) is not part of its shape.
    path = SESSION_PATH_PARAM.sub("", urlsplit(url).path)
    pattern = DETAIL_URL_PATTERNS.get(family, DETAIL_URL_PATTERNS["generic"])
    return bool(pattern.search(path)) or (
        family != "generic" and bool(DETAIL_URL_PATTERNS["generic"].search(path))
    )


def _link_url(link: etree._Element, base_url: str) -> str | None:
    """The absolute URL a link points to, or None for a script, anchor or mail link."""
    href = (link.get("href") or "").strip()
    if not href or href.startswith(("javascript:", "#", "mailto:")):
        return None
    return urljoin(base_url, href)


# A date some lists give as an attribute of the link's row (Hanweb's readlabel).
_READLABEL = etree.XPath(".//*[@readlabel]/@readlabel")


def _item_from_link(link: etree._Element, base_url: str) -> ListItem | None:
    url = _link_url(link, base_url)
    return None if url is None else _item_at(link, url)


# A link's row holds its title link and perhaps a few attachments; an element holding more
# links is the list itself (or a part of it), whose text holds other rows' dates.
MAX_ROW_LINKS = 4


def _holds_other_rows(element: etree._Element) -> bool:
    """Whether ``element`` holds more links than one row does (it stops counting there, so
    a list of 2,000 links costs as much as one row, not 2,000 for each link)."""
    for count, _ in enumerate(element.iter("a"), start=1):
        if count > MAX_ROW_LINKS:
            return True
    return False


def _item_at(link: etree._Element, url: str) -> ListItem:
    """The list item of a link to ``url``: its title, and a date from its row."""
    title = clean_line(link.get("title") or " ".join(link.itertext()))
    if len(compact(title)) < MIN_LINK_TITLE_CHARS:
        title = clean_line(" ".join(link.itertext())) or title
    holder = link.getparent()
    date = None
    for _ in range(2):
        if holder is None or _holds_other_rows(holder):
            break
        date = parse_date(" ".join(t for t in holder.itertext() if t not in title))
        label = _READLABEL(holder)
        if label:
            date = parse_date(label[0]) or date
        if date:
            break
        holder = holder.getparent()
    return ListItem(url=url, title=title, date=date)


def extract_items(
    root: etree._Element,
    base_url: str,
    family: str = "generic",
    item_xpath: str | None = None,
) -> list[ListItem]:
    """Document links in a parsed list page, in page order, without duplicates. A link's
    URL is judged before its title and date are read: most links of a page (navigation,
    footers) are not documents."""
    links = root.xpath(item_xpath) if item_xpath else root.iter("a")
    seen: set[str] = set()
    items: list[ListItem] = []
    for link in links:
        if not isinstance(link, etree._Element) or link.tag != "a":
            nested = link.xpath(".//a[@href]") if isinstance(link, etree._Element) else []
            if not nested:
                continue
            link = nested[0]
        url = _link_url(link, base_url)
        if url is None or url in seen:
            continue
        if not item_xpath and not _looks_like_detail(url, family):
            continue
        if urlsplit(url).scheme not in ("http", "https"):
            continue
        item = _item_at(link, url)
        if not item_xpath and len(compact(item.title)) < MIN_LINK_TITLE_CHARS:
            continue
        seen.add(item.url)
        items.append(item)
        if len(items) >= MAX_ITEMS:
            break
    return items


def _document_root(text: str) -> etree._Element:
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        return html.fromstring("<html></html>")
    try:
        return html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return html.fromstring("<html></html>")


def parse_list_page(
    page: bytes | str,
    url: str,
    family: str = "generic",
    item_xpath: str | None = None,
    next_xpath: str | None = None,
    max_pages: int | None = None,
) -> ListPage:
    """Items and page URLs of a static list page."""
    text, _ = decode_html(page)
    root = _document_root(COMMENT_WITH_LINKS.sub(r"\1", text))
    result = ListPage(items=extract_items(root, url, family, item_xpath))
    pagination = parse_pagination(text)
    if pagination:
        result.total_pages = pagination.total
        result.page_urls = page_urls(url, pagination, max_pages)
    if next_xpath:
        for href in root.xpath(next_xpath):
            value = href if isinstance(href, str) else href.get("href")
            if value and not value.startswith("javascript:"):
                result.page_urls.append(urljoin(url, value))
    return result


def parse_dataproxy(page: bytes | str, url: str) -> ListPage:
    """A Hanweb ``dataproxy.jsp`` answer: ``<datastore>`` with records in CDATA."""
    text, _ = decode_html(page)
    result = ListPage()
    total = DATASTORE_TOTAL_RECORD.search(text)
    pages = DATASTORE_TOTAL_PAGE.search(text)
    result.total_records = int(total.group(1)) if total else None
    result.total_pages = int(pages.group(1)) if pages else None
    seen: set[str] = set()
    for fragment in DATASTORE_RECORD.findall(text):
        root = _document_root(f"<html><body>{fragment}</body></html>")
        for link in root.iter("a"):
            item = _item_from_link(link, url)
            if item and item.url not in seen:
                seen.add(item.url)
                result.items.append(item)
                break
        if len(result.items) >= MAX_ITEMS:
            break
    return result


@dataclass(slots=True)
class JsonFields:
    """Where a JSON list answer keeps its records and their fields (dotted paths; "" is the
    answer itself). ``total_records`` and ``total_pages`` are optional. ``date`` may name
    several paths, "a|b": the first one present is read (platforms differ in it)."""

    items: str = ""
    url: str = "url"
    title: str = "title"
    date: str | None = None
    total_records: str | None = None
    total_pages: str | None = None


def json_value(data: object, path: str | None) -> object:
    """The value at a dotted ``path`` ("data.list", "articles.0.url"); None where absent."""
    if path is None:
        return None
    value = data
    for part in [p for p in path.split(".") if p]:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _first_present(record: object, paths: str | None) -> object:
    """The value at the first of ``paths`` ("a|b") that the record has."""
    for path in (paths or "").split("|"):
        value = json_value(record, path) if path else None
        if value is not None:
            return value
    return None


def _json_date(value: object) -> str | None:
    """A list date from a string, or from epoch seconds or milliseconds (China time)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 1e11 else value
        try:
            moment = datetime.fromtimestamp(seconds, tz=timezone(timedelta(hours=8)))
        except (OverflowError, OSError, ValueError):
            return None
        return moment.strftime("%Y-%m-%d")
    return parse_date(str(value))


def _count(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def parse_json_list(page: bytes | str, url: str, fields: JsonFields) -> ListPage:
    """A column served as JSON: records at ``fields.items``, each with a URL and a title."""
    text = page.decode("utf-8-sig", errors="replace") if isinstance(page, bytes) else page
    try:
        data = json.loads(text)
    except ValueError:
        return ListPage()
    records = json_value(data, fields.items)
    result = ListPage(
        total_records=_count(json_value(data, fields.total_records)),
        total_pages=_count(json_value(data, fields.total_pages)),
    )
    seen: set[str] = set()
    for record in records if isinstance(records, list) else []:
        href = json_value(record, fields.url)
        if not isinstance(href, str) or not href.strip() or href.startswith("javascript:"):
            continue
        link = urljoin(url, href.strip())
        if urlsplit(link).scheme not in ("http", "https") or link in seen:
            continue
        seen.add(link)
        title = json_value(record, fields.title)
        result.items.append(
            ListItem(
                url=link,
                title=clean_line(str(title)) if title is not None else "",
                date=_json_date(_first_present(record, fields.date)),
            )
        )
        if len(result.items) >= MAX_ITEMS:
            break
    return result
