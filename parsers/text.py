"""DOM to text lines: block elements break lines, table cells are separated by tabs.

The one place that turns markup into the text the other stages read, so the metadata
finder, the body and the benchmarks all see the same lines.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

from lxml import etree

from parsers.selectors import BLOCK_TAGS, CELL_TAGS

CELL_SEP = "\t"
_SPACES = re.compile(r"[ \r\n\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff\x0b\x0c]+")
_TAB_RUNS = re.compile(r" *\t *")
# A run of the page's own tabs (a template's indentation between two <span>s): one
# separator, never empty cells standing between a label and its value.
_PAGE_TAB_RUNS = re.compile(r"[ \t]*\t[ \t]*")


def node_text(node: etree._Element) -> str:
    """All the text inside ``node`` (its descendants' tails too, not its own tail): what
    ``"".join(node.itertext())`` gives, serialised by libxml2 in one call instead of one
    Python string per text node (20x faster on a page-sized element)."""
    return etree.tostring(node, method="text", encoding=str, with_tail=False)


def clean_line(text: str) -> str:
    """Collapse whitespace inside a line, keep cell tabs, strip the ends."""
    text = _SPACES.sub(" ", text)
    if CELL_SEP in text:
        text = _TAB_RUNS.sub(CELL_SEP, text)
    return text.strip(" ")


# Marks the line walk writes between lines, after a table cell and at the start and end
# of the part ``lines_around`` sets apart: Unicode noncharacters, reserved for a
# program's internal use. Pages may still carry them; ``remove_internal_marks`` takes
# them out before a page is parsed.
_LINE_MARK, _CELL_MARK, _PART_START, _PART_END = "\ufdd0", "\ufdd1", "\ufdd2", "\ufdd3"
INTERNAL_MARKS = (_LINE_MARK, _CELL_MARK, _PART_START, _PART_END)
# For the duration of one walk, an attribute names its root (libxslt is handed the root's
# whole document) and the part set apart takes a tag of its own (a cell's, so its cell
# mark stays inside the part, or a block's). libxslt tests a template's pattern against
# every element, and one with a predicate (``*[@attr]``) costs time in proportion to the
# element's preceding siblings when the walk starts below the document's root: 50,000
# siblings took 15 s. So the templates match tag names only. The part's tags end in a
# random suffix, so no page can carry them.
_ROOT_ATTR = "data-govarchive-lines-root"
_NONCE = secrets.token_hex(8)
_PART_TAG, _PART_CELL_TAG = f"govarchive-part-{_NONCE}", f"govarchive-part-cell-{_NONCE}"
_BLOCKS = "|".join(sorted(BLOCK_TAGS - CELL_TAGS))
_CELLS = "|".join(sorted(CELL_TAGS))
# The walk, run by libxslt: the text of every node in document order, a line mark on
# both sides of a block, a cell mark after a cell, the part between its two marks (its
# own tag stands for a cell's or a block's). It gives what a Python walk over start and
# end events gives, at twice its speed.
_LINES_XSLT = etree.XSLT(
    etree.fromstring(
        f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="text" encoding="UTF-8"/>
<xsl:template match="/"><xsl:apply-templates select="*[@{_ROOT_ATTR}]"/></xsl:template>
<xsl:template match="{_PART_TAG}">{_LINE_MARK}{_PART_START}{_LINE_MARK}<xsl:apply-templates/>{_LINE_MARK}{_PART_END}{_LINE_MARK}</xsl:template>
<xsl:template match="{_PART_CELL_TAG}">{_LINE_MARK}{_PART_START}{_LINE_MARK}<xsl:apply-templates/>{_CELL_MARK}{_LINE_MARK}{_PART_END}{_LINE_MARK}</xsl:template>
<xsl:template match="{_BLOCKS}">{_LINE_MARK}<xsl:apply-templates/>{_LINE_MARK}</xsl:template>
<xsl:template match="{_CELLS}"><xsl:apply-templates/>{_CELL_MARK}</xsl:template>
</xsl:stylesheet>"""
    )
)


def remove_internal_marks(text: str) -> str:
    """``text`` without the noncharacters ``element_lines`` writes as marks."""
    for mark in INTERNAL_MARKS:
        if mark in text:
            text = text.replace(mark, "")
    return text


def _walk(root: etree._Element, part: etree._Element | None = None) -> str:
    root.set(_ROOT_ATTR, "")
    part_tag = None if part is None else part.tag
    if part is not None:
        part.tag = _PART_CELL_TAG if part_tag in CELL_TAGS else _PART_TAG
    try:
        return str(_LINES_XSLT(root))
    finally:
        del root.attrib[_ROOT_ATTR]
        if part is not None:
            part.tag = part_tag


def _lines(walked: str, keep_empty_cells: bool, limit: int | None = None) -> list[str]:
    """The walked text cut at its line marks, each line cleaned, empty ones left out."""
    lines: list[str] = []
    # Spaces collapsed in one pass over the whole text (no run crosses a mark).
    for part in _SPACES.sub(" ", walked).split(_LINE_MARK):
        if limit is not None and len(lines) >= limit:
            break
        if _CELL_MARK in part or CELL_SEP in part:  # (pages have tabs of their own)
            if not keep_empty_cells and part[0] == _CELL_MARK:
                part = part[1:]
            if CELL_SEP in part:
                part = _PAGE_TAB_RUNS.sub(CELL_SEP, part)
            line = _TAB_RUNS.sub(CELL_SEP, part.replace(_CELL_MARK, CELL_SEP)).strip(" ")
            if line.strip(CELL_SEP):
                lines.append(line)
        elif part != " " and (line := part.strip(" ")):
            lines.append(line)
    return lines[:limit]


def element_lines(
    root: etree._Element, keep_empty_cells: bool = False, limit: int | None = None
) -> list[str]:
    """The text of ``root`` as lines: a block element (``BLOCK_TAGS``) starts and ends a
    line, a table cell ends with a tab. Without ``keep_empty_cells`` a line's leading
    empty cell leaves no tab. ``limit``: only the first that many lines.

    The tree must hold no ``INTERNAL_MARKS`` (pages are cleaned of them before parsing).
    Comments and processing instructions give no text; their tails do.
    """
    return _lines(_walk(root), keep_empty_cells, limit)


def lines_around(
    root: etree._Element,
    part: etree._Element,
    keep_empty_cells: bool = False,
    part_limit: int | None = None,
) -> tuple[list[str], list[str], list[str]]:
    """``root``'s lines before ``part`` (itself or a descendant), ``part``'s own lines (as
    ``element_lines(part)`` gives them, the first ``part_limit``) and the lines after it,
    from one walk."""
    before, rest = _walk(root, part).split(_PART_START, 1)
    inside, after = rest.split(_PART_END, 1)
    return (
        _lines(before, keep_empty_cells),
        _lines(inside, keep_empty_cells, part_limit),
        _lines(after, keep_empty_cells),
    )


def plain_lines(lines: Iterable[str]) -> list[str]:
    """Lines with cell tabs turned into spaces, for a body's text."""
    return [line.replace(CELL_SEP, " ").strip() for line in lines if line.strip()]
