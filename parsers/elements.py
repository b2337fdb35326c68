"""What the content finder asks of an element: its tag, its class and id (read once per
page), whether it is hidden or named as chrome, and how much of its text is links."""

from __future__ import annotations

from lxml import etree

from parsers.labels import compact_len
from parsers.selectors import CHROME_CLASS
from parsers.text import node_text

# A chrome-classed element holding more text than this is a wrapper, not chrome.
CHROME_MAX_CHARS = 300
# display:none in a style, spaces anywhere, letters in any case: looked for in the style
# without its spaces, lower-cased (no character but these letters lower-cases to them
# alone). The regular expression this replaced was no faster on the corpus's styles.
DISPLAY_NONE = "display:none"


def tag_of(node: etree._Element | None) -> str:
    """The tag name (lxml's HTML parser gives lower case), "" for comments and None."""
    if node is None:
        return ""
    tag = node.tag
    return tag if isinstance(tag, str) else ""


# Each element that has a class or an id: (class, id), "" for the one it lacks, in
# document order. Read once per page: lxml builds a new string on every ``get``, and the
# content finder, the chrome rules and the title finder each asked every element.
ClassAndId = dict[etree._Element, tuple[str, str]]


def class_and_id(root: etree._Element) -> ClassAndId:
    """Every element in ``root`` with a non-empty class or id, and those values."""
    found: ClassAndId = {}
    for node in root.iter(etree.Element):
        node_class, node_id = node.get("class"), node.get("id")
        if node_class or node_id:
            found[node] = (node_class or "", node_id or "")
    return found


def chrome_attr(node: etree._Element, marked: ClassAndId | None = None) -> bool:
    """Whether the element's class or id names chrome (``marked``: the page's
    ``class_and_id``, if the caller has it)."""
    if marked is None:
        node_class, node_id = node.get("class") or "", node.get("id") or ""
        if not node_class and not node_id:
            return False
    else:
        attrs = marked.get(node)
        if attrs is None:
            return False
        node_class, node_id = attrs
    return bool(CHROME_CLASS.search(f"{node_class} {node_id}"))


def is_hidden(node: etree._Element) -> bool:
    """Hidden by the ``hidden`` attribute or an inline ``display: none``."""
    if node.get("hidden") is not None:
        return True
    style = node.get("style")
    return bool(style) and DISPLAY_NONE in style.replace(" ", "").lower()


# Elements that may be hidden: libxml2 finds the few with these attributes faster than a
# Python loop asks every element (an XPath doing the whole test, with translate(), is
# ten times slower than either).
_MAY_BE_HIDDEN = etree.XPath("descendant-or-self::*[@hidden or @style]")


def hidden_elements(root: etree._Element) -> set[etree._Element]:
    """Every element in ``root`` (itself included) that ``is_hidden`` finds hidden."""
    return {node for node in _MAY_BE_HIDDEN(root) if is_hidden(node)}


def link_chars(node: etree._Element) -> int:
    return sum(compact_len(node_text(a)) for a in node.iter("a"))
