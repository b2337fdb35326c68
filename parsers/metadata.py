"""Metadata found by its labels, wherever the template puts it.

Works on text lines (``parsers.text``): "label：value" anywhere in a line or table cell,
a label cell followed by a value cell, a header row of labels over a row of values
(Shanghai's 索取号 table), several pairs on one line ("来源：X发布日期：Y").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.labels import (
    ALL_LABELS,
    COLON,
    FIELD_LABELS,
    LABEL_ONLY,
    NONE_VALUE_FIELDS,
    NONE_VALUES,
    WEAK_LABELS,
    LazyPattern,
    compact,
    label_field,
)
from parsers.text import CELL_SEP

# Region of the page a line came from, in order of trust.
BEFORE, CONTENT_HEAD, AFTER = 0, 1, 2
# A value longer than this is prose, not metadata.
MAX_VALUE_CHARS = 120
# A date (and time) the template prints after an issuer in the same element, with no
# label of its own ("来源：广西日报 2024-10-17 08:03"): never part of a body's name.
_TRAILING_DATE = re.compile(
    r"[\s\u3000\u00a0]*(?:19|20)\d{2}(?:[-/.年]\d{1,2}(?:[-/.月]\d{1,2}日?)?)"
    r"(?:[\s\u3000\u00a0]*\d{1,2}[:：时]\d{2}(?:[:：分]\d{2}秒?)?)?$"
)
_LABEL_ALT = "|".join(
    "[ \u3000\u00a0\u2002\u2003]*".join(re.escape(c) for c in label) for label in ALL_LABELS
)
# A label with a colon: strong labels anywhere, weak ones only at a boundary.
_LABEL_IN_LINE = LazyPattern(rf"(?P<label>{_LABEL_ALT})[ \u3000\u00a0\u2002\u2003]*{COLON}")
# What may stand before a weak label (时间, 来源, …) for it to count as a label: a
# separator, or a letter or digit that ends the previous value, as when two <span>s print
# "时间：2024-04-02来源：X". In prose a weak label follows a character of its own word
# (资金来源：, 出生日期：) or a list marker (一、时间：), and is not taken.
_SEPARATORS_BEFORE = frozenset("\t \u3000\u00a0|｜│/【】[]()（）>·")


def _starts_pair(before: str) -> bool:
    return before in _SEPARATORS_BEFORE or (before.isascii() and before.isalnum())


_VALUE_TRIM = " \t\u3000\u00a0|｜│/【】[]·:：,，;；"
_BRACKETED = re.compile(r"^[（(](.*)[）)]$")


@dataclass(slots=True)
class Found:
    """One labelled value: which label, where, and its text."""

    field: str
    label: str
    value: str
    region: int
    line_no: int


def _is_weak(label: str) -> bool:
    return compact(label) in WEAK_LABELS


def _clean_value(value: str) -> str:
    value = value.strip(_VALUE_TRIM)
    match = _BRACKETED.match(value)
    if match:
        value = match.group(1).strip()
    return value


def _labels_in_cell(cell: str) -> list[re.Match[str]]:
    """Labels with a colon in one cell: strong ones anywhere, weak ones where a pair starts."""
    if ":" not in cell and "：" not in cell:
        return []  # (the label pattern would scan the whole cell to find none)
    return [
        m
        for m in _LABEL_IN_LINE.finditer(cell)
        if not _is_weak(m.group("label")) or m.start() == 0 or _starts_pair(cell[m.start() - 1])
    ]


def _pairs_in_line(line: str) -> list[tuple[str, str]]:
    """(label, value) pairs in one line; a value ends at the next label or cell."""
    pairs: list[tuple[str, str]] = []
    for cell in line.split(CELL_SEP):
        matches = _labels_in_cell(cell)
        for i, m in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(cell)
            pairs.append((m.group("label"), cell[m.end() : end]))
    return pairs


# The start of a "label：value" cell whose label is not one we know (语种：中文, 载体：纸质):
# what follows an empty label cell there is another label, not its value.
_ANY_LABEL_START = re.compile(rf"^[ \u3000\u00a0]*[\u4e00-\u9fff]{{2,6}}[ \u3000\u00a0]*{COLON}")


def _is_another_label(cell: str) -> bool:
    return bool(
        LABEL_ONLY.match(cell) or _LABEL_IN_LINE.match(cell) or _ANY_LABEL_START.match(cell)
    )


def unlabelled_text(line: str) -> str:
    """What ``line`` says outside its labelled values: each cell up to its first label,
    and no cell that follows a label-only cell."""
    parts = []
    cells = line.split(CELL_SEP)
    for n, cell in enumerate(cells):
        if LABEL_ONLY.match(cell) or (n and LABEL_ONLY.match(cells[n - 1])):
            continue
        labels = _labels_in_cell(cell)
        parts.append(cell[: labels[0].start()] if labels else cell)
    return " ".join(part.strip() for part in parts if part.strip())


def find_labelled(lines: list[str], region: int) -> list[Found]:
    """Every labelled value in ``lines``."""
    found: list[Found] = []
    for i, line in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else None
        if _header_row(found, line, following, region, i):
            continue
        handled = _label_cells(found, line, following, region, i)
        for label, value in _pairs_in_line(line):
            if handled and not value.strip():
                continue
            _add(found, label, value, region, i)
    return found


def _header_row(
    found: list[Found], line: str, following: str | None, region: int, line_no: int
) -> bool:
    """A header row of bare labels over a row of values: each label gets the value under
    it. True when ``line`` was one."""
    cells = line.split(CELL_SEP)
    if len(cells) < 2 or not all(LABEL_ONLY.match(c) for c in cells if c.strip()):
        return False
    if following is None:
        return False
    values = following.split(CELL_SEP)
    if len(values) != len(cells) or any(LABEL_ONLY.match(v) for v in values):
        return False
    for label, value in zip(cells, values, strict=True):
        _add(found, label, value, region, line_no)
    return True


def _label_cells(
    found: list[Found], line: str, following: str | None, region: int, line_no: int
) -> bool:
    """Label-only cells, each followed by its value cell (or, for a line that is one label,
    by the next line). True when ``line`` had any."""
    cells = line.split(CELL_SEP)
    handled = False
    for j, cell in enumerate(cells):
        if not LABEL_ONLY.match(cell) or _is_weak(cell) and not re.search(COLON, cell):
            continue
        handled = True
        if j + 1 < len(cells):
            nxt = cells[j + 1]
        elif len(cells) == 1 and following is not None:
            nxt = following.split(CELL_SEP)[0]
        else:
            nxt = ""
        value = "" if _is_another_label(nxt) else nxt
        _add(found, cell, value, region, line_no)
    return handled


def _add(found: list[Found], label: str, value: str, region: int, line_no: int) -> None:
    field = label_field(label)
    if field is None:
        return
    value = _clean_value(value)
    if field == "issuer":
        value = _TRAILING_DATE.sub("", value)
    if len(value) > MAX_VALUE_CHARS:
        return
    if field in NONE_VALUE_FIELDS and compact(value) in NONE_VALUES:
        value = ""
    found.append(Found(field, compact(label).strip(":：【】[]"), value, region, line_no))


def best(found: list[Found], field: str, allow_empty: bool = True) -> str | None:
    """The value of ``field`` from its strongest label; "" if only empty labels exist."""
    ranks = {label: n for n, label in enumerate(FIELD_LABELS[field])}
    candidates = [f for f in found if f.field == field]
    if not candidates:
        return None
    candidates.sort(key=lambda f: (ranks.get(f.label, 99), f.region, f.line_no))
    for item in candidates:
        if item.value:
            return item.value
    return "" if allow_empty else None
