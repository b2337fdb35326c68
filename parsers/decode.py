"""Bytes to text for government pages, as an explicit chain of evidence.

Order: byte-order mark, UTF-16 without BOM, strict UTF-8, the HTTP charset, the first
``<meta charset>`` in the head (never one pasted later inside Word content), a detector,
and last GB18030 with replacement. Declared charsets often lie (``gb2312`` on UTF-8 pages,
UTF-16 re-saves that still say ``gb2312``), so a strict UTF-8 success wins over them.
GB2312 and GBK are decoded as their superset GB18030.
"""

from __future__ import annotations

import codecs
import re

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Declared names that are subsets of a wider codec that decodes them the same way.
_WIDER_CODEC = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "ascii": "utf-8",
    "us-ascii": "utf-8",
}
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
HEAD_END = re.compile(rb"</head\s*>|<body[\s>]", re.I)
# How far into the document a charset declaration is believed.
HEAD_SCAN_BYTES = 4096


def charset_of(content_type: str | None) -> str | None:
    """The charset a Content-Type value declares, if any (as written)."""
    for part in (content_type or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


def normalise_codec(name: str | None) -> str | None:
    """The Python codec to decode a declared charset with, or None if unknown."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _WIDER_CODEC.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_meta_charset(data: bytes) -> str | None:
    """The charset of the first ``<meta>`` in the head, ignoring any after ``</head>``."""
    head = data[:HEAD_SCAN_BYTES]
    end = HEAD_END.search(head)
    if end:
        head = head[: end.start()]
    match = META_CHARSET.search(head)
    return match.group(1).decode("ascii", "replace") if match else None


def _looks_utf16(data: bytes) -> str | None:
    sample = data[:400]
    if len(sample) < 8:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > half * 0.4 and even_nuls < half * 0.05:
        return "utf-16-le"
    if even_nuls > half * 0.4 and odd_nuls < half * 0.05:
        return "utf-16-be"
    return None


def decode_html(data: bytes | str, http_charset: str | None = None) -> tuple[str, str]:
    """Decode a page; return ``(text, codec)`` where codec names what was used."""
    if isinstance(data, str):
        return data, "str"
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace"), codec.replace("-sig", "")
    utf16 = _looks_utf16(data)
    if utf16:
        return data.decode(utf16, errors="replace"), utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for declared in (http_charset, declared_meta_charset(data)):
        codec = normalise_codec(declared)
        if codec and codec not in ("utf-8", "utf-16", "utf-32"):
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                continue
    detected = _detect(data)
    if detected:
        try:
            return data.decode(detected), detected
        except UnicodeDecodeError:
            pass
    # Mostly UTF-8 with a few broken bytes is far more common than anything else here.
    if _mostly_utf8(data):
        return data.decode("utf-8", errors="replace"), "utf-8"
    return data.decode("gb18030", errors="replace"), "gb18030"


def _mostly_utf8(data: bytes) -> bool:
    text = data.decode("utf-8", errors="replace")
    return text.count("\ufffd") * 200 < len(text)


def _detect(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - declared dependency
        return None
    best = from_bytes(data[:200_000]).best()
    if best is None:
        return None
    return normalise_codec(best.encoding)
