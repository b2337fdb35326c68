"""Crawl benchmark: end-to-end throughput, incremental re-crawl, peak memory.

Serves a generated replica of at least 5,000 documents on 127.0.0.1, then in one run:

1. a bare Scrapy spider that only fetches the same detail URLs (the baseline),
2. a first `govarchive crawl` (fetch, parse, archive) with politeness off, into a new
   archive,

3. the same first crawl with capture-keeping off (``GOVARCHIVE_KEEP_CAPTURES=false``: no
   listing pages, error bodies, HTTP heads or peer addresses kept),

1, 2 and 3 in turn, three times (``--pairs``; on this 2-core machine one bare fetch of the
same URLs ran anywhere from 164 to 313 pages/s), then

4. a second, unchanged crawl of the last archive,

and prints pages/second of 1 and 2 with the ratio of their medians (target >= 0.7), the
second crawl's requests as a fraction of the first's (target < 0.1), each run's CPU
milliseconds per page (user + system, the crawl's every process: the number load does not
move), each process's peak memory, and what keeping every capture costs: the archive's bytes per document (the file
after VACUUM, with its file store) and the crawl's speed, against 3 (targets: at most
+15% bytes, speed within 5%).

``--server nginx`` (the default) serves a TRS replica as static files from nginx, so the
server is not the bottleneck; ``--server python`` serves TRS and Hanweb (whose list pages
are POSTs) from the demo's Python server, which is, and flatters the ratio.

    python benchmarks/crawl.py [--documents 5000] [--pairs 3] [--server nginx|python]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import yaml  # noqa: E402

from benchmarks.corpus_gen import documents  # noqa: E402
from benchmarks.nginx import NginxSite  # noqa: E402
from crawler.demo.documents import DemoDocument  # noqa: E402
from crawler.demo.server import ReplicaServer, ReplicaSite  # noqa: E402
from crawler.demo.site import (  # noqa: E402
    HANWEB_COLUMN_ID,
    TRS_COLUMN,
    build_hanweb,
    build_trs,
    hanweb_dataproxy,
    hanweb_path,
    trs_path,
)

RATIO_TARGET = 0.7  # first crawl pages/s over a bare Scrapy fetch's
CAPTURE_BYTES_TARGET = 1.15  # bytes per document with every capture kept, over without
CAPTURE_SPEED_TARGET = 0.95  # pages/s with every capture kept, over without

BARE_SPIDER = """
import sys, scrapy
from scrapy.crawler import CrawlerProcess

class Bare(scrapy.Spider):
    name = "bare"
    async def start(self):
        for url in open(sys.argv[1], encoding="utf-8").read().split():
            yield scrapy.Request(url, callback=self.parse)
    def parse(self, response):
        pass

process = CrawlerProcess({"LOG_LEVEL": "WARNING", "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16, "ROBOTSTXT_OBEY": False, "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False, "TELNETCONSOLE_ENABLED": False})
process.crawl(Bare)
process.start()
"""


def generated(count: int, families: tuple[str, ...] = ("hanweb", "trs")) -> list[DemoDocument]:
    docs = []
    for n, (title, body) in enumerate(documents(count, 1500, seed=3)):
        day = f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}"
        docs.append(
            DemoDocument(
                key=f"bench{n}",
                site=families[n % len(families)],
                title=title,
                issuer="某县人民政府",
                doc_no=f"某府发〔2024〕{n}号",
                index_no=f"BENCH-{n:06d}",
                doc_date=day,
                publish_date=day,
                body=body.split("\n"),
            )  # fmt: skip
        )
    return docs


class Run(NamedTuple):
    """One child process's run: wall seconds, peak RSS (MB) of its largest process, and
    CPU seconds (user + system) of it and every process it forked and waited for (the
    crawl's writer and parse workers)."""

    seconds: float
    peak_mb: float
    cpu_seconds: float


def timed(command: list[str]) -> Run:
    started = time.perf_counter()
    child = subprocess.Popen(command, env={**os.environ, "GOVARCHIVE_LOG_LEVEL": "WARNING"})
    # wait4's usage is the child's own plus that of the children it reaped.
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{command[:4]} exited {child.returncode}")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(time.perf_counter() - started, usage.ru_maxrss / 1024, cpu)


def cpu_ms(runs: list[Run], pages: int) -> str:
    """Milliseconds of CPU per page, each run's, as printed beside pages/s."""
    return ", ".join(f"{1000 * r.cpu_seconds / pages:.2f}" for r in runs)


def count_requests(db: Path, run_id: int) -> int:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM fetches WHERE run_id = ?", (run_id,)).fetchone()[
            0
        ]
    finally:
        conn.close()


