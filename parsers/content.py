"""Finding the document's content in a page and cleaning it of page chrome.

Known containers (``selectors.CONTENT_CONTAINERS``) are tried first; otherwise the block
with the most paragraph text, discounted by link density, wins (text density). Where a
page holds the article twice (PC and mobile markup, a hidden print copy), the first
copy wins.
"""

from __future__ import annotations

from lxml import etree

from parsers.labels import LABEL_ONLY, LABEL_WITH_COLON, compact, compact_len
from parsers.selectors import (
    ATTACHMENT_HREF,
    BLOCK_TAGS,
    CHROME_CLASS,
    CHROME_LINE,
    CONTENT_CONTAINERS,
    EMPTY_NOTICE,
    MIN_CONTAINER_CHARS,
    NAV_TAGS,
)
from parsers.text import node_text

# A known container holding less than MIN_CONTAINER_CHARS is still the content when it
# holds at least this much text that is not chrome and no container holds more.
MIN_SHORT_CONTENT_CHARS = 4
# A paragraph shorter than this (whitespace removed) adds nothing to a candidate's score.
MIN_PARAGRAPH_CHARS = 8
# A chrome-classed element holding more text than this is a wrapper, not chrome.
CHROME_MAX_CHARS = 300
# A table cell longer than this is layout, not data.
DATA_CELL_MAX_CHARS = 80
# Candidates within this fraction of the best score count as a tie; the deeper one wins.
TIE_FRACTION = 0.9
# display:none in a style, spaces anywhere, letters in any case: looked for in the style
# without its spaces, lower-cased (no character but these letters lower-cases to them
# alone). The regular expression this replaced was no faster on the corpus's styles.
_DISPLAY_NONE = "display:none"
# Elements that can be the content container.
_SCORABLE = frozenset(
    {"div", "td", "article", "section", "main", "body", "center", "dd", "li", "tbody", "table"}
)
# Elements that can be a block of labelled values (a metadata table inside the content).
_METADATA_SHAPES = frozenset({"table", "div", "ul", "dl"})
# Share of a paragraph's length given to the node holding it, its parent, grandparent, …
_WEIGHTS = (1.0, 1.0, 0.5, 0.25)


def _tag(node: etree._Element | None) -> str:
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


def _chrome_attr(node: etree._Element, marked: ClassAndId | None = None) -> bool:
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


def _hidden(node: etree._Element) -> bool:
    """Hidden by the ``hidden`` attribute or an inline ``display: none``."""
    if node.get("hidden") is not None:
        return True
    style = node.get("style")
    return bool(style) and _DISPLAY_NONE in style.replace(" ", "").lower()


# Elements that may be hidden: libxml2 finds the few with these attributes faster than a
# Python loop asks every element (an XPath doing the whole test, with translate(), is
# ten times slower than either).
_MAY_BE_HIDDEN = etree.XPath("descendant-or-self::*[@hidden or @style]")


def hidden_elements(root: etree._Element) -> set[etree._Element]:
    """Every element in ``root`` (itself included) that ``_hidden`` finds hidden."""
    return {node for node in _MAY_BE_HIDDEN(root) if _hidden(node)}


def _link_chars(node: etree._Element) -> int:
    return sum(compact_len(node_text(a)) for a in node.iter("a"))


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
        if _hidden(node) or any(_hidden(a) for a in node.iterancestors()):
            continue
        text = node_text(node)
        chars = compact_len(text)
        if chars >= MIN_CONTAINER_CHARS and _link_chars(node) < chars * 0.5:
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


def _block_parent(node: etree._Element) -> etree._Element | None:
    parent = node.getparent()
    while parent is not None and _tag(parent) not in BLOCK_TAGS and _tag(parent) not in _SCORABLE:
        parent = parent.getparent()
    return parent


