"""Attachments: the part of the ``Archive`` facade that stores files by hash and links them
to their documents, with their text made searchable beside the body."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from archive import files
from archive.clock import Clock
from parsers.attachments import AttachmentText, read_attachment

# Attachment text kept searchable per document (the rest stays in attachments.text).
MAX_ATTACHMENT_TEXT_CHARS = 1_000_000


class AttachmentStore:
    """Mixed into ``Archive`` (which owns the connection and the file store)."""

    conn: sqlite3.Connection
    clock: Clock
    files_dir: Path

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:  # pragma: no cover
        raise NotImplementedError

    # Provided by DocumentStore, beside this mixin in Archive.
    document_id: Callable[[str], int | None]

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
        stamp = at or self.clock()
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

    def known_image_urls(self, site: str) -> set[str]:
        """Content images already captured for a site (``image`` fetches with a body)."""
        rows = self.conn.execute(
            "SELECT DISTINCT url FROM fetches WHERE site = ? AND kind = 'image'"
            " AND raw_sha256 IS NOT NULL",
            (site,),
        )
        return {row[0] for row in rows}

    def known_attachment_urls(self, site: str) -> set[tuple[str, str]]:
        """(document URL, attachment URL) pairs already stored for a site."""
        rows = self.conn.execute(
            "SELECT d.url, a.url FROM attachments a JOIN documents d ON d.id = a.document_id"
            " WHERE d.site = ? AND a.sha256 IS NOT NULL",
            (site,),
        )
        return {(row[0], row[1]) for row in rows}
