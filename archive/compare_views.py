"""Any two versions of a document compared (a plugin route, beside ``archive.views``):
``/DB/-/document/ID/compare?from=A&to=B`` shows what changed from version A to version B,
field changes first, then the body's paragraphs, inline (``view=inline``, the default) or
side by side (``view=side``); ``compare.json`` is the same as data. Without ``from`` and
``to`` it compares the newest version with the one before. The document page's version
picker submits here."""

from __future__ import annotations

from typing import Any

from datasette.utils.asgi import Response

from archive.changes import compare, record_of
from archive.diff import FIELD_LABELS, RecordDiff, Segment
from archive.page_support import (
    PAGE_POLICY,
    database_of,
    guarded,
    json_response,
    not_found,
    render,
    row_id,
)

VIEWS = ("inline", "side")
# Unchanged paragraphs shown around each change in the side-by-side view.
CONTEXT_PARAGRAPHS = 1


def routes() -> list[tuple[str, Any]]:
    return [
        (
            r"^/(?P<db>[^/]+)/-/document/(?P<id>\d+)/compare(?P<json>\.json)?$",
            guarded("versions", compare_page),
        )
    ]


def _version(text: str | None, default: int, known: list[int]) -> int | str:
    """A version number from the query string, or a message saying why it is none."""
    if text is None or text == "":
        return default
    number = row_id(text) if text.isdigit() else None
    if number is None or number not in known:
        return f"no version {text[:30]!r} (versions {known[0]} to {known[-1]})"
    return number


async def compare_page(datasette: Any, request: Any) -> Response:
    db = database_of(datasette, request)
    if db is None:
        return not_found("no such database")
    doc_id = row_id(request.url_vars["id"])
    facts = None
    if doc_id is not None:
        facts = await db.execute_fn(lambda conn: _facts(conn, doc_id))
    if facts is None:
        return not_found(f"no document {request.url_vars['id'][:30]}")
    known = facts["versions"]
    newest = known[-1]
    older = known[-2] if len(known) > 1 else newest
    chosen = [
        _version(request.args.get("from"), older, known),
        _version(request.args.get("to"), newest, known),
    ]
    wrong = [c for c in chosen if isinstance(c, str)]
    if wrong:
        return not_found(f"document {doc_id}: {wrong[0]}")
    from_version, to_version = int(chosen[0]), int(chosen[1])
    diff = await db.execute_fn(
        lambda conn: compare(
            conn,
            doc_id,
            from_version,
            to_version,
            record_of(conn, doc_id, from_version) or {},
            record_of(conn, doc_id, to_version) or {},
        )
    )
    view = request.args.get("view") if request.args.get("view") in VIEWS else "inline"
    base = f"/{db.name}/-/document/{doc_id}"
    if request.url_vars.get("json"):
        return json_response(compare_json(doc_id, from_version, to_version, diff, facts, base))
    return await render(
        datasette,
        request,
        "govarchive-compare.html",
        PAGE_POLICY,
        db=db.name,
        doc=facts,
        base=base,
        versions=known,
        from_version=from_version,
        to_version=to_version,
        at={n: facts["at"][n] for n in (from_version, to_version)},
        diff=diff,
        labels=FIELD_LABELS,
        view=view,
        rows=side_by_side(diff) if view == "side" else [],
    )


def _facts(conn: Any, doc_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT id, title, url FROM documents WHERE id = ?", (doc_id,)).fetchone()
    at = dict(
        conn.execute(
            "SELECT version, fetched_at FROM versions WHERE document_id = ?", (doc_id,)
        ).fetchall()
    )
    if row is None or not at:
        return None
    return {"id": row[0], "title": row[1], "url": row[2], "versions": sorted(at), "at": at}


def side_by_side(diff: RecordDiff) -> list[dict[str, Any] | None]:
    """Rows of the side-by-side view: each changed paragraph with ``CONTEXT_PARAGRAPHS``
    unchanged ones around it, and None where unchanged paragraphs are left out."""
    keep: set[int] = set()
    for index, para in enumerate(diff.paragraphs):
        if para.kind != "equal":
            low = max(0, index - CONTEXT_PARAGRAPHS)
            keep.update(range(low, min(len(diff.paragraphs), index + CONTEXT_PARAGRAPHS + 1)))
    rows: list[dict[str, Any] | None] = []
    previous = -1
    for index in sorted(keep):
        if index != previous + 1:
            rows.append(None)
        previous = index
        para = diff.paragraphs[index]
        if para.kind == "changed":
            left = [s for s in para.segments if s.kind != "added"]
            right = [s for s in para.segments if s.kind != "removed"]
        else:
            left = [_whole(para.old, "removed" if para.kind == "removed" else "equal")]
            right = [_whole(para.new, "added" if para.kind == "added" else "equal")]
        rows.append({"kind": para.kind, "left": left, "right": right})
    if previous != -1 and previous != len(diff.paragraphs) - 1:
        rows.append(None)
    return rows


def _whole(text: str | None, kind: str) -> Segment:
    return Segment(kind, text) if text is not None else Segment("equal", "")


def compare_json(
    doc_id: int,
    from_version: int,
    to_version: int,
    diff: RecordDiff,
    facts: dict[str, Any],
    base: str,
) -> dict[str, Any]:
    def version(number: int) -> dict[str, Any]:
        return {"version": number, "fetched_at": facts["at"][number], "page": f"{base}/v/{number}"}

    return {
        "document_id": doc_id,
        "from": version(from_version),
        "to": version(to_version),
        "summary": diff.summary(),
        "fields": [
            {"name": f.name, "label": FIELD_LABELS.get(f.name, f.name), "old": f.old, "new": f.new}
            for f in diff.fields
        ],
        "paragraphs": [
            {
                "kind": p.kind,
                "old": p.old,
                "new": p.new,
                "segments": [{"kind": s.kind, "text": s.text} for s in p.segments],
            }
            for p in diff.changed
        ],
        "attachments": [
            {
                "url": a.url,
                "name": a.name,
                "old_sha256": a.old_sha256,
                "new_sha256": a.new_sha256,
                "old_file": f"{base.rsplit('/-/', 1)[0]}/-/attachment/{a.old_sha256}",
                "new_file": f"{base.rsplit('/-/', 1)[0]}/-/attachment/{a.new_sha256}",
                "paragraphs": [{"kind": p.kind, "old": p.old, "new": p.new} for p in a.changed],
            }
            for a in diff.attachments
        ],
    }
