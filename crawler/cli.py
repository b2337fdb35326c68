"""``govarchive``: the command line, a thin layer over library calls.

Each command opens what it needs and calls one function; errors a user can fix (a bad
registry, an unwritable or too-new archive) end with one clear message and exit code 2.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import sqlite3
import sys
import tempfile
from pathlib import Path

DEFAULT_DB = "archive.db"


class UserError(Exception):
    """A problem the user can fix; printed without a traceback."""


def _examples(*lines: str) -> str:
    return "example:\n" + "\n".join(f"  {line}" for line in lines)


def _db_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", default=DEFAULT_DB, metavar="PATH", help=f"archive file (default {DEFAULT_DB})"
    )


def _sites_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sites", metavar="FILE", help="site registry YAML (default: the bundled one)"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="govarchive",
        description="Crawl Chinese government information-disclosure (政府信息公开) sites into a"
        " versioned SQLite archive, and browse it in Datasette.",
        epilog=_examples(
            "govarchive demo                       # crawl the bundled offline demo site",
            "govarchive crawl --site wangcang      # crawl one site of the registry",
            "govarchive serve                      # browse archive.db in Datasette",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from crawler import __version__

    parser.add_argument("--version", action="version", version=f"govarchive {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_text: str, *examples: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=_examples(*examples),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    crawl = add(
        "crawl",
        "Crawl registry sites into the archive (the main job).",
        "govarchive crawl --db archive.db",
        "govarchive crawl --sites my-sites.yaml --site wangcang --site kaizhou",
    )
    _sites_arg(crawl)
    crawl.add_argument(
        "--site", action="append", metavar="NAME", help="crawl only this site (repeatable)"
    )
    _db_arg(crawl)
    crawl.add_argument(
        "--full", action="store_true", help="walk every list page, not just until known documents"
    )
    crawl.add_argument(
        "--now", metavar="ISO", help="pretend the crawl happens at this time (replays, the demo)"
    )
    crawl.add_argument(
        "--log-level", default=None, help="Scrapy log level (default WARNING; INFO with --verbose)"
    )
    crawl.add_argument(
        "--verbose", action="store_true", help="Scrapy's own start-up and progress logging"
    )
    crawl.add_argument(
        "--init",
        action="store_true",
        help="add the archive's tables to an existing SQLite file that holds other tables",
    )
    crawl.add_argument(
        "--run-id",
        type=int,
        metavar="N",
        help="record into run N, opened beforehand (what the scheduler passes)",
    )
    crawl.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a Scrapy/govarchive setting, e.g. --set DOWNLOAD_TIMEOUT=10 (repeatable)",
    )

    demo = add(
        "demo",
        "Serve the bundled demo sites on 127.0.0.1 and crawl them over three simulated days.",
        "govarchive demo --db archive.db",
    )
    _db_arg(demo)

    serve = add(
        "serve",
        "Browse the archive in Datasette, with Chinese full-text search.",
        "govarchive serve --db archive.db --port 8001",
        "govarchive serve --db archive.db --public   # 0.0.0.0, arbitrary SQL off",
        "govarchive serve --db sichuan.db --add shandong.db   # /-/search searches both",
    )
    _db_arg(serve)
    serve.add_argument("--port", type=_port, default=8001, help="port (default 8001)")
    serve.add_argument(
        "--host",
        help="interface (default 127.0.0.1; 0.0.0.0 with --public)",
    )
    serve.add_argument(
        "--public",
        action="store_true",
        help="serve to other machines: arbitrary SQL is turned off (tables, search, document"
        " pages and the canned queries stay)",
    )
    serve.add_argument(
        "--add",
        action="append",
        default=[],
        metavar="PATH",
        help="serve this archive too (repeatable; one archive per province, say):"
        " /-/search searches them all",
    )

    parse = add(
        "parse",
        "Parse a saved page and print its clean record as JSON.",
        "govarchive parse page.html --url https://www.example.gov.cn/zwgk/202303/t20230329_45634.html",
    )
    parse.add_argument("page", metavar="PAGE.html", help="a saved page (any encoding)")
    parse.add_argument("--url", default="", help="the page's URL (makes links absolute)")
    parse.add_argument("--html", action="store_true", help="include body_html in the output")

    sites = add(
        "sites",
        "List sites with their last run, document count and health: the archive's own sites,"
        " or a registry's with --sites.",
        "govarchive sites --db archive.db",
        "govarchive sites --sites my-sites.yaml --db archive.db",
        "govarchive sites --check --sites my-sites.yaml --db archive.db   # exit 1: needs a look",
    )
    _sites_arg(sites)
    _db_arg(sites)
    sites.add_argument(
        "--check",
        action="store_true",
        help="for every site: the last healthy crawl, links per column over the last walks,"
        " and what needs a look (never crawled, unhealthy, a listing that stopped yielding);"
        " exit 1 when anything does",
    )

    reparse = add(
        "reparse",
        "Re-run the current parsers over stored raw pages; new versions only where records change.",
        "govarchive reparse --db archive.db --site wangcang",
    )
    _db_arg(reparse)
    reparse.add_argument(
        "--site", action="append", metavar="NAME", help="only this site (repeatable)"
    )

    export = add(
        "export",
        "Write the archive out: documents, versions, events or attachments as JSON Lines or"
        " CSV (UTF-8 with BOM, for Excel), or the raw captures as WARC.",
        "govarchive export --format jsonl --since 2025-01-01 > records.jsonl",
        "govarchive export --format csv --site wangcang --output wangcang.csv",
        "govarchive export --what events --format csv --since 2025-04-01 --output events.csv",
        "govarchive export --format warc --output archive.warc.gz",
    )
    _db_arg(export)
    export.add_argument("--format", choices=("jsonl", "csv", "warc"), default="jsonl")
    export.add_argument(
        "--what",
        choices=("documents", "versions", "events", "attachments"),
        default="documents",
        help="which rows (default documents, their current versions); ignored for warc",
    )
    export.add_argument(
        "--since",
        metavar="DATE",
        help="only documents with any lifecycle event (new, changed, delisted, gone, …) on or"
        " after DATE (YYYY-MM-DD or an ISO date-time); for warc, captures fetched since",
    )
    export.add_argument(
        "--changed-only",
        action="store_true",
        help="only new and changed documents (with --since: new or changed since DATE)",
    )
    export.add_argument(
        "--site", action="append", metavar="NAME", help="only this site (repeatable)"
    )
    export.add_argument("--output", metavar="FILE", help="write here instead of standard output")

    diff = add(
        "diff",
        "Show what changed between two versions of a document: fields, then paragraphs.",
        "govarchive diff http://127.0.0.1:8701/zwgk/fzzfjs/202503/t20250325_10001.html",
        "govarchive diff 17 --from 1 --to 3 --db archive.db",
    )
    diff.add_argument("document", metavar="URL|ID", help="the document's URL or id")
    _db_arg(diff)
    diff.add_argument(
        "--from", dest="from_version", type=int, metavar="N", help="older version (default: to-1)"
    )
    diff.add_argument(
        "--to", dest="to_version", type=int, metavar="M", help="newer version (default: latest)"
    )
    diff.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the changes (default: when printing to a terminal)",
    )

    probe = add(
        "probe",
        "From a site's home page to a registry entry: guess the CMS family, find the 信息公开"
        " columns, read one list page and one document of each (robots.txt obeyed, at most"
        " 30 requests), and print the entry with a report.",
        "govarchive probe https://www.example.gov.cn/",
        "govarchive probe https://www.example.gov.cn/ --write my-sites.yaml",
    )
    probe.add_argument("url", help="the site's home page (or any page of it)")
    probe.add_argument("--name", help="the registry name (default: from the host)")
    probe.add_argument(
        "--delay", type=_seconds, default=2.0, help="seconds between requests (default 2)"
    )
    probe.add_argument("--write", metavar="FILE", help="append the entry to this registry")

    from crawler.cli_queue import add_commands

    COMMANDS.update(add_commands(add, _db_arg, _sites_arg))

    schedule = add(
        "schedule",
        "Run the nightly scheduler (APScheduler) over the registry; see scheduler.py.",
        "govarchive schedule --db archive.db",
        "govarchive schedule --list",
        "govarchive schedule --every 3600   # try it out: crawl every hour",
        "govarchive schedule --queue redis://queue:6379/0   # workers on other machines crawl",
    )
    _sites_arg(schedule)
    _db_arg(schedule)
    schedule.add_argument(
        "--every",
        type=float,
        metavar="SECONDS",
        help="crawl every N seconds instead of the cron schedules",
    )
    schedule.add_argument(
        "--list", action="store_true", help="print each job's next fire time and exit"
    )
    schedule.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="time limit of one crawl (default 4 h)"
    )
    schedule.add_argument(
        "--stop-timeout",
        type=float,
        metavar="SECONDS",
        help="how long a crawl gets to stop, on SIGTERM/SIGINT or past --timeout, before"
        " it is killed (default 60)",
    )
    schedule.add_argument(
        "--queue",
        metavar="URL",
        help="queue each crawl on this Redis for `govarchive worker`s instead of running it"
        " here (`govarchive ingest` writes their items)",
    )
    schedule.add_argument(
        "--max-parallel",
        type=int,
        metavar="N",
        help="crawls of different sites at once (default 2)",
    )
    return parser


def _check_db_dir(db: str) -> Path:
    """The archive's real path (a symlink resolved, so locks and the file store are the
    real file's), checked to be writable."""
    path = Path(db).resolve()
    parent = path.resolve().parent
    if not parent.is_dir():
        raise UserError(f"archive directory {parent} does not exist")
    if path.exists() and not os.access(path, os.W_OK) or not os.access(parent, os.W_OK):
        raise UserError(f"archive {path} is not writable")
    return path


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler.runner import run_crawl
    from spiders.registry import find_site, load_registry

    # Options first: nothing is read or written when one of them is wrong.
    settings: dict[str, object] = {
        "LOG_LEVEL": args.log_level
        or os.environ.get("GOVARCHIVE_LOG_LEVEL")
        or ("INFO" if args.verbose else "WARNING"),
        "GOVARCHIVE_PROGRESS": sys.stderr.isatty(),
    }
    for item in args.set:
        name, value = _setting(item)
        settings[name] = value
    if args.now:
        _check_now(args.now)
    db = _check_db_dir(args.db)
    registry = load_registry(args.sites)
    chosen = [find_site(registry, name) for name in args.site] if args.site else registry
    with _open_archive(db, adopt=args.init) as archive:
        if (
            args.run_id is not None
            and not archive.conn.execute(
                "SELECT 1 FROM runs WHERE id = ?", (args.run_id,)
            ).fetchone()
        ):
            raise UserError(f"--run-id {args.run_id}: no such run in {db}")
    result = run_crawl(
        chosen,
        db,
        now=args.now,
        full_walk=args.full,
        settings=settings,
        command="govarchive crawl " + " ".join(sys.argv[2:]),
        run_id=args.run_id,
    )
    t = result.totals
    print(
        f"run {result.run_id}: {result.finish_reason} in {result.seconds:.1f}s — {t['pages']} requests,"
        f" {t['new']} new, {t['changed']} changed, {t['gone']} gone, {t['delisted']} delisted,"
        f" {t['errors']} errors"
    )
    for name in result.skipped:
        print(f"  skipped, already being crawled: {name}")
    for row in result.sites:
        if not row.get("healthy"):
            print(f"  unhealthy: {row['site']}: {row.get('health_note')}")
    if result.archive_errors:
        print(
            f"govarchive crawl: {result.archive_errors} write(s) to the archive failed; see the"
            " log above (what they would have recorded is missing)",
            file=sys.stderr,
        )
        return 1
    if "start_error" in result.finish_reason or result.finish_reason == "no-spider-ran":
        print(
            f"govarchive crawl: the crawl did not start ({result.finish_reason}); see the log",
            file=sys.stderr,
        )
        return 1
    return 0


