"""crawler.probe: `govarchive probe URL` on replicas of each family prints a registry entry
that, appended to a registry, crawls the replica with every linked document archived.

The portal replica is a real saved home page (tests/fixtures/jx_yichun_portal.html, from the
corpus:
中国宜春: news, services and external links mixed) whose 政府文件 column is served by a
TRS-style replica column."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import FIXTURES, run_cli

from crawler.demo.documents import day_one
from crawler.demo.server import ReplicaServer, ReplicaSite
from crawler.demo.site import (
    HANWEB_COLUMN_ID,
    TRS_COLUMN,
    Page,
    build_hanweb,
    build_trs,
    hanweb_dataproxy,
)

PORTAL = FIXTURES / "jx_yichun_portal.html"
PORTAL_COLUMN = "/ycsrmzf/zfwj/"


def portal_site() -> dict[str, Page]:
    """The saved portal home page at /, its 政府文件 column a TRS replica column."""
    pages = {"/": Page(PORTAL.read_bytes())}
    for path, page in build_trs(day_one()).items():
        if path.startswith(TRS_COLUMN):
            pages[PORTAL_COLUMN + path[len(TRS_COLUMN) :]] = page
    pages[PORTAL_COLUMN + "xxgk_lists.shtml"] = pages[PORTAL_COLUMN + "index.html"]
    return pages


def hanweb_site() -> dict[str, Page]:
    pages = dict(build_hanweb(day_one()))
    home = (
        "<html><head><title>沂源县人民政府</title></head><body>"
        "<a href='http://www.example.com/'>外部链接</a><a href='/bsfw/'>办事服务</a>"
        f"<a href='/col/col{HANWEB_COLUMN_ID}/index.html'>通知公告</a></body></html>"
    )
    pages["/"] = Page(home.encode())
    return pages


def generic_site() -> dict[str, Page]:
    """A site of no known family: a 通知公告 list of /content/N.html documents."""
    from test_spiders_families import detail_page

    links = "".join(
        f"<li><a href='/content/{n}.html'>关于规范执法的第{n}号通知</a><span>2025-06-0{n}</span></li>"
        for n in range(1, 6)
    )
    pages = {
        "/": Page("<html><head><title>某县人民政府</title></head><body><a href='/news/list.html'>通知公告</a>"
                  "<a href='http://www.example.com/'>友情链接</a></body></html>".encode()),
        "/news/list.html": Page(f"<html><body><ul>{links}</ul></body></html>".encode()),
    }  # fmt: skip
    for n in range(1, 6):
        pages[f"/content/{n}.html"] = detail_page(f"关于规范执法的第{n}号通知")
    return pages


def documents(db: Path, site: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM documents WHERE site = ?", (site,)).fetchone()[0]
    finally:
        conn.close()


def other_host_site() -> ReplicaSite:
    """A TRS column with its 政府信息公开 entry page; its home page is written once the
    site is served (``link_home_to_other_host``)."""
    column_site = dict(build_trs(day_one()))
    column_site["/xxgk/"] = Page(
        f"<html><body><a href='{TRS_COLUMN}index.html'>通知公告</a></body></html>".encode()
    )
    return ReplicaSite(column_site)


def link_home_to_other_host(site: ReplicaSite, url: str) -> None:
    """The home page, served on 127.0.0.1, links its 政府信息公开 entry on localhost:
    another host name of the same site."""
    other = url.replace("127.0.0.1", "localhost")
    home = f"<html><head><title>旺苍县人民政府</title></head><body><a href='{other}/xxgk/'>政府信息公开</a></body></html>"
    site.pages["/"] = Page(home.encode())


def gkmlpt_portal_site() -> dict[str, Page]:
    """A home page linking the platform's index, whose category tree names the columns."""
    from test_spiders_families import gkmlpt_site

    pages = gkmlpt_site()
    index = (
        pages["/gkmlpt/index"]
        .body.decode()
        .replace(
            "TREE: []",
            'TREE: [{"id": 1, "name": "机构信息", "children": [{"id": 5, "name": "政策文件", "children": []}]},'
            ' {"id": 9, "name": "人事信息", "children": []}]',
        )
    )
    pages["/gkmlpt/index"] = Page(index.encode())
    pages["/"] = Page("<html><head><title>某市人民政府</title></head><body>"
                      "<a href='/gkmlpt/index'>政府信息公开</a></body></html>".encode())  # fmt: skip
    return pages


