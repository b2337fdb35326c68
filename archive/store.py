"""``Archive``: the only code that writes the SQLite archive.

One writer per archive (the crawl's writer process, ``crawler.writer``); any number of
readers (Datasette) thanks to WAL. Every write that belongs together is one transaction
(a savepoint inside a batch, see ``Archive.batch``), and every upsert is idempotent, so a
crawl killed at any instant leaves a consistent file and the next crawl simply carries on.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from archive import files
from archive.attachments import AttachmentStore
from archive.captures import pack_head
from archive.clock import TZ, Clock, now_iso, parse_iso
from archive.documents import DocumentStore, KnownDocument
from archive.ingest_log import IngestLog
from archive.ledger import seal
from archive.runs import RunStore
from archive.schema import INDEX_PENDING, migrate
from archive.tokenizer import register
from archive.walks import ColumnHistory, WalkRecord, WalkStore

# How long a document must keep answering 404/410 (over two or more crawls) to be gone.
DEFAULT_GONE_AFTER_HOURS = 24.0
# Fetches whose bodies are files (kept in the file store, by hash), not pages (raw_pages).
FILE_KINDS = frozenset({"attachment", "image"})
# Busy timeout for readers and the writer, in milliseconds.
BUSY_TIMEOUT_MS = 30_000
# The writer's page cache: the search index's segments are written and merged through it
# (bulk indexing measured 1.3x faster than with SQLite's default 2 MB).
WRITER_CACHE_KIB = 64 * 1024
__all__ = [
    "TZ",
    "Archive",
    "ColumnHistory",
    "FetchRef",
    "KnownDocument",
    "WalkRecord",
    "now_iso",
    "parse_iso",
]


def connect(path: str | os.PathLike[str], readonly: bool = False) -> sqlite3.Connection:
    """A connection with WAL, a busy timeout and the Chinese tokenizer registered."""
    if readonly:
        uri = f"file:{Path(path).resolve()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    else:
        conn = sqlite3.connect(
            os.fspath(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    register(conn)
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
    return conn


def read_raw_page(conn: sqlite3.Connection, sha: str) -> bytes | None:
    """A kept raw page's bytes by their SHA-256 (None when not kept)."""
    row = conn.execute(
        "SELECT content, compression FROM raw_pages WHERE sha256 = ?", (sha,)
    ).fetchone()
    if row is None:
        return None
    return zlib.decompress(row["content"]) if row["compression"] == "zlib" else row["content"]


# Read-only connections of this process, by archive path (``stored_raw_page``); a forked
# child opens its own (no SQLite connection is used across a fork).
_READERS: dict[str, sqlite3.Connection] = {}
os.register_at_fork(after_in_child=_READERS.clear)


def stored_raw_page(path: str | os.PathLike[str], sha: str) -> bytes | None:
    """A kept raw page read from the archive file at ``path`` through a read-only
    connection this process keeps open (opened on first use, so a forked parse worker opens
    its own): the crawl's parse workers read a document's previous capture this way while
    the writer process writes."""
    key = os.fspath(path)
    conn = _READERS.get(key)
    if conn is None:
        conn = _READERS[key] = connect(key, readonly=True)
    return read_raw_page(conn, sha)


@dataclass(slots=True, frozen=True)
class FetchRef:
    """A recorded fetch: its row id (evidence for events) and its raw body's hash."""

    id: int
    sha256: str | None


