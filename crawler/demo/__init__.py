"""The bundled offline demo: two replica government sites and the two-day crawl of them.

``DemoWorld`` serves the demo sites on 127.0.0.1 (day one, then the "next day" with one
document edited, one removed and one new); ``run_demo`` crawls them with the real spiders
and pipeline into an archive, each crawl in a child process, and prints what it found.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

import yaml

from crawler.demo.documents import DemoDocument, day_one, day_two
from crawler.demo.server import ReplicaServer, ReplicaSite
from crawler.demo.site import (
    HANWEB_COLUMN_ID,
    SITE_TITLES,
    TRS_COLUMN,
    build_hanweb,
    build_trs,
    hanweb_dataproxy,
)


class DemoWorld:
    """Both demo sites, served; ``set_day(2)`` switches them to the next day's state."""

    def __init__(self, ports: tuple[int, int] = (0, 0)) -> None:
        """``ports``: where to serve the two sites if free (0: any free port)."""
        self.days: dict[int, list[DemoDocument]] = {1: day_one()}
        self.days[2] = day_two(self.days[1])
        self.trs = ReplicaSite({})
        self.hanweb = ReplicaSite({})
        self.servers = [ReplicaServer(self.trs, ports[0]), ReplicaServer(self.hanweb, ports[1])]
        self.day = 0
        self.set_day(1)

    def set_day(self, day: int) -> None:
        docs = self.days[day]
        self.trs.replace(build_trs(docs))
        self.hanweb.replace(build_hanweb(docs), lambda s, e: hanweb_dataproxy(docs, s, e))
        self.day = day

    @property
    def documents(self) -> list[DemoDocument]:
        return self.days[self.day]

    def __enter__(self) -> DemoWorld:
        for server in self.servers:
            server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self.servers:
            server.stop()

    def registry(self) -> dict:
        trs, hanweb = self.servers
        return {
            "sites": [
                {
                    "name": "demo-wangcang",
                    "title": SITE_TITLES["trs"],
                    "jurisdiction": "四川省广元市旺苍县（演示）",
                    "level": "county",
                    "family": "trs",
                    "start_urls": [f"{trs.url}{TRS_COLUMN}index.html"],
                    "delay": 0,
                    "revisit_days": 1,
                },
                {
                    "name": "demo-yiyuan",
                    "title": SITE_TITLES["hanweb"],
                    "jurisdiction": "山东省淄博市沂源县（演示）",
                    "level": "county",
                    "family": "hanweb",
                    "start_urls": [f"{hanweb.url}/col/col{HANWEB_COLUMN_ID}/index.html"],
                    "delay": 0,
                    "revisit_days": 1,
                },
            ]
        }

    def write_registry(self, path: Path) -> Path:
        path.write_text(yaml.safe_dump(self.registry(), allow_unicode=True), encoding="utf-8")
        return path


def crawl_command(registry: Path, db: Path, now: str) -> list[str]:
    return [
        sys.executable, "-m", "crawler.cli", "crawl",
        "--sites", str(registry), "--db", str(db), "--now", now, "--log-level", "WARNING",
    ]  # fmt: skip


def run_demo(db: Path, out: TextIO = sys.stdout) -> int:
    """Serve the demo sites and crawl them on three simulated days; return an exit code."""
    from archive import Archive
    from archive.store import TZ

    started = time.monotonic()
    # Serve where an earlier demo run into this archive did, so the documents keep their
    # URLs and a re-run adds nothing new (the ports are in the archive's sites table).
    with Archive(db) as archive:
        previous = archive.site_start_urls()
        latest = archive.latest_run_time()
    # The three simulated days end today; a demo run into an archive that already holds
    # runs goes on after them (time only moves forward in an archive).
    today = datetime.now(TZ).replace(microsecond=0) - timedelta(days=2)
    if latest is not None and latest + timedelta(hours=1) > today:
        today = latest + timedelta(hours=1)
    ports = tuple(
        urlsplit(previous[name][0]).port or 0 if previous.get(name) else 0
        for name in ("demo-wangcang", "demo-yiyuan")
    )
    plan = [
        (1, today, "day 1: first crawl of both demo sites"),
        (2, today + timedelta(days=1), "day 2: one document edited, one removed, one new"),
        (2, today + timedelta(days=2), "day 3: the removed document is confirmed gone"),
    ]
    with DemoWorld(ports) as world, tempfile.TemporaryDirectory() as tmp:
        registry = world.write_registry(Path(tmp) / "demo-sites.yaml")
        for day, when, what in plan:
            world.set_day(day)
            print(f"-- {what} (crawl time {when.isoformat()})", file=out, flush=True)
            done = subprocess.run(crawl_command(registry, db, when.isoformat()), check=False)
            if done.returncode != 0:
                print(f"crawl failed with exit code {done.returncode}", file=out)
                return done.returncode
            print_day_events(db, out)
    with Archive(db) as archive:
        counts = archive.counts()
        edited = archive.conn.execute(
            "SELECT url FROM documents WHERE version_count > 1 ORDER BY last_changed DESC LIMIT 1"
        ).fetchone()
        gone = archive.conn.execute(
            "SELECT id FROM documents WHERE status = 'gone' ORDER BY gone_at DESC LIMIT 1"
        ).fetchone()
    print(
        "\ngovarchive demo: {documents} documents ({live} live, {gone} removed, {delisted} delisted),"
        " {versions} versions, {attachments} attachments, {fetch_errors} fetch errors,"
        " {runs} crawls in the archive; took {secs:.1f}s".format(
            secs=time.monotonic() - started, **counts
        ),
        file=out,
    )
    print(f"archive: {db}", file=out)
    if edited:
        print(f"see the edit: .venv/bin/govarchive diff {edited[0]} --db {db}", file=out)
    if gone:
        print(
            f"the removal as evidence: .venv/bin/govarchive evidence {gone[0]} --db {db}"
            " --output removed.wacz",
            file=out,
        )
    print(f"check nothing was altered: .venv/bin/govarchive verify --db {db}", file=out)
    print(f"browse it:    make serve   (or .venv/bin/govarchive serve --db {db})", file=out)
    return 0


def print_day_events(db: Path, out: TextIO) -> None:
    """The lifecycle events the latest crawl recorded, by kind, with a few titles."""
    from archive import Archive

    with Archive(db) as archive:
        rows = archive.conn.execute(
            "SELECT e.event, d.title FROM document_events e JOIN documents d"
            " ON d.id = e.document_id WHERE e.run_id = (SELECT max(id) FROM runs) ORDER BY e.id"
        ).fetchall()
    by_event: dict[str, list[str]] = {}
    for event, title in rows:
        by_event.setdefault(event, []).append(title or "(untitled)")
    if not by_event:
        print("   events: none (nothing new, edited or removed)", file=out)
    for event, titles in by_event.items():
        shown = "; ".join(titles[:2]) + (f"; … {len(titles) - 2} more" if len(titles) > 2 else "")
        print(f"   {event}: {len(titles)} — {shown}", file=out)
