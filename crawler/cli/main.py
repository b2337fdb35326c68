"""``govarchive``'s commands: a thin layer over library calls (the parser is in
``crawler.cli.parser``, the commands of each kind in the modules beside this one).

Each command opens what it needs and calls one function; errors a user can fix (a bad
registry, an unwritable or too-new archive) end with one clear message and exit code 2.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

from crawler.cli.alerts import after_crawl, check_file, cmd_alerts
from crawler.cli.checks import UserError, check_db_dir, check_now, open_archive, setting
from crawler.cli.evidence import cmd_evidence, cmd_timestamp, cmd_verify
from crawler.cli.ocr import cmd_ocr
from crawler.cli.parser import build_parser
from crawler.cli.queue import cmd_enqueue, cmd_ingest, cmd_worker
from crawler.cli.reading import cmd_diff, cmd_export, cmd_serve, cmd_sites


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler.runner import run_crawl
    from spiders.registry import find_site, load_registry

    # Options first: nothing is read or written when one of them is wrong.
    settings = _crawl_settings(args)
    if args.now:
        check_now(args.now)
    db = check_db_dir(args.db)
    subscriptions = check_file(args.alerts) if args.alerts else None
    registry = load_registry(args.sites)
    chosen = [find_site(registry, name) for name in args.site] if args.site else registry
    with open_archive(db, adopt=args.init) as archive:
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
    _print_run(result)
    if subscriptions is not None:
        after_crawl(db, subscriptions, result.run_id)
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


def _crawl_settings(args: argparse.Namespace) -> dict[str, object]:
    """Scrapy settings from the command line: the log level, progress on a terminal, and
    each ``--set NAME=VALUE`` (checked)."""
    settings: dict[str, object] = {
        "LOG_LEVEL": args.log_level
        or os.environ.get("GOVARCHIVE_LOG_LEVEL")
        or ("INFO" if args.verbose else "WARNING"),
        "GOVARCHIVE_PROGRESS": sys.stderr.isatty(),
    }
    for item in args.set:
        name, value = setting(item)
        settings[name] = value
    return settings


def _print_run(result: Any) -> None:
    """The run's one-line summary, its seal and time-stamp, and each site that needs a look."""
    t = result.totals
    print(
        f"run {result.run_id}: {result.finish_reason} in {result.seconds:.1f}s — {t['pages']} requests,"
        f" {t['new']} new, {t['changed']} changed, {t['gone']} gone, {t['delisted']} delisted,"
        f" {t['errors']} errors"
    )
    checkpoint = t.get("checkpoint")
    if checkpoint:
        print(f"  sealed: checkpoint {checkpoint['id']}, head {checkpoint['head']}")
    stamp = result.timestamp
    if stamp:
        said = f"at {stamp['gen_time']}" if stamp["token"] else f"failed: {stamp['error']}"
        print(f"  time-stamped by {stamp['tsa_url']}: {said}")
    for name in result.skipped:
        print(f"  skipped, already being crawled: {name}")
    for row in result.sites:
        if not row.get("healthy"):
            print(f"  unhealthy: {row['site']}: {row.get('health_note')}")


def cmd_demo(args: argparse.Namespace) -> int:
    from crawler.demo import run_demo

    db = check_db_dir(args.db)
    open_archive(db).close()
    return run_demo(db)


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


def cmd_reparse(args: argparse.Namespace) -> int:
    from parsers import parse_page

    with open_archive(check_db_dir(args.db)) as archive:
        outcome = archive.reparse(parse_page, sites=args.site)
    print(", ".join(f"{count} {name}" for name, count in outcome.items()))
    return 0


def _registry_names(text: str) -> set[str]:
    """The site names a registry file's text already holds (none when it does not parse:
    the crawl's own check says what is wrong with it)."""
    import yaml

    try:
        data = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError:
        return set()
    entries = data.get("sites") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        return set()
    return {e["name"] for e in entries if isinstance(e, dict) and isinstance(e.get("name"), str)}


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
        taken = _registry_names(existing)
        if entry["name"] in taken:
            raise UserError(
                f"{path} already has a site named {entry['name']!r}: nothing appended"
                " (pass --name NAME to add this one beside it)"
            )
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
    "enqueue": cmd_enqueue,
    "worker": cmd_worker,
    "ingest": cmd_ingest,
    "verify": cmd_verify,
    "evidence": cmd_evidence,
    "timestamp": cmd_timestamp,
    "alerts": cmd_alerts,
    "ocr": cmd_ocr,
}


# Errors said in one line (no traceback): a bad argument, registry or archive, or sites
# another crawl holds. Found among the modules the command loaded, so that ``--help`` or
# ``diff`` need not import the crawl's (an error of a module never imported was never
# raised).
_ONE_LINE_ERRORS = (
    ("archive.alerts", "SubscriptionError"),
    ("archive.schema", "SchemaError"),
    ("archive.runs", "ClockBehind"),
    ("crawler.runner", "SitesBusy"),
    ("spiders.registry", "RegistryError"),
)


def _said_in_one_line(exc: Exception) -> bool:
    classes = [UserError]
    for module_name, class_name in _ONE_LINE_ERRORS:
        module = sys.modules.get(module_name)
        if module is not None:
            classes.append(getattr(module, class_name))
    return isinstance(exc, tuple(classes))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
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
    except sqlite3.OperationalError as exc:
        print(f"govarchive {args.command}: archive error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        if _said_in_one_line(exc):
            print(f"govarchive {args.command}: {exc}", file=sys.stderr)
            return 2
        # Redis unreachable or not answering (enqueue, worker, ingest): said in one line.
        if not type(exc).__module__.startswith("redis"):
            raise
        print(f"govarchive {args.command}: Redis: {exc}", file=sys.stderr)
        return 2


def entry() -> int:
    """The ``govarchive`` command: ``main`` for a process that exits when it returns. The
    objects left are frozen first, so exiting skips a last garbage collection of the
    whole heap (0.4 s after a crawl, on every run)."""
    code = main()
    gc.freeze()
    return code
