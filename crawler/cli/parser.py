"""The ``govarchive`` command line's parser: commands, options, help texts and examples.

Kept apart from ``crawler.cli`` (which runs the commands) so each file has one job; the
crawl-across-machines commands' options live with them in ``crawler.cli.queue``.
"""

from __future__ import annotations

import argparse

from crawler.cli.alerts import add_arguments as add_alert_arguments
from crawler.cli.evidence import add_arguments as add_evidence_arguments
from crawler.cli.evidence import add_signer_arguments
from crawler.cli.ocr import add_arguments as add_ocr_arguments
from crawler.cli.queue import add_arguments as add_queue_arguments

DEFAULT_DB = "archive.db"


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


def build_parser() -> argparse.ArgumentParser:
    """The ``govarchive`` parser: every command, its options, help and examples."""
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
        "--verbose",
        action="store_true",
        help="Scrapy's own start-up and progress logging, and its errors' tracebacks (one line each without)",
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
    crawl.add_argument(
        "--alerts",
        metavar="FILE",
        help="when the crawl has finished, send each subscription's new events (see"
        " `govarchive alerts`); a failed delivery never changes the crawl's exit status",
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
        " CSV (UTF-8 with BOM, for Excel), or the captures and verdicts as WARC or as a signed"
        " WACZ (what ReplayWeb.page and pywb open).",
        "govarchive export --format jsonl --since 2025-01-01 > records.jsonl",
        "govarchive export --format csv --site wangcang --output wangcang.csv",
        "govarchive export --what events --format csv --since 2025-04-01 --output events.csv",
        "govarchive export --format warc --output archive.warc.gz",
        "govarchive export --format wacz --output archive.wacz",
    )
    _db_arg(export)
    export.add_argument("--format", choices=("jsonl", "csv", "warc", "wacz"), default="jsonl")
    add_signer_arguments(export)
    export.add_argument(
        "--what",
        choices=("documents", "versions", "events", "attachments"),
        default="documents",
        help="which rows (default documents, their current versions); ignored for warc and wacz",
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

    add_queue_arguments(add, _db_arg, _sites_arg)
    add_evidence_arguments(add, _db_arg)
    add_alert_arguments(add, _db_arg)
    add_ocr_arguments(add, _db_arg)

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
        "--alerts",
        metavar="FILE",
        help="after each crawl, send each alert subscription's new events (crawl --alerts)",
    )
    schedule.add_argument(
        "--max-parallel",
        type=int,
        metavar="N",
        help="crawls of different sites at once (default 2)",
    )
    return parser


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
