"""Datasette metadata for an archive: table and column docs, facets, canned queries."""

from __future__ import annotations

import re
from typing import Any

from archive.column_docs import TABLES

# ISO time (China Standard Time, as the archive stores it) seven days ago.
_WEEK_AGO = "strftime('%Y-%m-%dT%H:%M:%S', 'now', '+8 hours', '-7 days')"

CANNED_QUERIES: dict[str, dict[str, str]] = {
    "new_this_week": {
        "title": "New this week",
        "description": "Documents first archived in the last seven days.",
        "sql": "SELECT id, site, title, doc_date, issuer, doc_no, url, first_seen FROM documents"
        f" WHERE first_seen >= {_WEEK_AGO} ORDER BY first_seen DESC",
    },
    "changed_this_week": {
        "title": "Changed this week",
        "description": "Documents whose text or metadata changed on the site in the last seven"
        " days (versions made by re-run or updated parsers left out).",
        "sql": "SELECT d.id, d.site, d.title, e.version, e.at AS changed_at,"
        " json_extract(e.evidence, '$.fields') AS changed_fields, d.url"
        " FROM document_events e JOIN documents d ON d.id = e.document_id"
        f" WHERE e.event = 'changed' AND e.reason IS NULL AND e.at >= {_WEEK_AGO}"
        " ORDER BY e.at DESC",
    },
    "gone": {
        "title": "Gone",
        "description": "Documents confirmed removed (404/410 on crawls at least 24 hours apart).",
        "sql": "SELECT id, site, title, doc_date, issuer, doc_no, url, gone_at, version_count"
        " FROM documents WHERE status = 'gone' ORDER BY gone_at DESC",
    },
    "delisted": {
        "title": "Delisted",
        "description": "Documents a complete listing walk no longer shows while their URL answers.",
        "sql": "SELECT d.id, d.site, d.title, d.doc_date, d.issuer, d.doc_no, d.url, d.delisted_at"
        " FROM documents d WHERE d.delisted_at IS NOT NULL ORDER BY d.delisted_at DESC",
    },
    "restored": {
        "title": "Restored",
        "description": "Documents that answered again after they were confirmed gone.",
        "sql": "SELECT d.id, d.site, d.title, e.at AS restored_at, d.gone_at, d.status, d.url"
        " FROM document_events e JOIN documents d ON d.id = e.document_id"
        " WHERE e.event = 'restored' ORDER BY e.at DESC",
    },
    "events_this_week": {
        "title": "Lifecycle events this week",
        "description": "Every new, changed, delisted, relisted, missing, recovered, gone,"
        " restored and moved document of the last seven days, with its evidence.",
        "sql": "SELECT e.at, e.event, d.site, d.title, e.reason, e.http_status, e.fetch_id,"
        " e.evidence, e.url FROM document_events e JOIN documents d ON d.id = e.document_id"
        f" WHERE e.at >= {_WEEK_AGO} ORDER BY e.id DESC",
    },
    # Not named after the table it reads: a canned query of a table's name shadows the table
    # (its link, the rows that link to it, and /DB/document_events.json all landed here).
    "document_lifecycle": {
        "title": "A document's lifecycle",
        "description": "Every event of the document at :url (its URL now or one it had).",
        "sql": "SELECT e.id, e.at, e.event, e.reason, e.http_status, e.fetch_id, e.version,"
        " e.evidence, e.url FROM document_events e WHERE e.document_id = coalesce("
        "(SELECT id FROM documents WHERE url = :url),"
        " (SELECT document_id FROM document_events WHERE url = :url ORDER BY id DESC LIMIT 1))"
        " ORDER BY e.id",
    },
    "same_document_on_several_sites": {
        "title": "Same document on several URLs or sites",
        "description": "Documents with the same content hash at more than one URL.",
        "sql": "SELECT * FROM same_document_elsewhere ORDER BY copies DESC",
    },
    "version_history": {
        "title": "A document's version history",
        "description": "Every version of the document at :url, with what changed.",
        "sql": "SELECT v.version, v.fetched_at, v.changed_fields, v.content_hash,"
        " json_extract(v.record, '$.title') AS title, json_extract(v.record, '$.body_text') AS body_text"
        " FROM versions v JOIN documents d ON d.id = v.document_id WHERE d.url = :url"
        " ORDER BY v.version",
    },
    "run_history": {
        "title": "Crawl history",
        "description": "Every crawl with its per-site counts and health.",
        "sql": "SELECT r.id, r.started_at, r.finished_at, r.finish_reason, rs.site, rs.pages, rs.new,"
        " rs.changed, rs.gone, rs.errors, rs.healthy, rs.health_note FROM runs r"
        " LEFT JOIN run_sites rs ON rs.run_id = r.id ORDER BY r.id DESC, rs.site",
    },
}

