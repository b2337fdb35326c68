"""Registry health for many sites: what one person looking after a thousand registry entries
needs to see first — sites never crawled, sites whose last good crawl is old, and columns
whose listing stopped yielding links (a redesign moves the 信息公开 pages elsewhere).

Read-only: everything comes from ``run_sites`` and ``column_walks``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Walks of a column looked at, newest first.
RECENT_WALKS = 5
# This many newest walks in a row without a link, after walks that found some: the
# column stopped yielding.
STOPPED_WALKS = 2


@dataclass
class SiteCheck:
    """One site's state, for ``govarchive sites --check``."""

    name: str
    last_good: str | None = None
    last_run: str | None = None
    columns: dict[str, list[int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def stopped_yielding(links: list[int]) -> bool:
    """Newest-first link counts: the newest walks found nothing, earlier ones did."""
    return (
        len(links) > STOPPED_WALKS
        and all(n == 0 for n in links[:STOPPED_WALKS])
        and any(n > 0 for n in links[STOPPED_WALKS:])
    )


def check_site(conn: Any, name: str) -> SiteCheck:
    """The state of site ``name`` in the archive behind ``conn``."""
    check = SiteCheck(name)
    last = conn.execute(
        "SELECT max(CASE WHEN rs.healthy = 1 THEN r.started_at END) AS good,"
        " max(r.started_at) AS last FROM run_sites rs JOIN runs r ON r.id = rs.run_id"
        " WHERE rs.site = ?",
        (name,),
    ).fetchone()
    check.last_good, check.last_run = last[0], last[1]
    rows = conn.execute(
        "SELECT column_url, links FROM column_walks WHERE site = ? ORDER BY id DESC", (name,)
    ).fetchall()
    for column_url, links in rows:
        counts = check.columns.setdefault(column_url, [])
        if len(counts) < RECENT_WALKS:
            counts.append(int(links))
    if check.last_run is None:
        check.problems.append("never crawled")
    elif check.last_good is None:
        check.problems.append("no healthy crawl yet")
    elif check.last_good < check.last_run:
        check.problems.append(f"unhealthy since the crawl after {check.last_good}")
    for column_url, counts in check.columns.items():
        if stopped_yielding(counts):
            check.problems.append(f"{column_url} stopped yielding links (a redesign?)")
    return check
