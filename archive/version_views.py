"""Citable pages inside Datasette (plugin routes, beside ``archive.views``):

* ``/DB/-/document/ID/v/N`` (and ``.json``) — one version, citable: its clean text, capture
  time (China time and UTC), URL, HTTP status, the capture's SHA-256, the checkpoint that
  sealed it, and a "cite this" block (plain text and CSL-JSON, ``archive.citation``);
* ``/DB/-/capture/SHA256`` (and ``.json``) — an archived capture with a provenance banner (where and when
  it was captured, its SHA-256, the versions parsed from it) outside the capture, which is
  shown sandboxed in a frame (``/DB/-/raw/SHA256``): a printout shows it is an archived copy.

Both pages load nothing from outside the archive (Content-Security-Policy).
"""

from __future__ import annotations

import json
from typing import Any

from datasette.utils.asgi import Response

from archive.citation import csl_json, plain_citation, utc, version_facts
from archive.page_support import (
    PAGE_POLICY,
    database_of,
    guarded,
    json_response,
    not_found,
    render,
    row_id,
)


def routes() -> list[tuple[str, Any]]:
    return [
        (
            r"^/(?P<db>[^/]+)/-/document/(?P<id>\d+)/v/(?P<n>\d+)(?P<json>\.json)?$",
            guarded("versions", version_page),
        ),
        (
            r"^/(?P<db>[^/]+)/-/capture/(?P<sha>[0-9a-f]{64})(?P<json>\.json)?$",
            guarded("raw_pages", capture_page),
        ),
    ]


async def version_page(datasette: Any, request: Any) -> Response:
    db = database_of(datasette, request)
    if db is None:
        return not_found("no such database")
    doc_id, number = row_id(request.url_vars["id"]), row_id(request.url_vars["n"])
    facts = None
    if doc_id is not None and number is not None:
        facts = await db.execute_fn(lambda conn: version_facts(conn, doc_id, number))
    if facts is None:
        vars_ = request.url_vars
        return not_found(f"no version {vars_['n'][:30]} of document {vars_['id'][:30]}")
    permalink = f"{request.scheme}://{request.host}/{db.name}/-/document/{doc_id}/v/{number}"
    cite = {
        "text": plain_citation(facts, permalink, db.name),
        "csl": csl_json(facts, permalink, db.name),
    }
    if request.url_vars.get("json"):
        body = json.dumps({**facts, "permalink": permalink, "cite": cite}, ensure_ascii=False)
        return Response(
            body,
            content_type="application/json; charset=utf-8",
            headers={"Access-Control-Allow-Origin": "*"},
        )
    return await render(
        datasette,
        request,
        "govarchive-version.html",
        PAGE_POLICY,
        db=db.name,
        v=facts,
        permalink=permalink,
        cite_text=cite["text"],
        cite_csl=json.dumps(cite["csl"], ensure_ascii=False, indent=2),
        paragraphs=[p for p in facts["body_text"].split("\n") if p.strip()],
    )


async def capture_page(datasette: Any, request: Any) -> Response:
    db = database_of(datasette, request)
    if db is None:
        return not_found("no such database")
    sha = request.url_vars["sha"]
    fetches = [
        {**dict(r), "at_utc": utc(r["fetched_at"])}
        for r in (
            await db.execute(
                "SELECT id, url, fetched_at, status, kind FROM fetches WHERE raw_sha256 = ?"
                " ORDER BY id",
                [sha],
            )
        ).rows
    ]
    stored = (
        await db.execute("SELECT size, content_type FROM raw_pages WHERE sha256 = ?", [sha])
    ).rows
    if not stored:
        return not_found("no such capture")
    versions = [
        dict(r)
        for r in (
            await db.execute(
                "SELECT document_id, version, fetched_at FROM versions WHERE raw_sha256 = ?"
                " ORDER BY id",
                [sha],
            )
        ).rows
    ]
    if request.url_vars.get("json"):
        base = f"{request.scheme}://{request.host}/{db.name}"
        return json_response(
            {
                "sha256": sha,
                "size": stored[0]["size"],
                "content_type": stored[0]["content_type"],
                "capture": f"{base}/-/raw/{sha}",
                "fetches": fetches,
                "versions": [
                    {**v, "permalink": f"{base}/-/document/{v['document_id']}/v/{v['version']}"}
                    for v in versions
                ],
            }
        )
    return await render(
        datasette,
        request,
        "govarchive-capture.html",
        PAGE_POLICY,
        db=db.name,
        sha=sha,
        size=stored[0]["size"],
        content_type=stored[0]["content_type"],
        fetches=fetches,
        versions=versions,
    )
