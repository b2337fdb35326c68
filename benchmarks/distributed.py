"""Distributed crawl benchmark: two replica sites through RQ with one worker, then two.

Serves a generated replica (TRS and Hanweb, half the documents each) on 127.0.0.1 and
starts its own redis-server; each round queues both sites (``govarchive enqueue``), runs
``govarchive worker --burst`` processes and ``govarchive ingest`` until the run is
finished, into a fresh archive. Both sites are polite (one request at a time, a delay), as
in production, so one worker crawls them one after the other and two side by side.

Prints each round's wall time (queueing to the last item written) and the ratio
(target <= 0.65), and checks every document was archived exactly once.

    python benchmarks/distributed.py [--documents 400] [--delay 0.1]
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml  # noqa: E402

from benchmarks.crawl import generated  # noqa: E402
from crawler.demo.redis_server import RedisServer  # noqa: E402
from crawler.demo.server import ReplicaServer, ReplicaSite  # noqa: E402
from crawler.demo.site import (  # noqa: E402
    HANWEB_COLUMN_ID,
    TRS_COLUMN,
    build_hanweb,
    build_trs,
    hanweb_dataproxy,
)

TARGET = 0.65  # 2-worker wall time / 1-worker wall time
GOVARCHIVE = [sys.executable, "-m", "crawler.cli"]


def round_trip(workers: int, registry: Path, db: Path) -> float:
    """Seconds from queueing both sites to the run being finished in the archive."""
    with RedisServer() as redis:
        started = time.perf_counter()
        queued = subprocess.run(
            [*GOVARCHIVE, "enqueue", "--redis", redis.url, "--db", str(db), "--sites",
             str(registry), "--now", "2025-04-01T02:00:00+08:00"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        run_id = queued.stdout.split()[1].rstrip(":")
        running = [
            subprocess.Popen(
                [*GOVARCHIVE, "worker", "--redis", redis.url, "--burst"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            for _ in range(workers)
        ]
        subprocess.run(
            [*GOVARCHIVE, "ingest", "--redis", redis.url, "--db", str(db), "--run", run_id],
            capture_output=True, check=True,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        for worker in running:
            worker.wait()
    return seconds


def archived(db: Path) -> tuple[int, int]:
    """(documents, 'new' events) in an archive."""
    conn = sqlite3.connect(db)
    try:
        docs = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        new = conn.execute("SELECT count(*) FROM document_events WHERE event = 'new'").fetchone()[0]
        return int(docs), int(new)
    finally:
        conn.close()


def footprint(db: Path) -> tuple[int, int]:
    """(bytes of the SQLite file with its WAL, bytes of the raw page and attachment store)."""
    sqlite_bytes = sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file())
    store = Path(f"{db}.files")
    stored = sum(p.stat().st_size for p in store.rglob("*") if p.is_file()) if store.exists() else 0
    return sqlite_bytes, stored


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=400)
    parser.add_argument("--delay", type=float, default=0.1, help="each site's delay (s)")
    args = parser.parse_args()
    docs = generated(args.documents)
    trs = ReplicaSite(build_trs(docs))
    hanweb = ReplicaSite(build_hanweb(docs), lambda s, e: hanweb_dataproxy(docs, s, e))
    with (
        ReplicaServer(trs) as trs_server,
        ReplicaServer(hanweb) as hanweb_server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        polite = {"delay": args.delay, "concurrency": 1, "obey_robots": False}
        registry = {"sites": [
            {"name": "bench-trs", "title": "基准TRS", "family": "trs",
             "start_urls": [f"{trs_server.url}{TRS_COLUMN}index.html"], **polite},
            {"name": "bench-hanweb", "title": "基准Hanweb", "family": "hanweb",
             "start_urls": [f"{hanweb_server.url}/col/col{HANWEB_COLUMN_ID}/index.html"], **polite},
        ]}  # fmt: skip
        path = Path(tmp) / "sites.yaml"
        path.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
        one = round_trip(1, path, Path(tmp) / "one.db")
        two = round_trip(2, path, Path(tmp) / "two.db")
        counts = archived(Path(tmp) / "one.db"), archived(Path(tmp) / "two.db")
        sqlite_bytes, stored = footprint(Path(tmp) / "two.db")
    print(f"distributed crawl: {len(docs)} documents on 2 sites, delay {args.delay}s, through RQ")
    print(f"  1 worker : {one:6.1f}s  ({counts[0][0]} documents, {counts[0][1]} new events)")
    print(f"  2 workers: {two:6.1f}s  ({counts[1][0]} documents, {counts[1][1]} new events)")
    print(f"  archive: {sqlite_bytes / len(docs) / 1024:.1f} KB per document in SQLite (search index"
          f" included), {stored / len(docs) / 1024:.1f} KB in the raw page store")  # fmt: skip
    once = all(c == (len(docs), len(docs)) for c in counts)
    ratio = two / one
    print(f"  ratio 2 workers / 1: {ratio:.2f} (target <= {TARGET}: {'met' if ratio <= TARGET else 'MISSED'});"
          f" every document archived exactly once: {'yes' if once else 'NO'}")  # fmt: skip
    return 0 if ratio <= TARGET and once else 1


if __name__ == "__main__":
    sys.exit(main())