@dataclass
class Probed:
    """A replica probed into the registry, then crawled with the others."""

    kind: str  # which replica
    out: str  # what `govarchive probe` printed
    entry: dict[str, Any]  # the entry it appended
    archived: int  # the site's documents in the archive after the crawl
    listed: int  # the documents the replica lists
    site: ReplicaSite


@pytest.fixture(scope="module")
def probed_sites(tmp_path_factory) -> Iterator[dict[str, Probed]]:
    """Each replica probed with `govarchive probe --write` into one registry, as a user adds
    sites one by one; then one crawl of that registry."""
    tmp = tmp_path_factory.mktemp("probed")
    registry, db = tmp / "sites.yaml", tmp / "archive.db"
    docs = day_one()
    sites = {
        "portal": ReplicaSite(portal_site()),
        "hanweb": ReplicaSite(hanweb_site(), lambda s, e: hanweb_dataproxy(docs, s, e)),
        "generic": ReplicaSite(generic_site()),
        "gkmlpt": ReplicaSite(gkmlpt_portal_site()),
    }
    trs_documents = len([d for d in docs if d.site == "trs"])
    listed = {
        "portal": trs_documents,
        "hanweb": len([d for d in docs if d.site == "hanweb"]),
        "generic": 5,
        "other-host": trs_documents,
        "gkmlpt": 5,
    }
    with ExitStack() as servers:
        sites["other-host"] = other_host_site()
        printed = {}
        for kind, site in sites.items():
            server = servers.enter_context(ReplicaServer(site))
            if kind == "other-host":
                link_home_to_other_host(site, server.url)
            printed[kind] = run_cli("probe", f"{server.url}/", "--name", kind, "--delay", "0",
                                    "--write", str(registry)).stdout  # fmt: skip
        run_cli("crawl", "--sites", str(registry), "--db", str(db),
                "--now", "2025-06-02T02:00:00+08:00")  # fmt: skip
        entries = {e["name"]: e for e in yaml.safe_load(registry.read_text(encoding="utf-8"))}
        yield {
            kind: Probed(
                kind, printed[kind], entries[kind], documents(db, kind), listed[kind], site
            )
            for kind, site in sites.items()
        }


@pytest.fixture(params=["portal", "hanweb", "generic"])
def probed(request, probed_sites) -> Probed:
    return probed_sites[request.param]


def test_probe_finds_the_family(probed) -> None:
    kind, entry = probed.kind, probed.entry
    assert entry["family"] == {"portal": "trs", "hanweb": "hanweb", "generic": "generic"}[kind]


def test_probe_names_the_column(probed) -> None:
    kind, entry = probed.kind, probed.entry
    expected = {
        "portal": PORTAL_COLUMN + "xxgk_lists.shtml",
        "hanweb": f"/col/col{HANWEB_COLUMN_ID}/",
        "generic": "/news/list.html",
    }[kind]
    assert [url for url in entry["start_urls"] if expected in url] != []


def test_probe_leaves_external_links_out(probed) -> None:
    entry = probed.entry
    assert [u for u in entry["start_urls"] if "127.0.0.1" not in u] == []


def test_probe_reports_the_first_document(probed) -> None:
    out = probed.out
    assert "#   first: " in out


def test_the_probed_entry_archives_every_linked_document(probed) -> None:
    archived, listed = probed.archived, probed.listed
    assert archived == listed


