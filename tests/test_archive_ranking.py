"""Ranked search (archive.ranking through /DB/-/search and /-/search): the ranking window
on a query that matches more documents than it ranks, and scores that compare across
archives of different sizes and contents."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from archive import Archive, ranking
from archive.datasette_meta import metadata
from archive.tokenizer import match_expression, register
from parsers.record import Record

FILLER = "本机关依法履行职责，推进政务公开，接受社会监督。"
# In both archives, word for word: the same document must score the same in each.
SHARED = ("关于鹰眼巡检系统上线的通知", "鹰眼巡检系统今日上线。" + FILLER * 3)
# A county archive where every document speaks of 鹰眼 (so its own bm25 finds the word
# worthless), one of them about nothing else; a larger ministry archive where the word is
# rare and one document mentions it once.
COUNTY = [
    SHARED,
    ("鹰眼专项工作简报", "鹰眼鹰眼鹰眼：鹰眼巡检、鹰眼预警、鹰眼值守。" + FILLER),
    ("县政府常务会议纪要", "会议听取鹰眼工作汇报。" + FILLER * 3),
    ("政务公开工作要点", "鹰眼平台数据按月公开。" + FILLER * 3),
]
MINISTRY = [SHARED, ("部门年度工作报告", "年内启用鹰眼平台。" + FILLER * 3)] + [
    (f"政策解读第{n}期", FILLER * 4) for n in range(30)
]


def build(path: Path, documents: list[tuple[str, str]]) -> Path:
    with Archive(path) as archive:
        for n, (title, body) in enumerate(documents):
            archive.record_document(
                Record(url=f"http://{path.stem}.example/{n}.html", title=title, body_text=body),
                site=path.stem,
                run_id=None,
            )
    return path


@pytest.fixture(scope="module")
def archives(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("ranking")
    return build(folder / "county.db", COUNTY), build(folder / "ministry.db", MINISTRY)


@pytest.fixture(scope="module")
def search(archives):
    """GET a path of a real Datasette (with the plugin) serving both archives."""
    from datasette.app import Datasette

    datasette = Datasette(
        files=[str(p) for p in archives], metadata=metadata([p.stem for p in archives])
    )
    loop = asyncio.new_event_loop()
    loop.run_until_complete(datasette.invoke_startup())
    yield lambda path: loop.run_until_complete(datasette.client.get(path))
    loop.close()


def results(search, path: str) -> list[dict]:
    return search(path).json()["results"]


def test_the_same_document_scores_the_same_in_both_archives(search) -> None:
    scores = {
        r["score"] for r in results(search, "/-/search.json?q=鹰眼") if r["title"] == SHARED[0]
    }
    assert len(scores) == 1


def test_the_shared_document_is_found_in_both_archives(search) -> None:
    found = {r["db"] for r in results(search, "/-/search.json?q=鹰眼") if r["title"] == SHARED[0]}
    assert found == {"county", "ministry"}


def test_results_across_archives_are_ordered_by_shared_scores(search) -> None:
    # Each archive's own bm25 ranks the ministry's one mention first (the word is rare
    # there, everywhere in the county); shared statistics rank the document about it.
    assert results(search, "/-/search.json?q=鹰眼")[0]["title"] == "鹰眼专项工作简报"


def test_scores_across_archives_are_best_first(search) -> None:
    scores = [r["score"] for r in results(search, "/-/search.json?q=鹰眼")]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("query", ["鹰眼", "鹰", "鹰眼 平台", "工作 鹰眼巡检"])
def test_one_archive_scores_are_fts5_bm25(archives, search, query: str) -> None:
    county, _ = archives
    conn = sqlite3.connect(county)
    register(conn)
    expected = conn.execute(
        "SELECT rowid, -bm25(documents_fts) FROM documents_fts WHERE documents_fts MATCH ?",
        (match_expression(query),),
    ).fetchall()
    conn.close()
    got = {r["id"]: r["score"] for r in results(search, f"/county/-/search.json?q={query}")}
    assert got == {rowid: round(score, 6) for rowid, score in expected}


def exact_idfs(conn: sqlite3.Connection, query: str) -> list[float]:
    """Each phrase's IDF from a full count of its matches, as FTS5's bm25 takes it."""
    documents = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    stats = ranking.Statistics(documents)
    for term in ranking.query_terms(query):
        stats.document_frequency[term] = conn.execute(
            "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?",
            (match_expression(f'"{term}"'),),
        ).fetchone()[0]
    return [stats.idf(term) for term in ranking.query_terms(query)]


@pytest.mark.parametrize("query", ["鹰眼", "鹰", "鹰眼 平台", "巡检 职责", "政务公开"])
def test_the_rank_function_given_exact_idfs_is_fts5s_bm25(archives, query: str) -> None:
    _, ministry = archives
    conn = sqlite3.connect(ministry)
    register(conn)
    idfs = exact_idfs(conn, query)
    marks = ",".join("?" * len(idfs))
    rows = conn.execute(
        f"SELECT bm25(documents_fts), govarchive_bm25(documents_fts, {marks}) FROM documents_fts"
        " WHERE documents_fts MATCH ?",
        (*idfs, match_expression(query)),
    ).fetchall()
    conn.close()
    assert rows and all(ours == pytest.approx(fts5, rel=1e-12) for fts5, ours in rows)


def test_the_rank_function_refuses_too_few_idfs(archives) -> None:
    _, ministry = archives
    conn = sqlite3.connect(ministry)
    register(conn)
    with pytest.raises(sqlite3.OperationalError, match="one IDF per phrase"):
        conn.execute(
            "SELECT govarchive_bm25(documents_fts, 1.0) FROM documents_fts"
            " WHERE documents_fts MATCH ?",
            (match_expression("鹰眼 平台"),),
        ).fetchall()
    conn.close()


class Connection:
    """The part of a Datasette database ``archive.ranking`` uses, over sqlite3."""

    name = "test"

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path)
        register(self.conn)

    async def execute(self, sql: str, params: list | None = None):
        class Rows:
            rows = self.conn.execute(sql, params or []).fetchall()

        return Rows()


@pytest.fixture(scope="module")
def alternating(tmp_path_factory) -> Path:
    """80 documents; 鹰眼 in every even-numbered one (40 of them)."""
    folder = tmp_path_factory.mktemp("alternating")
    return build(
        folder / "alternating.db",
        [(f"第{n}号通知", ("鹰眼巡检。" if n % 2 else "") + FILLER) for n in range(80)],
    )


def frequency(path: Path, term: str) -> int:
    stats = asyncio.run(ranking.statistics(Connection(path), [term]))
    return stats.document_frequency[term]


def test_a_document_frequency_below_the_window_is_counted(alternating) -> None:
    assert frequency(alternating, "鹰眼") == 40


def test_a_document_frequency_past_the_window_is_estimated(alternating, monkeypatch) -> None:
    # The newest 8 matches span 15 ids: 8 / 15 of 80 documents, against 40 counted.
    monkeypatch.setattr(ranking, "RANK_WITHIN", 8)
    assert frequency(alternating, "鹰眼") == round(8 * 80 / 15)


def test_a_term_in_no_document_has_no_frequency(alternating) -> None:
    assert frequency(alternating, "无此词") == 0


@pytest.mark.parametrize("query", ["鹰眼", "鹰", "鹰眼 平台", "政务公开"])
def test_shared_bm25_of_one_archive_equals_fts5s(archives, query: str) -> None:
    """The re-scoring's formula and counts are FTS5's own: on one archive alone they give
    FTS5's bm25 for every match."""
    county, _ = archives
    conn = sqlite3.connect(county)
    register(conn)
    terms = ranking.query_terms(query)
    (blob,) = conn.execute("SELECT block FROM documents_fts_data WHERE id = 1").fetchone()
    counts = ranking.varints(blob)
    df = {
        t: conn.execute(
            "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?",
            (match_expression(f'"{t}"'),),
        ).fetchone()[0]
        for t in terms
    }
    stats = ranking.Statistics(counts[0], sum(counts[1:]), df)
    rows = conn.execute(
        "SELECT -bm25(documents_fts), d.title, d.body_text, d.attachment_text FROM documents_fts"
        " JOIN documents d ON d.id = documents_fts.rowid WHERE documents_fts MATCH ?",
        (match_expression(query),),
    ).fetchall()
    conn.close()
    assert rows and all(
        ranking.bm25(list(texts), terms, stats) == pytest.approx(fts5, rel=1e-9)
        for fts5, *texts in rows
    )


