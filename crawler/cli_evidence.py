"""The evidence commands of the ``govarchive`` command line: ``verify`` (recompute the
archive's hash chain and every stored body, see ``archive.ledger``). Their options are
added to the parser by ``add_arguments``; each command prints its own errors (exit 2)."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def add_arguments(add: Callable[..., Any], db_arg: Callable[[Any], None]) -> None:
    verify = add(
        "verify",
        "Check that the archive was not altered: recompute the hash chain over every capture,"
        " version and event, and every stored body's SHA-256; name the first altered,"
        " inserted or deleted row. Exit 0 when it holds, 1 when it does not.",
        "govarchive verify --db archive.db",
        "govarchive verify --head 3b15d2e94b1f…   # a checkpoint's head kept elsewhere",
    )
    db_arg(verify)
    verify.add_argument(
        "--head",
        metavar="HEX",
        help="a checkpoint head recorded outside the archive (printed by each crawl): the"
        " archive must still hold it",
    )


def cmd_verify(args: argparse.Namespace) -> int:
    from archive.files import storage_dir
    from archive.ledger import verify
    from archive.schema import SCHEMA_VERSION, schema_version
    from archive.store import connect

    db = Path(args.db)
    if not db.is_file():
        print(f"govarchive verify: no archive at {db}", file=sys.stderr)
        return 2
    try:
        conn = connect(db, readonly=True)
        found = schema_version(conn)
    except sqlite3.DatabaseError as exc:
        print(f"govarchive verify: cannot open archive {db}: {exc}", file=sys.stderr)
        return 2
    try:
        if found != SCHEMA_VERSION:
            print(
                f"govarchive verify: {db} is at schema {found}, not {SCHEMA_VERSION}: open it"
                " with this govarchive (any crawl) to start its hash chain",
                file=sys.stderr,
            )
            return 2
        verdict = verify(conn, storage_dir(db), head=args.head)
        last = conn.execute("SELECT * FROM checkpoints ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    for note in verdict.notes:
        print(f"note: {note}")
    checked = (
        f"{verdict.rows} chained rows, {verdict.checkpoints} checkpoints,"
        f" {verdict.bodies} stored bodies"
    )
    if not verdict.ok:
        print(f"{db}: NOT VERIFIED ({checked})")
        for problem in verdict.problems:
            print(f"  - {problem}")
        return 1
    print(f"{db}: verified ({checked})")
    if last is not None:
        print(f"head {last['head']} (checkpoint {last['id']}, {last['note']}, {last['at']})")
    return 0
