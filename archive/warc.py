"""The archive's captures as a WARC/1.1 file that replays the truth.

``write_warc`` writes, in the order they were fetched:

* a ``warcinfo`` record: the software, the archive, the export's time and the hash chain's
  last checkpoint (``archive.ledger``);
* for each answer the crawl kept (documents, listing pages, attachments, redirect hops,
  404/410/5xx and other error answers): a ``response`` record with the status line and the
  headers as received, and the ``request`` record of the request as sent; a body already
  written earlier in the file becomes a ``revisit`` record (profile "identical payload
  digest") pointing at its first capture;
* a ``metadata`` record per lifecycle event (new, changed, missing, gone, delisted, …): the
  archive's verdict and its evidence, referring to the answer it was drawn from.

The body kept is the decoded one (Scrapy removes the transfer and content encodings), so a
``Content-Encoding`` or ``Transfer-Encoding`` header is written as
``X-Archive-Orig-Content-Encoding`` (pywb's prefix for headers it set aside), and
``Content-Length`` is the kept body's (the one received as ``X-Archive-Orig-Content-Length``
when it differs): the record must describe the bytes it holds. Fetches recorded before
heads were kept (schema 9) get the two headers that were: Content-Type and Content-Length.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Any, BinaryIO

from archive.captures import reason_phrase, split_head, unpack_head
from archive.clock import now_iso, parse_iso
from archive.files import storage_dir
from archive.store import Archive

# Headers describing an encoding of the body that the kept (decoded) body no longer has.
ENCODING_HEADERS = frozenset({"content-encoding", "transfer-encoding"})
ORIGINAL_PREFIX = "X-Archive-Orig-"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


def write_warc(
    archive: Archive, out: BinaryIO, since: str | None = None, sites: list[str] | None = None
) -> int:
    """Write the archive's captures and verdicts (see the module docstring); return the
    number of records written."""
    where, params = filters("f.fetched_at", "f.site", since, sites)
    export = CaptureWriter(archive, out, name=archive.path.name + ".warc.gz")
    export.captures(fetch_rows(archive.conn, where, params))
    export.count += _legacy_attachments(archive, export.writer, since, sites)
    export.events(event_rows(archive.conn, since, sites))
    return export.count


class CaptureWriter:
    """A WARC being written: its ``warcinfo`` first, then captures, events and resources in
    the order given. Remembers each body's first record (for revisits) and each fetch's
    response record (for the events that refer to it)."""

    def __init__(
        self, archive: Archive, out: BinaryIO, name: str, info: dict[str, str] | None = None
    ) -> None:
        from warcio.warcwriter import WARCWriter

        from archive.software import VERSION as __version__

        self.archive = archive
        self.writer = WARCWriter(out, gzip=True, warc_version="1.1")
        checkpoint = archive.conn.execute(
            "SELECT id, head, at FROM checkpoints ORDER BY id DESC LIMIT 1"
        ).fetchone()
        fields = {
            "software": f"govarchive/{__version__}",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "isPartOf": archive.path.name,
            "exported": now_iso(),
            "description": "Captures of Chinese government information-disclosure pages, with"
            " the archive's lifecycle verdicts as metadata records",
            **(info or {}),
        }
        if checkpoint is not None:
            fields["chain-checkpoint"] = (
                f"{checkpoint['id']} {checkpoint['head']} {checkpoint['at']}"
            )
        # One field a line: a control character in a value (a hostile title) becomes a space.
        fields = {key: _CONTROL.sub(" ", value) for key, value in fields.items()}
        self.writer.write_record(self.writer.create_warcinfo_record(name, fields))
        self.count = 1
        self.responses: dict[int, str] = {}  # fetch id -> its response record's id
        self.first: dict[str, tuple[str, str, str]] = {}  # sha -> (uri, WARC-Date, digest)

    def captures(self, rows: Iterable[sqlite3.Row]) -> None:
        """Each kept answer as a response (or revisit) record and its request record."""
        for row in rows:
            body = self.archive.capture_body(row["raw_sha256"])
            if body is None:
                continue
            response = _response_record(self.writer, row, body, self.first)
            self.writer.write_record(response)
            record_id = response.rec_headers.get_header("WARC-Record-ID")
            self.responses[int(row["id"])] = record_id
            self.count += 1
            request = _request_record(self.writer, row, record_id)
            if request is not None:
                self.writer.write_record(request)
                self.count += 1

    def events(self, rows: Iterable[sqlite3.Row]) -> None:
        """Each lifecycle event as a metadata record."""
        for event in rows:
            self.writer.write_record(_event_record(self.writer, event, self.responses))
            self.count += 1

    def resource(self, uri: str, stamp: str, content_type: str, body: bytes) -> None:
        """A document the archive made (a summary page) as a ``resource`` record."""
        record = self.writer.create_warc_record(
            uri,
            "resource",
            payload=io.BytesIO(body),
            warc_content_type=content_type,
            warc_headers_dict={"WARC-Date": warc_date(stamp)},
        )
        self.writer.write_record(record)
        self.count += 1


def fetch_rows(conn: sqlite3.Connection, where: list[str], params: list[Any]) -> list[sqlite3.Row]:
    """The kept captures among the fetches ``where`` selects (``f.`` columns), in order."""
    clauses = ["f.raw_sha256 IS NOT NULL", *where]
    return conn.execute(
        "SELECT f.id, f.run_id, f.url, f.fetched_at, f.status, f.content_type, f.raw_sha256, f.kind,"
        f" f.request_head, f.response_head, f.peer FROM fetches f WHERE {' AND '.join(clauses)}"
        " ORDER BY f.id",
        params,
    ).fetchall()


def filters(
    at_column: str, site_column: str, since: str | None, sites: list[str] | None
) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if since:
        where.append(f"{at_column} >= ?")
        params.append(since)
    if sites:
        where.append(f"{site_column} IN ({', '.join('?' * len(sites))})")
        params.extend(sites)
    return where, params


def _response_record(
    writer: Any, row: sqlite3.Row, body: bytes, first: dict[str, tuple[str, str, str]]
) -> Any:
    """The answer as a ``response`` record, or a ``revisit`` of the first record of the
    same body."""
    from warcio.statusandheaders import StatusAndHeaders

    protocol, statusline, headers = _http_head(row, len(body))
    http = StatusAndHeaders(statusline, headers, protocol=protocol)
    warc_headers = {"WARC-Date": warc_date(row["fetched_at"])}
    if row["peer"]:
        warc_headers["WARC-IP-Address"] = row["peer"]
    sha = row["raw_sha256"]
    if body and sha in first:
        uri, date, digest = first[sha]
        record = writer.create_revisit_record(
            row["url"], digest, uri, date, http_headers=http, warc_headers_dict=warc_headers
        )
        record.rec_headers.replace_header("WARC-Profile", REVISIT_PROFILE)
        return record
    record = writer.create_warc_record(
        row["url"],
        "response",
        payload=io.BytesIO(body),
        http_headers=http,
        warc_headers_dict=warc_headers,
    )
    first[sha] = (
        row["url"],
        warc_headers["WARC-Date"],
        record.rec_headers.get_header("WARC-Payload-Digest"),
    )
    return record


def _http_head(row: sqlite3.Row, length: int) -> tuple[str, str, list[tuple[str, str]]]:
    """(protocol, status and reason, headers) of a kept answer, made to describe the kept
    body (see the module docstring)."""
    text = unpack_head(row["response_head"])
    status = row["status"] or 200
    if text is None:
        headers = [("Content-Type", row["content_type"] or "application/octet-stream")]
        return "HTTP/1.1", f"{status} {reason_phrase(status)}".strip(), headers
    first_line, received = split_head(text)
    protocol, _, statusline = first_line.partition(" ")
    headers = []
    for name, value in received:
        lower = name.lower()
        if lower in ENCODING_HEADERS:
            headers.append((ORIGINAL_PREFIX + name, value))
        elif lower == "content-length":
            if value != str(length):
                headers.append((ORIGINAL_PREFIX + name, value))
        else:
            headers.append((name, value))
    headers.append(("Content-Length", str(length)))
    return protocol, statusline, headers


def _request_record(writer: Any, row: sqlite3.Row, response_id: str) -> Any | None:
    from warcio.statusandheaders import StatusAndHeaders

    text = unpack_head(row["request_head"])
    if text is None:
        return None
    request_line, headers = split_head(text)
    http = StatusAndHeaders(request_line, headers, is_http_request=True)
    return writer.create_warc_record(
        row["url"],
        "request",
        payload=io.BytesIO(b""),
        http_headers=http,
        warc_headers_dict={
            "WARC-Date": warc_date(row["fetched_at"]),
            "WARC-Concurrent-To": response_id,
        },
    )


def _legacy_attachments(
    archive: Archive, writer: Any, since: str | None, sites: list[str] | None
) -> int:
    """Attachments stored before their fetches were kept as captures (schema 9): one
    ``response`` record each, with the Content-Type that was kept."""
    where, params = filters("a.first_seen", "d.site", since, sites)
    where[:0] = [
        "a.stored_path IS NOT NULL",
        "NOT EXISTS (SELECT 1 FROM fetches f WHERE f.url = a.url AND f.raw_sha256 = a.sha256)",
    ]
    root = storage_dir(archive.path)
    count = 0
    for row in archive.conn.execute(
        "SELECT a.url, a.first_seen AS fetched_at, 200 AS status, a.mime_type AS content_type,"
        " a.sha256 AS raw_sha256, NULL AS response_head, NULL AS peer, a.stored_path"
        " FROM attachments a JOIN documents d ON d.id = a.document_id"
        f" WHERE {' AND '.join(where)} ORDER BY a.id",
        params,
    ):
        path = root / row["stored_path"]
        if path.is_file():
            writer.write_record(_response_record(writer, row, path.read_bytes(), {}))
            count += 1
    return count


def event_rows(
    conn: sqlite3.Connection, since: str | None, sites: list[str] | None
) -> Iterator[sqlite3.Row]:
    """The lifecycle events (with their document's title) at or after ``since``, of
    ``sites``, in order."""
    where, params = filters("e.at", "d.site", since, sites)
    sql = (
        "SELECT e.*, d.title FROM document_events e JOIN documents d ON d.id = e.document_id"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + " ORDER BY e.id"
    )
    yield from conn.execute(sql, params)


def verdict_of(event: sqlite3.Row | dict[str, Any]) -> str:
    """One line saying what the archive concluded, e.g. "gone (http-404), confirmed after
    2 answers"."""
    text = str(event["event"])
    if event["reason"]:
        text += f" ({event['reason']})"
    evidence = json.loads(event["evidence"]) if event["evidence"] else {}
    if event["event"] == "gone" and evidence.get("answers"):
        text += f", confirmed after {evidence['answers']} answers"
        if evidence.get("missing_since"):
            text += f" since {evidence['missing_since']}"
    if event["http_status"]:
        text += f"; the server answered {event['http_status']}"
    return text


def _event_record(writer: Any, event: sqlite3.Row, responses: dict[int, str]) -> Any:
    payload = {
        "document_id": event["document_id"],
        "url": event["url"],
        "title": event["title"],
        "event": event["event"],
        "at": event["at"],
        "verdict": verdict_of(event),
        "reason": event["reason"],
        "http_status": event["http_status"],
        "run_id": event["run_id"],
        "fetch_id": event["fetch_id"],
        "version": event["version"],
        "evidence": json.loads(event["evidence"]) if event["evidence"] else None,
    }
    headers = {"WARC-Date": warc_date(event["at"])}
    if event["fetch_id"] in responses:
        headers["WARC-Refers-To"] = responses[event["fetch_id"]]
    return writer.create_warc_record(
        event["url"],
        "metadata",
        payload=io.BytesIO(json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8")),
        warc_content_type="application/json",
        warc_headers_dict=headers,
    )


def warc_date(stamp: str) -> str:
    """An archive stamp (China time) as a WARC-Date (UTC, to the second)."""
    moment = parse_iso(stamp).astimezone(timezone.utc)
    return datetime.strftime(moment, "%Y-%m-%dT%H:%M:%SZ")
