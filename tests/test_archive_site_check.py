"""archive.site_check: what needs a look in a registry of many sites."""

from __future__ import annotations

import pytest

from archive import Archive
from archive.site_check import check_site, stopped_yielding
from archive.walks import WalkRecord

COLUMN = "http://www.example.gov.cn/zwgk/index.html"


def night(archive: Archive, day: int, links: int) -> None:
    """One crawl of site "s" on 2025-04-0DAY whose one column walk found ``links`` links."""
    at = f"2025-04-0{day}T02:00:00+08:00"
    run_id = archive.start_run("test", ["s"], at=at)
    archive.add_site_counts(run_id, "s", list_links=links)
    walk = WalkRecord("s", COLUMN, True, 1, links, True, links > 0, healthy=links > 0)
    archive.finish_site(run_id, "s", links > 0, walks=[walk], at=at)


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        yield archive


@pytest.mark.parametrize(
    ("links", "stopped"),
    [([0, 0, 14, 14], True), ([0, 14, 14], False), ([0, 0], False), ([14, 0, 0], False)],
)
def test_stopped_yielding(links: list[int], stopped: bool) -> None:
    assert stopped_yielding(links) is stopped


def test_a_site_never_crawled_needs_a_look(archive: Archive) -> None:
    assert check_site(archive.conn, "s").problems == ["never crawled"]


def test_a_healthy_site_is_ok(archive: Archive) -> None:
    night(archive, 1, 14)
    assert check_site(archive.conn, "s").ok


def test_links_per_walk_are_listed_newest_first(archive: Archive) -> None:
    for day, links in ((1, 12), (2, 13), (3, 14)):
        night(archive, day, links)
    assert check_site(archive.conn, "s").columns == {COLUMN: [14, 13, 12]}


def test_a_listing_that_stopped_yielding_is_named(archive: Archive) -> None:
    for day, links in ((1, 14), (2, 14), (3, 0), (4, 0)):
        night(archive, day, links)
    assert any("stopped yielding" in p for p in check_site(archive.conn, "s").problems)


def test_the_last_healthy_crawl_is_kept_while_unhealthy(archive: Archive) -> None:
    for day, links in ((1, 14), (2, 0)):
        night(archive, day, links)
    assert check_site(archive.conn, "s").last_good == "2025-04-01T02:00:00+08:00"
