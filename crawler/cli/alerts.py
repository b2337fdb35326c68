"""The alerts of the ``govarchive`` command line: ``govarchive alerts`` (send each
subscription's pending events now, or show them with ``--dry-run``) and ``crawl --alerts``
(send them when the crawl has finished; the scheduler passes it on). See
``archive.alerts``. A subscriptions file that cannot be used is said in one line (exit 2);
a failed delivery is printed and recorded, and never changes a crawl's exit status."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def add_arguments(add: Callable[..., Any], db_arg: Callable[[Any], None]) -> None:
    alerts = add(
        "alerts",
        "Send each alert subscription's new lifecycle events (new, changed, gone…) as one"
        " digest per target through Apprise: e-mail, webhooks, chat. A target's digest holds"
        " the events after its last delivered one.",
        "govarchive alerts --subscriptions alerts.yaml --db archive.db",
        "govarchive alerts --subscriptions alerts.yaml --dry-run   # print, send nothing",
    )
    db_arg(alerts)
    alerts.add_argument(
        "--subscriptions", required=True, metavar="FILE", help="the subscriptions file (YAML)"
    )
    alerts.add_argument(
        "--dry-run", action="store_true", help="print the digests; send and record nothing"
    )


def check_file(path: str) -> Any:
    """The subscriptions, read before a crawl starts: a file that cannot be used raises
    ``SubscriptionError``, which the command line says in one line (exit 2)."""
    from archive.alerts import load_subscriptions

    return load_subscriptions(path)


def send(db: Path, subscriptions: Any, run_id: int | None, dry_run: bool = False) -> int:
    """Send, print one line per delivery; the number that failed."""
    from archive import Archive
    from archive.alerts import SubscriptionError, check_sites, send_alerts

    with Archive(db) as archive:
        known = [r[0] for r in archive.conn.execute("SELECT name FROM sites ORDER BY name")]
        known += [
            r[0]
            for r in archive.conn.execute("SELECT DISTINCT site FROM documents")
            if r[0] not in known
        ]
        try:
            check_sites(subscriptions, known)
        except SubscriptionError as exc:
            print(f"alerts: {exc}", file=sys.stderr)
            return 1
        deliveries = send_alerts(archive, subscriptions, db.stem, run_id, dry_run=dry_run)
    failed = 0
    for d in deliveries:
        if dry_run:
            continue
        if d.delivered:
            print(f"  alert {d.subscription} → {d.target}: {d.events} event(s) delivered")
        else:
            failed += 1
            print(
                f"  alert {d.subscription} → {d.target}: not delivered after {d.attempts}"
                f" attempt(s): {d.error} (its {d.events} event(s) go in the next digest)",
                file=sys.stderr,
            )
    if not deliveries:
        print("  alerts: nothing new for any subscription")
    return failed


def cmd_alerts(args: argparse.Namespace) -> int:
    db = Path(args.db)
    if not db.exists():
        print(f"govarchive alerts: no archive at {db}", file=sys.stderr)
        return 2
    subscriptions = check_file(args.subscriptions)
    return 1 if send(db, subscriptions, None, dry_run=args.dry_run) else 0


def after_crawl(db: Path, subscriptions: Any, run_id: int) -> None:
    """Alerts at a crawl's end: any failure is printed, never raised."""
    try:
        send(db, subscriptions, run_id)
    except Exception as exc:  # the crawl is done and recorded; alerts must not undo that
        print(f"  alerts failed: {type(exc).__name__}: {exc}", file=sys.stderr)
