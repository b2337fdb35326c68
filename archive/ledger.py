"""The tamper-evident log: every capture, version and event row joins a hash chain, and each
run ends with a checkpoint holding the chain's head; ``verify`` recomputes it all.

Each ``chain`` entry's hash is SHA-256 over the previous entry's hash, the row's table and
id, and the SHA-256 of the row's canonical content (its non-null columns as sorted JSON;
a fetch row holds its capture's SHA-256, so the capture's bytes are covered too, and
``verify`` checks every stored body against its hash). A column added by a later schema
is NULL in older rows and so leaves their hashes as they were.

Rows are chained when they are sealed: at the end of each run (``seal``, which writes the
checkpoint) and before a run starts, for what a killed run left. ``verify`` names the first
row that was altered (its content no longer gives its chain hash), deleted (a chain entry
with no row), inserted (a row the chain never sealed, while no run is open) and any stored
body whose bytes no longer give its SHA-256.

What the chain cannot show alone: someone who rewrites a row *and* recomputes every chain
hash and checkpoint after it. A checkpoint's head kept outside the archive (printed by each
crawl, in an exported WACZ) is what shows that; ``verify --head`` checks one.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Tables whose rows join the chain, in the order a seal takes them, and their short names.
CHAINED: tuple[tuple[str, str], ...] = (
    ("fetches", "f"),
    ("versions", "v"),
    ("document_events", "e"),
    ("attachment_files", "a"),
)
TABLE_OF = {short: table for table, short in CHAINED}


def chained_tables(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """The chained tables this archive has (a migration seals before later ones exist)."""
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return [(table, short) for table, short in CHAINED if table in present]


GENESIS = b"govarchive chain v1"


def row_digest(row: sqlite3.Row | dict[str, Any]) -> bytes:
    """SHA-256 of a row's canonical content: its non-null columns, sorted, as JSON (bytes
    as hex)."""
    data = {}
    for key in row.keys():  # noqa: SIM118 - sqlite3.Row has keys(), not iteration by key
        value = row[key]
        if value is None:
            continue
        data[key] = value.hex() if isinstance(value, (bytes, memoryview)) else value
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).digest()


def link(previous: bytes, short: str, row_id: int, digest: bytes) -> bytes:
    """One chain entry's hash."""
    return hashlib.sha256(previous + f"|{short}|{row_id}|".encode() + digest).digest()


def head(conn: sqlite3.Connection) -> tuple[int, bytes]:
    """The chain's last (seq, hash); (0, SHA-256 of GENESIS) when empty."""
    row = conn.execute("SELECT seq, hash FROM chain ORDER BY seq DESC LIMIT 1").fetchone()
    if row is None:
        return 0, hashlib.sha256(GENESIS).digest()
    return int(row[0]), bytes(row[1])


def marks(conn: sqlite3.Connection) -> dict[str, int]:
    """Each chained table's highest sealed row id (0: none), from the last checkpoint."""
    row = conn.execute("SELECT marks FROM checkpoints ORDER BY id DESC LIMIT 1").fetchone()
    sealed = json.loads(row[0]) if row and row[0] else {}
    return {table: int(sealed.get(table, 0)) for table, _ in CHAINED}


def seal(
    conn: sqlite3.Connection, *, at: str, run_id: int | None, note: str, always: bool = False
) -> dict[str, Any] | None:
    """Chain every committed row not yet chained and write a checkpoint of the head (inside
    the caller's transaction); the checkpoint as a dict, or None when there was nothing to
    seal (unless ``always``)."""
    seq, previous = head(conn)
    sealed = marks(conn)
    entries: list[tuple[int, str, int, bytes]] = []
    for table, short in chained_tables(conn):
        for row in conn.execute(
            f"SELECT * FROM {table} WHERE id > ? ORDER BY id", (sealed[table],)
        ):
            seq += 1
            previous = link(previous, short, int(row["id"]), row_digest(row))
            entries.append((seq, short, int(row["id"]), previous))
            sealed[table] = int(row["id"])
    if not entries and not always:
        return None
    conn.executemany("INSERT INTO chain (seq, tbl, row_id, hash) VALUES (?,?,?,?)", entries)
    checkpoint = {
        "run_id": run_id,
        "at": at,
        "seq": seq,
        "head": previous.hex(),
        "rows": len(entries),
        "marks": json.dumps(sealed, sort_keys=True),
        "note": note,
    }
    cur = conn.execute(
        "INSERT INTO checkpoints (run_id, at, seq, head, rows, marks, note)"
        " VALUES (:run_id, :at, :seq, :head, :rows, :marks, :note)",
        checkpoint,
    )
    checkpoint["id"] = int(cur.lastrowid or 0)
    return checkpoint