def test_probe_stays_within_its_request_budget(probed) -> None:
    out = probed.out
    used = int(out.split("(", 1)[1].split(" requests", 1)[0])
    assert used <= 30


def test_probe_reads_robots_txt_first(probed) -> None:
    site = probed.site
    assert (
        site.requests[0][1] == "/robots.txt"
        if site.requests and isinstance(site.requests[0], tuple)
        else True
    )


def test_a_column_on_another_host_is_allowed_in_the_entry(probed_sites) -> None:
    """The entry names both hosts and the crawl archives the column."""
    found = probed_sites["other-host"]
    assert (found.entry["allowed_domains"], found.archived) == (
        ["127.0.0.1", "localhost"],
        found.listed,
    )


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (412, b"<html><script>var $_ts=window['$_ts'];</script></html>"),
        (200, b"<html><script>document.cookie='x=1';location.reload();</script></html>"),
    ],
    ids=["412", "cookie-and-reload script"],
)
def test_a_javascript_challenge_is_named(status: int, body: bytes) -> None:
    site = ReplicaSite({"/": Page(body)})
    if status != 200:
        site.statuses["/"] = status
    with ReplicaServer(site) as server:
        done = run_cli("probe", f"{server.url}/", "--delay", "0", check=False)
    assert (done.returncode, "render: browser" in done.stdout) == (1, True)


def test_a_gkmlpt_site_is_probed_through_its_platform(probed_sites) -> None:
    found = probed_sites["gkmlpt"]
    entry = found.entry
    assert (
        entry["family"],
        [u.rsplit("/", 1)[1] for u in entry["start_urls"]],
        found.archived,
    ) == (
        "gkmlpt",
        ["index#5"],
        5,
    )


@pytest.mark.parametrize(
    ("fixture", "evidence"),
    [("gs_jyt_list.html", "Gansu 集约化"), ("jx_sthjt_js_list.html", "Jiangxi 集约化")],
)
def test_a_provincial_platform_is_named_in_the_evidence(fixture: str, evidence: str) -> None:
    from crawler.probe import guess_family

    text = (FIXTURES / fixture).read_text(encoding="utf-8", errors="replace")
    _, found = guess_family([("http://www.example.gov.cn/list.shtml", text)])
    assert any(evidence in e for e in found.get("generic", []))


def test_a_gansu_platform_list_is_read_by_the_generic_family() -> None:
    from crawler.probe import guess_family

    text = (FIXTURES / "gs_jyt_list.html").read_text(encoding="utf-8", errors="replace")
    assert guess_family([("http://www.example.gov.cn/list.shtml", text)])[0] == "generic"


def test_a_redirect_off_the_site_is_not_followed() -> None:
    site = ReplicaSite({})
    site.redirects["/"] = "http://10.255.255.1/admin/"
    with ReplicaServer(site) as server:
        done = run_cli("probe", f"{server.url}/", "--delay", "0", check=False, timeout=120)
    assert (done.returncode, "did not answer: HTTP 301" in done.stdout) == (1, True)


@pytest.fixture(scope="module")
def probed_twice(tmp_path_factory):
    """`govarchive probe --write` run twice on one site into one registry."""
    registry = tmp_path_factory.mktemp("twice") / "sites.yaml"
    with ReplicaServer(ReplicaSite(generic_site())) as server:
        runs = [
            run_cli(
                "probe",
                f"{server.url}/",
                "--name",
                "county",
                "--delay",
                "0",
                "--write",
                str(registry),
                check=False,
            )  # fmt: skip
            for _ in range(2)
        ]
    return runs, registry


def test_a_second_probe_write_of_the_same_name_is_refused(probed_twice) -> None:
    runs, _ = probed_twice
    assert (runs[1].returncode, "already has a site named 'county'" in runs[1].stderr) == (2, True)


def test_the_registry_keeps_one_entry_and_loads(probed_twice) -> None:
    from spiders.registry import load_registry

    _, registry = probed_twice
    assert [site.name for site in load_registry(str(registry))] == ["county"]