def _setting(item: str) -> tuple[str, object]:
    """``NAME=VALUE`` for a known setting, the value checked against the setting's type."""
    from crawler.runner import project_settings

    name, sep, value = item.partition("=")
    if not sep or not name.isupper():
        raise UserError(f"--set takes NAME=VALUE with an upper-case setting name, got {item!r}")
    defaults = project_settings()
    if name not in defaults:
        raise UserError(f"--set {name}: no such setting (see crawler/settings.py and Scrapy's)")
    current = defaults.get(name)
    try:
        if isinstance(current, bool):
            if value.lower() not in ("0", "1", "true", "false", "yes", "no"):
                raise ValueError(value)
            return name, value.lower() in ("1", "true", "yes")
        if isinstance(current, (int, float)):
            number = float(value)
            return name, int(number) if number.is_integer() else number
    except ValueError:
        kind = "true or false" if isinstance(current, bool) else "a number"
        raise UserError(f"--set {name}: expected {kind}, got {value!r}") from None
    return name, value


def _check_now(value: str) -> None:
    """``--now`` is stored as the crawl's time: it must be an ISO date-time."""
    from archive.clock import parse_iso

    try:
        parse_iso(value)
    except ValueError:
        raise UserError(
            f"--now takes an ISO date-time such as 2025-04-01T02:00:00+08:00, got {value!r}"
        ) from None


