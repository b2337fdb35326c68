"""WACZ 1.1.1 packages of the archive's captures, signed with the archive's key.

A package is a ZIP (``archive.warc``'s records, see there) laid out as WACZ 1.1.1 asks:

* ``archive/data.warc.gz`` — the WARC, stored uncompressed in the ZIP so a replay tool
  reads single records by offset;
* ``indexes/index.cdx`` — the CDXJ index of its records (made by ``cdxj-indexer``, the
  indexer py-wacz uses);
* ``pages/pages.jsonl`` — the pages a person opens first: each document capture (and a
  package's summary page);
* ``datapackage.json`` — every file with its SHA-256 and size, the package's title and
  creation time;
* ``datapackage-digest.json`` — the SHA-256 of ``datapackage.json`` and its anonymous
  signature (``archive.signing``).

Written here with warcio and cdxj-indexer rather than the ``wacz`` package: that package
needs Python 3.11 and builds packages from WARC files on disk, where this archive's
records come from SQLite; its validator (``wacz validate``) checks what is written here.
``verify_wacz`` checks a package the same way, and its signature.
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from archive.clock import parse_iso
from archive.signing import (
    DomainSigner,
    archive_key,
    fingerprint,
    sign_hash,
    sign_hash_domain,
    verify_domain_signed,
    verify_signed,
)
from archive.store import Archive
from archive.warc import CaptureWriter

WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"
# What a replay looks up: answers and the archive's own pages. The verdicts (metadata
# records) stay out of the index, so a replay at an event's time never lands on one; so do
# 304 answers to conditional requests (kept in the WARC as what the server said), so a
# replay after one shows the page as last sent, not an empty "not modified".
INDEXED_RECORDS = ("response", "revisit", "resource")
NOT_MODIFIED = '"status": "304"'
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}


@dataclass
class Selection:
    """What goes into a package: kept captures (``fetches`` rows), lifecycle events, and
    resources the archive made (uri, stamp, content type, body)."""

    fetches: list[sqlite3.Row]
    events: list[sqlite3.Row]
    resources: list[tuple[str, str, str, bytes]] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)


def write_wacz(
    archive: Archive,
    path: Path,
    selection: Selection,
    *,
    title: str,
    description: str,
    signer: DomainSigner | None = None,
) -> dict[str, Any]:
    """Write ``selection`` as a signed WACZ at ``path``: with the archive's own key, or
    with ``signer``'s domain identity; its ``datapackage.json`` as a dict."""
    from archive.software import VERSION as __version__

    software = f"govarchive {__version__}"
    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with tempfile.TemporaryDirectory() as tmp:
        warc = Path(tmp) / WARC_NAME
        with warc.open("wb") as out:
            export = CaptureWriter(archive, out, name=WARC_NAME, info={"title": title})
            for uri, stamp, content_type, body in selection.resources:
                export.resource(uri, stamp, content_type, body)
            export.captures(selection.fetches)
            export.events(selection.events)
        files = {
            f"archive/{WARC_NAME}": warc.read_bytes(),
            "indexes/index.cdx": cdxj_index(warc),
            "pages/pages.jsonl": pages_jsonl(
                [*selection.pages, *document_pages(archive, selection.fetches)]
            ),
        }
    package = {
        "profile": "data-package",
        "resources": [
            {
                "name": name.rsplit("/", 1)[-1],
                "path": name,
                "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
            }
            for name, data in files.items()
        ],
        "wacz_version": WACZ_VERSION,
        "software": software,
        "created": created,
        "title": title,
        "description": description,
    }
    package_bytes = json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")
    package_hash = "sha256:" + hashlib.sha256(package_bytes).hexdigest()
    digest = {
        "path": "datapackage.json",
        "hash": package_hash,
        "signedData": (
            sign_hash_domain(signer, package_hash, created, software)
            if signer is not None
            else sign_hash(archive_key(archive.path), package_hash, created, software)
        ),
    }
    stamp = datetime.now(timezone.utc).timetuple()[:6]
    with zipfile.ZipFile(path, "w") as wacz:
        for name, data in [
            *files.items(),
            ("datapackage.json", package_bytes),
            ("datapackage-digest.json", json.dumps(digest, indent=2).encode("utf-8")),
        ]:
            entry = zipfile.ZipInfo(name, stamp)
            entry.compress_type = (
                zipfile.ZIP_STORED if name.startswith("archive/") else zipfile.ZIP_DEFLATED
            )
            wacz.writestr(entry, data)
    return package


def cdxj_index(warc: Path) -> bytes:
    """The CDXJ index of a WARC file's replayable records, sorted, each line naming the
    file by its name."""
    from cdxj_indexer.main import CDXJIndexer

    text = io.StringIO()
    CDXJIndexer(
        output=text,
        inputs=[str(warc)],
        sort=True,
        dir_root=str(warc.parent),
        records=",".join(INDEXED_RECORDS),
    ).process_all()
    lines = text.getvalue().splitlines(keepends=True)
    return "".join(line for line in lines if NOT_MODIFIED not in line).encode("utf-8")


