"""The archive: one SQLite file (sqlite-utils) with versions, deletions, dedup and search.

``Archive`` is the only writer. See the README's "Archive tables" for every column.
"""

from __future__ import annotations

from archive.schema import SCHEMA_VERSION, SchemaError
from archive.store import Archive, KnownDocument, connect, now_iso

__all__ = ["SCHEMA_VERSION", "Archive", "KnownDocument", "SchemaError", "connect", "now_iso"]
