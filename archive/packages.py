"""What goes into a WACZ (``archive.wacz``): the whole archive (``export --format wacz``), or
the evidence package of one document (``govarchive evidence``).

A document's evidence package holds every capture of its URL (each version, the 404s,
410s, error pages and redirects behind a removal), its attachments' captures, the listing
pages that showed it (a kept listing page whose bytes name the document's file) and the
listing pages of the runs that recorded it delisted or gone (which no longer did), its
lifecycle events as metadata records, each version's clean record as JSON, and a summary
page saying all of that in one place.
"""

from __future__ import annotations

import json
import sqlite3
from html import escape
from typing import Any
from urllib.parse import urlsplit

from archive.store import Archive
from archive.wacz import Selection, iso_utc
from archive.warc import event_rows, fetch_rows, filters

SUMMARY_URI = "urn:govarchive:evidence:{archive}:{doc_id}"
VERSION_URI = "urn:govarchive:record:{archive}:{doc_id}:v{version}"


def archive_selection(
    archive: Archive, since: str | None = None, sites: list[str] | None = None
) -> Selection:
    """Every kept capture and event (fetched or happened since ``since``, of ``sites``)."""
    where, params = filters("f.fetched_at", "f.site", since, sites)
    return Selection(
        fetches=fetch_rows(archive.conn, where, params),
        events=list(event_rows(archive.conn, since, sites)),
    )


def find_document(archive: Archive, key: str) -> sqlite3.Row | None:
    """A document by its id or its URL (canonicalised as the crawl stores it)."""
    from parsers.urls import canonical_url

    if key.isdigit():
        return archive.conn.execute("SELECT * FROM documents WHERE id = ?", (int(key),)).fetchone()
    return archive.conn.execute(
        "SELECT * FROM documents WHERE url = ?", (canonical_url(key),)
    ).fetchone()


def document_selection(archive: Archive, doc: sqlite3.Row) -> Selection:
    """The evidence of one document (see the module docstring)."""
    conn, doc_id = archive.conn, int(doc["id"])
    own = fetch_rows(conn, ["f.url = ?"], [doc["url"]])
    attachment_urls = [r[0] for r in conn.execute(
        "SELECT url FROM attachments WHERE document_id = ?", (doc_id,)
    )]  # fmt: skip
    attachments = fetch_rows(
        conn,
        [f"f.kind = 'attachment' AND f.url IN ({', '.join('?' * len(attachment_urls))})"],
        attachment_urls,
    ) if attachment_urls else []  # fmt: skip
    listings = listing_evidence(archive, doc)
    fetches = sorted({r["id"]: r for r in [*own, *attachments, *listings]}.values(), key=_id)
    events = conn.execute(
        "SELECT e.*, d.title FROM document_events e JOIN documents d ON d.id = e.document_id"
        " WHERE e.document_id = ? ORDER BY e.id",
        (doc_id,),
    ).fetchall()
    versions = conn.execute(
        "SELECT version, fetched_at, raw_sha256, content_hash, record FROM versions"
        " WHERE document_id = ? ORDER BY version",
        (doc_id,),
    ).fetchall()
    name = archive.path.name
    resources = [
        (
            VERSION_URI.format(archive=name, doc_id=doc_id, version=v["version"]),
            v["fetched_at"],
            "application/json",
            v["record"].encode("utf-8"),
        )
        for v in versions
    ]
    summary_uri = SUMMARY_URI.format(archive=name, doc_id=doc_id)
    summary = summary_page(archive, doc, events, versions, fetches)
    resources.insert(0, (summary_uri, archive.clock(), "text/html; charset=utf-8", summary))
    page = {"id": "summary", "url": summary_uri, "ts": iso_utc(archive.clock()),
            "title": f"Evidence: {doc['title'] or doc['url']}"}  # fmt: skip
    return Selection(fetches=fetches, events=events, resources=resources, pages=[page])


def _id(row: sqlite3.Row) -> int:
    return int(row["id"])


def listing_evidence(archive: Archive, doc: sqlite3.Row) -> list[sqlite3.Row]:
    """The kept listing pages of the document's site that named its file, and those of the
    runs that recorded it delisted or gone."""
    conn = archive.conn
    path = urlsplit(doc["url"]).path
    needle = (path.rsplit("/", 1)[-1] if len(path.rsplit("/", 1)[-1]) >= 8 else path).encode()
    listings = fetch_rows(conn, ["f.kind = 'list'", "f.site = ?"], [doc["site"]])
    showed = [r for r in listings if needle in (archive.capture_body(r["raw_sha256"]) or b"")]
    runs = {
        r[0]
        for r in conn.execute(
            "SELECT run_id FROM document_events WHERE document_id = ?"
            " AND event IN ('delisted', 'gone', 'missing') AND run_id IS NOT NULL",
            (doc["id"],),
        )
    }
    removal = [r for r in listings if r["run_id"] in runs]
    return [*showed, *removal]


def summary_page(
    archive: Archive,
    doc: sqlite3.Row,
    events: list[sqlite3.Row],
    versions: list[sqlite3.Row],
    fetches: list[sqlite3.Row],
) -> bytes:
    """The package's summary: the document, its lifecycle, its versions and every capture
    the package holds, with the archive's last checkpoint."""
    from archive.warc import verdict_of

    checkpoint = archive.conn.execute(
        "SELECT id, head, at FROM checkpoints ORDER BY id DESC LIMIT 1"
    ).fetchone()

    def rows(items: list[list[Any]]) -> str:
        return "".join(
            "<tr>" + "".join(f"<td>{escape(str(c if c is not None else ''))}</td>" for c in item)
            + "</tr>"
            for item in items
        )  # fmt: skip

    title = escape(doc["title"] or doc["url"])
    record = json.loads(versions[-1]["record"]) if versions else {}
    parts = [
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>Evidence: {title}</title></head><body>",
        f"<h1>{title}</h1>",
        f"<p>URL: {escape(doc['url'])}<br>Site: {escape(doc['site'] or '')}<br>",
        f"Status in the archive: <b>{escape(doc['status'])}</b><br>",
        f"Issuer: {escape(record.get('issuer') or '')}; 文号: {escape(record.get('doc_no') or '')}</p>",
        "<h2>Lifecycle</h2><table><tr><th>at</th><th>verdict</th><th>fetch</th></tr>",
        rows([[e["at"], verdict_of(e), e["fetch_id"]] for e in events]),
        "</table><h2>Versions</h2><table><tr><th>version</th><th>captured</th>"
        "<th>capture SHA-256</th><th>record SHA-256</th></tr>",
        rows(
            [[v["version"], v["fetched_at"], v["raw_sha256"], v["content_hash"]] for v in versions]
        ),
        "</table><h2>Captures in this package</h2><table><tr><th>fetch</th><th>kind</th>"
        "<th>URL</th><th>at</th><th>HTTP</th><th>SHA-256</th></tr>",
        rows(
            [
                [f["id"], f["kind"], f["url"], f["fetched_at"], f["status"], f["raw_sha256"]]
                for f in fetches
            ]
        ),  # fmt: skip
        "</table>",
    ]
    if checkpoint is not None:
        parts.append(
            f"<p>Archive {escape(archive.path.name)}, checkpoint {checkpoint['id']} at"
            f" {escape(checkpoint['at'])}, chain head <code>{checkpoint['head']}</code>"
            " (check it with <code>govarchive verify --head</code>).</p>"
        )
    parts.append("</body></html>")
    return "".join(parts).encode("utf-8")
