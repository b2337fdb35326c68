"""The evidence commands of the ``govarchive`` command line: ``verify`` (recompute the
archive's hash chain and every stored body, see ``archive.ledger``; or check a WACZ and
its signature), ``evidence`` (one document's signed evidence package) and ``export
--format wacz``. Their options are added to the parser by ``add_arguments``; each command
prints its own errors (exit 2)."""

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
        "--wacz",
        metavar="FILE",
        help="check this WACZ instead: every file against datapackage.json, the digest, and"
        " its signature (and that it is this archive's key, when --db names an archive)",
    )
    verify.add_argument(
        "--tsa-cert",
        metavar="PEM",
        help="the time-stamping authority's certificate (or its CA's): each checkpoint's"
        " RFC 3161 token must verify with it",
    )
    verify.add_argument(
        "--head",
        metavar="HEX",
        help="a checkpoint head recorded outside the archive (printed by each crawl): the"
        " archive must still hold it",
    )

    evidence = add(
        "evidence",
        "Write one document's evidence package, a signed WACZ: every capture of it and of its"
        " attachments, the listing pages that showed it and those that no longer did, the"
        " answers behind a removal, its lifecycle events and a summary page.",
        "govarchive evidence http://www.example.gov.cn/zwgk/t1.html --output t1.wacz",
        "govarchive evidence 17 --db archive.db --output doc17.wacz",
    )
    evidence.add_argument("document", metavar="URL|ID", help="the document's URL or id")
    db_arg(evidence)
    evidence.add_argument("--output", metavar="FILE.wacz", required=True, help="where to write")
    add_signer_arguments(evidence)

    timestamp = add(
        "timestamp",
        "Have a time-stamping authority (RFC 3161) stamp the checkpoints that have no token"
        " yet (a crawl stamps its own when GOVARCHIVE_TSA_URL is set).",
        "govarchive timestamp --tsa http://tsa.example.org/tsr --db archive.db",
    )
    db_arg(timestamp)
    timestamp.add_argument("--tsa", metavar="URL", required=True, help="the TSA's URL")


def cmd_timestamp(args: argparse.Namespace) -> int:
    from archive.timestamps import stamp_checkpoint

    try:
        with _archive("timestamp", Path(args.db)) as archive:
            waiting = [
                r[0]
                for r in archive.conn.execute(
                    "SELECT id FROM checkpoints WHERE id NOT IN"
                    " (SELECT checkpoint_id FROM timestamps WHERE token IS NOT NULL) ORDER BY id"
                )
            ]
            rows = [stamp_checkpoint(archive, checkpoint, args.tsa) for checkpoint in waiting]
    except _Refused as exc:
        return _fail("timestamp", str(exc))
    failed = [row for row in rows if not row["token"]]
    for row in rows:
        said = f"at {row['gen_time']}" if row["token"] else f"failed: {row['error']}"
        print(f"checkpoint {row['checkpoint_id']}: {said}")
    if not rows:
        print("every checkpoint has a token")
    return 1 if failed else 0


def add_signer_arguments(parser: Any) -> None:
    """Options of a domain-identity signature (instead of the archive's own key)."""
    group = parser.add_argument_group(
        "domain identity (optional; all five together): sign with a TLS certificate's key"
        " and have a time-stamping authority stamp the signature"
    )
    group.add_argument("--sign-domain", metavar="DOMAIN", help="the domain the certificate is for")
    group.add_argument("--domain-cert", metavar="PEM", help="its certificate chain, leaf first")
    group.add_argument("--domain-key", metavar="PEM", help="the certificate's private key")
    group.add_argument("--tsa", metavar="URL", dest="sign_tsa", help="the TSA that stamps it")
    group.add_argument("--tsa-chain", metavar="PEM", help="the TSA's certificate chain")


def _signer(args: argparse.Namespace) -> Any:
    """The domain signer the options name, None for the archive's own key; _Refused when
    only some of them are given or a file cannot be read."""
    from archive.signing import DomainSigner

    names = ("sign_domain", "domain_cert", "domain_key", "sign_tsa", "tsa_chain")
    given = [getattr(args, name, None) for name in names]
    if not any(given):
        return None
    if not all(given):
        raise _Refused(
            "a domain identity needs --sign-domain, --domain-cert, --domain-key, --tsa and"
            " --tsa-chain together"
        )
    try:
        return DomainSigner.from_files(
            args.sign_domain, Path(args.domain_cert), Path(args.domain_key), args.sign_tsa,
            Path(args.tsa_chain),
        )  # fmt: skip
    except (OSError, ValueError, TypeError) as exc:
        raise _Refused(f"cannot read the domain identity: {exc}") from exc


