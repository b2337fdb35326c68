"""Distributed crawl benchmark: four polite replica sites crawled locally and through RQ.

Serves four generated replica sites (two TRS, two Hanweb) on 127.0.0.1 and starts its own
redis-server; every round crawls all four into a fresh archive, as in production: each site
one request at a time with its delay. In the same run:

- a local crawl (``govarchive crawl``: the four sites together in one process);
- one worker with four processes (``govarchive worker --processes 4``): as fast as the local
  crawl, since it too crawls the four sites at once (target: >= 0.8 of its speed);
- one worker, then two, with two processes each: two workers crawl all four at once where
  one crawls two, then the other two (target: two take <= 0.65 of one's wall time).

Prints each round's wall time (queueing to the run finished in the archive) and the ratios,
and checks every document was archived exactly once in every round.

    python benchmarks/distributed.py [--documents 400] [--delay 0.1]
"""

from __future__ import annotations

import argparse
import contextlib
import os
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
LOCAL_TARGET = 0.8  # 1 worker's speed / a local crawl's speed
NIGHT = "2025-04-01T02:00:00+08:00"
SITES = 4
GOVARCHIVE = [sys.executable, "-m", "crawler.cli"]
QUIET = {**os.environ, "GOVARCHIVE_LOG_LEVEL": "WARNING"}


def local_crawl(registry: Path, db: Path) -> float:
    """Seconds of one ``govarchive crawl`` of every site."""
    started = time.perf_counter()
    subprocess.run(
        [*GOVARCHIVE, "crawl", "--sites", str(registry), "--db", str(db), "--now", NIGHT],
        capture_output=True, check=True, env=QUIET,
    )  # fmt: skip
    return time.perf_counter() - started


def round_trip(workers: int, processes: int, registry: Path, db: Path) -> float:
    """Seconds from queueing every site to the run being finished in the archive."""
    with RedisServer() as redis:
        started = time.perf_counter()
        queued = subprocess.run(
            [*GOVARCHIVE, "enqueue", "--redis", redis.url, "--db", str(db), "--sites",
             str(registry), "--now", NIGHT],
            capture_output=True, text=True, check=True, env=QUIET,
        )  # fmt: skip
        run_id = queued.stdout.split()[1].rstrip(":")
        running = [
            subprocess.Popen(
                [
                    *GOVARCHIVE,
                    "worker",
                    "--redis",
                    redis.url,
                    "--burst",
                    "--processes",
                    str(processes),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=QUIET,
            )  # fmt: skip
            for _ in range(workers)
        ]
        subprocess.run(
            [*GOVARCHIVE, "ingest", "--redis", redis.url, "--db", str(db), "--run", run_id],
            capture_output=True, check=True, env=QUIET,
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


def replicas(docs: list) -> list[tuple[str, ReplicaSite]]:
    """Four sites, every fourth document each (generated documents alternate families)."""
    sites = []
    for n in range(SITES):
        mine = docs[n::SITES]
        family = mine[0].site
        if family == "trs":
            sites.append((family, ReplicaSite(build_trs(mine))))
        else:
            dataproxy = lambda s, e, mine=mine: hanweb_dataproxy(mine, s, e)  # noqa: E731
            sites.append((family, ReplicaSite(build_hanweb(mine), dataproxy)))
    return sites


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=400)
    parser.add_argument("--delay", type=float, default=0.1, help="each site's delay (s)")
    args = parser.parse_args()
    docs = generated(args.documents)
    sites = replicas(docs)
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(ReplicaServer(site)) for _, site in sites]
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        polite = {"delay": args.delay, "concurrency": 1, "obey_robots": False}
        starts = {
            "trs": f"{TRS_COLUMN}index.html",
            "hanweb": f"/col/col{HANWEB_COLUMN_ID}/index.html",
        }
        entries = [
            {"name": f"bench-{family}-{n}", "title": f"基准{n}", "family": family,
             "start_urls": [f"{server.url}{starts[family]}"], **polite}
            for n, ((family, _), server) in enumerate(zip(sites, servers, strict=True))
        ]  # fmt: skip
        path = tmp / "sites.yaml"
        path.write_text(yaml.safe_dump({"sites": entries}, allow_unicode=True), encoding="utf-8")
        rounds = {
            "local crawl": local_crawl(path, tmp / "local.db"),
            "1 worker x 4 processes": round_trip(1, 4, path, tmp / "w1x4.db"),
            "1 worker x 2 processes": round_trip(1, 2, path, tmp / "w1x2.db"),
            "2 workers x 2 processes": round_trip(2, 2, path, tmp / "w2x2.db"),
        }
        dbs = ["local.db", "w1x4.db", "w1x2.db", "w2x2.db"]
        counts = {name: archived(tmp / db) for name, db in zip(rounds, dbs, strict=True)}
        sqlite_bytes, stored = footprint(tmp / "w2x2.db")
    print(f"distributed crawl: {len(docs)} documents on {SITES} sites, delay {args.delay}s")
    for name, seconds in rounds.items():
        docs_, news = counts[name]
        print(f"  {name:24s}: {seconds:6.1f}s  ({docs_} documents, {news} new events)")
    print(f"  archive: {sqlite_bytes / len(docs) / 1024:.1f} KB per document in SQLite (search index"
          f" included), {stored / len(docs) / 1024:.1f} KB in the raw page store")  # fmt: skip
    once = all(c == (len(docs), len(docs)) for c in counts.values())
    speed = rounds["local crawl"] / rounds["1 worker x 4 processes"]
    ratio = rounds["2 workers x 2 processes"] / rounds["1 worker x 2 processes"]
    print(f"  1 worker's speed / a local crawl's: {speed:.2f} (target >= {LOCAL_TARGET}:"
          f" {'met' if speed >= LOCAL_TARGET else 'MISSED'})")  # fmt: skip
    print(f"  ratio 2 workers / 1: {ratio:.2f} (target <= {TARGET}: {'met' if ratio <= TARGET else 'MISSED'});"
          f" every document archived exactly once: {'yes' if once else 'NO'}")  # fmt: skip
    return 0 if ratio <= TARGET and speed >= LOCAL_TARGET and once else 1


if __name__ == "__main__":
    sys.exit(main())
