"""``govarchive`` commands that read the archive: ``serve`` (Datasette), ``sites`` (each
site's last run and health, ``--check``), ``export`` (JSON Lines, CSV, WARC, WACZ) and
``diff`` (two versions of a document)."""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

from crawler.cli.checks import UserError, open_archive
from crawler.cli.evidence import export_wacz


def _check_port_free(host: str, port: int) -> None:
    """A port another program holds is said before "serving …" is printed, not found out
    from uvicorn's traceback after it."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise UserError(
                f"cannot serve on {host}:{port}: {exc.strerror or exc}"
                " (another program uses it? pass --port N)"
            ) from exc


def cmd_serve(args: argparse.Namespace) -> int:
    from archive.datasette_meta import DATASETTE_SETTINGS, metadata

    dbs = [Path(args.db), *map(Path, args.add)]
    for db in dbs:
        if not db.exists():
            raise UserError(
                f"no archive at {db}: run `govarchive demo` or `govarchive crawl` first"
            )
        open_archive(db).close()
    names = [db.stem for db in dbs]
    if len(set(names)) < len(names):
        raise UserError(f"archives must have different file names to be served together: {names}")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as fh:
        json.dump(metadata(names, public=args.public), fh, ensure_ascii=False)
        meta_path = fh.name
    host = args.host or ("0.0.0.0" if args.public else "127.0.0.1")
    _check_port_free(host, args.port)
    command = [
        "serve", *map(str, dbs), "--metadata", meta_path, "--host", host, "--port", str(args.port),
    ]  # fmt: skip
    for name, value in DATASETTE_SETTINGS.items():
        command += [
            "--setting",
            name,
            str(value).lower() if isinstance(value, bool) else str(value),
        ]
    mode = "public, arbitrary SQL off" if args.public else "arbitrary SQL on"
    served = ", ".join(map(str, dbs))
    print(f"serving {served} at http://{host}:{args.port}/ ({mode}; Ctrl-C to stop)", flush=True)
    # Datasette runs in this process (uvicorn stops cleanly on SIGTERM and SIGINT): no child
    # is left behind, and the metadata file goes with it.
    from datasette.cli import cli as datasette_cli

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(0)

    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal to the
    # handler that was there before it: this one, so the metadata file is removed.
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        datasette_cli.main(args=command, prog_name="datasette", standalone_mode=False)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        os.unlink(meta_path)
    return 0


def cmd_sites(args: argparse.Namespace) -> int:
    from spiders.registry import load_registry

    if args.check:
        return _check_sites(args)
    overview: dict[str, dict] = {}
    if Path(args.db).exists():
        with open_archive(Path(args.db)) as archive:
            overview = {row["name"]: row for row in archive.site_overview()}
    if args.sites is None and overview:
        # No registry named: what this archive holds (e.g. the demo sites after `make demo`).
        print(f"sites in {args.db} (pass --sites FILE to list a registry)")
        entries = [
            (name, row.get("family") or "", bool(row.get("verified", 1)))
            for name, row in overview.items()
        ]
    else:
        entries = [(s.name, s.family, s.verified) for s in load_registry(args.sites)]
    print(f"{'site':22} {'family':8} {'docs':>6}  {'last run':25} health")
    for name, family, verified in entries:
        row = overview.get(name, {})
        health = {1: "ok", 0: "UNHEALTHY"}.get(row.get("healthy"), "-")
        if row.get("health_note"):
            health += f" ({row['health_note']})"
        flag = "" if verified else "  [unverified]"
        print(
            f"{name:22} {family:8} {row.get('documents', 0):>6}  "
            f"{row.get('last_run') or 'never':25} {health}{flag}"
        )
    return 0


def _check_sites(args: argparse.Namespace) -> int:
    """``sites --check``: one block per site, problems first in the summary."""
    from archive.site_check import check_site
    from spiders.registry import load_registry

    db = Path(args.db)
    if not db.exists():
        raise UserError(f"no archive at {db}: nothing has been crawled yet")
    with open_archive(db) as archive:
        if args.sites is None:
            names = [row["name"] for row in archive.site_overview()]
        else:
            names = [site.name for site in load_registry(args.sites)]
        checks = [check_site(archive.conn, name) for name in names]
    for check in checks:
        print(f"{check.name}: {'ok' if check.ok else 'NEEDS A LOOK'}")
        print(f"  last healthy crawl: {check.last_good or 'never'}")
        for column_url, counts in check.columns.items():
            print(f"  {column_url}: links per walk, newest first: {' '.join(map(str, counts))}")
        for problem in check.problems:
            print(f"  ! {problem}")
    looks = [c.name for c in checks if not c.ok]
    print(
        f"{len(checks)} sites, {len(looks)} need a look"
        + (f": {', '.join(looks)}" if looks else "")
    )
    return 1 if looks else 0


def cmd_export(args: argparse.Namespace) -> int:
    from archive.export import CSV_ENCODING, check_since, export_rows, write_export
    from archive.warc import write_warc

    db = Path(args.db)
    if not db.exists():
        raise UserError(f"no archive at {db}")
    if args.since:
        try:
            check_since(args.since)
        except ValueError as exc:
            raise UserError(str(exc)) from exc
    with open_archive(db) as archive:
        _known_sites_only(archive, args.site, db)
    if args.format == "wacz":
        return export_wacz(args)
    with open_archive(db) as archive:
        if args.format == "warc":
            if not args.output and sys.stdout.isatty():
                raise UserError("a WARC is binary: pass --output FILE.warc.gz or redirect it")
            with open(args.output, "wb") if args.output else sys.stdout.buffer as out:
                count = write_warc(archive, out, since=args.since, sites=args.site)
            print(f"wrote {count} WARC records", file=sys.stderr)
            return 0
        rows = export_rows(
            archive,
            since=args.since,
            sites=args.site,
            what=args.what,
            changed_only=args.changed_only,
        )
        encoding = CSV_ENCODING if args.format == "csv" else "utf-8"
        if args.output:
            with open(args.output, "w", encoding=encoding, newline="") as out:
                count = write_export(rows, args.format, out, what=args.what)
            print(f"wrote {count} {args.what} to {args.output}", file=sys.stderr)
        else:
            out = io.TextIOWrapper(sys.stdout.buffer, encoding=encoding, newline="")
            write_export(rows, args.format, out, what=args.what)
            out.flush()
            out.detach()
    return 0


def _known_sites_only(archive: Any, names: list[str] | None, db: Path) -> None:
    """A --site the archive has never heard of is a typo, not an empty export."""
    import difflib

    if not names:
        return

    known = sorted(
        row[0]
        for row in archive.conn.execute(
            "SELECT name FROM sites UNION SELECT DISTINCT site FROM documents"
        )
    )
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            listed = ", ".join(known[:20]) + (" …" if len(known) > 20 else "")
            raise UserError(f"no site {name!r} in {db} (its sites: {listed or 'none'}){hint}")


def cmd_diff(args: argparse.Namespace) -> int:
    from archive.changes import compare
    from archive.diff import render_text
    from parsers.record import Record
    from parsers.urls import canonical_url

    db = Path(args.db)
    if not db.exists():
        raise UserError(f"no archive at {db}")
    key = args.document if args.document.isdigit() else canonical_url(args.document)
    with open_archive(db) as archive:
        # Read back through Record: control characters a stored record kept (from before
        # the parsers dropped them) are never printed to a terminal.
        versions = {
            number: (at, Record.from_dict(record).to_dict())
            for number, at, record in archive.versions_of(key)
        }
        if not versions:
            raise UserError(f"no document {args.document!r} in {db}")
        newest = max(versions)
        if len(versions) == 1 and not args.from_version and args.to_version in (None, newest):
            print(
                f"{versions[newest][1]['url']}: one version only (version {newest}, archived"
                f" {versions[newest][0]}): nothing to compare it with"
            )
            return 0
        to_version = args.to_version or newest
        from_version = args.from_version or to_version - 1
        for number in (to_version, from_version):
            if number not in versions:
                raise UserError(f"no version {number} (versions 1 to {newest})")
        (old_at, old), (new_at, new) = versions[from_version], versions[to_version]
        doc_id = int(key) if key.isdigit() else archive.document_id(key)
        diff = compare(archive.conn, doc_id or 0, from_version, to_version, old, new)
    colour = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    print(new.get("url") or args.document)
    print(f"version {from_version} ({old_at}) → version {to_version} ({new_at}): {diff.summary()}")
    text = render_text(diff, colour=colour)
    if text:
        print(text)
    return 0