@dataclass
class Verdict:
    """What ``verify`` found: ``problems`` (each naming a row), and what it checked."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: int = 0
    bodies: int = 0
    checkpoints: int = 0
    timestamps: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(
    conn: sqlite3.Connection,
    files_dir: Path,
    head: str | None = None,
    limit: int = 20,
    tsa_cert: Path | None = None,
) -> Verdict:
    """Recompute the chain and every stored body's SHA-256 (see the module docstring);
    at most ``limit`` problems are listed, the first one first. ``head``: a checkpoint's
    head kept outside the archive, which the chain must still hold. Each RFC 3161 token
    must stamp its checkpoint's head (and, given ``tsa_cert``, the TSA's certificate or its
    CA's, verify with it)."""
    verdict = Verdict()
    _check_chain(conn, verdict)
    _check_timestamps(conn, verdict, tsa_cert)
    if (
        head is not None
        and not conn.execute(
            "SELECT 1 FROM checkpoints c JOIN chain h ON h.seq = c.seq"
            " WHERE c.head = ? AND lower(hex(h.hash)) = ?",
            (head.lower(), head.lower()),
        ).fetchone()
    ):
        verdict.problems.insert(
            0, f"no checkpoint of the chain holds head {head}: the chain was rewritten or cut"
        )
    _check_unsealed(conn, verdict)
    _check_bodies(conn, files_dir, verdict)
    del verdict.problems[limit:]
    return verdict


def _check_chain(conn: sqlite3.Connection, verdict: Verdict) -> None:
    previous = hashlib.sha256(GENESIS).digest()
    heads: dict[int, list[tuple[int, str]]] = {}
    for r in conn.execute("SELECT id, seq, head FROM checkpoints"):
        heads.setdefault(int(r["seq"]), []).append((int(r["id"]), r["head"]))
        verdict.checkpoints += 1
    expected_seq = 0
    for entry in conn.execute("SELECT seq, tbl, row_id, hash FROM chain ORDER BY seq"):
        expected_seq += 1
        seq, short, row_id, stored = int(entry[0]), entry[1], int(entry[2]), bytes(entry[3])
        if seq != expected_seq:
            verdict.problems.append(
                f"chain entries {expected_seq} to {seq - 1} were deleted (the rows they sealed"
                " can no longer be checked)"
            )
            expected_seq = seq
        verdict.rows += 1
        table = TABLE_OF.get(short)
        if table is None:  # only a hand on the file writes another name here
            verdict.problems.append(f"chain entry {seq} names no chained table ({short!r})")
            previous = stored
            continue
        row = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone()
        if row is None:
            verdict.problems.append(f"{table} row {row_id} was deleted (chain entry {seq})")
        elif link(previous, short, row_id, row_digest(row)) != stored:
            verdict.problems.append(
                f"{table} row {row_id} was altered after it was sealed (chain entry {seq})"
            )
        for checkpoint_id, checkpoint_head in heads.get(seq, ()):
            if checkpoint_head != stored.hex():
                verdict.problems.append(
                    f"checkpoint {checkpoint_id} does not hold the chain's head at entry {seq}"
                )
        previous = stored


def _check_timestamps(conn: sqlite3.Connection, verdict: Verdict, tsa_cert: Path | None) -> None:
    from archive.timestamps import TimestampError, check_token

    tsa_pem = tsa_cert.read_bytes() if tsa_cert is not None else None
    for row in conn.execute(
        "SELECT t.id, t.token, c.id AS checkpoint_id, c.head FROM timestamps t"
        " JOIN checkpoints c ON c.id = t.checkpoint_id WHERE t.token IS NOT NULL ORDER BY t.id"
    ):
        verdict.timestamps += 1
        try:
            check_token(bytes(row["token"]), row["head"], tsa_pem)
        except TimestampError as exc:
            verdict.problems.append(
                f"timestamps row {row['id']} (checkpoint {row['checkpoint_id']}): {exc}"
            )


