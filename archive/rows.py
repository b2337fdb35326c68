"""Rows written through sqlite-utils into the tables the schema made, and never a table made
by writing one.

sqlite-utils' ``insert`` and ``upsert`` create a missing table from the row they are given.
In an archive of evidence that would patch over damage: a table dropped or renamed under a
crawl (a failing disk, a hand edit, a hostile file) would come back empty with guessed
column types, and the crawl would call itself finished. Here a missing table is the same
``sqlite3.OperationalError`` a plain ``INSERT`` raises, so the write fails and is named
(``archive-error``). Columns are never added either (sqlite-utils' default, ``alter=False``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

import sqlite_utils
from sqlite_utils.db import Table


def table(db: sqlite_utils.Database, name: str) -> Table:
    """The schema's table ``name``; ``sqlite3.OperationalError`` when the file has none."""
    found = db.table(name)
    if not found.exists():
        raise sqlite3.OperationalError(f"no such table: {name}")
    return found


def insert(db: sqlite_utils.Database, name: str, row: dict[str, Any], **options: Any) -> int:
    """Insert one row into an existing table; its rowid."""
    return int(table(db, name).insert(row, **options).last_rowid or 0)


def insert_all(
    db: sqlite_utils.Database, name: str, rows: Iterable[dict[str, Any]], **options: Any
) -> None:
    """Insert rows into an existing table (``ignore=True``: keep rows already there)."""
    table(db, name).insert_all(rows, **options)


def upsert_all(
    db: sqlite_utils.Database, name: str, rows: Iterable[dict[str, Any]], pk: Any
) -> None:
    """Insert rows into an existing table, or update the rows with their primary keys."""
    table(db, name).upsert_all(rows, pk=pk)
