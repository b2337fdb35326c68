"""Documents and versions: what a document says, and every transition of its lifecycle.

``DocumentStore`` is the part of the ``Archive`` facade that writes ``documents``,
``versions`` and ``document_events``. Each method is one transaction that updates the
current state and appends the event that explains the change (``archive.lifecycle``):
the state can always be re-derived from the log, and nothing here ever erases history.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlite_utils

from archive import rows
from archive.clock import Clock
from archive.hashing import changed_fields, content_fields, content_hash
from archive.lifecycle import (
    ATTACHMENT_CHANGED,
    CHANGED,
    MOVED,
    NEW,
    PARSER_UPDATE,
    REPARSE,
    add_event,
)
from archive.presence import Observation, PresenceStore
from archive.schema import RECORD_COLUMNS
from parsers.record import Record


@dataclass(slots=True)
class KnownDocument:
    """What a spider needs to know of a document it has archived before."""

    url: str
    status: str
    last_fetched: str | None
    list_date: str | None
    etag: str | None
    last_modified: str | None
    missing_since: str | None = None
    delisted_at: str | None = None
    title: str | None = None
    body_head: str | None = None  # the archived body's first characters
    content_hash: str | None = None  # of the archived record
    raw_sha256: str | None = None  # the capture the archived record was parsed from


@dataclass(slots=True, frozen=True)
class Reparsed:
    """A document's previous capture (``raw_sha256``) parsed again with today's parsers by
    whoever parsed today's page (the crawl's parse worker): it tells a parser update from
    an edit. ``record`` None: today's parsers refuse that capture (compare as stored)."""

    raw_sha256: str
    record: Record | None


