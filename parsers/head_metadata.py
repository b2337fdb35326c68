"""Metadata a page carries outside its visible text, read only when no label on the page
gives the field (issue 33, cause 3): the publish date of a ``PubDate`` meta tag, the body
a ``ContentSource`` meta tag names (as the record's ``source``, never its issuer), and an
index number (索引号) assigned to a variable in an inline script (``var indexNo = "…"``),
as platform templates write them."""

from __future__ import annotations

import re

from lxml import etree

# Meta tags naming the publish date, most trusted first. Hanweb's Maketime is when the page
# was last built (often weeks after publishing) and is never read as a date.
PUBDATE_META_NAMES: tuple[str, ...] = (
    "PubDate",
    "pubdate",
    "publishdate",
    "PublishDate",
    "article:published_time",
)
# Meta tags naming who published the content (a 来源), most trusted first.
SOURCE_META_NAMES: tuple[str, ...] = ("ContentSource", "contentsource", "Source", "source")
# A script variable holding the index number: indexNo, index_no, IndexNumber, syh (索引号).
_SCRIPT_INDEX_NO = re.compile(
    r"""\b(?:index_?no|index_?number|syh|suoyinhao)\s*[:=]\s*["']([^"'<>\n]{6,60})["']""",
    re.IGNORECASE,
)
# What an index number looks like: an organisation code, a year, a serial
# (11370100004192101X/2024-00123, 000014349/2024-04012, 4301000000-2024-00017).
INDEX_NO_SHAPE = re.compile(r"^[0-9A-Za-z]{6,}[/\-—_][12]\d{3}[/\-—_]?[0-9A-Za-z]{1,10}$")
_MAX_SCRIPT_CHARS = 200_000


def meta_tags(root: etree._Element) -> dict[str, str]:
    """The page's named meta tags (the first of each name), by name."""
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        name = meta.get("name") or meta.get("property") or ""
        value = (meta.get("content") or "").strip()
        if name and value and name not in found:
            found[name] = value
    return found


def pubdate_meta(tags: dict[str, str]) -> str | None:
    """The most trusted publish-date meta tag's content."""
    return next((tags[name] for name in PUBDATE_META_NAMES if name in tags), None)


def source_meta(tags: dict[str, str]) -> str | None:
    """The body a source meta tag names (a name, not a URL or a sentence)."""
    for name in SOURCE_META_NAMES:
        value = tags.get(name, "")
        if 2 <= len(value) <= 40 and not re.search(r"[:/<>。，]", value):
            return value
    return None


def inline_scripts(root: etree._Element) -> list[str]:
    """The page's inline script texts (kept before the scripts leave the tree)."""
    return [script.text for script in root.iter("script") if script.text]


def script_index_no(scripts: list[str]) -> str | None:
    """An index number an inline script assigns, when it has an index number's shape."""
    for script in scripts:
        text = script[:_MAX_SCRIPT_CHARS]
        for match in _SCRIPT_INDEX_NO.finditer(text):
            value = match.group(1).strip()
            if INDEX_NO_SHAPE.match(value):
                return value
    return None