def test_averages_record_counts_the_documents(archives) -> None:
    _, ministry = archives
    conn = sqlite3.connect(ministry)
    (blob,) = conn.execute("SELECT block FROM documents_fts_data WHERE id = 1").fetchone()
    conn.close()
    assert ranking.varints(blob)[0] == len(MINISTRY)


@pytest.fixture
def window_of_two(monkeypatch) -> None:
    monkeypatch.setattr(ranking, "RANK_WITHIN", 2)


def test_a_window_ranks_only_the_newest_matches(search, window_of_two) -> None:
    ids = {r["id"] for r in results(search, "/county/-/search.json?q=鹰眼")}
    assert ids == {3, 4}


def test_a_window_is_named_in_the_json(search, window_of_two) -> None:
    assert search("/county/-/search.json?q=鹰眼").json()["ranked_newest"] == {"county": 2}


def test_a_window_is_said_on_the_page(search, window_of_two) -> None:
    assert "ranked among the newest 2 archived" in search("/county/-/search?q=鹰眼").text


def test_a_windowed_page_links_every_match(search, window_of_two) -> None:
    assert (
        'href="/county/documents?_search=%E9%B9%B0%E7%9C%BC"'
        in search("/county/-/search?q=鹰眼").text
    )


def test_fewer_matches_than_the_window_are_all_ranked(search) -> None:
    assert search("/county/-/search.json?q=鹰眼").json()["ranked_newest"] == {}


def test_an_unwindowed_page_says_nothing_of_a_window(search) -> None:
    assert "ranked among the newest" not in search("/county/-/search?q=鹰眼").text
