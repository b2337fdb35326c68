"""Content HTML made safe to store and show: an allowlist of tags and attributes, enforced by
nh3 (the Rust ammonia sanitiser) rather than by hand.

No scripts, styles, frames, forms, event handlers, ``javascript:`` URLs or Word ``o:p``
markup survive; links and images become absolute first (lxml; a URL that is not http(s),
mailto or ftp once resolved is dropped), then nh3 keeps only what the lists below allow.
"""

from __future__ import annotations

import copy
import re
from html import unescape
from urllib.parse import urljoin

import nh3
from lxml import etree

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p",
        "br",
        "div",
        "span",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "caption",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "a",
        "img",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "s",
        "sub",
        "sup",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "code",
        "hr",
        "figure",
        "figcaption",
        "center",
        "section",
        "article",
    }
)
DROP_WITH_CONTENT: frozenset[str] = frozenset(
    {
        "script",
        "style",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "form",
        "input",
        "button",
        "select",
        "textarea",
        "noscript",
        "template",
        "svg",
        "math",
        "link",
        "meta",
        "base",
        "audio",
        "video",
        "canvas",
        "xml",
    }
)
# Attributes kept, per tag ("*": on every allowed tag).
ALLOWED_ATTRS: dict[str, set[str]] = {
    "*": {"title"},
    "a": {"href"},
    "img": {"src", "alt"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
URL_ATTRS: frozenset[str] = frozenset({"href", "src"})
SAFE_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto", "ftp"})
_SAFE_PREFIXES = ("http://", "https://", "mailto:", "ftp://")
# Attributes nh3 would drop, removed by lxml before serialising: a Word-exported page
# carries a style on every element, half the markup nh3 would otherwise read. (Never one
# ALLOWED_ATTRS keeps: the set difference guarantees it.)
_PRESENTATION_ATTRS = "style class id lang align valign width height border cellpadding cellspacing bgcolor face size color"
_DROPPED_EARLY: tuple[str, ...] = tuple(
    sorted(set(_PRESENTATION_ATTRS.split()) - set().union(*ALLOWED_ATTRS.values()))
)


# The allowlists above, built into an ammonia sanitiser once rather than on every page.
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags=set(DROP_WITH_CONTENT),
    attributes=ALLOWED_ATTRS,
    url_schemes=set(SAFE_SCHEMES),
    link_rel=None,
    strip_comments=True,
)


def sanitize(container: etree._Element, base_url: str, in_place: bool = False) -> str:
    """Serialise ``container`` with only safe markup: a copy of it, or with ``in_place``
    the element itself, rewritten (for a caller done with the tree)."""
    root = container if in_place else copy.deepcopy(container)
    root.tail = None
    etree.strip_attributes(root, *_DROPPED_EARLY)
    # Only <a href> and <img src> keep a URL (ALLOWED_ATTRS); nh3 drops the others.
    for node in root.iter("a", "img"):
        for name in URL_ATTRS & set(node.attrib):
            url = urljoin(base_url, node.attrib[name].strip())
            if url.lower().startswith(_SAFE_PREFIXES):
                node.attrib[name] = url
            else:  # not an absolute http(s), mailto or ftp URL once resolved: dropped
                del node.attrib[name]
    if not isinstance(root.tag, str) or root.tag.lower() not in ALLOWED_TAGS:
        root.tag = "div"
    return _CLEANER.clean(etree.tostring(root, encoding="unicode", method="html"))


# A document's content images fetched with it, at most (spiders.images).
MAX_IMAGES = 20
# The sanitiser writes ``<img src="…">`` with the URL absolute and double-quoted.
IMG_SRC = re.compile(r'(<img\b[^>]*?\ssrc=")([^"]+)(")', re.I)


def content_images(body_html: str | None) -> list[str]:
    """The distinct http(s) image URLs of sanitised content, in order, at most
    ``MAX_IMAGES``."""
    urls: list[str] = []
    for match in IMG_SRC.finditer(body_html or ""):
        url = unescape(match.group(2))
        if url.startswith(("http://", "https://")) and url not in urls:
            urls.append(url)
    return urls[:MAX_IMAGES]
