"""Relevance ranking for the search pages (``archive.search_views``): which matches are
ranked, and a score that means the same in every archive served together.

**The ranking window.** FTS5 ranks by scoring every match, so a query that matches most of
a million documents (法治, 法) cost seconds. A search ranks the newest ``RANK_WITHIN``
matches by archive id (every match when there are fewer): the lowest id among them is found
by walking the index newest first, and the ranked query is bounded by it, which FTS5 reads
as a range of its doclists. The page says when a window applied, and links the documents
table, which lists every match newest first.

**The score.** Results are ordered by ``govarchive_bm25`` (C, registered with the
tokenizer): FTS5's bm25 with each phrase's IDF given by this module. FTS5's own bm25 counts
the documents holding each phrase by reading every match in the index, however few rows
are ranked: 450 ms for 法治政府 at a million documents. A phrase's document frequency is
read from its own window instead: exact when it has fewer than ``RANK_WITHIN`` matches
(the score is then FTS5's bm25 to the last digit), else estimated from how densely its
newest ``RANK_WITHIN`` matches sit among the newest documents (matches over the ids they
span, times the document count). A query of one phrase is ordered the same either way (its
IDF scales every score alike).

**Scores across archives.** FTS5's bm25 weighs a term by how rare it is in *its* archive, so
the same document scores differently in a small county archive and a large ministry one,
and merging by rank orders results by archive. With several archives, each archive's best
matches are scored again by BM25 (k1 1.2, b 0.75, FTS5's constants) with statistics shared
by all of them: the document count and token count summed over the archives (read from
each index's averages record) and each term's document frequency (as above) summed likewise; a term's
frequency and a document's length come from the document's own text, counted as the
tokenizer counts (ASCII folded, whitespace runs as one). The same document then gets the
same score in every archive that holds it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from archive.tokenizer import match_expression

RANK_WITHIN = 10_000
K1, B = 1.2, 0.75
_TEXT_COLUMNS = ("title", "body_text", "attachment_text")
# FTS5 keeps its row and token counts in the %_data row with id 1 ("averages").
_AVERAGES_SQL = "SELECT block FROM documents_fts_data WHERE id = 1"
_NEWEST_SQL = "SELECT max(id) FROM documents_fts_docsize"
_SPACE = re.compile(r"\s+")


@dataclass
class Window:
    """Which of one archive's matches were ranked: all ``matches`` of them, or, when
    ``floor`` is set, the newest ``matches`` (= ``RANK_WITHIN``), those with id >= floor."""

    db: str
    floor: int | None = None
    matches: int = 0

    @property
    def limited(self) -> bool:
        return self.floor is not None


@dataclass
class Statistics:
    """One archive's counts for shared BM25: documents, tokens, and per term the number
    of documents that hold it."""

    documents: int = 0
    tokens: int = 0
    document_frequency: dict[str, int] = field(default_factory=dict)

    def __add__(self, other: Statistics) -> Statistics:
        df = dict(self.document_frequency)
        for term, n in other.document_frequency.items():
            df[term] = df.get(term, 0) + n
        return Statistics(self.documents + other.documents, self.tokens + other.tokens, df)

    def idf(self, term: str) -> float:
        """BM25's weight of ``term``, as FTS5 computes it (never below 1e-6)."""
        n = self.document_frequency.get(term, 0)
        return max(math.log((self.documents - n + 0.5) / (n + 0.5)), 1e-6)


def window_sql() -> str:
    """How many of the newest ``RANK_WITHIN`` matches there are, and the lowest id."""
    return (
        "SELECT count(*), min(rowid) FROM (SELECT rowid FROM documents_fts"
        f" WHERE documents_fts MATCH ? ORDER BY rowid DESC LIMIT {RANK_WITHIN})"
    )


async def window(db: Any, expression: str) -> Window:
    count, lowest = (await db.execute(window_sql(), [expression])).rows[0]
    return Window(db.name, lowest if count >= RANK_WITHIN else None, count)


