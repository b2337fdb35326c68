"""Chinese full-text search through Datasette's own search box equals LIKE, for 1, 2, 3,
4+ character queries and multi-term queries (archive.tokenizer + the Datasette plugin)."""

from __future__ import annotations

import asyncio
import re

import pytest

from archive import Archive
from archive.datasette_meta import metadata
from archive.tokenizer import match_expression, tokens
from crawler.demo.documents import day_one
from parsers.record import Record

QUERIES = [
    "法",
    "府",
    "a",
    "执法",
    "复议",
    "普法",
    "法治政",
    "行政执法",
    "法治政府建设",
    "执法 复议",
    "普法 宪法 学习",
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "archive.db"
    with Archive(path) as archive:
        for n, doc in enumerate(day_one()):
            archive.record_document(
                Record(url=f"http://x/{n}.html", title=doc.title, body_text="\n".join(doc.body)),
                site="demo",
                run_id=None,
            )
        # Rows whose characters stand apart must not match a contiguous query.
        archive.record_document(
            Record(url="http://x/apart.html", title="执 法", body_text="复，议"),
            site="demo",
            run_id=None,
        )
    return path


def like_ids(db, query: str) -> list[int]:
    with Archive(db) as archive:
        terms = query.split()
        where = " AND ".join("(title LIKE ? OR body_text LIKE ?)" for _ in terms)
        params = [p for t in terms for p in (f"%{t}%", f"%{t}%")]
        return [
            r[0]
            for r in archive.conn.execute(
                f"SELECT id FROM documents WHERE {where} ORDER BY id", params
            )
        ]


def datasette_ids(db, query: str) -> list[int]:
    from datasette.app import Datasette

    async def go() -> list[int]:
        ds = Datasette([str(db)], metadata=metadata("archive"))
        response = await ds.client.get(
            "/archive/documents.json",
            params={"_search": query, "_shape": "array", "_col": "id", "_size": "max"},
        )
        assert response.status_code == 200, response.text
        return sorted(row["id"] for row in response.json())

    return asyncio.run(go())


@pytest.mark.parametrize("query", QUERIES)
def test_datasette_search_equals_like(db, query: str) -> None:
    assert datasette_ids(db, query) == like_ids(db, query)


@pytest.mark.parametrize("query", ["执法", "复议"])
def test_queries_find_something(db, query: str) -> None:
    assert like_ids(db, query)


def test_search_box_shown_on_documents(db) -> None:
    from datasette.app import Datasette

    async def go() -> str:
        ds = Datasette([str(db)], metadata=metadata("archive"))
        return (await ds.client.get("/archive/documents", follow_redirects=True)).text

    assert re.search(r'<input[^>]+name="_search"', asyncio.run(go()))


def test_a_document_is_indexed_as_bigrams_and_its_last_character() -> None:
    assert tokens("执法AB 1") == ["执法", "法a", "ab", "b ", " 1", "1"]


def test_a_query_of_one_character_as_a_prefix_is_that_character() -> None:
    assert tokens("法", query=True, prefix=True) == ["法"]


def test_a_query_of_one_character_without_a_prefix_is_refused() -> None:
    assert tokens("法", query=True) is None


def test_a_one_character_term_is_written_as_a_prefix_query() -> None:
    assert match_expression("法 执法") == '"法"* "执法"'


def test_a_longer_query_is_its_bigrams() -> None:
    assert tokens("法治政府", query=True) == ["法治", "治政", "政府"]


@pytest.mark.parametrize(
    "text",
    [
        "执法检查",
        "Ａ股 ABC abc",
        "执\u3000法\n\n复议",
        "表情😀符号，标点！",
        "ünïcödé ß",
        "  前后空白  ",
        "a\u200bb",
    ],
)
def test_index_tokens_equal_the_reference(text: str) -> None:
    """The index holds exactly ``index_tokens()`` at their positions (fts5vocab shows it)."""
    import sqlite3

    from archive.tokenizer import register

    conn = sqlite3.connect(":memory:")
    register(conn)
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='govarchive_bigrams')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    conn.execute("INSERT INTO t(x) VALUES (?)", (text,))
    indexed = [row[0] for row in conn.execute('SELECT term FROM v ORDER BY "offset"')]
    assert indexed == tokens(text)
