"""Text density: where no known container holds the content, the block with the most
paragraph text wins, each paragraph's length shared with the elements above it and
discounted by link density; ties go to the deeper block. Also whether a content ends in a
data table (whose dates are data, not the document's signature)."""

from __future__ import annotations

from lxml import etree

from parsers.elements import (
    CHROME_MAX_CHARS,
    ClassAndId,
    chrome_attr,
    hidden_elements,
    link_chars,
    tag_of,
)
from parsers.labels import LABEL_ONLY, compact, compact_len
from parsers.selectors import BLOCK_TAGS, NAV_TAGS
from parsers.text import node_text

# A paragraph shorter than this (whitespace removed) adds nothing to a candidate's score.
MIN_PARAGRAPH_CHARS = 8
# A table cell longer than this is layout, not data.
DATA_CELL_MAX_CHARS = 80
# Candidates within this fraction of the best score count as a tie; the deeper one wins.
TIE_FRACTION = 0.9
# Elements that can be the content container.
_SCORABLE = frozenset(
    {"div", "td", "article", "section", "main", "body", "center", "dd", "li", "tbody", "table"}
)
# Share of a paragraph's length given to the node holding it, its parent, grandparent, …
_WEIGHTS = (1.0, 1.0, 0.5, 0.25)


def _block_parent(node: etree._Element) -> etree._Element | None:
    parent = node.getparent()
    while (
        parent is not None and tag_of(parent) not in BLOCK_TAGS and tag_of(parent) not in _SCORABLE
    ):
        parent = parent.getparent()
    return parent


def _data_table_holder(node: etree._Element, tables: dict[etree._Element, bool]) -> etree._Element:
    """For a cell of a data table (3+ rows of 2+ cells, short cells): the table's parent."""
    cell = node if tag_of(node) in ("td", "th") else node.getparent()
    row = cell.getparent() if cell is not None else None
    if row is None or tag_of(row) != "tr" or len(row) < 2:
        return node
    table = row.getparent()
    if table is not None and tag_of(table) in ("tbody", "thead"):
        table = table.getparent()
    if table is None or tag_of(table) != "table":
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
        if not tag_of(node):
            continue
        if (node.text or "").strip():
            last = node
        if (node.tail or "").strip() and node is not container:
            last = node.getparent()
    cell = _cell_within(last, container)
    if cell is None:
        return False
    table = next((a for a in cell.iterancestors() if tag_of(a) == "table"), None)
    if table is None:
        return False
    rows = [r for r in table.iter("tr") if sum(1 for c in r if tag_of(c) in ("td", "th")) >= 2]
    return len(rows) >= 3


def _cell_within(node: etree._Element | None, container: etree._Element) -> etree._Element | None:
    """The table cell holding ``node``, looked for inside ``container`` only (a layout table
    around the whole content is not the content's table)."""
    while node is not None and node is not container:
        if tag_of(node) in ("td", "th"):
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
        or (chrome_attr(node, marked) and _visible_chars(node_text(node)) < CHROME_MAX_CHARS)
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
    if tag_of(target) in ("td", "th") or tag_of(target.getparent()) in ("td", "th"):
        target = _data_table_holder(target, tables)
    return target


def _add_score(scores: dict[etree._Element, float], target: etree._Element, length: float) -> None:
    """Credit ``length`` to ``target`` and, with falling weights, to its ancestors."""
    current: etree._Element | None = target
    for weight in _WEIGHTS:
        if current is None:
            break
        if tag_of(current) in _SCORABLE:
            scores[current] = scores.get(current, 0.0) + length * weight
        current = current.getparent()


def _row_credit(
    row: etree._Element, tables: dict[etree._Element, bool]
) -> tuple[etree._Element, float] | None:
    """A data table's row counts as one paragraph for the block holding the table: its
    text, and at least MIN_PARAGRAPH_CHARS for each filled cell (a 行政处罚 or 公示 table of
    short cells is the document, not noise); a table of labels (a metadata block) gets no
    such floor."""
    cells = [c for c in row if tag_of(c) in ("td", "th")]
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
        tag = tag_of(ancestor)
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
        link_density = min(1.0, link_chars(node) / text_chars)
        adjusted.append((score * (1 - link_density) ** 2, node))
    adjusted.sort(key=lambda item: (-item[0], order[item[1]]))
    top_score, chosen = adjusted[0]
    # Near-ties: prefer a descendant of the chosen node (one copy over its wrapper), then
    # the earliest in the page (the first of duplicated copies).
    for score, node in adjusted[1:]:
        if score >= top_score * TIE_FRACTION and chosen in node.iterancestors():
            chosen = node
    return chosen
