"""The archivist's pages inside Datasette (plugin routes; no separate web app).

* ``/DB/-/document/ID`` — a document as a person reads it: title, a metadata card, its
  lifecycle events, the body (sanitised HTML), attachments served from the archive, the
  raw capture, and every version with its diff inline;
* ``/DB/-/attachment/SHA256`` — a stored attachment, by hash, with its type and original
  name (no path is ever built from the request);
* ``/DB/-/raw/SHA256`` — a raw capture, decompressed, under ``Content-Security-Policy:
  sandbox`` so nothing in it runs;
* ``/DB/-/image/SHA256`` — a captured content image (the document page shows these, under
  a Content-Security-Policy that loads nothing from outside);
* any two versions compared: ``archive.compare_views``; one version's page:
  ``archive.version_views``;
* the search pages are in ``archive.search_views``;
* the Atom feeds are in ``archive.feeds``.
"""

from __future__ import annotations

import json
import re
import zlib
from html import escape, unescape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from datasette.utils.asgi import Response

from archive.changes import compare
from archive.files import safe_name, storage_dir
from parsers.sanitize import IMG_SRC, content_images

# The archivist's pages show the archive's own text, styles and images, and frame its own
# captures; they load nothing from outside (a reader's browser never calls a government
# server, and shows nothing that changed there since).
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-src 'self';"
    " base-uri 'none'; form-action 'self'"
)
_SHA = re.compile(r"^[0-9a-f]{64}$")
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
        (
            r"^/(?P<db>[^/]+)/-/attachment/(?P<sha>[0-9a-f]{64})$",
            guarded("attachments", attachment_file),
        ),
        (r"^/(?P<db>[^/]+)/-/raw/(?P<sha>[0-9a-f]{64})$", guarded("raw_pages", raw_capture)),
        (r"^/(?P<db>[^/]+)/-/image/(?P<sha>[0-9a-f]{64})$", guarded("fetches", image_file)),
    ]


# --- permissions ----------------------------------------------------------------------
async def may_view(datasette: Any, actor: Any, db: str | None, table: str | None) -> bool:
    """Whether ``actor`` may see ``table`` of ``db``, asked as Datasette's own table page
    asks (view-table, else view-database, else view-instance), so ``serve --public``, a
    ``metadata.json`` "allow" block and permission plugins govern the archive's pages as
    they govern its tables."""
    from datasette import Forbidden

    checks: list[Any] = ["view-instance"]
    if db is not None:
        checks.insert(0, ("view-database", db))
        if table is not None:
            checks.insert(0, ("view-table", (db, table)))
    try:
        await datasette.ensure_permissions(actor, checks)
    except Forbidden:
        return False
    return True


def guarded(table: str | None, handler: Any) -> Any:
    """``handler`` (a plugin route) answered only for those who may view ``table`` of the
    route's database (``may_view``); 403 for the others."""

    async def route(datasette: Any, request: Any) -> Response:
        if not await may_view(datasette, request.actor, request.url_vars.get("db"), table):
            return Response.html(
                "<h1>Forbidden</h1><p>You may not view this archive's pages.</p>", status=403
            )
        return await handler(datasette, request)

    route.__name__ = route.__qualname__ = handler.__name__
    route.__doc__ = handler.__doc__
    return route


def _database(datasette: Any, request: Any) -> Any:
    name = request.url_vars["db"]
    try:
        return datasette.get_database(name)
    except KeyError:
        return None


# The largest row id SQLite stores (a larger number in a URL names no row).
MAX_ROW_ID = 2**63 - 1


def row_id(text: str) -> int | None:
    """A row id from a URL's digits; None when SQLite could hold no such id."""
    number = int(text)
    return number if number <= MAX_ROW_ID else None


def _not_found(what: str) -> Response:
    return Response.html(f"<h1>Not found</h1><p>{escape(what)}</p>", status=404)


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


async def render(
    datasette: Any, request: Any, template: str, policy: str | None = None, **context: Any
) -> Response:
    """A page from one of the plugin's templates, rendered by Datasette (so a site's
    ``--template-dir`` can replace it, as it replaces Datasette's own); ``policy``: its
    Content-Security-Policy."""
    headers = {"Content-Security-Policy": policy, "X-Content-Type-Options": "nosniff"}
    html = await datasette.render_template(template, context, request=request)
    return Response.html(html, headers=headers if policy else None)


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
    db = _database(datasette, request)
    if db is None:
        return _not_found("no such database")
    doc_id = row_id(request.url_vars["id"])
    if doc_id is None:
        return _not_found(f"no document {request.url_vars['id'][:30]}")
    rows = (await db.execute("SELECT * FROM documents WHERE id = ?", [doc_id])).rows
    if not rows:
        return _not_found(f"no document {doc_id}")
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
        return _json(document_json(request, db.name, doc, events, attachments, versions))

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