def document_pages(archive: Archive, fetches: Iterable[sqlite3.Row]) -> list[dict[str, Any]]:
    """One page per distinct document capture (a detail page answered 200)."""
    titles = dict(archive.conn.execute("SELECT url, title FROM documents").fetchall())
    pages, seen = [], set()
    for row in fetches:
        if row["kind"] != "detail" or row["status"] != 200 or row["raw_sha256"] in seen:
            continue
        seen.add(row["raw_sha256"])
        pages.append(
            {
                "id": f"fetch-{row['id']}",
                "url": row["url"],
                "ts": iso_utc(row["fetched_at"]),
                "title": titles.get(row["url"]) or row["url"],
            }
        )
    return pages


def pages_jsonl(pages: list[dict[str, Any]]) -> bytes:
    lines = [PAGES_HEADER, *pages]
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode("utf-8")


def iso_utc(stamp: str) -> str:
    return parse_iso(stamp).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class WaczCheck:
    """What ``verify_wacz`` found."""

    problems: list[str] = field(default_factory=list)
    signed: bool = False
    key_fingerprint: str | None = None
    # A domain identity's facts: domain, its root's and the TSA root's fingerprints, time.
    identity: dict[str, str] = field(default_factory=dict)
    files: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_wacz(path: Path) -> WaczCheck:
    """Check a WACZ: every file of ``datapackage.json`` there with its size and SHA-256,
    nothing else, the digest of ``datapackage.json``, and its signature. A package may come
    from anyone: files are hashed as they stream, the two JSON files are read only up to
    ``MAX_JSON_BYTES``, and a malformed one is a problem named, not a crash."""
    check = WaczCheck()
    try:
        with zipfile.ZipFile(path) as wacz:
            _check_files(wacz, check)
    except (OSError, zipfile.BadZipFile) as exc:
        check.problems.append(f"not a readable ZIP file: {exc}")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        check.problems.append(f"datapackage.json or its digest is malformed: {exc!r}")
    return check


# The largest datapackage.json or datapackage-digest.json read (a package lists its files
# in a few kilobytes).
MAX_JSON_BYTES = 16 * 1024 * 1024


def _check_files(wacz: zipfile.ZipFile, check: WaczCheck) -> None:
    names = set(wacz.namelist())
    if not {"datapackage.json", "datapackage-digest.json"} <= names:
        check.problems.append("datapackage.json or datapackage-digest.json is missing")
        return
    package_bytes = _read_json_bytes(wacz, "datapackage.json")
    package = json.loads(package_bytes)
    resources = package.get("resources", [])
    listed = {r["path"] for r in resources}
    for extra in sorted(names - listed - {"datapackage.json", "datapackage-digest.json"}):
        check.problems.append(f"{extra!r} is not listed in datapackage.json")
    for resource in resources:
        check.files += 1
        name = resource["path"]
        if name not in names:
            check.problems.append(f"{name!r} is missing")
            continue
        digest, size = hashlib.sha256(), 0
        with wacz.open(name) as member:
            for block in iter(lambda member=member: member.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
        if "sha256:" + digest.hexdigest() != resource["hash"]:
            check.problems.append(f"{name!r} does not match its SHA-256")
        elif size != resource.get("bytes", size):
            check.problems.append(f"{name!r} does not have its size")
    digest_data = json.loads(_read_json_bytes(wacz, "datapackage-digest.json"))
    if digest_data.get("hash") != "sha256:" + hashlib.sha256(package_bytes).hexdigest():
        check.problems.append("datapackage.json does not match datapackage-digest.json")
    _check_signature(check, digest_data, package)


def _read_json_bytes(wacz: zipfile.ZipFile, name: str) -> bytes:
    with wacz.open(name) as member:
        data = member.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        raise ValueError(f"{name} is larger than {MAX_JSON_BYTES} bytes")
    return data


def _check_signature(check: WaczCheck, digest: dict[str, Any], package: dict[str, Any]) -> None:
    """The digest's signature: anonymous (its public key's) or a domain identity's."""
    signed = digest.get("signedData")
    if signed and signed.get("domain"):
        check.signed = True
        problems, facts = verify_domain_signed(signed)
        check.problems += problems
        check.identity = {"domain": signed["domain"], **facts}
        if signed.get("hash") != digest.get("hash"):
            check.problems.append("the signature is of another package")
    elif signed:
        check.signed = True
        check.key_fingerprint = fingerprint(signed.get("publicKey", ""))
        if signed.get("hash") != digest.get("hash") or not verify_signed(signed):
            check.problems.append("the signature does not verify")
    if signed and signed.get("created") != package.get("created"):
        check.problems.append("the signature's time is not the package's")
