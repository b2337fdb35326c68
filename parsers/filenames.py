"""Attachment names as servers send them: Content-Disposition (``filename*`` RFC 5987,
raw UTF-8 or GBK bytes in ``filename``) or the URL path (percent-encoded UTF-8 or GBK)."""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes, urlsplit

_FILENAME_STAR = re.compile(rb"filename\*\s*=\s*([\w-]+)'[^']*'([^;]+)", re.I)
_FILENAME = re.compile(rb'filename\s*=\s*(?:"([^"]*)"|([^;]+))', re.I)


def decode_name_bytes(raw: bytes) -> str:
    """Bytes of a file name: UTF-8 if valid, else GB18030 (GBK's superset)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def name_from_disposition(header: bytes | None) -> str | None:
    if not header:
        return None
    star = _FILENAME_STAR.search(header)
    if star:
        charset = star.group(1).decode("ascii", "replace").lower()
        raw = unquote_to_bytes(star.group(2).strip())
        try:
            return raw.decode(charset)
        except (LookupError, UnicodeDecodeError):
            return decode_name_bytes(raw)
    plain = _FILENAME.search(header)
    if plain:
        value = (plain.group(1) if plain.group(1) is not None else plain.group(2)).strip()
        if b"%" in value:
            value = unquote_to_bytes(value)
        return decode_name_bytes(value) or None
    return None


def name_from_url(url: str) -> str:
    """The last path segment (or a ``filename=`` query value), percent-decoded."""
    parts = urlsplit(url)
    match = re.search(r"(?:^|&)(?:filename|fileName|name)=([^&]+)", parts.query)
    segment = match.group(1) if match else parts.path.rsplit("/", 1)[-1]
    return decode_name_bytes(unquote_to_bytes(segment))


def attachment_name(link_text: str | None, url: str, disposition: bytes | None = None) -> str:
    """The name to show: the link's text, else the server's file name, else the URL's."""
    if link_text and link_text.strip():
        return link_text.strip()
    return name_from_disposition(disposition) or name_from_url(url) or "attachment"