class Archive(DocumentStore, RunStore, WalkStore, AttachmentStore, IngestLog):
    """The archive file: open it, then record runs, fetches, pages and documents.

    One facade over the table families: documents, versions and their lifecycle
    (``DocumentStore``), sites, runs and health (``RunStore``), listing walks
    (``WalkStore``), attachments (``AttachmentStore``). This class owns the connection,
    the transaction, fetches and raw pages, and re-parsing.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        gone_after_hours: float = DEFAULT_GONE_AFTER_HOURS,
        adopt: bool = False,
        clock: Clock = now_iso,
        keep_captures: bool = True,
    ) -> None:
        """``adopt``: add the archive's tables to a database that holds others (--init).
        ``clock``: what every stamp written without an explicit ``at=`` reads (a replayed
        crawl's fixed time, see ``archive.clock.clock_at``). ``keep_captures``: keep every
        fetch's body and HTTP heads (listing pages, error answers, redirect hops and
        attachment fetches too); off, only the bodies a fetch asks to keep (``keep_raw``)."""
        self.path = Path(path)
        self.clock = clock
        self.keep_captures = keep_captures
        self.gone_after = timedelta(hours=gone_after_hours)
        self.conn = connect(self.path)
        try:
            migrate(self.conn, adopt=adopt)
        except BaseException:
            self.conn.close()
            raise
        self.db = sqlite_utils.Database(self.conn)
        self.files_dir = files.storage_dir(self.path)
        # An open batch: (writes before it commits, seconds before it commits), or None.
        self._batch: tuple[int, float] | None = None
        self._batch_writes = 0
        self._batch_started = 0.0
        self._in_unit = False  # inside ``unit()``: commits wait for its end

    def close(self) -> None:
        self.commit_batch()
        self.conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any error. Inside a batch, a savepoint
        of the batch's transaction: an error rolls back this write alone."""
        if self._batch is not None:
            with self._savepoint():
                yield self.conn
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
            self.index_pending()
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def index_pending(self) -> None:
        """Bring the search index up to date with the documents written since the last
        commit (``schema.INDEX_PENDING``); every commit of the archive does this first."""
        if self.conn.execute("SELECT 1 FROM documents_fts_pending LIMIT 1").fetchone():
            for statement in INDEX_PENDING:
                self.conn.execute(statement)

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        assert self._batch is not None
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
            self._batch_writes, self._batch_started = 0, time.monotonic()
        self.conn.execute("SAVEPOINT write")
        try:
            yield
        except BaseException:
            # SQLite may have rolled the whole transaction back already (a full disk).
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK TO write")
                self.conn.execute("RELEASE write")
            raise
        self.conn.execute("RELEASE write")
        self._batch_writes += 1
        max_writes, max_seconds = self._batch
        if (
            self._batch_writes >= max_writes
            or time.monotonic() - self._batch_started >= max_seconds
        ):
            self.commit_batch()

    @contextmanager
    def batch(self, max_writes: int = 500, max_seconds: float = 2.0) -> Iterator[Archive]:
        """Writes inside commit together, every ``max_writes`` writes or when a write comes
        ``max_seconds`` after the batch began (and at the end, and on ``commit_batch``).

        One COMMIT (and one flush of the search index) for many documents instead of one
        each. A process killed mid-batch loses the writes of the open batch, all of them or
        none of one (each is a savepoint): the next crawl fetches those documents again."""
        outer = self._batch
        self._batch = (max_writes, max_seconds)
        try:
            yield self
        finally:
            self._batch = outer
            if outer is None:
                self.commit_batch()

    @contextmanager
    def unit(self) -> Iterator[None]:
        """Inside a batch: the writes inside stand or fall together (an error rolls back
        all of them), and no commit of the batch falls between them. ``govarchive ingest``
        records each message as one unit, with the mark of its place in its stream."""
        assert self._batch is not None and not self._in_unit
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
            self._batch_writes, self._batch_started = 0, time.monotonic()
        self.conn.execute("SAVEPOINT unit")
        self._in_unit = True
        try:
            yield
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK TO unit")
                self.conn.execute("RELEASE unit")
            raise
        finally:
            self._in_unit = False
        self.conn.execute("RELEASE unit")

    def commit_batch(self) -> None:
        """Commit the open batch's writes, if any (never called inside a write; inside a
        ``unit``, the commit waits for the unit's end)."""
        if self._in_unit:
            return
        if self.conn.in_transaction:
            self.index_pending()
            self.conn.execute("COMMIT")

    # --- fetches and raw pages ----------------------------------------------------------
    def record_fetch(
        self,
        run_id: int | None,
        url: str,
        *,
        site: str | None = None,
        kind: str | None = None,
        status: int | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
        elapsed_ms: int | None = None,
        error: str | None = None,
        keep_raw: bool = True,
        request_head: str | None = None,
        response_head: str | None = None,
        peer: str | None = None,
        at: str | None = None,
    ) -> FetchRef:
        """Record one fetch: its body once, by hash (an attachment's or an image's in the
        file store, a page's in ``raw_pages``), and, while captures are kept, the request's and the
        response's heads (``archive.captures``) and the server's address."""
        stamp = at or self.clock()
        sha = None
        captured = self.keep_captures
        with self.transaction():
            if body is not None and (keep_raw or captured):
                if kind in FILE_KINDS:
                    sha, _ = files.store_bytes(self.files_dir, body)
                else:
                    sha = self._store_raw(url, body, content_type, stamp)
            cur = self.conn.execute(
                "INSERT INTO fetches (run_id, site, url, kind, fetched_at, status, bytes,"
                " elapsed_ms, error, raw_sha256, content_type, request_head, response_head,"
                " peer) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    run_id,
                    site,
                    url,
                    kind,
                    stamp,
                    status,
                    None if body is None else len(body),
                    elapsed_ms,
                    error,
                    sha,
                    content_type,
                    pack_head(request_head) if captured and request_head else None,
                    pack_head(response_head) if captured and response_head else None,
                    peer if captured else None,
                ),
            )
        return FetchRef(int(cur.lastrowid or 0), sha)

    def capture_body(self, sha: str) -> bytes | None:
        """A kept body by its SHA-256: a raw page, or a file of the file store."""
        body = self.raw_page(sha)
        if body is not None:
            return body
        path = self.files_dir / sha[:2] / sha
        return path.read_bytes() if path.is_file() else None

    def _store_raw(self, url: str, body: bytes, content_type: str | None, stamp: str) -> str:
        sha = hashlib.sha256(body).hexdigest()
        exists = self.conn.execute("SELECT 1 FROM raw_pages WHERE sha256 = ?", (sha,)).fetchone()
        if not exists:
            packed = zlib.compress(body, 6)
            self.conn.execute(
                "INSERT INTO raw_pages (sha256, url, content_type, size, compressed_size,"
                " compression, content, first_seen) VALUES (?,?,?,?,?,?,?,?)",
                (sha, url, content_type, len(body), len(packed), "zlib", packed, stamp),
            )
        return sha

    def raw_page(self, sha: str) -> bytes | None:
        return read_raw_page(self.conn, sha)

    # --- the tamper-evident log -----------------------------------------------------------
    def seal(self, note: str, run_id: int | None = None) -> dict[str, Any] | None:
        """Chain the rows written since the last checkpoint and write a checkpoint
        (``archive.ledger.seal``); None when there was nothing to seal. Runs seal
        themselves; this is for writes outside a run (``govarchive reparse``)."""
        with self.transaction():
            return seal(self.conn, at=self.clock(), run_id=run_id, note=note)

    # --- re-running parsers ---------------------------------------------------------------
    def reparse(
        self, parse: Any, sites: list[str] | None = None, at: str | None = None
    ) -> dict[str, int]:
        """Re-run ``parse(bytes, url)`` over each document's latest raw page.

        A new version is written only where the clean record changed; a page the parser
        refuses (a limit) or fails on is counted by reason and left as it was.
        """
        sql = "SELECT url, site, raw_sha256 FROM documents WHERE raw_sha256 IS NOT NULL"
        params: list[Any] = []
        if sites:
            sql += f" AND site IN ({', '.join('?' * len(sites))})"
            params.extend(sites)
        outcome: dict[str, int] = {"changed": 0, "unchanged": 0, "missing-raw": 0}
        for row in self.conn.execute(sql, params).fetchall():
            raw = self.raw_page(row["raw_sha256"])
            if raw is None:
                outcome["missing-raw"] += 1
                continue
            try:
                record = parse(raw, row["url"])
            except Exception as error:  # noqa: BLE001 - one bad page never stops a re-parse
                reason = getattr(error, "reason", "parse-error")
                outcome[reason] = outcome.get(reason, 0) + 1
                continue
            result = self.record_document(
                record,
                site=row["site"],
                run_id=None,
                raw_sha256=row["raw_sha256"],
                observed=False,
                at=at,
            )
            outcome[result] = outcome.get(result, 0) + 1
        self.seal("after re-running the parsers (govarchive reparse)")
        return outcome

    # --- reading -------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        def one(sql: str) -> int:
            return int(self.conn.execute(sql).fetchone()[0])

        return {
            "documents": one("SELECT count(*) FROM documents"),
            "live": one("SELECT count(*) FROM documents WHERE status = 'live'"),
            "gone": one("SELECT count(*) FROM documents WHERE status = 'gone'"),
            "delisted": one("SELECT count(*) FROM documents WHERE status = 'delisted'"),
            "versions": one("SELECT count(*) FROM versions"),
            "attachments": one("SELECT count(*) FROM attachments WHERE sha256 IS NOT NULL"),
            "fetch_errors": one("SELECT count(*) FROM fetches WHERE error IS NOT NULL"),
            "runs": one("SELECT count(*) FROM runs"),
        }
