"""A hostile server cannot steer the crawl: URLs are judged exactly as the downloader
reads them, and only the registry's schemes, hosts and ports are fetched."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import run_cli

from crawler.demo.server import ReplicaServer, ReplicaSite
from crawler.demo.site import Page
from crawler.redirects import refusal

DETAIL = (
    "<html><head><title>关于开展执法检查的通知</title></head><body><div class='content'>"
    "<p>为进一步规范行政执法行为，提高依法行政水平，现就有关事项通知如下。</p></div></body></html>"
)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8000\\@allowed.example.gov.cn/x", "offsite-redirect"),
        ("http://allowed.example.gov.cn:6379/x", "refused-port"),
        ("ftp://allowed.example.gov.cn/x", "refused-scheme"),
        ("http://evil.example/x", "offsite-redirect"),
        ("https://www.allowed.example.gov.cn/x", None),
        ("http://allowed.example.gov.cn:80/x", None),
    ],
    ids=["backslash userinfo", "other port", "ftp", "other host", "subdomain https", "port 80"],
)
def test_refusal(url: str, reason: str | None) -> None:
    assert refusal(url, ["allowed.example.gov.cn"], frozenset({80, 443})) == reason


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A site whose documents redirect to an internal server, another port and ftp."""
    internal = ReplicaSite({"/secret.html": Page(DETAIL.replace("执法检查", "内部机密").encode())})
    site = ReplicaSite({})
    tmp = tmp_path_factory.mktemp("ssrf")
    with ReplicaServer(internal) as inner, ReplicaServer(site) as outer:
        other_port = f"http://127.0.0.1:{inner.port}/secret.html"
        links = "".join(
            f"<li><a href='/zwgk/t2025060{n}_{n}.html'>关于开展执法检查的通知{n}号</a></li>"
            for n in range(1, 5)
        )
        links += f"<li><a href='{other_port}'>关于开展执法检查的通知5号</a></li>"
        site.pages.update(
            {
                "/zwgk/index.html": Page(f"<ul>{links}</ul>".encode()),
                "/zwgk/t20250601_1.html": Page(DETAIL.encode()),
            }
        )
        site.redirects.update(
            {
                "/zwgk/t20250602_2.html": f"http://127.0.0.1:{inner.port}\\@127.0.0.1/secret.html",
                "/zwgk/t20250603_3.html": other_port,
                "/zwgk/t20250604_4.html": "ftp://127.0.0.1/secret.html",
            }
        )
        registry = tmp / "sites.yaml"
        registry.write_text(
            f"- {{name: hostile, title: 某县, family: trs, delay: 0,"
            f" start_urls: ['{outer.url}/zwgk/index.html']}}\n",
            encoding="utf-8",
        )
        db = tmp / "archive.db"
        run_cli("crawl", "--sites", str(registry), "--db", str(db), timeout=120)
        yield db, internal


def errors(db) -> dict[str, str]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT url, error FROM fetches WHERE error IS NOT NULL").fetchall()
    finally:
        conn.close()
    return {url.rsplit("/", 1)[-1]: error for url, error in rows}


def test_internal_server_never_reached(hostile) -> None:
    _, internal = hostile
    assert internal.requests == []


def test_backslash_redirect_recorded(hostile) -> None:
    db, _ = hostile
    assert errors(db)["t20250602_2.html"] == "refused-port"


def test_other_port_redirect_recorded(hostile) -> None:
    db, _ = hostile
    assert errors(db)["t20250603_3.html"] == "refused-port"


def test_ftp_redirect_recorded_without_hanging(hostile) -> None:
    db, _ = hostile
    assert errors(db)["t20250604_4.html"] == "refused-scheme"


def test_nothing_internal_archived(hostile) -> None:
    db, _ = hostile
    conn = sqlite3.connect(db)
    try:
        titles = [r[0] for r in conn.execute("SELECT title FROM documents")]
    finally:
        conn.close()
    assert titles == ["关于开展执法检查的通知"]