def _data_table_holder(node: etree._Element, tables: dict[etree._Element, bool]) -> etree._Element:
    """For a cell of a data table (3+ rows of 2+ cells, short cells): the table's parent."""
    cell = node if _tag(node) in ("td", "th") else node.getparent()
    row = cell.getparent() if cell is not None else None
    if row is None or _tag(row) != "tr" or len(row) < 2:
        return node
    table = row.getparent()
    if table is not None and _tag(table) in ("tbody", "thead"):
        table = table.getparent()
    if table is None or _tag(table) != "table":
        return node
    if table not in tables:
        tables[table] = len(table.xpath("./tr | ./tbody/tr")) >= 3
    if not tables[table] or compact_len(node_text(cell)) > DATA_CELL_MAX_CHARS:
        return node
    holder = table.getparent()
    return holder if holder is not None else node


def ends_in_data_table(container: etree._Element | None) -> bool:
    """Whether the content's last text stands in a data table (3+ rows of 2+ cells): its last
    date is then a table's value (a 备案日期 column), not a signature date."""
    if container is None:
        return False
    last: etree._Element | None = None
    for node in container.iter():
        if not _tag(node):
            continue
        if (node.text or "").strip():
            last = node
        if (node.tail or "").strip() and node is not container:
            last = node.getparent()
    cell = _cell_within(last, container)
    if cell is None:
        return False
    table = next((a for a in cell.iterancestors() if _tag(a) == "table"), None)
    if table is None:
        return False
    rows = [r for r in table.iter("tr") if sum(1 for c in r if _tag(c) in ("td", "th")) >= 2]
    return len(rows) >= 3


def _cell_within(node: etree._Element | None, container: etree._Element) -> etree._Element | None:
    """The table cell holding ``node``, looked for inside ``container`` only (a layout table
    around the whole content is not the content's table)."""
    while node is not None and node is not container:
        if _tag(node) in ("td", "th"):
            return node
        node = node.getparent()
    return None


def _visible_chars(text: str) -> int:
    """Characters that are not whitespace (cheap: no regex)."""
    return sum(map(len, text.split()))


def _is_excluded(
    node: etree._Element, tag: str, hidden: set[etree._Element], marked: ClassAndId | None
) -> bool:
    """Navigation, hidden or chrome: its text, and all inside it, never counts."""
    return tag not in ("body", "html") and (
        tag in NAV_TAGS
        or node in hidden
        or (_chrome_attr(node, marked) and _visible_chars(node_text(node)) < CHROME_MAX_CHARS)
    )


def _score_target(
    node: etree._Element, tag: str, tables: dict[etree._Element, bool]
) -> etree._Element | None:
    """The block a paragraph's text counts for: inline text counts for its block, a data
    table's cell for the block holding the table."""
    target: etree._Element | None = node
    if tag in ("span", "font", "strong", "b", "em", "i", "u"):
        target = _block_parent(node)
        if target is None:
            return None
    if _tag(target) in ("td", "th") or _tag(target.getparent()) in ("td", "th"):
        target = _data_table_holder(target, tables)
    return target


def _add_score(scores: dict[etree._Element, float], target: etree._Element, length: float) -> None:
    """Credit ``length`` to ``target`` and, with falling weights, to its ancestors."""
    current: etree._Element | None = target
    for weight in _WEIGHTS:
        if current is None:
            break
        if _tag(current) in _SCORABLE:
            scores[current] = scores.get(current, 0.0) + length * weight
        current = current.getparent()


