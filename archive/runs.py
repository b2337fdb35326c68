"""Sites, runs and their health: the part of the ``Archive`` facade that writes ``sites``,
``runs``, ``run_sites`` and (through ``WalkStore``) ``column_walks``."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import sqlite_utils

from archive.clock import Clock, parse_iso
from archive.ledger import seal
from archive.rows import insert, insert_all, upsert_all
from archive.walks import WalkRecord


class ClockBehind(ValueError):
    """A run's time is earlier than a run the archive already holds."""


def latest_run(conn: sqlite3.Connection) -> tuple[datetime, str, int] | None:
    """The latest time a run of the archive started or finished: (time, stamp, run id)."""
    latest: tuple[datetime, str, int] | None = None
    for row in conn.execute("SELECT id, started_at, finished_at FROM runs"):
        for value in (row["started_at"], row["finished_at"]):
            if value and (latest is None or parse_iso(value) > latest[0]):
                latest = (parse_iso(value), value, int(row["id"]))
    return latest


def check_time_forward(conn: sqlite3.Connection, stamp: str) -> None:
    """Refuse a run at ``stamp`` when the archive holds a later run (``ClockBehind``)."""
    latest = latest_run(conn)
    if latest is not None and parse_iso(stamp) < latest[0]:
        raise ClockBehind(
            f"the crawl's time {stamp} is earlier than run {latest[2]} ({latest[1]}) in this"
            " archive; time only moves forward in an archive: crawl a replay into an archive"
            " of its own"
        )