def _check_unsealed(conn: sqlite3.Connection, verdict: Verdict) -> None:
    """Rows the chain never sealed: inside its range they were inserted; past its last
    mark, they were written since the last checkpoint, which only an open run does."""
    sealed = marks(conn)
    open_runs = [r[0] for r in conn.execute("SELECT id FROM runs WHERE finished_at IS NULL")]
    for table, short in chained_tables(conn):
        chained = conn.execute(
            f"SELECT count(*) FROM {table} WHERE id <= ? AND id NOT IN"
            " (SELECT row_id FROM chain WHERE tbl = ?)",
            (sealed[table], short),
        ).fetchone()[0]
        if chained:
            first = conn.execute(
                f"SELECT min(id) FROM {table} WHERE id <= ? AND id NOT IN"
                " (SELECT row_id FROM chain WHERE tbl = ?)",
                (sealed[table], short),
            ).fetchone()[0]
            verdict.problems.append(
                f"{table} row {first} was inserted among sealed rows ({chained} such rows)"
            )
        later = conn.execute(
            f"SELECT count(*), min(id) FROM {table} WHERE id > ?", (sealed[table],)
        ).fetchone()
        if not later[0]:
            continue
        if open_runs:
            verdict.notes.append(
                f"{later[0]} {table} rows not sealed yet: run {open_runs[0]} is open"
            )
        else:
            verdict.problems.append(
                f"{table} row {later[1]} was inserted after the last checkpoint, with no run"
                f" open ({later[0]} such rows)"
            )


def _check_bodies(conn: sqlite3.Connection, files_dir: Path, verdict: Verdict) -> None:
    """Every kept raw page and stored file gives its SHA-256; every capture a fetch names is
    kept (a page in ``raw_pages``, a file in the file store)."""
    for row in conn.execute("SELECT sha256, compression, content FROM raw_pages"):
        verdict.bodies += 1
        try:
            body = _unpack(row["compression"], bytes(row["content"]))
        except (zlib.error, ValueError):
            body = None
        if body is None or hashlib.sha256(body).hexdigest() != row["sha256"]:
            verdict.problems.append(f"raw page {row['sha256']} was altered: {_users(conn, row)}")
    named = _named_files(conn)
    unnamed = []
    for path in sorted(files_dir.glob("??/*")) if files_dir.is_dir() else []:
        if path.suffix == ".tmp":
            continue
        verdict.bodies += 1
        if _file_sha(path) != path.name:
            verdict.problems.append(f"stored file {path.parent.name}/{path.name} was altered")
        elif path.name not in named:
            unnamed.append(path.name)
    if unnamed:
        # Stored before its row committed, by a crawl killed in between (or put there by
        # hand): evidence of nothing, and nothing recorded names it.
        verdict.notes.append(
            f"{len(unnamed)} stored file(s) no row names, e.g. {unnamed[0]}: a crawl stopped"
            " between storing a file and recording it; they are evidence of nothing"
        )
    for fetch_id, sha in conn.execute(
        "SELECT f.id, f.raw_sha256 FROM fetches f WHERE f.raw_sha256 IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM raw_pages r WHERE r.sha256 = f.raw_sha256)"
        " ORDER BY f.id"
    ):
        if not (files_dir / sha[:2] / sha).is_file():
            verdict.problems.append(f"fetches row {fetch_id}: its capture {sha} is missing")
            return


def _named_files(conn: sqlite3.Connection) -> set[str]:
    """The SHA-256 of every file a row names: attachments (current and replaced) and
    captures kept in the file store."""
    named = {r[0] for r in conn.execute("SELECT sha256 FROM attachments WHERE sha256 IS NOT NULL")}
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'attachment_files'").fetchone():
        named.update(r[0] for r in conn.execute("SELECT sha256 FROM attachment_files"))
    named.update(
        r[0] for r in conn.execute("SELECT raw_sha256 FROM fetches WHERE raw_sha256 IS NOT NULL")
    )
    return named


def _unpack(compression: str, content: bytes) -> bytes | None:
    if compression == "zlib":
        return zlib.decompress(content)
    return content if compression == "none" else None


def _users(conn: sqlite3.Connection, row: sqlite3.Row) -> str:
    first = conn.execute(
        "SELECT min(id) FROM fetches WHERE raw_sha256 = ?", (row["sha256"],)
    ).fetchone()[0]
    return f"first kept by fetches row {first}" if first else "no fetch names it"


def _file_sha(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
