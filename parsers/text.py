"""DOM to text lines: block elements break lines, table cells are separated by tabs.

The one place that turns markup into the text the other stages read, so the metadata
finder, the body and the benchmarks all see the same lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

from parsers.selectors import BLOCK_TAGS, CELL_TAGS

CELL_SEP = "\t"
_SPACES = re.compile(r"[ \r\n\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff\x0b\x0c]+")
_TAB_RUNS = re.compile(r" *\t *")
# A marker line emitted where a skipped element stood.
MARKER = "\x00"


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


def _tag(node: etree._Element) -> str | None:
    tag = node.tag
    return tag if isinstance(tag, str) else None


class _Lines:
    """Text gathered into lines while ``element_lines`` walks a tree."""

    def __init__(self, keep_empty_cells: bool) -> None:
        self.lines: list[str] = []
        self.buf: list[str] = []
        self.keep_empty_cells = keep_empty_cells

    def add(self, text: str | None) -> None:
        if text:
            self.buf.append(text)

    def flush(self) -> None:
        if self.buf:
            line = clean_line("".join(self.buf))
            if line.strip(CELL_SEP):
                self.lines.append(line)
            self.buf.clear()

    def marker(self) -> None:
        self.flush()
        self.lines.append(MARKER)

    def start(self, tag: str, text: str | None) -> None:
        if tag in BLOCK_TAGS:
            self.flush()
        self.add(text)

    def end(self, tag: str) -> None:
        if tag in CELL_TAGS:
            self.buf.append(CELL_SEP if (self.keep_empty_cells or self.buf) else "")
        elif tag in BLOCK_TAGS:
            self.flush()


def element_lines(
    root: etree._Element,
    skip: etree._Element | None = None,
    keep_empty_cells: bool = False,
    limit: int | None = None,
) -> list[str]:
    """The text of ``root`` as lines. Where ``skip`` stands, one MARKER line is emitted.
    ``limit``: stop once that many lines are read (they are the first ``limit`` lines
    without it: a line is only added once it is complete)."""
    out = _Lines(keep_empty_cells)
    skipping: etree._Element | None = None
    for event, node in etree.iterwalk(root, events=("start", "end")):
        if limit is not None and len(out.lines) >= limit:
            return out.lines[:limit]
        if skipping is not None:
            if event == "end" and node is skipping:
                skipping = None
                out.add(node.tail)
            continue
        tag = _tag(node)
        if event == "start":
            if node is skip:
                out.marker()
                skipping = node
            elif tag is not None:
                out.start(tag, node.text)
            continue
        if tag is not None:
            out.end(tag)
        if node is not root:
            out.add(node.tail)
    out.flush()
    return out.lines


def plain_lines(lines: Iterable[str]) -> list[str]:
    """Lines with cell tabs turned into spaces, for a body's text."""
    return [line.replace(CELL_SEP, " ").strip() for line in lines if line.strip()]