class RunStore:
    """Mixed into ``Archive`` (which owns the connection and the transaction)."""

    conn: sqlite3.Connection
    clock: Clock
    db: sqlite_utils.Database

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:  # pragma: no cover
        raise NotImplementedError

    # Provided by WalkStore, beside this mixin in Archive.
    record_walk: Callable[..., None]

    def upsert_sites(self, sites: Iterable[dict[str, Any]], at: str | None = None) -> None:
        """Registry entries as crawled (sqlite-utils' upsert: a plain row by its key)."""
        stamp = at or self.clock()
        rows = [
            {
                "name": site["name"],
                "title": site.get("title"),
                "jurisdiction": site.get("jurisdiction"),
                "level": site.get("level"),
                "family": site.get("family"),
                "home_url": site.get("home_url"),
                "start_urls": json.dumps(site.get("start_urls", []), ensure_ascii=False),
                "verified": int(bool(site.get("verified", True))),
                "updated_at": stamp,
            }
            for site in sites
        ]
        upsert_all(self.db, "sites", rows, pk="name")

    def latest_run_time(self) -> datetime | None:
        """When the archive's latest run started or finished (None: no run yet)."""
        latest = latest_run(self.conn)
        return latest[0] if latest else None

    def site_start_urls(self) -> dict[str, list[str]]:
        """Each recorded site's start URLs."""
        rows = self.conn.execute("SELECT name, start_urls FROM sites").fetchall()
        return {row["name"]: json.loads(row["start_urls"] or "[]") for row in rows}

    def start_run(self, command: str, sites: list[str], at: str | None = None) -> int:
        """Open a run at ``at`` (the clock's time). Refused (``ClockBehind``) when that is
        earlier than a run the archive already holds: its events would be written out of
        order. Rows a killed run left unsealed are sealed first."""
        stamp = at or self.clock()
        with self.transaction():
            check_time_forward(self.conn, stamp)
            seal(
                self.conn,
                at=stamp,
                run_id=None,
                note="rows left unsealed (by a run that was killed, or written outside a"
                " run), sealed before the next run started",
            )
            row = {"started_at": stamp, "command": command, "pid": os.getpid(),
                   "sites": json.dumps(sites, ensure_ascii=False)}  # fmt: skip
            run_id = insert(self.db, "runs", row)
            insert_all(
                self.db,
                "run_sites",
                ({"run_id": run_id, "site": site} for site in sites),
                ignore=True,
            )
        return run_id

    def queue_run(self, command: str, sites: list[str], at: str | None = None) -> int:
        """A run whose sites are crawled by queued jobs on other machines: no local process
        owns it (pid NULL), so it is never closed as stale; ``govarchive ingest`` finishes it
        when every site has reported."""
        run_id = self.start_run(command, sites, at=at)
        with self.transaction():
            self.conn.execute("UPDATE runs SET pid = NULL WHERE id = ?", (run_id,))
        return run_id

    def run_sites(self, run_id: int) -> list[str]:
        """The sites a run was started for."""
        row = self.conn.execute("SELECT sites FROM runs WHERE id = ?", (run_id,)).fetchone()
        return list(json.loads(row["sites"])) if row and row["sites"] else []

    def add_site_counts(self, run_id: int, site: str, **counts: int) -> None:
        """Add to a site's counters for this run (pages=1, new=1, …)."""
        if not counts:
            return
        sets = ", ".join(f"{name} = {name} + ?" for name in counts)
        with self.transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO run_sites (run_id, site) VALUES (?, ?)", (run_id, site)
            )
            self.conn.execute(
                f"UPDATE run_sites SET {sets} WHERE run_id = ? AND site = ?",
                (*counts.values(), run_id, site),
            )

    def finish_site(
        self,
        run_id: int,
        site: str,
        listing_complete: bool,
        walks: Iterable[WalkRecord] = (),
        notes: Iterable[str] = (),
        at: str | None = None,
    ) -> dict[str, Any]:
        """Store the site's column walks and judge its health for this run.

        Unhealthy: the list pages yielded nothing, or a walk found something wrong with
        the listing (an error or maintenance page, an empty or short page, a sharp shrink,
        totals that disagree); ``notes`` add what the pipeline held back because of it.
        """
        walks = list(walks)
        row = self.conn.execute(
            "SELECT * FROM run_sites WHERE run_id = ? AND site = ?", (run_id, site)
        ).fetchone()
        links = row["list_links"] if row else 0
        previous = self.conn.execute(
            "SELECT max(list_links) FROM run_sites WHERE site = ? AND run_id < ?", (site, run_id)
        ).fetchone()[0]
        # Every walk's note is reported (a limit that was hit, too); only some are unhealthy.
        problems = [f"{w.column_url}: {w.note}" for w in walks if w.note]
        if links == 0 and previous:
            problems.insert(0, f"list pages yielded no links (earlier runs found up to {previous})")
        elif links == 0:
            problems.insert(0, "list pages yielded no document links")
        healthy = links > 0 and all(w.healthy for w in walks)
        note = "; ".join([*problems, *notes]) or None
        with self.transaction():
            for walk in walks:
                self.record_walk(run_id, walk, at=at)
            self.conn.execute(
                "INSERT OR IGNORE INTO run_sites (run_id, site) VALUES (?, ?)", (run_id, site)
            )
            self.conn.execute(
                "UPDATE run_sites SET healthy = ?, health_note = ?, listing_complete = ?"
                " WHERE run_id = ? AND site = ?",
                (int(healthy), note, int(listing_complete), run_id, site),
            )
        return {"healthy": healthy, "note": note}

    def finish_run(self, run_id: int, reason: str, at: str | None = None) -> dict[str, Any]:
        totals = self.conn.execute(
            "SELECT coalesce(sum(pages),0) pages, coalesce(sum(new),0) new,"
            " coalesce(sum(changed),0) changed, coalesce(sum(unchanged),0) unchanged,"
            " coalesce(sum(gone),0) gone, coalesce(sum(delisted),0) delisted,"
            " coalesce(sum(errors),0) errors, min(coalesce(healthy,1)) healthy"
            " FROM run_sites WHERE run_id = ?",
            (run_id,),
        ).fetchone()
        values = dict(totals)
        stamp = at or self.clock()
        with self.transaction():
            checkpoint = seal(
                self.conn, at=stamp, run_id=run_id, note=f"end of run {run_id}", always=True
            )
            values["checkpoint"] = checkpoint
            self.conn.execute(
                "UPDATE runs SET finished_at = ?, finish_reason = ?, pages = ?, new = ?,"
                " changed = ?, unchanged = ?, gone = ?, delisted = ?, errors = ?, healthy = ?"
                " WHERE id = ?",
                (
                    stamp,
                    reason,
                    values["pages"],
                    values["new"],
                    values["changed"],
                    values["unchanged"],
                    values["gone"],
                    values["delisted"],
                    values["errors"],
                    values["healthy"],
                    run_id,
                ),
            )
        return values

    def close_stale_runs(self, at: str | None = None) -> list[int]:
        """Runs left open by a crawl that died (SIGKILL, power loss): their process is gone.
        They are closed as ``killed``; return their ids. A queued run (no pid) is not a
        local process's: ``govarchive ingest`` finishes it."""
        stale = []
        for row in self.conn.execute(
            "SELECT id, pid FROM runs WHERE finished_at IS NULL AND pid IS NOT NULL"
        ).fetchall():
            if not _alive(row["pid"]):
                stale.append(int(row["id"]))
        if stale:
            stamp = at or self.clock()
            with self.transaction():
                self.conn.executemany(
                    "UPDATE runs SET finished_at = ?, finish_reason = 'killed' WHERE id = ?"
                    " AND finished_at IS NULL",
                    [(stamp, run_id) for run_id in stale],
                )
                seal(self.conn, at=stamp, run_id=None, note=f"rows of killed runs {stale}")
        return stale

    def claim_run(self, run_id: int, sites: list[str]) -> None:
        """A run opened by another process (the scheduler) is done by this one."""
        with self.transaction():
            cur = self.conn.execute("UPDATE runs SET pid = ? WHERE id = ?", (os.getpid(), run_id))
            if cur.rowcount != 1:
                raise ValueError(f"no run {run_id} in this archive")
            for site in sites:
                self.conn.execute(
                    "INSERT OR IGNORE INTO run_sites (run_id, site) VALUES (?, ?)", (run_id, site)
                )

    def set_run_exit(
        self,
        run_id: int,
        exit_code: int,
        reason: str | None = None,
        fallback: str | None = None,
    ) -> None:
        """The crawl process's exit, as its parent saw it: the parent's ``reason`` (timeout,
        shutdown, killed) wins over what the crawl wrote while being stopped; ``fallback``
        only fills a reason the crawl never wrote (it failed before it could). What a crawl
        that died wrote is sealed here: closed but unsealed, it would read as inserted."""
        stamp = self.clock()
        with self.transaction():
            self.conn.execute(
                "UPDATE runs SET exit_code = ?,"
                " finish_reason = coalesce(?, finish_reason, ?),"
                " finished_at = coalesce(finished_at, ?) WHERE id = ?",
                (exit_code, reason, fallback, stamp, run_id),
            )
            seal(
                self.conn, at=stamp, run_id=run_id, note=f"run {run_id} ended with exit {exit_code}"
            )

    def run_site_rows(self, run_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT * FROM run_sites WHERE run_id = ? ORDER BY site", (run_id,)
        ).fetchall()
        return [dict(row) for row in rows]

    def site_overview(self) -> list[dict[str, Any]]:
        """Each site with its document count, last run and that run's health."""
        rows = self.conn.execute(
            "SELECT s.name, s.title, s.family, s.verified,"
            " (SELECT count(*) FROM documents d WHERE d.site = s.name) AS documents,"
            " (SELECT max(r.started_at) FROM run_sites rs JOIN runs r ON r.id = rs.run_id"
            "   WHERE rs.site = s.name) AS last_run,"
            " (SELECT rs.healthy FROM run_sites rs WHERE rs.site = s.name"
            "   ORDER BY rs.run_id DESC LIMIT 1) AS healthy,"
            " (SELECT rs.health_note FROM run_sites rs WHERE rs.site = s.name"
            "   ORDER BY rs.run_id DESC LIMIT 1) AS health_note"
            " FROM sites s ORDER BY s.name"
        ).fetchall()
        return [dict(row) for row in rows]


def _alive(pid: int | None) -> bool:
    """Is a process with this id running (on this machine)?"""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
