"""The content hash of a clean record: what makes two captures "the same document".

SHA-256 over the record's content fields (``parsers.record.CONTENT_FIELDS``), each
NFKC-normalised with whitespace collapsed, so page counters, tokens and re-indented
markup never look like an edit.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from typing import Any

from parsers.record import CONTENT_FIELDS, Record

_WS = re.compile(r"\s+")


def normalise_text(value: str | None) -> str:
    if value is None:
        return ""
    return _WS.sub(" ", unicodedata.normalize("NFKC", value)).strip()


def content_fields(record: Record) -> dict[str, Any]:
    """The normalised values the hash covers (attachments by name and URL)."""
    out: dict[str, Any] = {}
    for name in CONTENT_FIELDS:
        value = getattr(record, name)
        if name == "attachments":
            out[name] = sorted([normalise_text(a.name), a.url] for a in value)
        else:
            out[name] = None if value is None else normalise_text(value)
    return out


def content_hash(record: Record) -> str:
    payload = json.dumps(content_fields(record), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Content fields whose normalised values differ."""
    return [name for name in CONTENT_FIELDS if old.get(name) != new.get(name)]
