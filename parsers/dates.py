"""Dates as government pages write them, normalised to ISO.

Handles ``2023-02-01``, ``2023-2-1``, ``2023/1/31``, ``2023.1.31``, ``2023年1月31日``,
full-width digits, times (``10:17``, ``13时44分``) and signatures in Chinese numerals
(``二〇二三年一月三十一日``).
"""

from __future__ import annotations

import re
import unicodedata

_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:[-/.年])\s*(?P<m>\d{1,2})\s*(?:[-/.月])\s*(?P<d>\d{1,2})(?!\d)\s*日?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2})\s*秒?)?\s*分?)?"
)
_CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "O": 0,
    "Ｏ": 0,
    "o": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_DIGIT_CLASS = "〇○零OＯo一二三四五六七八九"
_CN_DATE = re.compile(
    rf"(?P<y>[{_CN_DIGIT_CLASS}]{{4}})\s*年\s*(?P<m>[一二三四五六七八九十]{{1,3}})\s*月"
    rf"\s*(?P<d>[一二三四五六七八九十]{{1,3}})\s*日"
)
# A line that is nothing but a date (a signature date), maybe in brackets.
_DATE_LINE = re.compile(r"^[（(]?\s*(.{6,24}?)\s*[）)]?$")


def _cn_number(text: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20, 三十一 → 31."""
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (
            _CN_DIGITS.get(units, 0) if units else 0
        )
    return _CN_DIGITS.get(text, 0)


def _valid(y: int, m: int, d: int) -> bool:
    return 1949 <= y <= 2100 and 1 <= m <= 12 and 1 <= d <= 31


def _iso(y: int, m: int, d: int) -> str:
    return f"{y:04d}-{m:02d}-{d:02d}"


def parse_datetime(text: str | None) -> str | None:
    """The first date (with its time, if written) in ``text`` as ISO, or None."""
    if not text:
        return None
    if not text.isascii():  # (NFKC leaves ASCII as it is)
        text = unicodedata.normalize("NFKC", text)
    for match in _DATE.finditer(text):
        y, m, d = int(match["y"]), int(match["m"]), int(match["d"])
        if not _valid(y, m, d):
            continue
        value = _iso(y, m, d)
        if match["H"] is not None and int(match["H"]) < 24 and int(match["M"]) < 60:
            value += f" {int(match['H']):02d}:{int(match['M']):02d}"
            if match["S"] is not None and int(match["S"]) < 60:
                value += f":{int(match['S']):02d}"
        return value
    match = _CN_DATE.search(text)
    if match:
        y = int("".join(str(_CN_DIGITS[c]) for c in match["y"]))
        m, d = _cn_number(match["m"]), _cn_number(match["d"])
        if _valid(y, m, d):
            return _iso(y, m, d)
    return None


def parse_date(text: str | None) -> str | None:
    """The first date in ``text`` as ``YYYY-MM-DD``, or None."""
    value = parse_datetime(text)
    return value[:10] if value else None


def signature_date(body_text: str, last_lines: int = 4) -> str | None:
    """The date a document is signed with: a line near the end that is only a date (a
    table row's date, or a date with other words on its line, is not one)."""
    lines = [line.strip() for line in body_text.splitlines() if line.strip()]
    for line in reversed(lines[-last_lines:]):
        compact = re.sub(r"\s+", "", line)
        match = _DATE_LINE.match(compact)
        if match and len(compact) <= 26 and date_line_value(compact):
            value = parse_date(match.group(1))
            if value:
                return value
    return None


def date_line_value(text: str) -> str | None:
    """The date-time of a line that is nothing but a date (and time), else None."""
    compacted = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).strip("()（）[]【】")
    if not compacted or len(compacted) > 26:
        return None
    match = _DATE.fullmatch(compacted) or _CN_DATE.fullmatch(compacted)
    return parse_datetime(compacted) if match else None
