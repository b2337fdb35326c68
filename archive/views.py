"""The archivist's pages inside Datasette (plugin routes; no separate web app).

* ``/DB/-/document/ID`` — a document as a person reads it: title, a metadata card, its
  lifecycle events, the body (sanitised HTML), attachments served from the archive, the
  raw capture, and every version with its diff inline; and the 404 for any other address
  under ``/DB/-/``;
* stored files (attachments, raw captures, content images, by hash): ``archive.file_views``;
* any two versions compared: ``archive.compare_views``; one version's page:
  ``archive.version_views``;
* the search pages are in ``archive.search_views``;
* the Atom feeds are in ``archive.feeds``;
* what they share (permissions, the page policy, rendering): ``archive.page_support``.
"""

from __future__ import annotations

import json
import re
from html import escape, unescape
from typing import Any

from datasette.utils.asgi import Response

from archive.changes import compare
from archive.page_support import (
    PAGE_POLICY,
    database_of,
    guarded,
    json_response,
    not_found,
    render,
    row_id,
)
from parsers.sanitize import IMG_SRC, content_images

METADATA_FIELDS: tuple[tuple[str, str], ...] = (
    ("issuer", "发文机关"),
    ("doc_date", "成文日期"),
    ("publish_date", "发布日期"),
    ("index_no", "索引号"),
    ("doc_no", "文号"),
    ("topic", "主题分类"),
    ("validity", "有效性"),
    ("site", "站点"),
)


def routes() -> list[tuple[str, Any]]:
    return [
        (
            r"^/(?P<db>[^/]+)/-/document/(?P<id>\d+)(?P<json>\.json)?$",
            guarded("documents", document_page),
        ),
    ]


# The archive's own pages under /DB/-/, for the page a mistyped address gets.
PAGES = (
    ("-/search?q=…", "ranked full-text search"),
    ("-/document/ID", "a document: metadata, lifecycle, versions"),
    ("-/document/ID/v/N", "one version's text"),
    ("-/document/ID/compare?from=A&to=B", "any two versions compared (view=side: side by side)"),
    ("-/feeds", "every feed, per site, and feeds of a saved search"),
    ("-/feed/KIND.atom", "Atom feeds: new, changed, gone, delisted, restored, relisted, events"),
)


async def unknown_page(datasette: Any, request: Any) -> Response:
    """Any other address under /DB/-/ (a mistyped /-/feeds): 404 naming the pages there
    are, never Datasette's "no such table: -"."""
    db = request.url_vars["db"]
    items = "".join(
        f"<li><code>/{escape(db)}/{escape(path)}</code> — {escape(what)}</li>"
        for path, what in PAGES
    )
    body = (
        f"<h1>Not found</h1><p>No page {escape(request.path)}. The archive's pages are:</p>"
        f"<ul>{items}</ul>"
    )
    return Response.html(body, status=404)


def archived_images(body_html: str, archived: dict[str, str], db: str) -> str:
    """Content HTML whose images point at their archived copies (``/DB/-/image/SHA``); an
    image the archive does not hold loses its source (the page never loads the live one)
    and says where it was."""

    def swap(match: re.Match[str]) -> str:
        url = unescape(match.group(2))
        if url in archived:
            return f"{match.group(1)}/{db}/-/image/{archived[url]}{match.group(3)}"
        return f'{match.group(1)}{match.group(3)} data-not-archived="{escape(url)}"'

    return IMG_SRC.sub(swap, body_html)