def varints(blob: bytes) -> list[int]:
    """SQLite's variable-length integers, as FTS5 writes its averages record."""
    out, i = [], 0
    while i < len(blob):
        value = 0
        for k in range(9):
            byte = blob[i]
            i += 1
            if k == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        out.append(value)
    return out


def query_terms(query: str) -> list[str]:
    """The terms BM25 weighs: each phrase of the query's FTS5 expression, normalised."""
    return [normalise(t) for t in re.findall(r'"([^"]*)"', match_expression(query))]


async def statistics(db: Any, terms: list[str], known: Window | None = None) -> Statistics:
    """One archive's document and token counts, and each term's document frequency (exact
    below ``RANK_WITHIN`` matches, else estimated). ``known`` is the window of a query
    that is ``terms[0]`` alone, so it is not walked twice."""
    rows = (await db.execute(_AVERAGES_SQL)).rows
    counts = varints(bytes(rows[0][0])) if rows else [0]
    documents = counts[0]
    newest = (await db.execute(_NEWEST_SQL)).rows[0][0] or 0
    df = {}
    for term in terms:
        if term in df:
            continue
        if known is not None and len(terms) == 1:
            found = known
        else:
            found = await window(db, match_expression(f'"{term}"'))
        df[term] = document_frequency(found, documents, newest)
    return Statistics(documents, sum(counts[1:]), df)


def document_frequency(found: Window, documents: int, newest: int) -> int:
    """How many of ``documents`` hold a term whose window is ``found``: its matches when
    all were counted, else its matches' density among the ids they span (``newest`` is the
    archive's highest id), times ``documents``."""
    if not found.limited:
        return found.matches
    span = max(newest - (found.floor or 0) + 1, found.matches)
    return min(documents, round(found.matches * documents / span))


def normalise(text: str) -> str:
    """Text as the tokenizer reads it: ASCII letters folded, a whitespace run one space."""
    folded = "".join(c.lower() if c.isascii() else c for c in text)
    return _SPACE.sub(" ", folded)


def occurrences(text: str, term: str) -> int:
    """How often ``term`` occurs in ``text``, overlaps included (as a phrase matches)."""
    count, start = 0, text.find(term)
    while start != -1:
        count += 1
        start = text.find(term, start + 1)
    return count


def bm25(texts: list[str], terms: list[str], shared: Statistics) -> float:
    """A document's BM25 score (higher is better) under ``shared`` statistics: ``texts``
    are its title, body and attachment text."""
    joined = [normalise(t) for t in texts if t]
    length = sum(len(t) for t in joined)  # a token starts at each character
    average = shared.tokens / shared.documents if shared.documents else 1.0
    score = 0.0
    for term in terms:
        frequency = sum(occurrences(t, term) for t in joined)
        if not frequency:
            continue
        idf = shared.idf(term)  # as FTS5: a term in most documents still counts a little
        norm = K1 * (1 - B + B * length / max(average, 1.0))
        score += idf * frequency * (K1 + 1) / (frequency + norm)
    return score


async def texts(db: Any, ids: list[int]) -> dict[int, list[str]]:
    """The indexed text of the documents ``ids``."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = await db.execute(
        f"SELECT id, {', '.join(_TEXT_COLUMNS)} FROM documents WHERE id IN ({marks})", ids
    )
    return {r[0]: [r[c] or "" for c in _TEXT_COLUMNS] for r in rows.rows}


async def rescore(per_archive: dict[Any, list[dict[str, Any]]], query: str) -> None:
    """Give each result a ``score`` under statistics shared by every archive searched."""
    terms = query_terms(query)
    shared = Statistics()
    for db in per_archive:
        shared = shared + await statistics(db, terms)
    for db, results in per_archive.items():
        found = await texts(db, [r["id"] for r in results])
        for r in results:
            r["score"] = round(bm25(found.get(r["id"], []), terms, shared), 6)
