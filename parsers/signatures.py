"""Who issued a document: its labelled issuer, else the bodies that sign its text (at the end,
or right under the title as statistics bulletins sign), and the signing department over a
来源 that only names the portal's operator or its website. Also the date of a signature
block under the title."""

from __future__ import annotations

import re

from parsers.dates import date_line_value, parse_date
from parsers.head_metadata import source_meta
from parsers.labels import SOURCE_LABELS, compact
from parsers.metadata import Found, best
from parsers.selectors import TITLE_SEPARATORS, WEBSITE_SUFFIX

# A signature line: an organisation's name.
SIGNER = re.compile(
    r"^[\u4e00-\u9fff（）()·]{4,40}(?:人民政府|委员会|办公室|办公厅|政府|局|厅|部|院|中心|学校|"
    r"街道办事处|办事处|管委会|委|会|社|所|队|站|镇|乡|街道|公司|协会|学会|联合会)$"
)


def issuer_of(
    found: list[Found], body_lines: list[str], page_title: str, page_lines: list[str],
    tags: dict[str, str],
) -> tuple[str | None, str | None]:  # fmt: skip
    """(issuer, source): the labelled issuer, else the signature's bodies; a 来源 that
    names the site (its website, or the portal's operator) gives way to the body that
    signs the text. A source meta tag (ContentSource) fills ``source`` when the page shows
    none, never the issuer: an issuer is what the page displays (CORPUS.md), and a copied
    page's meta tag can name the site it was copied from."""
    source = next((f.value for f in found if f.label in SOURCE_LABELS and f.value), None)
    issuer = best(found, "issuer", allow_empty=False)
    signing = signer(body_lines)
    if issuer is None or (signing and _names_website_of(issuer, signing)):
        issuer = signing
    elif signing and issuer == source and _names_the_portal(source, page_title, page_lines):
        # 来源 names the portal's operator (the same on every page of the site); the
        # document is signed by a department, which issued it. 来源 stays in ``source``.
        issuer = signing
    if source is None:
        source = source_meta(tags)
    return issuer, source


def signer(lines: list[str]) -> str | None:
    """The signing organisation: the line before a trailing signature date, else the
    line before a date right under the title (statistics bulletins and reports sign at
    the top: "某省统计局　国家统计局某省调查总队" over "2023年3月28日")."""
    found = _signature(lines[-4:], at_end=True) or _signature(lines[:3])
    return found[0] if found else None


def head_signature_date(lines: list[str]) -> str | None:
    """The date of a signature block right under the title, if the text opens with one."""
    found = _signature(lines[:3])
    return found[1] if found else None


def _signature(lines: list[str], at_end: bool = False) -> tuple[str, str] | None:
    """(organisations, date) of an organisation line followed by a short line holding a
    date (at the top of the text, a line that is nothing but a date), the last such pair
    ``at_end``, else the first."""
    pairs = list(zip(lines, lines[1:], strict=False))
    for name_line, date_line in reversed(pairs) if at_end else pairs:
        date_key = compact(date_line)
        if len(date_key) > 26 or not parse_date(date_key):
            continue
        if not at_end and not date_line_value(date_line):
            continue
        names = _organisations(name_line)
        if names:
            return names, str(parse_date(date_key))
    return None


def _organisations(line: str) -> str | None:
    """A line naming one organisation, or several side by side ("某省统计局　国家统计局
    某省调查总队"), each a name a signature uses; None for any other line."""
    parts = line.split()
    if len(parts) > 1 and all(SIGNER.match(part) for part in parts):
        return " ".join(parts)
    key = compact(line)
    return key if SIGNER.match(key) else None


_PORTAL_OPERATOR = re.compile(r"(?:主办单位|主办)[:：]\s*([\u4e00-\u9fff（）()]{4,40})")


def _names_the_portal(source: str, page_title: str, page_lines: list[str]) -> bool:
    """Whether a 来源 names the site's operator: the site name after the <title>'s last
    separator, or the footer's 主办单位 (or that name with 网/网站)."""
    key = WEBSITE_SUFFIX.sub("", compact(source))
    if not key:
        return False
    parts = [p for p in TITLE_SEPARATORS.split(page_title) if p.strip()]
    names = {WEBSITE_SUFFIX.sub("", compact(parts[-1]))} if len(parts) >= 2 else set()
    for line in page_lines[-40:]:
        names.update(WEBSITE_SUFFIX.sub("", compact(m)) for m in _PORTAL_OPERATOR.findall(line))
    return key in names


def _names_website_of(source: str, signer: str) -> bool:
    """True for a source like "XX委员会网站" when the document is signed "XX委员会"."""
    key = compact(source)
    return key.startswith(signer) and bool(WEBSITE_SUFFIX.fullmatch(key[len(signer) :]))