def archive_bytes(db: Path) -> int:
    """The archive's size as it would be copied: the file after VACUUM, and its file store."""
    import sqlite3

    packed = db.with_suffix(".vacuumed")
    conn = sqlite3.connect(db)
    try:
        conn.execute("VACUUM INTO ?", (str(packed),))
        documents = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        conn.close()
    store = Path(f"{db}.files")
    stored = sum(f.stat().st_size for f in store.rglob("*") if f.is_file()) if store.exists() else 0
    size = packed.stat().st_size + stored
    packed.unlink()
    return size // max(documents, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=5000)
    parser.add_argument(
        "--parse-workers", default=None, help="GOVARCHIVE_PARSE_WORKERS for the crawl"
    )
    parser.add_argument("--server", choices=["nginx", "python"], default="nginx")
    parser.add_argument(
        "--pairs", type=int, default=3, help="bare fetches and first crawls, in turn"
    )
    args = parser.parse_args()
    if args.parse_workers is not None:
        os.environ["GOVARCHIVE_PARSE_WORKERS"] = args.parse_workers
    nginx = args.server == "nginx"
    docs = generated(args.documents, ("trs",) if nginx else ("hanweb", "trs"))
    started = time.perf_counter()
    trs_pages = build_trs(docs)
    hanweb = ReplicaSite(build_hanweb(docs), lambda s, e: hanweb_dataproxy(docs, s, e))
    print(f"replica: {len(docs)} documents ({sum(d.site == 'trs' for d in docs)} TRS, "
          f"{sum(d.site == 'hanweb' for d in docs)} Hanweb), built in {time.perf_counter() - started:.1f}s,"
          f" served by {'nginx' if nginx else 'the demo Python server'}")  # fmt: skip
    with (
        NginxSite(trs_pages) if nginx else ReplicaServer(ReplicaSite(trs_pages)) as trs_server,
        ReplicaServer(hanweb) as hanweb_server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        tmp_path = Path(tmp)
        urls = [
            trs_server.url + trs_path(d) if d.site == "trs" else hanweb_server.url + hanweb_path(d)
            for d in docs
        ]
        (tmp_path / "urls.txt").write_text("\n".join(urls), encoding="utf-8")
        (tmp_path / "bare.py").write_text(BARE_SPIDER, encoding="utf-8")
        fast = {"delay": 0, "concurrency": 16, "obey_robots": False, "revisit_days": 30}
        registry = {"sites": [
            {"name": "bench-trs", "title": "基准TRS", "family": "trs",
             "start_urls": [f"{trs_server.url}{TRS_COLUMN}index.html"], **fast},
            {"name": "bench-hanweb", "title": "基准Hanweb", "family": "hanweb",
             "start_urls": [f"{hanweb_server.url}/col/col{HANWEB_COLUMN_ID}/index.html"], **fast},
        ][: 1 if nginx else 2]}  # fmt: skip
        (tmp_path / "sites.yaml").write_text(
            yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8"
        )

        def crawl(db: Path) -> list[str]:
            return [sys.executable, "-m", "crawler.cli", "crawl", "--sites", str(tmp_path / "sites.yaml"),
                    "--db", str(db), "--log-level", "WARNING"]  # fmt: skip

        bare_runs, first_runs, lean_runs = [], [], []
        for pair in range(args.pairs):
            bare_runs.append(timed(
                [sys.executable, str(tmp_path / "bare.py"), str(tmp_path / "urls.txt")]
            ))  # fmt: skip
            db = tmp_path / f"bench{pair}.db"
            first_runs.append(timed([*crawl(db), "--now", "2025-04-01T02:00:00+08:00"]))
            lean = tmp_path / f"lean{pair}.db"
            lean_runs.append(timed([*crawl(lean), "--now", "2025-04-01T02:00:00+08:00",
                                    "--set", "GOVARCHIVE_KEEP_CAPTURES=false"]))  # fmt: skip
            print(f"  pair {pair + 1}: bare {len(urls) / bare_runs[-1].seconds:.1f} pages/s"
                  f" ({cpu_ms(bare_runs[-1:], len(urls))} ms CPU/page),"
                  f" govarchive {len(urls) / first_runs[-1].seconds:.1f} pages/s"
                  f" ({cpu_ms(first_runs[-1:], len(urls))} ms CPU/page),"
                  f" without captures {len(urls) / lean_runs[-1].seconds:.1f} pages/s"
                  f" ({cpu_ms(lean_runs[-1:], len(urls))} ms CPU/page)")  # fmt: skip
        kept_bytes, lean_bytes = archive_bytes(db), archive_bytes(lean)
        second_s, second_mb, _ = timed([*crawl(db), "--now", "2025-04-02T02:00:00+08:00"])
        first_requests, second_requests = count_requests(db, 1), count_requests(db, 2)

    bare_s = statistics.median(r.seconds for r in bare_runs)
    first_s = statistics.median(r.seconds for r in first_runs)
    bare_mb = max(r.peak_mb for r in bare_runs)
    first_mb = max(r.peak_mb for r in first_runs)
    bare_rate = len(urls) / bare_s
    first_rate = len(urls) / first_s
    median = f"median of {args.pairs}"
    print(f"bare Scrapy fetch of the {len(urls)} detail URLs : {bare_s:6.1f}s  {bare_rate:7.1f} pages/s  peak {bare_mb:.0f} MB"
          f"  ({median}; CPU per page, every run: {cpu_ms(bare_runs, len(urls))} ms)")  # fmt: skip
    print(f"govarchive first crawl (fetch, parse, archive) : {first_s:6.1f}s  {first_rate:7.1f} pages/s  peak {first_mb:.0f} MB"
          f"  ({median}; {first_requests} requests incl. list pages and attachments;"
          f" CPU per page, every run, all processes: {cpu_ms(first_runs, len(urls))} ms)")  # fmt: skip
    print(
        f"govarchive second, unchanged crawl             : {second_s:6.1f}s  {second_requests} requests  peak {second_mb:.0f} MB"
    )
    lean_s = statistics.median(r.seconds for r in lean_runs)
    bytes_ratio = kept_bytes / lean_bytes
    speed_ratio = lean_s / first_s
    print(
        f"every capture kept: {kept_bytes} bytes per document against {lean_bytes} without"
        f" ({bytes_ratio:.3f}, target <= {CAPTURE_BYTES_TARGET}:"
        f" {'met' if bytes_ratio <= CAPTURE_BYTES_TARGET else 'MISSED'}); speed"
        f" {speed_ratio:.3f} of the crawl without (target >= {CAPTURE_SPEED_TARGET}:"
        f" {'met' if speed_ratio >= CAPTURE_SPEED_TARGET else 'MISSED'}; {median})"
    )
    ratio = first_rate / bare_rate
    fraction = second_requests / first_requests
    print(
        f"ratio first crawl / bare fetch: {ratio:.2f} (target >= {RATIO_TARGET}:"
        f" {'met' if ratio >= RATIO_TARGET else 'MISSED'})"
    )
    print(
        f"second crawl requests / first: {fraction:.3f} (target < 0.1: {'met' if fraction < 0.1 else 'MISSED'})"
    )
    captures_met = bytes_ratio <= CAPTURE_BYTES_TARGET and speed_ratio >= CAPTURE_SPEED_TARGET
    return 0 if ratio >= RATIO_TARGET and fraction < 0.1 and captures_met else 1


if __name__ == "__main__":
    sys.exit(main())