FACETS: dict[str, list[Any]] = {
    "documents": ["site", "issuer", "year", "status"],
    "fetches": ["error", "kind", "status"],
    "attachments": ["mime_type"],
    "run_sites": ["site", "healthy"],
    "document_events": ["event", "reason"],
    "column_walks": ["site", "complete"],
}


# Settings `govarchive serve` runs Datasette with: facet suggestions scan every column of
# the filtered rows and cost seconds on a large archive, so they are off (the configured
# facets stay); a query may run 5 s at most.
DATASETTE_SETTINGS: dict[str, Any] = {"suggest_facets": False, "sql_time_limit_ms": 5000}


# Where a canned query's SQL breaks its line, so Datasette shows it as lines a person
# reads (one line of 400 characters made the page 2,800 px wide). Upper-case keywords
# only: the queries' string literals are lower case.
_CLAUSE = re.compile(r"\s+(?=(?:FROM|LEFT JOIN|JOIN|WHERE|AND|GROUP BY|HAVING|ORDER BY|LIMIT)\b)")


def readable_sql(sql: str) -> str:
    """``sql`` with a line per top-level clause (the same statement: only spaces become
    newlines; a subquery stays on its clause's line)."""
    out, last = [], 0
    for match in _CLAUSE.finditer(sql):
        if sql.count("(", 0, match.start()) == sql.count(")", 0, match.start()):
            out += [sql[last : match.start()], "\n"]
            last = match.end()
    return "".join([*out, sql[last:]])


def readable_queries() -> dict[str, dict[str, str]]:
    return {
        name: {**query, "sql": readable_sql(query["sql"])} for name, query in CANNED_QUERIES.items()
    }


def metadata(database: str | list[str] = "archive", public: bool = False) -> dict[str, Any]:
    """Datasette metadata for archives served under the name ``database`` (or each name of
    a list: several archives, say one per province, in one Datasette).

    ``public`` denies arbitrary SQL (the SQL box, ``?sql=`` and ``_where=``) to everyone:
    tables, search, the archivist's pages and the canned queries stay open.
    """
    tables: dict[str, Any] = {}
    for name, (description, columns) in TABLES.items():
        table: dict[str, Any] = {"description": description, "columns": dict(columns)}
        if name in FACETS:
            table["facets"] = FACETS[name]
        tables[name] = table
    tables["documents"]["sort_desc"] = "last_changed"
    tables["documents"]["fts_table"] = "documents_fts"
    tables["documents"]["fts_pk"] = "id"
    tables["documents"]["searchmode"] = "escaped"
    tables["raw_pages"]["hidden"] = False
    meta: dict[str, Any] = {
        "title": "govarchive",
        "description": "Archive of Chinese government information-disclosure (政府信息公开) pages:"
        " every version kept, deletions detected.",
        "databases": {
            name: {"tables": tables, "queries": readable_queries()}
            for name in ([database] if isinstance(database, str) else database)
        },
    }
    if public:
        meta["allow_sql"] = False
    return meta
