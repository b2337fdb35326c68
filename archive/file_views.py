"""Stored files served by the archive's Datasette plugin, by hash; no path is ever built from
the request:

* ``/DB/-/attachment/SHA256`` — a stored attachment, with its type and a download name
  from its link text and type;
* ``/DB/-/raw/SHA256`` — a raw capture, decompressed, under ``Content-Security-Policy:
  sandbox`` so nothing in it runs;
* ``/DB/-/image/SHA256`` — a captured content image (the document page shows these).
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import quote

from datasette.utils.asgi import Response

from archive.files import safe_name, storage_dir
from archive.page_support import database_of, guarded, not_found

_SHA = re.compile(r"^[0-9a-f]{64}$")


def routes() -> list[tuple[str, Any]]:
    return [
        (
            r"^/(?P<db>[^/]+)/-/attachment/(?P<sha>[0-9a-f]{64})$",
            guarded("attachments", attachment_file),
        ),
        (r"^/(?P<db>[^/]+)/-/raw/(?P<sha>[0-9a-f]{64})$", guarded("raw_pages", raw_capture)),
        (r"^/(?P<db>[^/]+)/-/image/(?P<sha>[0-9a-f]{64})$", guarded("fetches", image_file)),
    ]


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
    db = database_of(datasette, request)
    sha = request.url_vars["sha"]
    if db is None or db.path is None or not _SHA.match(sha):
        return not_found("no such attachment")
    rows = (
        await db.execute(
            "SELECT name, url, mime_type FROM attachments WHERE sha256 = ? LIMIT 1", [sha]
        )
    ).rows
    if not rows:
        return not_found("no such attachment")
    path = storage_dir(db.path) / sha[:2] / sha
    if not path.is_file():
        return not_found("the stored file is missing")
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
    db = database_of(datasette, request)
    sha = request.url_vars["sha"]
    if db is None or db.path is None:
        return not_found("no such image")
    rows = (
        await db.execute(
            "SELECT content_type FROM fetches WHERE kind = 'image' AND raw_sha256 = ? LIMIT 1",
            [sha],
        )
    ).rows
    path = storage_dir(db.path) / sha[:2] / sha
    if not rows or not path.is_file():
        return not_found("no such image")
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
    db = database_of(datasette, request)
    if db is None:
        return not_found("no such database")
    rows = (
        await db.execute(
            "SELECT content, compression, content_type FROM raw_pages WHERE sha256 = ?",
            [request.url_vars["sha"]],
        )
    ).rows
    if not rows:
        return not_found("no such capture")
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