def _fail(command: str, message: str) -> int:
    print(f"govarchive {command}: {message}", file=sys.stderr)
    return 2


def _archive(command: str, db: Path) -> Any:
    from archive import Archive

    if not db.is_file():
        raise _Refused(f"no archive at {db}")
    try:
        return Archive(db)
    except sqlite3.DatabaseError as exc:
        raise _Refused(f"cannot open archive {db}: {exc}") from exc


class _Refused(Exception):
    """A problem the user can fix, said in one line (exit 2)."""


def cmd_evidence(args: argparse.Namespace) -> int:
    from archive.packages import document_selection, find_document
    from archive.timestamps import TimestampError
    from archive.wacz import write_wacz

    try:
        signer = _signer(args)
        with _archive("evidence", Path(args.db)) as archive:
            doc = find_document(archive, args.document)
            if doc is None:
                return _fail("evidence", f"no document {args.document!r} in {args.db}")
            selection = document_selection(archive, doc)
            write_wacz(
                archive,
                Path(args.output),
                selection,
                title=f"Evidence: {doc['title'] or doc['url']}",
                description=f"govarchive evidence package of document {doc['id']} ({doc['url']}),"
                f" status {doc['status']}",
                signer=signer,
            )
    except (_Refused, OSError, TimestampError) as exc:
        return _fail("evidence", str(exc))
    print(
        f"wrote {args.output}: {len(selection.fetches)} captures, {len(selection.events)} events,"
        f" {len(selection.resources)} records made by the archive (summary and versions)"
    )
    return 0


def export_wacz(args: argparse.Namespace) -> int:
    """``govarchive export --format wacz``: the archive (or what ``--since``/``--site``
    select) as one signed WACZ."""
    from archive.packages import archive_selection
    from archive.timestamps import TimestampError
    from archive.wacz import write_wacz

    if not args.output:
        return _fail("export", "a WACZ is a file: pass --output FILE.wacz")
    try:
        signer = _signer(args)
        with _archive("export", Path(args.db)) as archive:
            selection = archive_selection(archive, since=args.since, sites=args.site)
            write_wacz(
                archive,
                Path(args.output),
                selection,
                title=f"govarchive: {archive.path.name}",
                description="Captures of Chinese government information-disclosure pages and"
                " the archive's lifecycle verdicts",
                signer=signer,
            )
    except (_Refused, OSError, TimestampError) as exc:
        return _fail("export", str(exc))
    print(
        f"wrote {args.output}: {len(selection.fetches)} captures, {len(selection.events)} events",
        file=sys.stderr,
    )
    return 0


def verify_wacz_file(args: argparse.Namespace) -> int:
    from archive.signing import fingerprint, key_path, public_key_b64
    from archive.wacz import verify_wacz
    from parsers.record import strip_controls

    path = Path(args.wacz)
    if not path.is_file():
        return _fail("verify", f"no file {path}")
    check = verify_wacz(path)
    ours = None
    if Path(args.db).is_file() and key_path(args.db).is_file():
        from archive.signing import archive_key

        ours = fingerprint(public_key_b64(archive_key(args.db)))
    if check.signed and ours is not None and check.key_fingerprint != ours:
        check.problems.append(f"signed with key {check.key_fingerprint}, not {args.db}'s ({ours})")
    if not check.ok:
        print(f"{path}: NOT VERIFIED ({check.files} files)")
        for problem in check.problems:  # text from a package anyone may have made
            print(f"  - {strip_controls(problem)}")
        return 1
    if check.identity:
        facts = check.identity
        signed = (
            f"signed for {facts['domain']}, time-stamped {facts.get('timestamp')};"
            f" domain root {facts.get('domain_root')}, TSA root {facts.get('timestamp_root')}"
        )
    elif check.signed:
        signed = f"signed by key {check.key_fingerprint}" + (
            f" ({args.db}'s)" if ours == check.key_fingerprint else ""
        )
    else:
        signed = "not signed"
    print(f"{path}: verified ({check.files} files, {strip_controls(signed)})")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from archive.files import storage_dir
    from archive.ledger import verify
    from archive.schema import SCHEMA_VERSION, schema_version
    from archive.store import connect

    if args.wacz:
        return verify_wacz_file(args)
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
        tsa_cert = Path(args.tsa_cert) if args.tsa_cert else None
        verdict = verify(conn, storage_dir(db), head=args.head, tsa_cert=tsa_cert)
        last = conn.execute("SELECT * FROM checkpoints ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    for note in verdict.notes:
        print(f"note: {note}")
    checked = (
        f"{verdict.rows} chained rows, {verdict.checkpoints} checkpoints,"
        f" {verdict.bodies} stored bodies, {verdict.timestamps} time-stamps"
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