def _seconds(value: str) -> float:
    """A number of seconds >= 0 (argparse type)."""
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not 0 <= seconds <= 3600:
        raise argparse.ArgumentTypeError(f"seconds from 0 to 3600, got {value!r}")
    return seconds


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port from 1 to 65535, got {value!r}")
    return port


def _open_archive(db: Path, adopt: bool = False):  # noqa: ANN202 - Archive, imported lazily
    from archive import Archive

    try:
        return Archive(db, adopt=adopt)
    except sqlite3.DatabaseError as exc:
        raise UserError(f"cannot open archive {db}: {exc}") from exc


def cmd_demo(args: argparse.Namespace) -> int:
    from crawler.demo import run_demo

    db = _check_db_dir(args.db)
    _open_archive(db).close()
    return run_demo(db)


def cmd_serve(args: argparse.Namespace) -> int:
    from archive.datasette_meta import DATASETTE_SETTINGS, metadata

    dbs = [Path(args.db), *map(Path, args.add)]
    for db in dbs:
        if not db.exists():
            raise UserError(
                f"no archive at {db}: run `govarchive demo` or `govarchive crawl` first"
            )
        _open_archive(db).close()
    names = [db.stem for db in dbs]
    if len(set(names)) < len(names):
        raise UserError(f"archives must have different file names to be served together: {names}")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as fh:
        json.dump(metadata(names, public=args.public), fh, ensure_ascii=False)
        meta_path = fh.name
    host = args.host or ("0.0.0.0" if args.public else "127.0.0.1")
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


