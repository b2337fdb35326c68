"""The command line of crawls across machines: ``govarchive enqueue``, ``worker``, ``ingest``.

A thin layer over ``crawler.distributed``: their options (added to the parser by
``crawler.cli.parser``) and the commands (listed in ``crawler.cli.COMMANDS``).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable

REDIS_ENV = "GOVARCHIVE_REDIS_URL"  # as crawler.distributed.keys.REDIS_ENV (not imported: --help stays fast)


def _redis_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--redis",
        default=os.environ.get(REDIS_ENV),
        metavar="URL",
        help=f"Redis of the crawl, e.g. redis://queue-host:6379/0 (default ${REDIS_ENV})",
    )


def add_arguments(
    add: Callable[..., argparse.ArgumentParser],
    db_arg: Callable[[argparse.ArgumentParser], None],
    sites_arg: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Add the three subcommands and their options to the CLI's parser."""
    enqueue = add(
        "enqueue",
        "Queue one crawl job per site for workers on any machine (items come back through"
        " Redis to `govarchive ingest`).",
        "govarchive enqueue --redis redis://queue:6379/0 --db archive.db",
        "govarchive enqueue --redis redis://queue:6379/0 --site wangcang --site kaizhou",
    )
    sites_arg(enqueue)
    enqueue.add_argument(
        "--site", action="append", metavar="NAME", help="only this site (repeatable)"
    )
    db_arg(enqueue)
    _redis_arg(enqueue)
    enqueue.add_argument("--full", action="store_true", help="walk every list page")
    enqueue.add_argument("--now", metavar="ISO", help="pretend the crawl happens at this time")
    enqueue.add_argument(
        "--lease", type=float, default=120.0, metavar="SECONDS",
        help="a site's lease: how soon after its worker dies the site is crawled by another"
        " (default 120)",
    )  # fmt: skip
    enqueue.add_argument(
        "--retries", type=int, default=2, metavar="N",
        help="times a failed job, or one whose worker died, is tried again (default 2)",
    )  # fmt: skip
    enqueue.add_argument(
        "--retry-after", type=int, default=60, metavar="SECONDS",
        help="pause before the first retry, doubling for each next one (default 60)",
    )  # fmt: skip
    enqueue.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a Scrapy/govarchive setting for the workers' crawls (repeatable)",
    )

    worker = add(
        "worker",
        "Crawl queued sites, several at once (--processes), on any machine that reaches Redis"
        " and the sites; run as many as you like.",
        "govarchive worker --redis redis://queue:6379/0",
        "govarchive worker --redis redis://queue:6379/0 --burst   # stop when the queue is empty",
    )
    _redis_arg(worker)
    worker.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    worker.add_argument("--name", help="worker name shown by `rq info` (default: RQ's)")
    worker.add_argument(
        "--processes", type=int, default=4, metavar="N",
        help="crawl up to N queued sites at once, one worker process each, as a local crawl"
        " runs its sites together (default 4)",
    )  # fmt: skip

    ingest = add(
        "ingest",
        "Write what the workers crawled into the archive (its one writer; keep it running).",
        "govarchive ingest --redis redis://queue:6379/0 --db archive.db",
        "govarchive ingest --redis redis://queue:6379/0 --db archive.db --run 12",
    )
    db_arg(ingest)
    _redis_arg(ingest)
    ingest.add_argument(
        "--run", type=int, action="append", metavar="N", help="stop once run N is finished"
    )
    ingest.add_argument(
        "--idle", type=float, metavar="SECONDS", help="stop after this long without a message"
    )
    ingest.add_argument(
        "--grace", type=float, default=30.0, metavar="SECONDS",
        help="how long a job may be seen dead, failed or missing before its site is requeued"
        " or closed without its report (default 30)",
    )  # fmt: skip


def _need_redis(args: argparse.Namespace) -> str:
    from crawler.cli.checks import UserError

    if not args.redis:
        raise UserError(f"say where Redis is: --redis URL or ${REDIS_ENV}")
    return str(args.redis)


def cmd_enqueue(args: argparse.Namespace) -> int:
    from crawler.cli.checks import check_db_dir, check_now, setting
    from crawler.distributed.jobs import enqueue_sites
    from spiders.registry import find_site, load_registry

    redis_url = _need_redis(args)
    settings = dict(setting(item) for item in args.set)
    if args.now:
        check_now(args.now)
    db = check_db_dir(args.db)
    registry = load_registry(args.sites)
    chosen = [find_site(registry, name) for name in args.site] if args.site else registry
    run_id = enqueue_sites(
        redis_url, str(db), chosen, now=args.now, full_walk=args.full, settings=settings,
        command="govarchive enqueue " + " ".join(sys.argv[2:]), lease_seconds=args.lease,
        retries=args.retries, retry_after=args.retry_after,
    )  # fmt: skip
    print(f"run {run_id}: {len(chosen)} site jobs queued on {_without_password(redis_url)}")
    return 0


def _without_password(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def cmd_worker(args: argparse.Namespace) -> int:
    from crawler.distributed.worker import work

    redis_url = _need_redis(args)
    # The jobs this worker runs push their messages to this same Redis: its URL (and any
    # password) is the worker's own, never a job's argument.
    os.environ[REDIS_ENV] = redis_url
    return work(redis_url, burst=args.burst, name=args.name, processes=args.processes)


def cmd_ingest(args: argparse.Namespace) -> int:
    from crawler.cli.checks import UserError, check_db_dir, open_archive
    from crawler.distributed.ingest import ingest
    from crawler.locks import Locked

    redis_url = _need_redis(args)
    db = check_db_dir(args.db)
    open_archive(db).close()
    # SIGTERM (systemd stopping the service) ends it like Ctrl-C: the open batch commits.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        result = ingest(
            str(db), redis_url, runs=set(args.run) if args.run else None,
            idle_seconds=args.idle, grace_seconds=args.grace,
        )  # fmt: skip
    except Locked as error:
        raise UserError(f"another ingest is writing this archive ({error.holder})") from None
    print(
        f"ingested {result.items} items ({result.duplicates} delivered twice and"
        f" {result.stale} from superseded job attempts, skipped);"
        f" {len(result.sites_closed)} site crawls closed; sites requeued after their worker"
        f" died: {len(result.requeued)}; runs finished:"
        f" {', '.join(map(str, result.runs_finished)) or 'none'};"
        f" {result.errors} messages could not be recorded"
    )
    for run_id, site, reason in result.sites_failed:
        print(f"run {run_id}, {site}: {reason}", file=sys.stderr)
    return 0 if result.ok else 1