class DocumentStore(PresenceStore):
    """Document rows and their lifecycle; mixed into ``Archive`` (which owns the connection).
    Whether a known document is still there (listed, answering, missing, gone) is
    ``PresenceStore``'s."""

    conn: sqlite3.Connection
    db: sqlite_utils.Database
    clock: Clock
    gone_after: timedelta

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:  # pragma: no cover
        raise NotImplementedError

    def raw_page(self, sha: str) -> bytes | None:  # pragma: no cover - Archive's
        raise NotImplementedError

    # --- reading ------------------------------------------------------------------------
    def known_documents(self, site: str) -> dict[str, KnownDocument]:
        rows = self.conn.execute(
            "SELECT d.url, d.status, d.last_fetched, d.list_date, d.etag, d.last_modified,"
            " d.missing_since, d.delisted_at, d.title, substr(d.body_text, 1, 80) AS body_head,"
            " d.content_hash, v.raw_sha256 FROM documents d LEFT JOIN versions v"
            " ON v.document_id = d.id AND v.version = d.version_count WHERE d.site = ?",
            (site,),
        )
        return {row["url"]: KnownDocument(**dict(row)) for row in rows}

    def former_urls(self, site: str) -> dict[str, str]:
        """URLs a site's documents had before they moved -> the URL each has now."""
        rows = self.conn.execute(
            "SELECT json_extract(e.evidence, '$.from') AS former, d.url FROM document_events e"
            " JOIN documents d ON d.id = e.document_id WHERE e.event = ? AND d.site = ?"
            " ORDER BY e.id",
            (MOVED, site),
        )
        return {row["former"]: row["url"] for row in rows if row["former"]}

    def document_id(self, url: str) -> int | None:
        row = self.conn.execute("SELECT id FROM documents WHERE url = ?", (url,)).fetchone()
        return None if row is None else int(row["id"])

    def document_id_ever(self, url: str) -> int | None:
        """The document that has, or once had, this URL."""
        found = self.document_id(url)
        if found is not None:
            return found
        row = self.conn.execute(
            "SELECT document_id FROM document_events WHERE url = ? ORDER BY id DESC LIMIT 1",
            (url,),
        ).fetchone()
        return None if row is None else int(row[0])

    def versions_of(self, url: str) -> list[tuple[int, str, dict[str, Any]]]:
        """(version, fetched_at, record) of a document, oldest first (by URL now or before,
        or by its id given as digits)."""
        doc_id = int(url) if url.isdigit() else self.document_id_ever(url)
        rows = self.conn.execute(
            "SELECT version, fetched_at, record FROM versions WHERE document_id = ?"
            " ORDER BY version",
            (doc_id,),
        )
        return [(row[0], row[1], json.loads(row[2])) for row in rows]

    def events(self, url: str) -> list[str]:
        """The event names of a document, oldest first (by its URL now or any it had)."""
        doc_id = self.document_id_ever(url)
        rows = self.conn.execute(
            "SELECT event FROM document_events WHERE document_id = ? ORDER BY id", (doc_id,)
        )
        return [row[0] for row in rows]

    # --- transitions ----------------------------------------------------------------------
    def record_document(
        self,
        record: Record,
        *,
        site: str,
        run_id: int | None,
        raw_sha256: str | None = None,
        fetch_id: int | None = None,
        list_date: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        moved_from: str | None = None,
        moved_via: str | None = None,
        observed: bool = True,
        reparsed: Reparsed | None = None,
        at: str | None = None,
    ) -> str:
        """Archive a parsed page that answered; return "new", "changed" or "unchanged".

        ``moved_from``: the URL this document had (a redirect, or the same path on another
        scheme): the row takes the new URL and a ``moved`` event records both.
        ``observed=False`` (a re-parse of a stored page): no answer from the site, so no
        lifecycle transition and no last_seen; a new version's event says "reparse".
        ``reparsed``: the previous capture as today's parsers read it (parsed by the caller;
        nothing here parses). Used only when it is the capture behind the stored record, and
        the record differs from the stored one: if it gives today's record, the parsers
        changed and the page did not, and the event says "parser-update", never an edit.
        """
        stamp = at or self.clock()
        seen = Observation(run_id, fetch_id, 200)
        digest = content_hash(record)
        values = record_values(record)
        with self.transaction():
            row = self._row(record.url)
            if moved_from and moved_from != record.url:
                if row is None:
                    row = self._move(moved_from, record.url, moved_via, seen, stamp)
                else:
                    self._moved_onto(moved_from, row, moved_via, seen, stamp)
            if row is None:
                cache = {"list_date": list_date, "etag": etag, "last_modified": last_modified}
                self._insert(record, site, values, digest, raw_sha256, seen, stamp, cache)
                return "new"
            doc_id = int(row["id"])
            if observed:
                self._answered(row, seen, stamp)
            else:
                row_times = self.conn.execute(
                    "SELECT last_seen, last_fetched FROM documents WHERE id = ?", (doc_id,)
                ).fetchone()
                stamp_seen, stamp_fetched = row_times["last_seen"], row_times["last_fetched"]
            common = (
                stamp if observed else stamp_seen,
                stamp if observed else stamp_fetched,
                list_date, etag, last_modified, raw_sha256, doc_id,
            )  # fmt: skip
            if row["content_hash"] == digest:
                self.conn.execute(
                    "UPDATE documents SET last_seen = ?, last_fetched = ?,"
                    " list_date = coalesce(?, list_date), etag = ?, last_modified = ?,"
                    " raw_sha256 = coalesce(?, raw_sha256) WHERE id = ?",
                    common,
                )
                return "unchanged"
            version = int(row["version_count"]) + 1
            previous = self.conn.execute(
                "SELECT record, raw_sha256 FROM versions WHERE document_id = ?"
                " ORDER BY version DESC LIMIT 1",
                (doc_id,),
            ).fetchone()
            before = None
            if observed and reparsed is not None and reparsed.raw_sha256 == previous["raw_sha256"]:
                before = reparsed.record
            old_record = before or Record.from_dict(json.loads(previous["record"]))
            changed = changed_fields(content_fields(old_record), content_fields(record))
            reason = None if observed else REPARSE
            if before is not None and content_hash(before) == digest:
                reason = PARSER_UPDATE
                changed = changed_fields(
                    content_fields(Record.from_dict(json.loads(previous["record"]))),
                    content_fields(record),
                )
            assignments = ", ".join(f"{name} = ?" for name in RECORD_COLUMNS)
            self.conn.execute(
                f"UPDATE documents SET {assignments}, content_hash = ?, version_count = ?,"
                " last_changed = ?, last_seen = ?, last_fetched = ?,"
                " list_date = coalesce(?, list_date), etag = ?, last_modified = ?,"
                " raw_sha256 = coalesce(?, raw_sha256) WHERE id = ?",
                (*values, digest, version, stamp, *common),
            )
            self._add_version(doc_id, version, record, digest, stamp, run_id, raw_sha256, changed)
            add_event(
                self.conn, doc_id, CHANGED, url=record.url, at=stamp, run_id=run_id,
                fetch_id=fetch_id, http_status=200 if observed else None, version=version,
                reason=reason, evidence={"fields": changed},
            )  # fmt: skip
            return "changed"

    def attachment_changed(
        self, doc_id: int, *, url: str, name: str, old: str, new: str, stamp: str,
        run_id: int | None, fetch_id: int | None = None, http_status: int | None = None,
    ) -> int:  # fmt: skip
        """A file replaced at one of the document's attachment URLs: the document's next
        version (its record as it was; its attachments changed) and a ``changed`` event,
        reason ``attachment-changed``, naming the file, both hashes and the answer that
        brought the new one (``fetch_id``: its request, headers and time). Returns the
        version's number. Called inside the attachment's transaction."""
        row = self.conn.execute(
            "SELECT url, version_count FROM documents WHERE id = ?", (doc_id,)
        ).fetchone()
        previous = self.conn.execute(
            "SELECT content_hash, record, raw_sha256 FROM versions WHERE document_id = ?"
            " ORDER BY version DESC LIMIT 1",
            (doc_id,),
        ).fetchone()
        version = int(row["version_count"]) + 1
        self.conn.execute(
            "INSERT INTO versions (document_id, version, content_hash, fetched_at, run_id,"
            " changed_fields, record, raw_sha256) VALUES (?,?,?,?,?,?,?,?)",
            (doc_id, version, previous["content_hash"], stamp, run_id, '["attachments"]',
             previous["record"], previous["raw_sha256"]),
        )  # fmt: skip
        self.conn.execute(
            "UPDATE documents SET version_count = ?, last_changed = ? WHERE id = ?",
            (version, stamp, doc_id),
        )
        add_event(
            self.conn, doc_id, CHANGED, url=row["url"], at=stamp, run_id=run_id,
            version=version, reason=ATTACHMENT_CHANGED, fetch_id=fetch_id,
            http_status=http_status if fetch_id else None,
            evidence={"attachment": url, "name": name, "old_sha256": old, "new_sha256": new},
        )  # fmt: skip
        return version

    def previous_capture(self, url: str, record: Record) -> tuple[str, bytes] | None:
        """The capture behind a document's stored record, as (sha256, bytes), when
        ``record`` differs from it: what a caller that has not compared them (``govarchive
        ingest``, for a crawl on another machine) parses again to make a ``Reparsed``. None
        when there is nothing to compare: new, unchanged, no raw page kept."""
        row = self.conn.execute(
            "SELECT v.raw_sha256 FROM documents d JOIN versions v ON v.document_id = d.id"
            " AND v.version = d.version_count WHERE d.url = ? AND d.content_hash <> ?",
            (url, content_hash(record)),
        ).fetchone()
        raw = self.raw_page(row["raw_sha256"]) if row and row["raw_sha256"] else None
        return None if raw is None else (row["raw_sha256"], raw)

    def _move(
        self, old_url: str, new_url: str, via: str | None, seen: Observation, stamp: str
    ) -> sqlite3.Row | None:
        old = self._row(old_url)
        if old is None:
            return None
        doc_id = int(old["id"])
        self.conn.execute("UPDATE documents SET url = ? WHERE id = ?", (new_url, doc_id))
        add_event(
            self.conn, doc_id, MOVED, url=new_url, at=stamp, run_id=seen.run_id,
            fetch_id=seen.fetch_id, http_status=seen.http_status, reason=via,
            evidence={"from": old_url, "to": new_url},
        )  # fmt: skip
        return self._row(new_url)

    def _moved_onto(
        self, old_url: str, target: sqlite3.Row, via: str | None, seen: Observation, stamp: str
    ) -> None:
        """The old URL now leads to a document archived separately: say so once, on the old
        document (both rows stay; the event links them)."""
        old = self._row(old_url)
        if old is None or old["id"] == target["id"]:
            return
        last = self.conn.execute(
            "SELECT event, evidence FROM document_events WHERE document_id = ?"
            " ORDER BY id DESC LIMIT 1",
            (old["id"],),
        ).fetchone()
        if (
            last is not None
            and last["event"] == MOVED
            and target["url"] in (last["evidence"] or "")
        ):
            return
        add_event(
            self.conn, int(old["id"]), MOVED, url=old_url, at=stamp, run_id=seen.run_id,
            fetch_id=seen.fetch_id, http_status=seen.http_status, reason=via,
            evidence={"from": old_url, "to": target["url"], "to_document": int(target["id"])},
        )  # fmt: skip

    def _insert(
        self,
        record: Record,
        site: str,
        values: tuple[Any, ...],
        digest: str,
        raw_sha256: str | None,
        seen: Observation,
        stamp: str,
        cache: dict[str, str | None],
    ) -> None:
        row = dict(zip(RECORD_COLUMNS, values, strict=True))
        row.update(
            url=record.url, site=site, content_hash=digest, raw_sha256=raw_sha256,
            status="live", first_seen=stamp, last_seen=stamp, last_changed=stamp,
            last_fetched=stamp, version_count=1, listed_at=stamp, **cache,
        )  # fmt: skip
        doc_id = rows.insert(self.db, "documents", row)
        self._add_version(doc_id, 1, record, digest, stamp, seen.run_id, raw_sha256, None)
        add_event(
            self.conn, doc_id, NEW, url=record.url, at=stamp, run_id=seen.run_id,
            fetch_id=seen.fetch_id, http_status=seen.http_status, version=1,
        )  # fmt: skip

    def _add_version(
        self,
        doc_id: int,
        version: int,
        record: Record,
        digest: str,
        stamp: str,
        run_id: int | None,
        raw_sha256: str | None,
        changed: list[str] | None,
    ) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO versions (document_id, version, content_hash, fetched_at,"
            " run_id, changed_fields, record, raw_sha256) VALUES (?,?,?,?,?,?,?,?)",
            (
                doc_id,
                version,
                digest,
                stamp,
                run_id,
                json.dumps(changed, ensure_ascii=False) if changed is not None else None,
                version_json(record),
                raw_sha256,
            ),
        )


def version_json(record: Record) -> str:
    """A version's record: everything but ``body_html``, which is how the page showed the
    text (about half a record's bytes; the raw capture keeps it, and re-parsing it gives it
    back), not what the document says."""
    data = record.to_dict()
    data.pop("body_html", None)
    return json.dumps(data, ensure_ascii=False)


def record_values(record: Record) -> tuple[Any, ...]:
    """The ``documents`` columns a record fills, in ``RECORD_COLUMNS`` order."""
    data = record.to_dict()
    data["year"] = (record.doc_date or record.publish_date or "")[:4] or None
    out = []
    for name in RECORD_COLUMNS:
        value = data[name]
        if name == "attachments":
            value = json.dumps(value, ensure_ascii=False)
        out.append(value)
    return tuple(out)
