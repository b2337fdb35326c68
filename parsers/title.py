"""The document's title.

Order of evidence: the 标题 field; a heading that the ``ArticleTitle`` meta or the page's
<title> confirms (nearest the content first); the ``ArticleTitle`` meta; the <title>
without its site suffix ("_XX市人民政府", "-XX县人民政府"); the heading nearest the content.
"""

from __future__ import annotations

import re

from lxml import etree

from parsers.elements import ClassAndId, class_and_id
from parsers.labels import LABEL_ONLY, LABEL_WITH_COLON, compact
from parsers.selectors import CHROME_LINE, SITE_NAME_HINT, TITLE_SEPARATORS
from parsers.text import clean_line, node_text

# Headings: h1-h4, and elements whose class or id says title (the letters of "title"
# folded to lower case), biaoti or headline.
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4"})
_TITLE_FOLD = str.maketrans("TITLE", "title")
# <meta name=… content=…> (or property=…) whose content is the document's title.
META_TITLE_NAMES = frozenset({"ArticleTitle", "articletitle", "og:title"})
META_TITLE_PROPERTIES = frozenset({"og:title"})
MIN_TITLE_CHARS = 4
MAX_TITLE_CHARS = 200
_LEADING_NOISE = re.compile(r"^(?:标\s*题|名\s*称)\s*[:：]\s*")


def head_titles(root: etree._Element) -> tuple[str, list[str]]:
    """(<title> text, title metas), read before the head is dropped."""
    title = next(root.iter("title"), None)  # lxml's C walk: no Python call per element
    page_title = clean_line(node_text(title)) if title is not None else ""
    metas = []
    for meta in root.iter("meta"):
        content = meta.get("content")
        if content is None or not (
            meta.get("name") in META_TITLE_NAMES or meta.get("property") in META_TITLE_PROPERTIES
        ):
            continue
        if len(compact(content)) >= MIN_TITLE_CHARS:
            metas.append(clean_line(content))
    return page_title, metas


def _heading_text(node: etree._Element) -> str:
    text = " ".join(t.strip() for t in node.itertext() if t.strip())
    return _LEADING_NOISE.sub("", clean_line(text))


def _plausible(text: str) -> bool:
    key = compact(text)
    return (
        MIN_TITLE_CHARS <= len(key) <= MAX_TITLE_CHARS
        and not CHROME_LINE.match(key)
        and not LABEL_WITH_COLON.search(text)
    )


def _looks_like_site_name(text: str) -> bool:
    key = compact(text)
    return len(key) <= 16 and bool(SITE_NAME_HINT.search(key))


# "标题-某县人民政府": a site name after a bare dash. A dash inside a title ("2021-2025年")
# is kept: the part after the last dash must read as a site name.
_TIGHT_SUFFIX = re.compile(r"^(?P<head>.+?)[-—–]+(?P<tail>[^-—–]+)$")


def _without_site_suffix(text: str) -> str:
    match = _TIGHT_SUFFIX.match(text.strip())
    if match and len(compact(match["head"])) >= 6 and _looks_like_site_name(match["tail"]):
        return match["head"].strip()
    return text


def _is_title_named(node_class: str, node_id: str) -> bool:
    return bool(
        node_class
        and (
            "title" in node_class.translate(_TITLE_FOLD)
            or "biaoti" in node_class
            or "headline" in node_class
        )
    ) or bool(node_id and "title" in node_id.translate(_TITLE_FOLD))


def _heading_elements(
    root: etree._Element,
    order: dict[etree._Element, int] | None = None,
    marked: ClassAndId | None = None,
) -> list[etree._Element]:
    """Elements that may hold a heading, in document order: h1-h4 (found by libxml2) and
    those whose class or id names a title (from the page's ``class_and_id``)."""
    if order is None:
        order = {node: n for n, node in enumerate(root.iter())}
    if marked is None:
        marked = class_and_id(root)
    found = set(root.iter(*HEADING_TAGS))
    found.update(node for node, (c, i) in marked.items() if _is_title_named(c, i))
    return sorted(found, key=order.__getitem__)


def _headings(
    root: etree._Element,
    content: etree._Element | None,
    order: dict[etree._Element, int],
    marked: ClassAndId | None = None,
) -> list[str]:
    """Plausible headings: those before the content (nearest first), then the first inside."""
    content_at = order.get(content, len(order)) if content is not None else len(order)
    headings: list[tuple[int, str]] = []
    for node in _heading_elements(root, order, marked):
        if not isinstance(node.tag, str) or node.tag.lower() in ("title", "html", "body"):
            continue
        if len(node) >= 12:
            continue  # a block of many elements, not a heading: its text is not read
        text = _heading_text(node)
        if _plausible(text):
            headings.append((order.get(node, 0), text))
    before = sorted((h for h in headings if h[0] <= content_at), key=lambda h: -h[0])
    inside = [h for h in headings if h[0] > content_at][:1]
    return [text for _, text in [*before, *inside]]


def _heading_confirmed(headings: list[str], page_key: str, meta_keys: list[str]) -> str | None:
    """A heading the page's <title> or a title meta tag confirms: exactly, then in part."""
    for text in headings:
        key = compact(text)
        if any(key == m for m in meta_keys):
            return text
        if page_key and (key == page_key or (len(key) >= 6 and page_key.startswith(key))):
            return text
    for text in headings:
        key = compact(text)
        if len(key) >= 6 and (key in page_key or any(key in m for m in meta_keys)):
            return text
    return None


def find_title(
    root: etree._Element,
    labelled: str | None,
    content: etree._Element | None,
    order: dict[etree._Element, int],
    page_title: str,
    meta_titles: list[str],
    marked: ClassAndId | None = None,
) -> str | None:
    """Pick the title (see the module docstring for the order of evidence). ``marked``:
    the page's ``class_and_id``, if the caller has it."""
    if labelled and len(compact(labelled)) >= MIN_TITLE_CHARS:
        return clean_line(labelled)
    parts = [p for p in TITLE_SEPARATORS.split(page_title) if p.strip()]
    if parts:
        parts[0] = _without_site_suffix(parts[0])
    headings = _headings(root, content, order, marked)
    confirmed = _heading_confirmed(headings, compact(page_title), [compact(t) for t in meta_titles])
    if confirmed is not None:
        return confirmed
    if meta_titles:
        return meta_titles[0]
    if parts and len(compact(parts[0])) >= 6 and not _looks_like_site_name(parts[0]):
        return parts[0].strip()
    if headings:
        return headings[0]
    caption = _content_caption(content)
    if caption is not None:
        return caption
    return parts[0].strip() if parts else None


def _content_caption(content: etree._Element | None) -> str | None:
    """A document shown as a table or form (行政处罚信息公开表) has no heading: its title is
    the caption, heading cell or bold line it opens with, when the page's <title> only
    names the site."""
    if content is None:
        return None
    for node in content.iter("caption", "th", "b", "strong"):
        text = _heading_text(node)
        if _plausible(text) and not LABEL_ONLY.match(text) and not _looks_like_site_name(text):
            return clean_line(text)
    return None