# --- the document page ----------------------------------------------------------------
async def document_page(datasette: Any, request: Any) -> Response:
    db = database_of(datasette, request)
    if db is None:
        return not_found("no such database")
    doc_id = row_id(request.url_vars["id"])
    if doc_id is None:
        return not_found(f"no document {request.url_vars['id'][:30]}")
    rows = (await db.execute("SELECT * FROM documents WHERE id = ?", [doc_id])).rows
    if not rows:
        return not_found(f"no document {doc_id}")
    doc = dict(rows[0])
    events = [
        dict(r)
        for r in (
            await db.execute(
                "SELECT at, event, reason, http_status, fetch_id, evidence, url"
                " FROM document_events WHERE document_id = ? ORDER BY id",
                [doc_id],
            )
        ).rows
    ]
    attachments = [
        dict(r)
        for r in (
            await db.execute(
                "SELECT a.name, a.url, a.sha256, a.mime_type, a.size, a.error, a.http_status,"
                " length(a.text) AS text_chars, a.pages, a.needs_ocr, o.engine AS ocr_engine,"
                " o.confidence AS ocr_confidence, length(o.text) AS ocr_chars, o.pages AS ocr_pages,"
                " o.error AS ocr_error, o.done_at AS ocr_at FROM attachments a"
                " LEFT JOIN attachment_ocr o ON o.sha256 = a.sha256"
                " WHERE a.document_id = ? ORDER BY a.id",
                [doc_id],
            )
        ).rows
    ]
    versions = [
        (r["version"], r["fetched_at"], json.loads(r["record"]), r["raw_sha256"])
        for r in (
            await db.execute(
                "SELECT version, fetched_at, record, raw_sha256 FROM versions"
                " WHERE document_id = ? ORDER BY version",
                [doc_id],
            )
        ).rows
    ]
    if request.url_vars.get("json"):
        return json_response(document_json(request, db.name, doc, events, attachments, versions))

    def diffs(conn: Any) -> list[Any]:
        return [
            compare(conn, doc_id, versions[i - 1][0], number, versions[i - 1][2], record)
            if i
            else None
            for i, (number, _, record, _) in enumerate(versions)
        ]

    edits = await db.execute_fn(diffs)
    timeline = []
    for index, (number, at, _, raw) in enumerate(versions):
        diff = edits[index]
        previous = versions[index - 1][0] if index else None
        timeline.append(
            {"version": number, "at": at, "raw": raw, "diff": diff, "previous": previous}
        )
    numbers = [v[0] for v in versions]
    body_html = doc.get("body_html") or ""
    images = content_images(body_html)
    archived = {}
    if images:
        archived = dict(
            (
                await db.execute(
                    "SELECT url, raw_sha256 FROM fetches WHERE kind = 'image' AND raw_sha256"
                    f" IS NOT NULL AND url IN ({', '.join('?' * len(images))}) ORDER BY id",
                    images,
                )
            ).rows
        )
    return await render(
        datasette,
        request,
        "govarchive-document.html",
        policy=PAGE_POLICY,
        db=db.name,
        doc=doc,
        metadata=[(label, doc.get(name)) for name, label in METADATA_FIELDS if doc.get(name)],
        events=events,
        attachments=attachments,
        timeline=list(reversed(timeline)),
        picker={
            "versions": numbers,
            "from_version": numbers[-2] if len(numbers) > 1 else None,
            "to_version": numbers[-1] if numbers else None,
        },
        body_html=_markup(archived_images(body_html, archived, db.name)),
        size=_size,
    )


def document_json(
    request: Any,
    db: str,
    doc: dict[str, Any],
    events: list[dict[str, Any]],
    attachments: list[dict[str, Any]],
    versions: list[tuple[int, str, dict[str, Any], str | None]],
) -> dict[str, Any]:
    """The document page as data: the current record, its lifecycle, its attachments (with
    their archive links) and every version's permalink."""
    base = f"{request.scheme}://{request.host}/{db}"
    record = {k: v for k, v in doc.items() if k != "body_html"}
    for name in ("attachments",):
        record[name] = json.loads(record[name]) if record.get(name) else []
    return {
        "document": record,
        "events": [
            {**e, "evidence": json.loads(e["evidence"]) if e.get("evidence") else None}
            for e in events
        ],
        "attachments": [
            {**a, "archived": f"{base}/-/attachment/{a['sha256']}" if a["sha256"] else None}
            for a in attachments
        ],
        "versions": [
            {
                "version": number,
                "fetched_at": at,
                "capture_sha256": raw,
                "permalink": f"{base}/-/document/{doc['id']}/v/{number}",
            }
            for number, at, _, raw in versions
        ],
    }


def _markup(html: str) -> Any:
    """The archive's sanitised body HTML (sanitised at parse time: no scripts, handlers,
    frames or javascript: links), shown as HTML."""
    from markupsafe import Markup

    return Markup(html)


def _size(value: int | None) -> str:
    if value is None:
        return ""
    for unit in ("B", "KB", "MB"):
        if value < 1024 or unit == "MB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(value)
