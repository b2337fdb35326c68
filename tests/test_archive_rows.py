"""archive.rows: sqlite-utils writes into the schema's tables, never a table made by writing."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

from archive import rows


@pytest.fixture
def db() -> sqlite_utils.Database:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE sites (name TEXT PRIMARY KEY, title TEXT)")
    return sqlite_utils.Database(conn)


def test_a_row_goes_into_the_schemas_table(db) -> None:
    rows.insert(db, "sites", {"name": "a", "title": "某县"})
    assert db.execute("SELECT title FROM sites").fetchall() == [("某县",)]


def test_a_missing_table_is_an_error(db) -> None:
    with pytest.raises(sqlite3.OperationalError, match="no such table: column_walks"):
        rows.insert(db, "column_walks", {"site": "a"})


def test_a_missing_table_is_not_created(db) -> None:
    with pytest.raises(sqlite3.OperationalError):
        rows.insert_all(db, "column_walks", [{"site": "a"}])
    assert "column_walks" not in db.table_names()


def test_a_missing_column_is_not_added(db) -> None:
    with pytest.raises(sqlite3.OperationalError):
        rows.insert(db, "sites", {"name": "a", "forged": 1})


def test_an_upsert_updates_the_row_with_its_key(db) -> None:
    rows.insert(db, "sites", {"name": "a", "title": "旧"})
    rows.upsert_all(db, "sites", [{"name": "a", "title": "新"}], pk="name")
    assert db.execute("SELECT name, title FROM sites").fetchall() == [("a", "新")]
