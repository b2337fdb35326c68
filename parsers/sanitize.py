"""Content HTML made safe to store and show: an allowlist of tags and attributes.

No scripts, styles, frames, forms, event handlers, ``javascript:`` URLs or Word ``mso-``
markup survive; links and images become absolute.
"""

from __future__ import annotations

import copy
from urllib.parse import urljoin

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
ALLOWED_ATTRS: frozenset[str] = frozenset({"href", "src", "alt", "title", "colspan", "rowspan"})
URL_ATTRS: frozenset[str] = frozenset({"href", "src"})
SAFE_SCHEMES: tuple[str, ...] = ("http://", "https://", "mailto:", "ftp://")


def sanitize(container: etree._Element, base_url: str) -> str:
    """Serialise a copy of ``container`` with only safe markup."""
    root = copy.deepcopy(container)
    root.tail = None
    for node in list(root.iter()):
        if node.getparent() is None and node is not root:
            continue
        if not isinstance(node.tag, str):
            _remove(node)
            continue
        tag = node.tag.lower()
        if ":" in tag or tag in DROP_WITH_CONTENT:
            if node is not root:
                _remove(node, keep_tail=True)
            continue
        for name in list(node.attrib):
            if name.lower() not in ALLOWED_ATTRS:
                del node.attrib[name]
        for name in URL_ATTRS & set(node.attrib):
            url = urljoin(base_url, node.attrib[name].strip())
            if url.lower().startswith(SAFE_SCHEMES):
                node.attrib[name] = url
            else:
                del node.attrib[name]
        if tag not in ALLOWED_TAGS and node is not root:
            _unwrap(node)
    if root.tag not in ALLOWED_TAGS:
        root.tag = "div"
    return etree.tostring(root, encoding="unicode", method="html")


def _remove(node: etree._Element, keep_tail: bool = True) -> None:
    parent = node.getparent()
    if parent is None:
        return
    if keep_tail and node.tail:
        prev = node.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)


def _unwrap(node: etree._Element) -> None:
    """Replace a node by its children and text (lxml.html's drop_tag for plain elements)."""
    parent = node.getparent()
    if parent is None:
        return
    index = parent.index(node)
    text = node.text or ""
    if text:
        if index == 0:
            parent.text = (parent.text or "") + text
        else:
            prev = parent[index - 1]
            prev.tail = (prev.tail or "") + text
    children = list(node)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    tail = node.tail or ""
    if tail:
        if children:
            last = children[-1]
            last.tail = (last.tail or "") + tail
        elif index == 0:
            parent.text = (parent.text or "") + tail
        else:
            prev = parent[index - 1]
            prev.tail = (prev.tail or "") + tail
    parent.remove(node)
