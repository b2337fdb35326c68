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


def clean_line(text: str) -> str:
    """Collapse whitespace inside a line, keep cell tabs, strip the ends."""
    text = _SPACES.sub(" ", text)
    text = _TAB_RUNS.sub(CELL_SEP, text)
    return text.strip(" ")


def _tag(node: etree._Element) -> str | None:
    tag = node.tag
    return tag if isinstance(tag, str) else None


def element_lines(
    root: etree._Element, skip: etree._Element | None = None, keep_empty_cells: bool = False
) -> list[str]:
    """The text of ``root`` as lines. Where ``skip`` stands, one MARKER line is emitted."""
    lines: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            line = clean_line("".join(buf))
            if line.strip(CELL_SEP):
                lines.append(line)
            buf.clear()

    skipping: etree._Element | None = None
    for event, node in etree.iterwalk(root, events=("start", "end")):
        if skipping is not None:
            if event == "end" and node is skipping:
                skipping = None
                if node.tail:
                    buf.append(node.tail)
            continue
        tag = _tag(node)
        if event == "start":
            if node is skip:
                flush()
                lines.append(MARKER)
                skipping = node
                continue
            if tag is None:
                continue
            if tag in BLOCK_TAGS:
                flush()
            if node.text:
                buf.append(node.text)
        else:
            if tag is not None:
                if tag in CELL_TAGS:
                    buf.append(CELL_SEP if (keep_empty_cells or buf) else "")
                elif tag in BLOCK_TAGS:
                    flush()
            if node.tail and node is not root:
                buf.append(node.tail)
    flush()
    return lines


def plain_lines(lines: Iterable[str]) -> list[str]:
    """Lines with cell tabs turned into spaces, for a body's text."""
    return [line.replace(CELL_SEP, " ").strip() for line in lines if line.strip()]