def _json(data: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False, default=str),
        status=status,
        content_type="application/json; charset=utf-8",
        headers={"Access-Control-Allow-Origin": "*"},
    )


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


# --- stored files ---------------------------------------------------------------------
def _header_name(name: str) -> str:
    """An attachment's name for Content-Disposition: ``files.safe_name`` (format and
    control characters, path separators out), and no quotes."""
    return safe_name(name).replace('"', "") or "attachment"


# A URL ending in these names the program that served the file, not the file's type.
_SCRIPT_EXTENSIONS = frozenset(
    {".jsp", ".asp", ".aspx", ".php", ".do", ".action", ".cgi", ".html", ".htm", ".shtml"}
)


def download_name(name: str | None, url: str | None, mime_type: str | None) -> str:
    """The name a downloaded attachment is saved under: its link text, with the file's
    extension when the text has none (附件1：实施方案 → 附件1：实施方案.docx), taken from its
    URL or, failing that, its type, so the file opens in the program it belongs to."""
    import mimetypes
    from posixpath import splitext
    from urllib.parse import unquote, urlsplit

    base = _header_name(name or "attachment")
    mime = (mime_type or "").split(";")[0].strip().lower()
    extension = "" if mime in ("", "application/octet-stream") else mimetypes.guess_extension(mime)
    if not extension:
        from_url = splitext(unquote(urlsplit(url or "").path))[1].lower()
        if re.fullmatch(r"\.[a-z0-9]{1,5}", from_url) and from_url not in _SCRIPT_EXTENSIONS:
            extension = from_url
    if extension and not base.lower().endswith(extension):
        base += extension
    return base


async def attachment_file(datasette: Any, request: Any) -> Response:
    db = _database(datasette, request)
    sha = request.url_vars["sha"]
    if db is None or db.path is None or not _SHA.match(sha):
        return _not_found("no such attachment")
    rows = (
        await db.execute(
            "SELECT name, url, mime_type FROM attachments WHERE sha256 = ? LIMIT 1", [sha]
        )
    ).rows
    if not rows:
        return _not_found("no such attachment")
    path = storage_dir(db.path) / sha[:2] / sha
    if not path.is_file():
        return _not_found("the stored file is missing")
    name = download_name(rows[0]["name"], rows[0]["url"], rows[0]["mime_type"])
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(
        Path(path).read_bytes(),
        content_type=rows[0]["mime_type"] or "application/octet-stream",
        headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"},
    )


async def image_file(datasette: Any, request: Any) -> Response:
    """A captured content image, by hash, with the type it was served as."""
    db = _database(datasette, request)
    sha = request.url_vars["sha"]
    if db is None or db.path is None:
        return _not_found("no such image")
    rows = (
        await db.execute(
            "SELECT content_type FROM fetches WHERE kind = 'image' AND raw_sha256 = ? LIMIT 1",
            [sha],
        )
    ).rows
    path = storage_dir(db.path) / sha[:2] / sha
    if not rows or not path.is_file():
        return _not_found("no such image")
    content_type = rows[0]["content_type"] or "application/octet-stream"
    if not content_type.lower().startswith("image/") or "svg" in content_type.lower():
        content_type = "application/octet-stream"  # shown as an image only if it is one
    return Response(
        path.read_bytes(),
        content_type=content_type,
        headers={
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def raw_capture(datasette: Any, request: Any) -> Response:
    db = _database(datasette, request)
    if db is None:
        return _not_found("no such database")
    rows = (
        await db.execute(
            "SELECT content, compression, content_type FROM raw_pages WHERE sha256 = ?",
            [request.url_vars["sha"]],
        )
    ).rows
    if not rows:
        return _not_found("no such capture")
    row = rows[0]
    body = zlib.decompress(row["content"]) if row["compression"] == "zlib" else row["content"]
    content_type = row["content_type"] or "text/html"
    if not content_type.lower().startswith(("text/", "application/xhtml")):
        content_type = "text/plain; charset=utf-8"
    return Response(
        body,
        content_type=content_type,
        headers={
            # sandbox without allow-scripts: nothing in the capture runs, and it cannot
            # reach this origin; no fetches of its own either.
            "Content-Security-Policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'",
            "X-Content-Type-Options": "nosniff",
        },
    )
