"""A search page newest first reads only the matches it shows, and says exactly what
Datasette's full search says (archive/datasette_plugin/search_page.py)."""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
from typing import Any

import pytest

from archive import Archive
from archive.datasette_meta import metadata
from archive.datasette_plugin.search_page import (
    FLOOR_MARGIN,
    FLOOR_PARAM,
    floor_applies,
    page_rows,
    page_start,
)
from parsers.record import Record


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """60 documents; 法治 is in two of every three, 信访 in one of four."""
    path = tmp_path_factory.mktemp("search_page") / "archive.db"
    with Archive(path) as archive:
        for n in range(60):
            body = (
                f"第{n}号文件。"
                + ("推进法治政府建设。" if n % 3 else "")
                + ("信访工作。" if n % 4 == 0 else "营商环境。")
            )
            archive.record_document(
                Record(url=f"http://x/{n}.html", title=f"通知{n}", body_text=body),
                site="demo",
                run_id=None,
            )
    return path


def like_ids(db, text: str) -> list[int]:
    """Every matching id, newest first, by LIKE."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT id FROM documents WHERE title LIKE ? OR body_text LIKE ? ORDER BY id DESC",
            (f"%{text}%", f"%{text}%"),
        )
        return [row[0] for row in rows]


def get(db, path: str, params: dict[str, str]) -> Any:
    from datasette.app import Datasette

    async def go() -> Any:
        ds = Datasette([str(db)], metadata=metadata("archive"))
        return await ds.client.get(path, params=params)

    return asyncio.run(go())


def walk(db, params: dict[str, str]) -> tuple[list[int], list[str]]:
    """Every id the search pages list, following ``next``, and each page's SQL."""
    ids: list[int] = []
    sqls: list[str] = []
    params = dict(params)
    while True:
        response = get(db, "/archive/documents.json", params)
        assert response.status_code == 200, response.text
        data = response.json()
        ids += [row[0] for row in data["rows"]]
        sqls.append(data["query"]["sql"])
        if not data["next"]:
            return ids, sqls
        params["_next"] = data["next"]


@pytest.mark.parametrize("text", ["法治", "信访", "法治政府", "营商"])
def test_pages_newest_first_list_exactly_the_like_matches(db, text: str) -> None:
    ids, _ = walk(db, {"_search": text, "_size": "7", "_col": "id"})
    assert ids == like_ids(db, text)


def test_a_search_page_reads_from_its_floor(db) -> None:
    _, sqls = walk(db, {"_search": "法治", "_size": "7", "_col": "id"})
    assert f":{FLOOR_PARAM}" in sqls[0]


def test_the_floor_is_the_margin_below_the_pages_last_row(db) -> None:
    response = get(db, "/archive/documents.json", {"_search": "法治", "_size": "7"})
    floor = response.json()["query"]["params"][FLOOR_PARAM]
    assert floor == like_ids(db, "法治")[7 + FLOOR_MARGIN]


def test_the_last_page_needs_no_floor(db) -> None:
    _, sqls = walk(db, {"_search": "法治", "_size": "7", "_col": "id"})
    assert f":{FLOOR_PARAM}" not in sqls[-1]


def test_a_counted_search_has_no_floor(db) -> None:
    response = get(db, "/archive/documents.json", {"_search": "法治", "_size": "5", "_nocount": ""})
    assert f":{FLOOR_PARAM}" not in response.json()["query"]["sql"]


def test_a_counted_search_counts_every_match(db) -> None:
    response = get(db, "/archive/documents.json", {"_search": "法治", "_size": "5", "_nocount": ""})
    assert response.json()["filtered_table_rows_count"] == len(like_ids(db, "法治"))


def test_a_search_with_a_column_filter_has_no_floor(db) -> None:
    params = {"_search": "法治", "_size": "5", "id__lt": "40"}
    response = get(db, "/archive/documents.json", params)
    assert f":{FLOOR_PARAM}" not in response.json()["query"]["sql"]


def test_a_search_with_a_column_filter_lists_every_match(db) -> None:
    ids, _ = walk(db, {"_search": "法治", "_size": "5", "id__lt": "40", "_col": "id"})
    assert ids == [n for n in like_ids(db, "法治") if n < 40]


def test_a_streamed_csv_search_has_every_match(db) -> None:
    params = {"_search": "法治", "_sort_desc": "id", "_stream": "on", "_size": "5", "_col": "id"}
    response = get(db, "/archive/documents.csv", params)
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sorted(int(row["id"]) for row in rows) == sorted(like_ids(db, "法治"))


def test_a_search_page_in_html_lists_the_newest_matches(db) -> None:
    response = get(db, "/archive/documents", {"_search": "信访", "_size": "3"})
    newest = like_ids(db, "信访")[:3]
    assert all(f"/archive/-/document/{n}" in response.text for n in newest)


def test_a_search_page_in_html_lists_no_older_match(db) -> None:
    response = get(db, "/archive/documents", {"_search": "信访", "_size": "3"})
    fourth = like_ids(db, "信访")[3]
    assert f'/archive/-/document/{fourth}"' not in response.text


def test_page_rows_is_the_page_size_plus_one() -> None:
    assert page_rows({"_size": "20"}, None, 100, 1000) == 21


def test_page_rows_defaults_to_the_table_then_the_setting() -> None:
    assert (page_rows({}, 50, 100, 1000), page_rows({}, None, 100, 1000)) == (51, 101)


def test_page_rows_of_max_is_the_row_limit_plus_one() -> None:
    assert page_rows({"_size": "max"}, None, 100, 1000) == 1001


def test_page_rows_refuses_a_size_datasette_refuses() -> None:
    assert (
        page_rows({"_size": "x"}, None, 100, 1000),
        page_rows({"_size": "1001"}, None, 100, 1000),
    ) == (None, None)


def test_page_start_of_a_first_page_is_zero() -> None:
    assert page_start({}) == 0


def test_page_start_is_the_rowid_of_the_next_token() -> None:
    assert page_start({"_next": "120,120"}) == 120


def test_page_start_refuses_a_token_of_two_rowids() -> None:
    assert page_start({"_next": "120,7"}) is None


def test_page_start_refuses_a_token_that_is_not_a_rowid() -> None:
    assert page_start({"_next": "2026-01-01,7"}) is None


LEAN = {"_search": "法治", "_sort_desc": "id", "_nocount": "1", "_nofacet": "1"}


def test_floor_applies_to_a_lean_search_newest_first() -> None:
    assert floor_applies(LEAN, "id")


@pytest.mark.parametrize(
    "change",
    [
        {"_nocount": ""},
        {"_nofacet": ""},
        {"_sort_desc": "last_changed"},
        {"site": "demo"},
        {"_where": "1"},
        {"_stream": "on"},
        {"_facet": "site"},
        {"_search": ""},
    ],
    ids=lambda change: "&".join(f"{k}={v}" for k, v in change.items()),
)
def test_floor_does_not_apply_when_the_page_could_change(change: dict[str, str]) -> None:
    assert not floor_applies({**LEAN, **change}, "id")