def cmd_parse(args: argparse.Namespace) -> int:
    from parsers import parse_page

    try:
        data = Path(args.page).read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read {args.page}: {exc.strerror}") from exc
    record = parse_page(data, args.url)
    out = record.to_dict()
    if not args.html:
        out.pop("body_html")
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def cmd_sites(args: argparse.Namespace) -> int:
    from spiders.registry import load_registry

    if args.check:
        return _check_sites(args)
    overview: dict[str, dict] = {}
    if Path(args.db).exists():
        with _open_archive(Path(args.db)) as archive:
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
    with _open_archive(db) as archive:
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


def cmd_reparse(args: argparse.Namespace) -> int:
    from parsers import parse_page

    with _open_archive(_check_db_dir(args.db)) as archive:
        outcome = archive.reparse(parse_page, sites=args.site)
    print(", ".join(f"{count} {name}" for name, count in outcome.items()))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from archive.export import CSV_ENCODING, check_since, export_rows, write_export, write_warc

    db = Path(args.db)
    if not db.exists():
        raise UserError(f"no archive at {db}")
    if args.since:
        try:
            check_since(args.since)
        except ValueError as exc:
            raise UserError(str(exc)) from exc
    with _open_archive(db) as archive:
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


def cmd_diff(args: argparse.Namespace) -> int:
    from archive.diff import diff_records, render_text
    from parsers.urls import canonical_url

    db = Path(args.db)
    if not db.exists():
        raise UserError(f"no archive at {db}")
    key = args.document if args.document.isdigit() else canonical_url(args.document)
    with _open_archive(db) as archive:
        versions = {number: (at, record) for number, at, record in archive.versions_of(key)}
    if not versions:
        raise UserError(f"no document {args.document!r} in {db}")
    newest = max(versions)
    to_version = args.to_version or newest
    from_version = args.from_version or to_version - 1
    for number in (to_version, from_version):
        if number not in versions:
            raise UserError(f"no version {number} (versions 1 to {newest})")
    if len(versions) == 1:
        print(f"{versions[newest][1]['url']}: one version only, fetched {versions[newest][0]}")
        return 0
    colour = args.color == "always" or (args.color == "auto" and sys.stdout.isatty())
    (old_at, old), (new_at, new) = versions[from_version], versions[to_version]
    diff = diff_records(old, new)
    print(new.get("url") or args.document)
    print(f"version {from_version} ({old_at}) → version {to_version} ({new_at}): {diff.summary()}")
    text = render_text(diff, colour=colour)
    if text:
        print(text)
    return 0


