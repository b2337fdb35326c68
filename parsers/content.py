"""Finding the document's content in a page and cleaning it of page chrome.

Known containers (``selectors.CONTENT_CONTAINERS``) are tried first; otherwise the block
with the most paragraph text, discounted by link density, wins (text density). Where a
page holds the article twice (PC and mobile markup, a hidden print copy), the first
copy wins.
"""

from __future__ import annotations

from lxml import etree

from parsers.density import density_container
from parsers.elements import (
    CHROME_MAX_CHARS,
    ClassAndId,
    chrome_attr,
    class_and_id,
    hidden_elements,
    is_hidden,
    link_chars,
    tag_of,
)
from parsers.labels import LABEL_ONLY, LABEL_WITH_COLON, compact, compact_len
from parsers.selectors import (
    ATTACHMENT_HREF,
    BLOCK_TAGS,
    CHROME_LINE,
    CONTENT_CONTAINERS,
    EMPTY_NOTICE,
    MIN_CONTAINER_CHARS,
)
from parsers.text import node_text

# A known container holding less than MIN_CONTAINER_CHARS is still the content when it
# holds at least this much text that is not chrome and no container holds more.
MIN_SHORT_CONTENT_CHARS = 4
# Elements that can be a block of labelled values (a metadata table inside the content).
_METADATA_SHAPES = frozenset({"table", "div", "ul", "dl"})


def _first_ranks(how: str) -> dict[str, int]:
    """CONTENT_CONTAINERS entries matched ``how``, by value: the first entry's rank."""
    ranks: dict[str, int] = {}
    for rank, (_, _, entry_how, value) in enumerate(CONTENT_CONTAINERS):
        if entry_how == how:
            ranks.setdefault(value, rank)
    return ranks


# CONTENT_CONTAINERS by how an element matches: its id equal, a class token equal, or
# the class attribute containing the value.
_ID_RANKS = _first_ranks("=")
_TOKEN_RANKS = _first_ranks("token")
_CLASS_PARTS = tuple(_first_ranks("~").items())


def _container_rank(node_class: str, node_id: str) -> int | None:
    """Index of the first CONTENT_CONTAINERS entry an element of this class and id
    matches, or None."""
    if not node_class:
        return _ID_RANKS.get(node_id) if node_id else None
    ranks = [_TOKEN_RANKS[t] for t in node_class.split() if t in _TOKEN_RANKS]
    ranks += [rank for part, rank in _CLASS_PARTS if part in node_class]
    if node_id in _ID_RANKS:
        ranks.append(_ID_RANKS[node_id])
    return min(ranks, default=None)


def known_container(
    root: etree._Element, marked: ClassAndId | None = None
) -> tuple[str, etree._Element] | None:
    """The first visible known content container holding real text (one pass over the page).

    When none holds ``MIN_CONTAINER_CHARS`` of mostly non-link text, the first visible one
    holding any text at all is still the content: a one-line notice, or a document that is
    a link or two, is what the template's content block holds, and text density would pick
    some other block (a metadata table, the site's footer) instead. So is, failing that,
    one holding pictures and no text.
    """
    candidates: list[tuple[int, int, etree._Element]] = []
    if marked is None:
        marked = class_and_id(root)
    for n, (node, (node_class, node_id)) in enumerate(marked.items()):
        rank = _container_rank(node_class, node_id)
        if rank is not None:
            candidates.append((rank, n, node))
    short: tuple[str, etree._Element] | None = None
    pictures: tuple[str, etree._Element] | None = None
    for rank, _, node in sorted(candidates, key=lambda c: (c[0], c[1])):
        if is_hidden(node) or any(is_hidden(a) for a in node.iterancestors()):
            continue
        text = node_text(node)
        chars = compact_len(text)
        if chars >= MIN_CONTAINER_CHARS and link_chars(node) < chars * 0.5:
            return CONTENT_CONTAINERS[rank][0], node
        if _holds_attachment(node):
            # A document published as its file: the container holds only the link.
            return CONTENT_CONTAINERS[rank][0], node
        if short is None and _short_content(compact(text)):
            short = CONTENT_CONTAINERS[rank][0], node
        if pictures is None and not chars and _holds_picture(node):
            pictures = CONTENT_CONTAINERS[rank][0], node
    # A document published as pictures (一图读懂, a photo story): its container holds
    # images and no text, and the body is empty; never the densest text elsewhere (the
    # site's footer).
    return short or pictures


def _short_content(text: str) -> bool:
    """Text a short known block holds that may be a document: not chrome, not "暂无内容"."""
    return (
        len(text) >= MIN_SHORT_CONTENT_CHARS
        and not CHROME_LINE.match(text)
        and not EMPTY_NOTICE.match(text)
    )


def _holds_picture(node: etree._Element) -> bool:
    return any(img.get("src") for img in node.iter("img"))


def _holds_attachment(node: etree._Element) -> bool:
    return any(ATTACHMENT_HREF.search(a.get("href") or "") for a in node.iter("a"))


def find_content(
    root: etree._Element,
    order: dict[etree._Element, int] | None = None,
    marked: ClassAndId | None = None,
) -> tuple[str, etree._Element | None, set[etree._Element] | None]:
    """(template, container, hidden) for the page's main content. ``hidden``: the page's
    hidden elements when text density had to find them, for ``strip_chrome`` to reuse
    (None when a known container holds the content: only its own are then looked for).
    ``marked``: ``class_and_id(root)``, if the caller has it."""
    if marked is None:
        marked = class_and_id(root)
    known = known_container(root, marked)
    if known:
        return (*known, None)
    hidden = hidden_elements(root)
    return "generic", density_container(root, order, hidden, marked), hidden


def strip_chrome(
    container: etree._Element,
    hidden: set[etree._Element] | None = None,
    marked: ClassAndId | None = None,
) -> None:
    """Remove chrome elements inside the content: share bars, print buttons, meta tables.
    ``hidden`` and ``marked`` as the page's were found, if the caller has them."""
    if hidden is None:
        hidden = hidden_elements(container)
    for node in list(container.iter(etree.Element)):
        if node is container or node.getparent() is None:
            continue
        tag = node.tag
        if node in hidden and tag != "br":
            _drop(node)
            continue
        chrome = chrome_attr(node, marked)
        if not chrome and tag not in BLOCK_TAGS and tag not in _METADATA_SHAPES:
            continue  # no rule below reads this element's text
        text = node_text(node)
        chars = compact_len(text)
        if chrome and chars < CHROME_MAX_CHARS:
            _drop(node)
            continue
        if tag in _METADATA_SHAPES and chars and _is_metadata_block(node, text, chars):
            _drop(node)
            continue
        if tag in BLOCK_TAGS and 0 < chars < 120 and CHROME_LINE.match(compact(text)):
            _drop(node)


def _is_metadata_block(node: etree._Element, text: str, chars: int) -> bool:
    """A block made of labelled values (or a header row of labels) and little else.
    ``text``: the node's text; ``chars``: how many of its characters are not spaces."""
    labels = len(LABEL_WITH_COLON.findall(text))
    for row in node.iter("tr"):
        cells = [compact(node_text(c)) for c in row if tag_of(c) in ("td", "th")]
        if len(cells) >= 2 and all(LABEL_ONLY.match(c) for c in cells if c):
            labels += len(cells)
        break
    return labels >= 3 and chars < 60 * labels


def _drop(node: etree._Element) -> None:
    """Remove a node but keep its tail text in place."""
    parent = node.getparent()
    if parent is None:
        return
    tail = node.tail
    if tail and tail.strip():
        prev = node.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(node)
