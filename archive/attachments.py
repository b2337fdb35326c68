"""Attachments: the part of the ``Archive`` facade that stores files by hash and links them
to their documents, with their text made searchable beside the body."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from archive import files
from archive.clock import Clock
from parsers.attachments import AttachmentText, read_attachment

# Attachment text kept searchable per document (the rest stays in attachments.text).
MAX_ATTACHMENT_TEXT_CHARS = 1_000_000


@dataclass(slots=True)
class KnownAttachment:
    """A stored attachment as a revisit needs it: its name and its last answer's
    validators (sent back so an unchanged file costs a 304)."""

    name: str = ""
    etag: str | None = None
    last_modified: str | None = None


class AttachmentStore:
    """Mixed into ``Archive`` (which owns the connection and the file store)."""

    conn: sqlite3.Connection
    clock: Clock
    files_dir: Path

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:  # pragma: no cover
        raise NotImplementedError

    # Provided by DocumentStore, beside this mixin in Archive.
    document_id: Callable[[str], int | None]

    # Provided by DocumentStore: a replaced file's document version and event.
    attachment_changed: Callable[..., int]

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
        status: int | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        run_id: int | None = None,
        fetch_id: int | None = None,
    ) -> str | None:
        """Store an attachment by hash and link it to its document; return its sha256.

        ``read``: its type and text as the crawl's parse workers read them; without it they
        are read here (re-runs, tests). Without ``data``, the answer alone is recorded: 304
        (unchanged since ``etag``/``last_modified``), or an error (a 404 while the document
        lives), the file stored before kept. New bytes at a URL that held another file are
        a replacement: both files are kept (``attachment_files``) and the document gets a
        version and a ``changed`` event, reason ``attachment-changed``, naming the answer
        that brought the new file (``fetch_id``, the fetches row)."""
        stamp = at or self.clock()
        doc_id = self.document_id(document_url)
        if doc_id is None:
            return None
        display = files.safe_name(name)
        if data is None:
            return self._record_answer(doc_id, url, display, error, status, stamp)
        read = read or read_attachment(data, content_type, display)
        mime, text, needs_ocr, pages = read.mime_type, read.text, int(read.needs_ocr), read.pages
        not_a_file = self._not_the_file(doc_id, url, data, mime)
        if not_a_file:
            return self._record_answer(doc_id, url, display, not_a_file, status, stamp)
        error = error or read.error
        sha, relative = files.store_bytes(self.files_dir, data)
        with self.transaction():
            row = self.conn.execute(
                "SELECT sha256 FROM attachments WHERE document_id = ? AND url = ?", (doc_id, url)
            ).fetchone()
            previous = row["sha256"] if row else None
            self.conn.execute(
                "INSERT INTO attachments (document_id, url, name, sha256, mime_type, size,"
                " stored_path, text, error, first_seen, last_seen, etag, last_modified,"
                " checked_at, http_status, needs_ocr, pages)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT(document_id, url) DO UPDATE SET name = excluded.name,"
                " sha256 = excluded.sha256, mime_type = excluded.mime_type,"
                " size = excluded.size, stored_path = excluded.stored_path,"
                " text = excluded.text, error = excluded.error,"
                " last_seen = excluded.last_seen, etag = excluded.etag,"
                " last_modified = excluded.last_modified, checked_at = excluded.checked_at,"
                " http_status = excluded.http_status, needs_ocr = excluded.needs_ocr,"
                " pages = excluded.pages",
                (doc_id, url, display, sha, mime, len(data), relative, text, error, stamp,
                 stamp, etag, last_modified, stamp, status or 200, needs_ocr, pages),
            )  # fmt: skip
            if previous != sha:
                if previous is None:
                    version = self.conn.execute(
                        "SELECT version_count FROM documents WHERE id = ?", (doc_id,)
                    ).fetchone()[0]
                else:
                    version = self.attachment_changed(
                        doc_id, url=url, name=display, old=previous, new=sha, stamp=stamp,
                        run_id=run_id, fetch_id=fetch_id, http_status=status or 200,
                    )  # fmt: skip
                self.conn.execute(
                    "INSERT INTO attachment_files (document_id, url, name, sha256, mime_type,"
                    " size, stored_path, text, first_seen, version, run_id)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (doc_id, url, display, sha, mime, len(data), relative, text, stamp,
                     version, run_id),
                )  # fmt: skip
                self.index_attachment_text(doc_id)
        return sha

    def _not_the_file(self, doc_id: int, url: str, data: bytes, mime: str) -> str | None:
        """Why an answer at a stored file's URL is no new version of it: empty, or an HTML
        page (a maintenance notice, a login page, a redirect to the home page) where a
        file that was not HTML stood. Such an answer is recorded as an error, the stored
        file kept: a flaky or redesigned server never makes an ``attachment-changed``."""
        row = self.conn.execute(
            "SELECT sha256, mime_type FROM attachments WHERE document_id = ? AND url = ?",
            (doc_id, url),
        ).fetchone()
        if row is None or row["sha256"] is None:
            return None
        if not data:
            return "not-a-file: an empty answer where a file was"
        if mime == "text/html" and row["mime_type"] != "text/html":
            return "not-a-file: an HTML page answered where a file was"
        return None

    def _record_answer(
        self, doc_id: int, url: str, name: str, error: str | None, status: int | None, stamp: str
    ) -> str | None:
        """An answer without a new file: 304 (the stored file is current) or an error."""
        with self.transaction():
            if status == 304:
                self.conn.execute(
                    "UPDATE attachments SET checked_at = ?, last_seen = ?, http_status = 304,"
                    " error = NULL WHERE document_id = ? AND url = ?",
                    (stamp, stamp, doc_id, url),
                )
            else:
                self.conn.execute(
                    "INSERT INTO attachments (document_id, url, name, error, first_seen,"
                    " last_seen, checked_at, http_status) VALUES (?,?,?,?,?,?,?,?)"
                    " ON CONFLICT(document_id, url) DO UPDATE SET name = excluded.name,"
                    " error = excluded.error, last_seen = excluded.last_seen,"
                    " checked_at = excluded.checked_at, http_status = excluded.http_status",
                    (doc_id, url, name, error, stamp, stamp, stamp, status),
                )
            row = self.conn.execute(
                "SELECT sha256 FROM attachments WHERE document_id = ? AND url = ?", (doc_id, url)
            ).fetchone()
        return row["sha256"] if row else None

    def index_attachment_text(self, doc_id: int) -> None:
        """Make the document's attachments' text searchable with its body (one FTS column):
        each file's own text, or what OCR read of a scan."""
        joined = self.conn.execute(
            "SELECT group_concat(text, char(10)) FROM (SELECT coalesce(a.text, o.text) AS text"
            " FROM attachments a LEFT JOIN attachment_ocr o ON o.sha256 = a.sha256"
            " WHERE a.document_id = ? AND coalesce(a.text, o.text) IS NOT NULL ORDER BY a.id)",
            (doc_id,),
        ).fetchone()[0]
        self.conn.execute(
            "UPDATE documents SET attachment_text = ? WHERE id = ? AND attachment_text IS NOT ?",
            ((joined or "")[:MAX_ATTACHMENT_TEXT_CHARS] or None, doc_id, joined),
        )

    def known_image_urls(self, site: str) -> set[str]:
        """Content images already captured for a site (``image`` fetches with a body)."""
        rows = self.conn.execute(
            "SELECT DISTINCT url FROM fetches WHERE site = ? AND kind = 'image'"
            " AND raw_sha256 IS NOT NULL",
            (site,),
        )
        return {row[0] for row in rows}

    def known_attachments(self, site: str) -> dict[str, dict[str, KnownAttachment]]:
        """Per document URL, its attachments already stored (by attachment URL)."""
        rows = self.conn.execute(
            "SELECT d.url, a.url, a.name, a.etag, a.last_modified FROM attachments a"
            " JOIN documents d ON d.id = a.document_id"
            " WHERE d.site = ? AND a.sha256 IS NOT NULL",
            (site,),
        )
        out: dict[str, dict[str, KnownAttachment]] = {}
        for doc_url, url, name, etag, last_modified in rows:
            out.setdefault(doc_url, {})[url] = KnownAttachment(name or "", etag, last_modified)
        return out