def cmd_probe(args: argparse.Namespace) -> int:
    from urllib.parse import urlsplit

    import yaml

    from crawler.probe import probe, render
    from crawler.settings import USER_AGENT
    from spiders.registry import RegistryError, validate_site

    if urlsplit(args.url).scheme not in ("http", "https"):
        raise UserError(f"not an http(s) URL: {args.url}")
    report = probe(args.url, USER_AGENT, delay=args.delay)
    entry = report.entry(args.name, delay=args.delay if args.delay != 2.0 else None)
    print(render(report, entry), end="")
    if not report.yielding:
        return 1
    try:
        validate_site(entry, 0)
    except RegistryError as error:
        raise UserError(f"the probed entry is not valid: {error}") from error
    if args.write:
        path = Path(args.write)
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
        with path.open("a", encoding="utf-8") as out:
            if existing and not existing.endswith("\n"):
                out.write("\n")
            out.write(yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=1000))
        print(f"# appended to {path}")
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    import scheduler

    return scheduler.main(args)


COMMANDS = {
    "crawl": cmd_crawl,
    "demo": cmd_demo,
    "serve": cmd_serve,
    "parse": cmd_parse,
    "sites": cmd_sites,
    "reparse": cmd_reparse,
    "export": cmd_export,
    "diff": cmd_diff,
    "schedule": cmd_schedule,
    "probe": cmd_probe,
}


def main(argv: list[str] | None = None) -> int:
    from archive import SchemaError
    from crawler.runner import SitesBusy
    from spiders.registry import RegistryError

    parser = _parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        return COMMANDS[args.command](args)
    except BrokenPipeError:
        # The reader went away (`govarchive diff … | head`): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except (UserError, RegistryError, SchemaError, SitesBusy) as exc:
        print(f"govarchive {args.command}: {exc}", file=sys.stderr)
        return 2
    except sqlite3.OperationalError as exc:
        print(f"govarchive {args.command}: archive error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
