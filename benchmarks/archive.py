"""Archive benchmark: ingest speed with Chinese search, and search latency in Datasette.

Ingest: 10,000 documents of about 5 KB of Chinese text into FTS5 with the archive's bigram
tokenizer, beside FTS5 with its default tokenizer (same rows, same bulk insert, the same
index settings as the archive's; each built five times in turn, medians compared) and
plain sqlite3 ``executemany`` with no index, in one run; and through
``Archive.record_document`` (versions, hashing, lifecycle, the index) in batches, as the
crawl's writer process writes.

Search: 100,000 documents; median and p95 latency of Datasette's table view with
``_search`` for rare, mid and common 2- and 4-character queries (in at most 4%, 25-30%
and over 80% of the rows), as the plugin serves it (neither counted nor faceted, newest
first, read from the page's floor), beside a LIKE scan of the same table through the same view (``_where``), as
Datasette answers it (counted: the baseline the targets compare with) and asked not to
count (it stops at its 21st match), in one run; the same search counted and faceted (as
Datasette answered it before); and the unfiltered documents page, which every visit opens.
Targets: search at least 10x the counted LIKE page at the median for every class, and
every query's p95 at most 500 ms.

    python benchmarks/archive.py [--ingest 10000] [--search-docs 100000]
        [--search-cache DIR]   # keep the search archive (a million documents: ~23 min, 6 GB)
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive import Archive  # noqa: E402
from archive.datasette_meta import DATASETTE_SETTINGS, metadata  # noqa: E402
from archive.schema import INDEX_HASH_BYTES  # noqa: E402
from archive.store import WRITER_CACHE_KIB  # noqa: E402
from archive.tokenizer import TOKENIZER_NAME, match_expression, register  # noqa: E402
from benchmarks.corpus_gen import RARE_PHRASE, documents  # noqa: E402
from parsers.record import Record  # noqa: E402

INGEST_TARGET = 500  # documents/second through Archive.record_document, batched
TOKENIZER_TARGET = 0.3  # bigram-tokenizer FTS5 bulk ingest vs the default tokenizer's
INGEST_REPEATS = 5  # bulk builds of each index, in turn; medians compared
SEARCH_SPEEDUP_TARGET = 10  # search page median vs the counted LIKE page's median
SEARCH_P95_TARGET_MS = 500  # every query's search page, 95th percentile
# name -> query; the class (rare, mid, common) is how many rows contain it.
QUERIES = {
    "rare-2": RARE_PHRASE[:2],
    "rare-4": RARE_PHRASE,
    "mid-1": "信",
    "mid-2": "信访",
    "mid-3": "营商环",
    "mid-4": "营商环境",
    "common-1": "法",
    "common-2": "法治",
    "common-3": "法治政",
    "common-4": "法治政府",
    "two-term": "法治 营商",
}


def bench_ingest(count: int, tmp: Path) -> bool:
    docs = documents(count, 1700)
    size = sum(len(body.encode()) for _, body in docs) / len(docs)
    rows = [(n, f"http://bench.example.gov.cn/{n}.html", t, b) for n, (t, b) in enumerate(docs)]
    print(f"ingest: {count} documents, {size / 1024:.1f} KB of UTF-8 text each")

    plain = sqlite3.connect(tmp / "plain.db")
    plain.execute(
        "CREATE TABLE documents (id INTEGER PRIMARY KEY, url TEXT, title TEXT, body_text TEXT)"
    )
    started = time.perf_counter()
    with plain:
        plain.executemany("INSERT INTO documents VALUES (?, ?, ?, ?)", rows)
    plain_rate = count / (time.perf_counter() - started)
    plain.close()

    # The two indexes built in turn, INGEST_REPEATS times each; the median of each is
    # compared (a single pair of runs on a shared 2-core machine swings from 0.19 to 0.30).
    # The archive's own index adds a prefix index of each token's first character
    # (schema v11), timed beside them.
    defaults, bigrams, prefixed = [], [], []
    for n in range(INGEST_REPEATS):
        defaults.append(_fts_bulk_rate(tmp / f"default_fts{n}.db", rows, "unicode61"))
        bigrams.append(_fts_bulk_rate(tmp / f"bigram_fts{n}.db", rows, TOKENIZER_NAME))
        prefixed.append(
            _fts_bulk_rate(tmp / f"prefix_fts{n}.db", rows, f"{TOKENIZER_NAME}', prefix='1")
        )
    default_rate, bigram_rate = statistics.median(defaults), statistics.median(bigrams)
    prefix_rate = statistics.median(prefixed)

    started = time.perf_counter()
    with Archive(tmp / "archive.db") as archive, archive.batch():
        for n, (title, body) in enumerate(docs):
            record = Record(url=f"http://bench.example.gov.cn/{n}.html", title=title, body_text=body,
                            doc_date="2024-01-01", issuer="某县人民政府")  # fmt: skip
            archive.record_document(record, site="bench", run_id=None)
    ours = count / (time.perf_counter() - started)
    print(f"  plain sqlite3 executemany, no index : {plain_rate:10.0f} docs/s")
    print(
        f"  FTS5 default tokenizer (bulk)       : {default_rate:10.0f} docs/s  (median of {INGEST_REPEATS})"
    )
    print(
        f"  FTS5 {TOKENIZER_NAME} (bulk)    : {bigram_rate:10.0f} docs/s  (median of {INGEST_REPEATS})"
    )
    print(f"  the same with prefix='1' (the archive's): {prefix_rate:6.0f} docs/s  (median of {INGEST_REPEATS};"
          f" {prefix_rate / bigram_rate:.2f} of the bigram index without it)")  # fmt: skip
    print(f"  govarchive Archive.record_document  : {ours:10.0f} docs/s  (versions, hash, lifecycle, index;"
          f" batches of 500 writes, as the crawl's writer commits)")  # fmt: skip
    tokenizer_met = bigram_rate / default_rate >= TOKENIZER_TARGET
    print(f"  ratios: bigram index {bigram_rate / default_rate:.2f} of default FTS5"
          f" (target >= {TOKENIZER_TARGET}: {'met' if tokenizer_met else 'MISSED'});"
          f" record_document {ours / default_rate:.2f} of default FTS5, {ours / plain_rate:.3f} of plain;"
          f" target >= {INGEST_TARGET} docs/s: {'met' if ours >= INGEST_TARGET else 'MISSED'}")  # fmt: skip
    return tokenizer_met and ours >= INGEST_TARGET


def _fts_bulk_rate(path: Path, rows: list[tuple], tokenizer: str) -> float:
    """Documents/second of one bulk insert into a table with an external-content FTS5 index."""
    conn = sqlite3.connect(path)
    register(conn)
    conn.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")  # as the archive's writer has it
    conn.execute(
        "CREATE TABLE documents (id INTEGER PRIMARY KEY, url TEXT, title TEXT, body_text TEXT)"
    )
    conn.execute(
        "CREATE VIRTUAL TABLE documents_fts USING fts5(title, body_text, content='documents',"
        f" content_rowid='id', tokenize='{tokenizer}')"
    )
    # Both indexes with the archive's in-memory term buffer (schema v8), so only the
    # tokenizer differs (the default tokenizer's rate does not change with it).
    conn.execute(
        "INSERT INTO documents_fts(documents_fts, rank) VALUES ('hashsize', ?)", (INDEX_HASH_BYTES,)
    )
    started = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO documents VALUES (?, ?, ?, ?)", rows)
        conn.execute(
            "INSERT INTO documents_fts(rowid, title, body_text) SELECT id, title, body_text FROM documents"
        )
    rate = len(rows) / (time.perf_counter() - started)
    conn.close()
    return rate


def build_search_db(count: int, path: Path) -> None:
    """A search archive of ``count`` generated documents, loaded in bulk: the rows in one
    transaction, then the search index built once (FTS5 'rebuild') instead of per row."""
    docs = documents(count, 600, seed=11)
    with Archive(path) as archive:
        conn = archive.conn
        conn.execute("PRAGMA cache_size = -1048576")  # 1 GB while loading
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO documents (url, site, title, body_text, year, issuer, status, content_hash,"
            " first_seen, last_seen, last_changed) VALUES (?, ?, ?, ?, ?, ?, 'live', ?, ?, ?, ?)",
            (
                (f"http://bench.example.gov.cn/{n}.html", f"site{n % 40}", t, b, str(2010 + n % 15),
                 f"某{n % 300}县人民政府", f"h{n}", "2025-01-01", "2025-01-01", "2025-01-01")
                for n, (t, b) in enumerate(docs)
            ),
        )  # fmt: skip
        conn.execute("DELETE FROM documents_fts_pending")
        conn.execute("INSERT INTO documents_fts(documents_fts) VALUES ('rebuild')")
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _built(path: Path, count: int) -> bool:
    """Whether ``path`` is a finished search archive of ``count`` documents."""
    if not path.exists():
        return False
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT max(id) FROM documents").fetchone()[0] == count
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def bench_search(count: int, tmp: Path, repeats: int, cache: Path | None) -> bool:
    from datasette.app import Datasette

    path = (cache or tmp) / f"search-{count}.db"
    started = time.perf_counter()
    if not _built(path, count):
        path.unlink(missing_ok=True)
        build_search_db(count, path)
    with Archive(path):  # brings a cached archive to this schema (its search index too)
        pass
    print(f"\nsearch: {count} documents of about 600 characters (ready in {time.perf_counter() - started:.0f}s"
          f"{', cached in ' + str(cache) if cache else ''}), Datasette table view, {repeats} requests per query")  # fmt: skip

    timeouts: list[str] = []

    async def timings(
        params: dict[str, str], page: str = "documents.json"
    ) -> tuple[list[float], int]:
        """Milliseconds per request; a request Datasette stopped at its SQL time limit
        counts as the limit (and is listed), it is no answer."""
        ds = Datasette([str(path)], metadata=metadata(path.stem), settings=DATASETTE_SETTINGS)
        out, rows = [], 0
        for _ in range(repeats):
            t = time.perf_counter()
            sized = {**params, "_size": "20"} if page == "documents.json" else params
            response = await ds.client.get(f"/{path.stem}/{page}", params=sized)
            out.append((time.perf_counter() - t) * 1000)
            if response.status_code != 200 and "interrupted" in response.text.lower():
                timeouts.append(str(params))
                out[-1] = max(out[-1], float(DATASETTE_SETTINGS["sql_time_limit_ms"]))
                continue
            assert response.status_code == 200, (page, params, response.text[:300])
            rows = response.json().get("filtered_table_rows_count") or 0
        return out, rows

    def count_of(text: str) -> tuple[int, int]:
        """(rows the index finds, rows LIKE finds) for ``text``, counted in SQLite itself
        (no time limit), outside the timings."""
        conn = sqlite3.connect(path)
        register(conn)
        try:
            found = conn.execute(
                "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?",
                (match_expression(text),),
            ).fetchone()[0]
            terms = text.split()
            like = conn.execute(
                "SELECT count(*) FROM documents WHERE "
                + " AND ".join("(title LIKE ? OR body_text LIKE ?)" for _ in terms),
                [f"%{term}%" for term in terms for _ in range(2)],
            ).fetchone()[0]
            return int(found), int(like)
        finally:
            conn.close()

    page, _ = asyncio.run(timings({}))
    print(f"  unfiltered documents page (sorted by last_changed, 4 facets): median"
          f" {statistics.median(page):.1f}ms, p95 {statistics.quantiles(page, n=20)[-1]:.1f}ms")  # fmt: skip
    speedups: dict[str, list[float]] = {}
    slowest: dict[str, float] = {}
    print(f"  {'query':9} {'text':6} {'hits':>7} {'share':>6} {'FTS median':>11} {'FTS p95':>9}"
          f" {'LIKE median':>12} {'LIKE p95':>9} {'LIKE counted':>13} {'speedup':>8} {'vs uncounted':>13}"
          f" {'counted+faceted':>16} {'ranked median':>14} {'ranked p95':>11}")  # fmt: skip
    for name, text in QUERIES.items():
        # The page as a person gets it: a search is neither counted nor faceted and lists
        # the newest archived first (the plugin's lean_search and search_page).
        fts, _ = asyncio.run(timings({"_search": text}))
        # LIKE as Datasette answers a filtered table page, counted (the baseline the
        # issue measured: 3.0-4.2 s at a million documents), and the same page asked
        # not to count, which stops at its 21st match.
        where = " AND ".join(
            f"(title LIKE '%{term}%' OR body_text LIKE '%{term}%')" for term in text.split()
        )
        like_counted, _ = asyncio.run(
            timings({"_where": where, "_nofacet": "1", "_sort_desc": "id"})
        )
        like, _ = asyncio.run(
            timings({"_where": where, "_nocount": "1", "_nofacet": "1", "_sort_desc": "id"})
        )
        # The same search as Datasette answered it before: counted, with the four facets.
        full, _ = asyncio.run(timings({"_search": text, "_nocount": "", "_nofacet": ""}))
        # The ranked search page (/-/search): the best matches by relevance, with snippets.
        ranked, _ = asyncio.run(timings({"q": text}, page="-/search.json"))
        # Index-only results equal LIKE's: both counted once, outside the timings.
        hits, like_hits = count_of(text)
        assert hits == like_hits, (name, hits, like_hits)
        f50, f95 = statistics.median(fts), statistics.quantiles(fts, n=20)[-1]
        l50, l95 = statistics.median(like), statistics.quantiles(like, n=20)[-1]
        c50 = statistics.median(like_counted)
        speedups.setdefault(name.rsplit("-", 1)[0] if name[-1].isdigit() else name, []).append(
            c50 / f50
        )
        r50, r95 = statistics.median(ranked), statistics.quantiles(ranked, n=20)[-1]
        slowest[name] = max(f95, r95)
        print(f"  {name:9} {text:6} {hits:>7} {hits / count:>6.1%} {f50:>9.1f}ms {f95:>7.1f}ms"
              f" {l50:>10.1f}ms {l95:>7.1f}ms {c50:>11.1f}ms {c50 / f50:>7.1f}x {l50 / f50:>12.1f}x"
              f" {statistics.median(full):>14.1f}ms {r50:>12.1f}ms {r95:>9.1f}ms")  # fmt: skip
    if timeouts:
        print(f"  {len(timeouts)} requests stopped at Datasette's {DATASETTE_SETTINGS['sql_time_limit_ms']} ms"
              f" limit, counted as that long: {sorted(set(timeouts))}")  # fmt: skip
    met = True
    for kind, ratios in speedups.items():
        worst = min(ratios)
        verdict = "met" if worst >= SEARCH_SPEEDUP_TARGET else "MISSED"
        met = met and worst >= SEARCH_SPEEDUP_TARGET
        print(f"  search vs LIKE as Datasette answers it (counted) at the median, {kind} queries:"
              f" at least {worst:.1f}x; target >= {SEARCH_SPEEDUP_TARGET}x: {verdict}")  # fmt: skip
    worst_name = max(slowest, key=slowest.__getitem__)
    p95_met = slowest[worst_name] <= SEARCH_P95_TARGET_MS
    print(f"  search p95 (documents page or ranked page), slowest query ({worst_name}): {slowest[worst_name]:.1f}ms;"
          f" target <= {SEARCH_P95_TARGET_MS} ms: {'met' if p95_met else 'MISSED'}")  # fmt: skip
    return met and p95_met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ingest", type=int, default=10_000, help="documents to ingest (0: skip)")
    parser.add_argument(
        "--search-docs", type=int, default=100_000, help="documents to search (0: skip)"
    )
    parser.add_argument("--repeats", type=int, default=21, help="requests per query")
    parser.add_argument("--search-cache", type=Path, default=None,
                        help="keep the search archive in this folder and reuse it")  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ingest_met = bench_ingest(args.ingest, Path(tmp)) if args.ingest else True
        search_met = (
            bench_search(args.search_docs, Path(tmp), args.repeats, args.search_cache)
            if args.search_docs
            else True
        )
    return 0 if ingest_met and search_met else 1


if __name__ == "__main__":
    sys.exit(main())