def _row_credit(
    row: etree._Element, tables: dict[etree._Element, bool]
) -> tuple[etree._Element, float] | None:
    """A data table's row counts as one paragraph for the block holding the table: its
    text, and at least MIN_PARAGRAPH_CHARS for each filled cell (a 行政处罚 or 公示 table of
    short cells is the document, not noise); a table of labels (a metadata block) gets no
    such floor."""
    cells = [c for c in row if _tag(c) in ("td", "th")]
    if len(cells) < 2:
        return None
    texts = [compact(node_text(c)) for c in cells]
    longest = cells[max(range(len(cells)), key=lambda n: len(texts[n]))]
    holder = _data_table_holder(longest, tables)
    if holder is longest:
        return None
    chars = sum(len(t) for t in texts)
    labels = sum(1 for t in texts if t and LABEL_ONLY.match(t))
    floor = 0 if labels * 2 >= len(cells) else MIN_PARAGRAPH_CHARS * sum(1 for t in texts if t)
    return holder, max(chars, floor)


def _cell_row(node: etree._Element) -> etree._Element | None:
    """The table row holding ``node`` (a cell, or a paragraph or inline inside one)."""
    for ancestor in (node, *node.iterancestors()):
        tag = _tag(ancestor)
        if tag == "tr":
            return ancestor
        if tag in ("table", "body"):
            return None
    return None


def _own_text(node: etree._Element) -> str:
    """Text that sits directly in ``node``: its text and its children's tails."""
    if not len(node):
        return node.text or ""
    return (node.text or "") + "".join([child.tail or "" for child in node])


def _paragraph_scores(
    root: etree._Element,
    hidden: set[etree._Element] | None = None,
    marked: ClassAndId | None = None,
) -> dict[etree._Element, float]:
    """Each block's weighted sum of the text its paragraphs hold directly (a data table's
    rows counted whole). ``hidden``: ``hidden_elements(root)``, ``marked``:
    ``class_and_id(root)``, if the caller has them."""
    scores: dict[etree._Element, float] = {}
    if hidden is None:
        hidden = hidden_elements(root)
    tables: dict[etree._Element, bool] = {}
    credited_rows: set[etree._Element] = set()
    walk = etree.iterwalk(root, events=("start",))
    for _, node in walk:
        tag = node.tag
        if _is_excluded(node, tag, hidden, marked):
            # Nothing inside it counts: a visited element's ancestors, which its text
            # may be credited to, are never excluded.
            walk.skip_subtree()
            continue
        if tag == "tr":
            credit = _row_credit(node, tables)
            if credit is not None:
                credited_rows.add(node)
                _add_score(scores, *credit)
            continue
        if tag == "a":
            continue
        own = _own_text(node)
        if len(own) < MIN_PARAGRAPH_CHARS:
            continue
        length = _visible_chars(own)
        if length < MIN_PARAGRAPH_CHARS:
            continue
        if credited_rows and _cell_row(node) in credited_rows:
            continue  # counted with its row
        target = _score_target(node, tag, tables)
        if target is None:
            continue
        _add_score(scores, target, length)
    return scores


def density_container(
    root: etree._Element,
    order: dict[etree._Element, int] | None = None,
    hidden: set[etree._Element] | None = None,
    marked: ClassAndId | None = None,
) -> etree._Element | None:
    """The element whose paragraphs hold the most non-link text."""
    if order is None:
        order = {node: n for n, node in enumerate(root.iter())}
    scores = _paragraph_scores(root, hidden, marked)
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))[:12]
    adjusted: list[tuple[float, etree._Element]] = []
    for node, score in ranked:
        text_chars = compact_len(node_text(node)) or 1
        link_density = min(1.0, _link_chars(node) / text_chars)
        adjusted.append((score * (1 - link_density) ** 2, node))
    adjusted.sort(key=lambda item: (-item[0], order[item[1]]))
    top_score, chosen = adjusted[0]
    # Near-ties: prefer a descendant of the chosen node (one copy over its wrapper), then
    # the earliest in the page (the first of duplicated copies).
    for score, node in adjusted[1:]:
        if score >= top_score * TIE_FRACTION and chosen in node.iterancestors():
            chosen = node
    return chosen


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
        chrome = _chrome_attr(node, marked)
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
        cells = [compact(node_text(c)) for c in row if _tag(c) in ("td", "th")]
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
