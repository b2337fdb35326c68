"""``Archive``: the only code that writes the SQLite archive.

One writer per archive (the crawl's pipeline); any number of readers (Datasette) thanks
to WAL. Every write that belongs together is one transaction, and every upsert is
idempotent, so a crawl killed at any instant leaves a consistent file and the next crawl
simply carries on.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from archive import files
from archive.clock import TZ, now_iso, parse_iso
from archive.documents import DocumentStore, KnownDocument
from archive.schema import migrate
from archive.tokenizer import register
from archive.walks import ColumnHistory, WalkRecord, WalkStore
from parsers.attachments import AttachmentText, read_attachment

# How long a document must keep answering 404/410 (over two or more crawls) to be gone.
DEFAULT_GONE_AFTER_HOURS = 24.0
# Busy timeout for readers and the writer, in milliseconds.
BUSY_TIMEOUT_MS = 30_000
# Attachment text kept searchable per document (the rest stays in attachments.text).
MAX_ATTACHMENT_TEXT_CHARS = 1_000_000
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
    return conn


@dataclass(slots=True, frozen=True)
class FetchRef:
    """A recorded fetch: its row id (evidence for events) and its raw body's hash."""

    id: int
    sha256: str | None


class Archive(DocumentStore, WalkStore):
    """The archive file: open it, then record runs, fetches, pages and documents.

    Documents and their lifecycle live in ``DocumentStore``, listing walks in
    ``WalkStore``; this class owns the connection, runs, fetches, raw pages and attachments.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        gone_after_hours: float = DEFAULT_GONE_AFTER_HOURS,
        adopt: bool = False,
    ) -> None:
        """``adopt``: add the archive's tables to a database that holds others (--init)."""
        self.path = Path(path)
        self.gone_after = timedelta(hours=gone_after_hours)
        self.conn = connect(self.path)
        try:
            migrate(self.conn, adopt=adopt)
        except BaseException:
            self.conn.close()
            raise
        self.db = sqlite_utils.Database(self.conn)
        self.files_dir = files.storage_dir(self.path)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any error."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # --- sites and runs ---------------------------------------------------------------
    def upsert_sites(self, sites: Iterable[dict[str, Any]]) -> None:
        stamp = now_iso()
        with self.transaction():
            for site in sites:
                self.conn.execute(
                    "INSERT INTO sites (name, title, jurisdiction, level, family, home_url,"
                    " start_urls, verified, updated_at) VALUES (?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT(name) DO UPDATE SET title=excluded.title,"
                    " jurisdiction=excluded.jurisdiction, level=excluded.level,"
                    " family=excluded.family, home_url=excluded.home_url,"
                    " start_urls=excluded.start_urls, verified=excluded.verified,"
                    " updated_at=excluded.updated_at",
                    (
                        site["name"],
                        site.get("title"),
                        site.get("jurisdiction"),
                        site.get("level"),
                        site.get("family"),
                        site.get("home_url"),
                        json.dumps(site.get("start_urls", []), ensure_ascii=False),
                        int(bool(site.get("verified", True))),
                        stamp,
                    ),
                )

    def site_start_urls(self) -> dict[str, list[str]]:
        """Each recorded site's start URLs."""
        rows = self.conn.execute("SELECT name, start_urls FROM sites").fetchall()
        return {row["name"]: json.loads(row["start_urls"] or "[]") for row in rows}

    def start_run(self, command: str, sites: list[str], at: str | None = None) -> int:
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO runs (started_at, command, sites, pid) VALUES (?,?,?,?)",
                (at or now_iso(), command, json.dumps(sites, ensure_ascii=False), os.getpid()),
            )
            run_id = int(cur.lastrowid or 0)
            for site in sites:
                self.conn.execute(
                    "INSERT OR IGNORE INTO run_sites (run_id, site) VALUES (?, ?)", (run_id, site)
                )
        return run_id

    def add_site_counts(self, run_id: int, site: str, **counts: int) -> None:
        """Add to a site's counters for this run (pages=1, new=1, …)."""
        if not counts:
            return
        sets = ", ".join(f"{name} = {name} + ?" for name in counts)
        with self.transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO run_sites (run_id, site) VALUES (?, ?)", (run_id, site)
            )
            self.conn.execute(
                f"UPDATE run_sites SET {sets} WHERE run_id = ? AND site = ?",
                (*counts.values(), run_id, site),
            )

    def finish_site(
        self,
        run_id: int,
        site: str,
        listing_complete: bool,
        walks: Iterable[WalkRecord] = (),
        notes: Iterable[str] = (),
        at: str | None = None,
    ) -> dict[str, Any]:
        """Store the site's column walks and judge its health for this run.

        Unhealthy: the list pages yielded nothing, or a walk found something wrong with
        the listing (an error or maintenance page, an empty or short page, a sharp shrink,
        totals that disagree); ``notes`` add what the pipeline held back because of it.
        """
        walks = list(walks)
        row = self.conn.execute(
            "SELECT * FROM run_sites WHERE run_id = ? AND site = ?", (run_id, site)
        ).fetchone()
        links = row["list_links"] if row else 0
        previous = self.conn.execute(
            "SELECT max(list_links) FROM run_sites WHERE site = ? AND run_id < ?", (site, run_id)
        ).fetchone()[0]
        problems = [f"{w.column_url}: {w.note}" for w in walks if not w.healthy]
        if links == 0 and previous:
            problems.insert(0, f"list pages yielded no links (earlier runs found up to {previous})")
        elif links == 0:
            problems.insert(0, "list pages yielded no document links")
        healthy = links > 0 and all(w.healthy for w in walks)
        note = "; ".join([*problems, *notes]) or None
        with self.transaction():
            for walk in walks:
                self.record_walk(run_id, walk, at=at)
            self.conn.execute(
                "INSERT OR IGNORE INTO run_sites (run_id, site) VALUES (?, ?)", (run_id, site)
            )
            self.conn.execute(
                "UPDATE run_sites SET healthy = ?, health_note = ?, listing_complete = ?"
                " WHERE run_id = ? AND site = ?",
                (int(healthy), note, int(listing_complete), run_id, site),
            )
        return {"healthy": healthy, "note": note}

    def finish_run(self, run_id: int, reason: str, at: str | None = None) -> dict[str, Any]:
        totals = self.conn.execute(
            "SELECT coalesce(sum(pages),0) pages, coalesce(sum(new),0) new,"
            " coalesce(sum(changed),0) changed, coalesce(sum(unchanged),0) unchanged,"
            " coalesce(sum(gone),0) gone, coalesce(sum(delisted),0) delisted,"
            " coalesce(sum(errors),0) errors, min(coalesce(healthy,1)) healthy"
            " FROM run_sites WHERE run_id = ?",
            (run_id,),
        ).fetchone()
        values = dict(totals)
        with self.transaction():
            self.conn.execute(
                "UPDATE runs SET finished_at = ?, finish_reason = ?, pages = ?, new = ?,"
                " changed = ?, unchanged = ?, gone = ?, delisted = ?, errors = ?, healthy = ?"
                " WHERE id = ?",
                (
                    at or now_iso(),
                    reason,
                    values["pages"],
                    values["new"],
                    values["changed"],
                    values["unchanged"],
                    values["gone"],
                    values["delisted"],
                    values["errors"],
                    values["healthy"],
                    run_id,
                ),
            )
        return values

    def claim_run(self, run_id: int, sites: list[str]) -> None:
        """A run opened by another process (the scheduler) is done by this one."""
        with self.transaction():
            cur = self.conn.execute("UPDATE runs SET pid = ? WHERE id = ?", (os.getpid(), run_id))
            if cur.rowcount != 1:
                raise ValueError(f"no run {run_id} in this archive")
            for site in sites:
                self.conn.execute(
                    "INSERT OR IGNORE INTO run_sites (run_id, site) VALUES (?, ?)", (run_id, site)
                )

    def set_run_exit(self, run_id: int, exit_code: int, reason: str | None = None) -> None:
        """The crawl process's exit, as its parent saw it: the parent's reason (timeout,
        shutdown, killed) wins over what the crawl wrote while being stopped."""
        with self.transaction():
            self.conn.execute(
                "UPDATE runs SET exit_code = ?, finish_reason = coalesce(?, finish_reason),"
                " finished_at = coalesce(finished_at, ?) WHERE id = ?",
                (exit_code, reason, now_iso(), run_id),
            )

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
        at: str | None = None,
    ) -> FetchRef:
        """Record one fetch (and its raw body once, by hash)."""
        stamp = at or now_iso()
        sha = None
        with self.transaction():
            if body is not None and keep_raw:
                sha = self._store_raw(url, body, content_type, stamp)
            cur = self.conn.execute(
                "INSERT INTO fetches (run_id, site, url, kind, fetched_at, status, bytes,"
                " elapsed_ms, error, raw_sha256, content_type) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
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
                ),
            )
        return FetchRef(int(cur.lastrowid or 0), sha)

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
        row = self.conn.execute(
            "SELECT content, compression FROM raw_pages WHERE sha256 = ?", (sha,)
        ).fetchone()
        if row is None:
            return None
        return zlib.decompress(row["content"]) if row["compression"] == "zlib" else row["content"]

    # --- attachments ------------------------------------------------------------------
    def record_attachment(
        self,
        document_url: str,
        url: str,
        name: str,
        data: bytes | None,
        *,
        content_type: str | None = None,
        error: str | None = None,
        read: AttachmentText | None = None,
        at: str | None = None,
    ) -> str | None:
        """Store an attachment by hash and link it to its document; return its sha256.

        ``read``: its type and text as the crawl's parse workers read them; without it they
        are read here (re-runs, tests)."""
        stamp = at or now_iso()
        doc_id = self.document_id(document_url)
        if doc_id is None:
            return None
        sha = mime = relative = text = None
        size = None
        display = files.safe_name(name)
        if data is not None:
            read = read or read_attachment(data, content_type, display)
            mime, text = read.mime_type, read.text
            error = error or read.error
            sha, relative = files.store_bytes(self.files_dir, data)
            size = len(data)
        with self.transaction():
            self.conn.execute(
                "INSERT INTO attachments (document_id, url, name, sha256, mime_type, size,"
                " stored_path, text, error, first_seen, last_seen) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT(document_id, url) DO UPDATE SET name = excluded.name,"
                " sha256 = coalesce(excluded.sha256, sha256),"
                " mime_type = coalesce(excluded.mime_type, mime_type),"
                " size = coalesce(excluded.size, size),"
                " stored_path = coalesce(excluded.stored_path, stored_path),"
                " text = coalesce(excluded.text, text), error = excluded.error,"
                " last_seen = excluded.last_seen",
                (doc_id, url, display, sha, mime, size, relative, text, error, stamp, stamp),
            )
            if text:
                self._index_attachment_text(doc_id)
        return sha

    def _index_attachment_text(self, doc_id: int) -> None:
        """Make the document's attachments' text searchable with its body (one FTS column)."""
        joined = self.conn.execute(
            "SELECT group_concat(text, char(10)) FROM (SELECT text FROM attachments"
            " WHERE document_id = ? AND text IS NOT NULL ORDER BY id)",
            (doc_id,),
        ).fetchone()[0]
        self.conn.execute(
            "UPDATE documents SET attachment_text = ? WHERE id = ? AND attachment_text IS NOT ?",
            ((joined or "")[:MAX_ATTACHMENT_TEXT_CHARS] or None, doc_id, joined),
        )

    def known_attachment_urls(self, site: str) -> set[tuple[str, str]]:
        """(document URL, attachment URL) pairs already stored for a site."""
        rows = self.conn.execute(
            "SELECT d.url, a.url FROM attachments a JOIN documents d ON d.id = a.document_id"
            " WHERE d.site = ? AND a.sha256 IS NOT NULL",
            (site,),
        )
        return {(row[0], row[1]) for row in rows}

    # --- re-running parsers ---------------------------------------------------------------
    def reparse(
        self, parse: Any, sites: list[str] | None = None, at: str | None = None
    ) -> dict[str, int]:
        """Re-run ``parse(bytes, url)`` over each document's latest raw page.

        A new version is written only where the clean record changed.
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
            record = parse(raw, row["url"])
            result = self.record_document(
                record,
                site=row["site"],
                run_id=None,
                raw_sha256=row["raw_sha256"],
                observed=False,
                at=at,
            )
            outcome[result] = outcome.get(result, 0) + 1
        return outcome

    def run_site_rows(self, run_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT * FROM run_sites WHERE run_id = ? ORDER BY site", (run_id,)
        ).fetchall()
        return [dict(row) for row in rows]

    def site_overview(self) -> list[dict[str, Any]]:
        """Each site with its document count, last run and that run's health."""
        rows = self.conn.execute(
            "SELECT s.name, s.title, s.family, s.verified,"
            " (SELECT count(*) FROM documents d WHERE d.site = s.name) AS documents,"
            " (SELECT max(r.started_at) FROM run_sites rs JOIN runs r ON r.id = rs.run_id"
            "   WHERE rs.site = s.name) AS last_run,"
            " (SELECT rs.healthy FROM run_sites rs WHERE rs.site = s.name"
            "   ORDER BY rs.run_id DESC LIMIT 1) AS healthy,"
            " (SELECT rs.health_note FROM run_sites rs WHERE rs.site = s.name"
            "   ORDER BY rs.run_id DESC LIMIT 1) AS health_note"
            " FROM sites s ORDER BY s.name"
        ).fetchall()
        return [dict(row) for row in rows]

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
