"""Faults, hostile input and crashes lose nothing (tests/faults.py serves the faults)."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, run_cli, start_cli, wait_for
from faults import FAULTS, FaultServer

from archive import SCHEMA_VERSION, Archive
from archive.migrations import MIGRATIONS, statements

# Long (crawls of the fault server, which waits out its stalled pages): started before the other modules.
pytestmark = pytest.mark.start_first

# Short timeouts and one retry keep the test quick; Retry-After (tested on its own in
# test_crawler_middlewares.py) is capped at 0 s so one 503 does not slow the whole site.
SETTINGS = [
    "--set",
    "DOWNLOAD_TIMEOUT=2",
    "--set",
    "RETRY_TIMES=1",
    "--set",
    "GOVARCHIVE_MAX_RETRY_AFTER=0",
]
# What each fault must leave in `fetches.error` for its URL.
EXPECTED_ERRORS = {
    "t20250601_1001.html": "http-500",
    "t20250601_1002.html": "http-503",
    "t20250601_1003.html": "http-403",
    "t20250601_1004.html": "http-412",
    "t20250601_1005.html": "soft-404",
    "t20250601_1006.html": "connection-lost",
    "t20250601_1007.html": "timeout",
    "t20250601_1008.html": "truncated",
    "t20250601_1012.html": "too-large",
    "t20250601_1013.html": "redirect-loop",
    "t20250601_1014.html": "offsite-redirect",
    "t20250601_1015.html": "not-html",
    "t20250601_1016.html": "too-large-decompressed",
    "t20250601_1018.html": "empty-page",
    "t20250601_1021.html": "bad-encoding",
    "t20250601_1022.html": "truncated",
    "t20250601_1023.html": "too-many-elements",
}


def registry(tmp_path: Path, urls: dict[str, str]) -> Path:
    """A registry of the sites ``urls`` names (name -> URL), each a TRS column at
    /zwgk/index.html."""
    path = tmp_path / "sites.yaml"
    path.write_text(
        "".join(
            f"- {{name: {name}, title: 故障站点, family: trs, delay: 0, revisit_days: 0,"
            f" start_urls: ['{url}/zwgk/index.html']}}\n"
            for name, url in urls.items()
        ),
        encoding="utf-8",
    )
    return path


def crawl(
    tmp_path: Path, urls: dict[str, str], db: Path, now: str
) -> tuple[subprocess.CompletedProcess, float]:
    """Run a crawl of ``registry(tmp_path, urls)``; return it and its peak RSS in MB."""
    sites = registry(tmp_path, urls)
    command = [sys.executable, "-m", "crawler.cli", "crawl", "--sites", str(sites),
               "--db", str(db), "--now", now, "--log-level", "WARNING", *SETTINGS]  # fmt: skip
    out, err = tmp_path / "crawl.out", tmp_path / "crawl.err"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        child = subprocess.Popen(command, cwd=ROOT, stdout=stdout, stderr=stderr)
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    done = subprocess.CompletedProcess(command, child.returncode, out.read_text(), err.read_text())
    return done, usage.ru_maxrss / 1024


def rows(db: Path, sql: str, *params) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@dataclass
class FaultyCrawl:
    """One crawl of the fault server: its archive, process, folder and peak RSS."""

    db: Path
    done: subprocess.CompletedProcess
    folder: Path
    peak_mb: float


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    with FaultServer(stall_seconds=6) as server:
        db = tmp / "archive.db"
        done, peak_mb = crawl(tmp, {"faults": server.url}, db, "2025-06-02T02:00:00+08:00")
        yield FaultyCrawl(db, done, tmp, peak_mb)


def test_crawl_of_the_faulty_site_finishes(faulty) -> None:
    db, done = faulty.db, faulty.done
    assert (done.returncode, rows(db, "SELECT finish_reason FROM runs")) == (0, [("finished",)])


@pytest.mark.parametrize(
    ("name", "error"),
    sorted(EXPECTED_ERRORS.items()),
    ids=[FAULTS[n] for n in sorted(EXPECTED_ERRORS)],
)
def test_every_failure_is_a_fetch_row_with_a_reason(faulty, name: str, error: str) -> None:
    db = faulty.db
    errors = {r[0] for r in rows(db, "SELECT error FROM fetches WHERE url LIKE ?", f"%/{name}")}
    assert error in errors


def test_a_page_over_the_element_limit_keeps_its_raw_page(faulty) -> None:
    db = faulty.db
    kept = rows(
        db, "SELECT raw_sha256 IS NOT NULL FROM fetches WHERE url LIKE '%/t20250601_1023.html'"
    )
    assert kept == [(1,)]


@pytest.mark.parametrize(
    ("name", "error"),
    [("t20250601_1021.html", "bad-encoding"), ("t20250601_1022.html", "truncated")],
)
def test_a_body_that_does_not_decode_keeps_what_the_server_sent(
    faulty, name: str, error: str
) -> None:
    from archive.captures import unpack_head

    kept = rows(
        faulty.db,
        "SELECT f.status, f.response_head, r.sha256 IS NOT NULL"
        " FROM fetches f LEFT JOIN raw_pages r ON r.sha256 = f.raw_sha256"
        " WHERE f.url LIKE ? AND f.error = ?",
        f"%/{name}",
        error,
    )
    seen = {(status, "Content-Encoding: gzip" in (unpack_head(head) or ""), body)
            for status, head, body in kept}  # fmt: skip
    assert seen == {(200, True, 1)}


def test_a_compression_bomb_keeps_what_the_server_said_but_not_its_body(faulty) -> None:
    from archive.captures import unpack_head

    kept = rows(
        faulty.db,
        "SELECT status, response_head, raw_sha256 FROM fetches"
        " WHERE url LIKE '%/t20250601_1016.html' AND error = 'too-large-decompressed'",
    )
    seen = {(status, "Content-Encoding: gzip" in (unpack_head(head) or ""), sha)
            for status, head, sha in kept}  # fmt: skip
    assert seen == {(200, True, None)}


@pytest.mark.parametrize(
    "name", ["t20250601_1009.html", "t20250601_1010.html", "t20250601_1011.html"]
)
def test_lying_encodings_archived_correctly(faulty, name: str) -> None:
    db = faulty.db
    title = rows(db, "SELECT title FROM documents WHERE url LIKE ?", f"%/{name}")
    assert title and title[0][0].startswith("关于规范执法的通知（编码")


def test_soft_404_and_anti_bot_pages_never_archived(faulty) -> None:
    db = faulty.db
    bad = set(EXPECTED_ERRORS)
    urls = [r[0] for r in rows(db, "SELECT url FROM documents")]
    assert [u for u in urls if u.rsplit("/", 1)[-1] in bad] == []


def test_good_pages_archived_despite_the_faults(faulty) -> None:
    db = faulty.db
    assert rows(db, "SELECT count(*) FROM documents WHERE url LIKE '%_1019.html'") == [(1,)]


def test_hostile_attachment_names_stay_inside_storage(faulty) -> None:
    db, tmp = faulty.db, faulty.folder
    stored = [p for p in Path(f"{db}.files").rglob("*") if p.is_file()]
    outside = [
        p for p in tmp.rglob("*")
        if p.is_file() and not str(p).startswith(f"{db}") and p.name not in ("sites.yaml", "crawl.out", "crawl.err")
    ]  # fmt: skip
    assert (len(stored), outside) == (1, [])


def test_hostile_attachment_rows_have_safe_names(faulty) -> None:
    db = faulty.db
    names = [r[0] for r in rows(db, "SELECT name FROM attachments")]
    assert len(names) == 3 and all(
        "\x00" not in n and "/" not in n and len(n) <= 200 for n in names
    )


def test_memory_stays_bounded(faulty) -> None:
    # A 30 MB page and a 200 MB gzip bomb are refused, not held.
    assert 0 < faulty.peak_mb < 400


def one_document_site():
    from faults import page

    from crawler.demo.server import ReplicaSite
    from crawler.demo.site import Page

    return ReplicaSite(
        {
            "/zwgk/index.html": Page(
                "<a href='t20250601_1.html'>关于开展行政执法检查的通知</a>".encode()
            ),
            "/zwgk/t20250601_1.html": Page(page().encode()),
        }
    )


@pytest.fixture(scope="module")
def three_nights(tmp_path_factory) -> dict[str, list[tuple]]:
    """Two one-document sites crawled on day 1; then one answers its document with 503
    (a transient error) and the other has removed it (404); both crawled on days 2 and 4.
    The status of each site's documents."""
    from crawler.demo.server import ReplicaServer

    tmp = tmp_path_factory.mktemp("three-nights")
    flaky, removed = one_document_site(), one_document_site()
    with ReplicaServer(flaky) as flaky_server, ReplicaServer(removed) as removed_server:
        urls = {"flaky": flaky_server.url, "removed": removed_server.url}
        db = tmp / "a.db"
        crawl(tmp, urls, db, "2025-06-01T02:00:00+08:00")
        flaky.statuses["/zwgk/t20250601_1.html"] = 503
        del removed.pages["/zwgk/t20250601_1.html"]
        crawl(tmp, urls, db, "2025-06-02T02:00:00+08:00")
        crawl(tmp, urls, db, "2025-06-04T02:00:00+08:00")
    return {
        name: rows(db, "SELECT status FROM documents WHERE site = ?", name)
        for name in ("flaky", "removed")
    }


def test_transient_errors_never_make_a_document_gone(three_nights) -> None:
    assert three_nights["flaky"] == [("live",)]


def test_the_same_absence_as_404_does_make_it_gone(three_nights) -> None:
    assert three_nights["removed"] == [("gone",)]


# --- crash safety --------------------------------------------------------------------
def _group_alive(pgid: int) -> list[str]:
    """Processes still in the process group ``pgid`` (zombies of ours excluded)."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,pgid=,stat="], capture_output=True, text=True)
    return [
        pid
        for pid, group, stat in (line.split() for line in out.stdout.splitlines())
        if group == str(pgid) and not stat.startswith("Z")
    ]


@pytest.fixture(scope="module")
def sigkilled_crawl(tmp_path_factory):
    """A crawl SIGKILLed once 5 documents are in (its own process group, so what survives
    it can be found), then a second crawl of the same site."""
    from crawler.demo import DemoWorld

    tmp_path = tmp_path_factory.mktemp("sigkill")
    with DemoWorld() as world:
        world.trs.delays = {p: 0.15 for p in world.trs.pages if "/t2025" in p}
        reg = world.write_registry(tmp_path / "sites.yaml")
        db = tmp_path / "a.db"
        command = ["crawl", "--sites", str(reg), "--db", str(db), "--log-level", "WARNING",
                   "--now", "2025-04-01T02:00:00+08:00"]  # fmt: skip
        child = start_cli(*command)  # the leader of a process group of its own
        wait_for(lambda: db.exists() and _count(db) >= 5, 60)
        child.send_signal(signal.SIGKILL)
        child.wait()
        # Survivors die as soon as the kernel tells them their parent is gone: wait for
        # that, with a deadline only for the failure case.
        wait_for(lambda: not _group_alive(child.pid), 30)
        survivors = _group_alive(child.pid)
        if survivors:
            os.killpg(child.pid, signal.SIGKILL)
        before = _count(db)
        integrity = rows(db, "PRAGMA integrity_check")
        world.trs.delays = {}
        run_cli(*command[:-2], "--now", "2025-04-01T03:00:00+08:00")
        after = rows(db, "SELECT count(*) FROM documents")[0][0]
        yield {"survivors": survivors, "before": before, "integrity": integrity,
               "after": after, "expected": len(world.documents)}  # fmt: skip


def test_sigkill_mid_crawl_leaves_a_consistent_archive(sigkilled_crawl) -> None:
    assert (sigkilled_crawl["before"] >= 5, sigkilled_crawl["integrity"]) == (True, [("ok",)])


def test_the_next_crawl_after_a_sigkill_completes(sigkilled_crawl) -> None:
    assert sigkilled_crawl["after"] == sigkilled_crawl["expected"]


def test_no_process_of_a_sigkilled_crawl_survives(sigkilled_crawl) -> None:
    assert sigkilled_crawl["survivors"] == []


def _count(db: Path) -> int:
    try:
        return rows(db, "SELECT count(*) FROM documents")[0][0]
    except sqlite3.OperationalError:
        return 0


# --- readers while the crawl writes ------------------------------------------------------
def test_datasette_answers_while_a_crawl_writes(tmp_path) -> None:
    from datasette.app import Datasette

    from archive.datasette_meta import DATASETTE_SETTINGS, metadata
    from crawler.demo import DemoWorld

    db = tmp_path / "archive.db"
    Archive(db).close()
    with DemoWorld() as world:
        world.trs.delays = {p: 0.05 for p in world.trs.pages if "/t2025" in p}
        reg = world.write_registry(tmp_path / "sites.yaml")
        child = start_cli("crawl", "--sites", str(reg), "--db", str(db))

        async def readers() -> list[int]:
            ds = Datasette([str(db)], metadata=metadata("archive"), settings=DATASETTE_SETTINGS)
            statuses: list[int] = []

            async def one(path: str) -> None:
                response = await ds.client.get(path)
                statuses.append(response.status_code)

            while child.poll() is None:
                await asyncio.gather(*(one(p) for p in (
                    "/archive/documents.json?_search=法治", "/archive/fetches.json", "/archive/runs.json",
                    "/archive/documents.json?_facet=site",
                )))  # fmt: skip
            return statuses

        statuses = asyncio.run(readers())
    assert statuses and set(statuses) == {200}


# --- bad configuration ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "- {name: x, title: t, family: trs, start_urls: [http://a.example.gov.cn/",
            "not valid YAML",
        ),
        (
            "- {name: x, title: t, family: joomla, start_urls: ['http://a.example.gov.cn/']}",
            "key 'family'",
        ),
        (
            "- {name: x, title: t, family: trs, schedule: '61 * * * *', start_urls: ['http://a.example.gov.cn/']}",
            "key 'schedule'",
        ),
    ],
)
def test_bad_registry_one_message_no_archive(tmp_path, yaml_text: str, message: str) -> None:
    reg = tmp_path / "sites.yaml"
    reg.write_text(yaml_text, encoding="utf-8")
    done = run_cli("crawl", "--sites", str(reg), "--db", str(tmp_path / "a.db"), check=False)
    assert (done.returncode, message in done.stderr, "Traceback" in done.stderr, (tmp_path / "a.db").exists()) == (
        2, True, False, False,
    )  # fmt: skip


def test_unwritable_archive_is_one_message(tmp_path) -> None:
    reg = tmp_path / "sites.yaml"
    reg.write_text(
        "- {name: x, title: t, family: trs, start_urls: ['http://127.0.0.1:9/']}", encoding="utf-8"
    )
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("", encoding="utf-8")
    done = run_cli("crawl", "--sites", str(reg), "--db", str(not_a_directory / "a.db"), check=False)
    assert (done.returncode, "Traceback" in done.stderr, done.stderr.count("\n")) == (2, False, 1)


def test_newer_schema_is_one_message(tmp_path) -> None:
    db = tmp_path / "a.db"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    reg = tmp_path / "sites.yaml"
    reg.write_text(
        "- {name: x, title: t, family: trs, start_urls: ['http://127.0.0.1:9/']}", encoding="utf-8"
    )
    done = run_cli("crawl", "--sites", str(reg), "--db", str(db), check=False)
    assert (done.returncode, "newer than this govarchive supports" in done.stderr, "Traceback" in done.stderr) == (
        2, True, False,
    )  # fmt: skip


def test_bad_cron_in_scheduler_is_one_message(tmp_path) -> None:
    reg = tmp_path / "sites.yaml"
    reg.write_text(
        "- {name: x, title: t, family: trs, schedule: 'at noon', start_urls: ['http://a.example.gov.cn/']}",
        encoding="utf-8",
    )
    done = run_cli(
        "schedule", "--sites", str(reg), "--db", str(tmp_path / "a.db"), "--list", check=False
    )
    assert (done.returncode, "key 'schedule'" in done.stderr, "Traceback" in done.stderr) == (
        2,
        True,
        False,
    )


# --- schema migrations ----------------------------------------------------------------------
def test_archive_from_schema_v1_migrates_without_losing_rows(tmp_path) -> None:
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    from archive.schema import LEGACY_TOKENIZER
    from archive.tokenizer import register

    register(conn, LEGACY_TOKENIZER)  # the name the index had before v6
    for statement in statements(MIGRATIONS[1]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO documents (url, site, title, body_text, content_hash, first_seen, last_seen, last_changed)"
        " VALUES ('http://x/1', 's', '旧档案', '正文', 'h', 't', 't', 't')"
    )
    conn.execute(
        "INSERT INTO fetches (url, fetched_at, error) VALUES ('http://x/2', 't', 'timeout')"
    )
    conn.commit()
    conn.close()
    with Archive(db) as archive:
        version = archive.conn.execute("PRAGMA user_version").fetchone()[0]
        kept = archive.conn.execute("SELECT title FROM documents").fetchall()
        columns = [r[1] for r in archive.conn.execute("PRAGMA table_info(fetches)")]
    assert (version, [tuple(r) for r in kept], "content_type" in columns) == (
        SCHEMA_VERSION,
        [("旧档案",)],
        True,
    )


# --- hostile content in Datasette -------------------------------------------------------
def test_datasette_shows_archived_script_as_text(tmp_path) -> None:
    from datasette.app import Datasette

    from archive.datasette_meta import DATASETTE_SETTINGS, metadata
    from parsers.record import Record

    db = tmp_path / "archive.db"
    with Archive(db) as archive:
        archive.record_document(
            Record(
                url="http://x/1",
                title="<script>alert('t')</script>",
                body_text="<img src=x onerror=alert(1)>",
            ),
            site="s",
            run_id=None,
        )

    async def page() -> str:
        ds = Datasette([str(db)], metadata=metadata("archive"), settings=DATASETTE_SETTINGS)
        return (await ds.client.get("/archive/documents", follow_redirects=True)).text

    html = asyncio.run(page())
    assert "<script>alert(" not in html and "&lt;script&gt;" in html


def test_failed_archive_write_is_not_a_finished_crawl(tmp_path) -> None:
    """A write the archive refuses (here: a table dropped under the crawl) ends the crawl
    with exit 1 and an archive-error run, never an ordinary "finished"."""

    from crawler.demo.server import ReplicaServer, ReplicaSite
    from crawler.demo.site import Page

    detail = "<html><head><title>关于开展执法检查的通知</title></head><body><div id='zoom'><p>为进一步规范行政执法行为，提高依法行政水平，现就有关事项通知如下。</p></div></body></html>"
    site = ReplicaSite(
        {
            "/zwgk/index.html": Page(
                "<ul><li><a href='/zwgk/t20250601_1.html'>关于开展执法检查的通知</a></li></ul>".encode()
            ),
            "/zwgk/t20250601_1.html": Page(detail.encode()),
        }
    )
    # The document is answered only once the archive is damaged.
    damaged = site.holds["/zwgk/t20250601_1.html"] = threading.Event()
    db = tmp_path / "archive.db"
    with ReplicaServer(site) as server:
        path = registry(tmp_path, {"faults": server.url})
        crawl_process = start_cli(
            "crawl", "--sites", str(path), "--db", str(db), env={"GOVARCHIVE_LOG_LEVEL": "INFO"}
        )
        # Once the list page is archived, the spider is running: damage the archive then.
        wait_for(lambda: db.exists() and _list_fetched(db), 120, interval=0.05)
        conn = sqlite3.connect(db, timeout=30)
        conn.execute("DROP TABLE column_walks")
        conn.commit()
        conn.close()
        damaged.set()
        _, stderr = crawl_process.communicate(timeout=180)
    reason = _first_run_reason(db)
    assert (
        crawl_process.returncode,
        "archive failed" in stderr,
        reason.startswith("archive-error"),
    ) == (
        1,
        True,
        True,
    )


def test_crawl_that_cannot_start_exits_1(tmp_path) -> None:
    from archive import Archive

    db = tmp_path / "archive.db"
    Archive(db).close()
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE column_walks")  # a damaged archive: the spider cannot start
    conn.commit()
    conn.close()
    path = registry(tmp_path, {"faults": "http://127.0.0.1:9"})
    done = run_cli("crawl", "--sites", str(path), "--db", str(db), check=False)
    assert (done.returncode, "did not start" in done.stderr) == (1, True)


def _list_fetched(db) -> bool:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute("SELECT count(*) FROM fetches WHERE kind = 'list'").fetchone()[0] > 0
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def _first_run_reason(db) -> str:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute("SELECT finish_reason FROM runs ORDER BY id LIMIT 1").fetchone()[0]
    finally:
        conn.close()


class CookieFloodHandler(BaseHTTPRequestHandler):
    """A column page that sets 40 cookies of 4 KB: later requests carrying them all would
    be refused by this very server (431, a request header line over 64 KB)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return

    def do_GET(self) -> None:  # noqa: N802
        from faults import page

        cookies: list[str] = []
        if self.path == "/robots.txt":
            body = b"User-agent: *\nAllow: /\n"
        elif self.path == "/zwgk/index.html":
            links = "".join(
                f"<a href='t20250601_{n}.html'>关于执法检查的通知{n}</a>" for n in (1, 2)
            )
            body = links.encode()
            cookies = [f"c{n}={'v' * 4096}; Path=/" for n in range(40)]
        else:
            body = page().encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for cookie in cookies:
            self.send_header("Set-Cookie", cookie)
        self.end_headers()
        self.wfile.write(body)


def crawled_once(tmp_path_factory, folder: str, handler: type[BaseHTTPRequestHandler]) -> Any:
    """A night's crawl of one site served on 127.0.0.1 by ``handler``: its archive."""
    tmp = tmp_path_factory.mktemp(folder)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        db = tmp / "archive.db"
        url = f"http://127.0.0.1:{server.server_address[1]}"
        crawl(tmp, {folder: url}, db, "2025-06-02T02:00:00+08:00")
        return db
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def cookie_flood(tmp_path_factory):
    return crawled_once(tmp_path_factory, "cookies", CookieFloodHandler)


def test_a_flooded_cookie_jar_does_not_block_the_site(cookie_flood) -> None:
    assert rows(cookie_flood, "SELECT count(*) FROM documents") == [(2,)]


def test_an_emptied_cookie_jar_is_in_the_health_note(cookie_flood) -> None:
    notes = [r[0] or "" for r in rows(cookie_flood, "SELECT health_note FROM run_sites")]
    assert any("cookie jar emptied" in note for note in notes)


class EmptyPagesHandler(BaseHTTPRequestHandler):
    """A column whose first page lists two documents and declares 5,000 pages; every later
    list page answers 200 with no document link (an endless pager)."""

    protocol_version = "HTTP/1.1"
    DECLARED_PAGES = 5000

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return

    def do_GET(self) -> None:  # noqa: N802
        from faults import page

        pager = f"<script>createPageHTML({self.DECLARED_PAGES}, 0, 'index', 'html');</script>"
        if self.path == "/robots.txt":
            body = b"User-agent: *\nAllow: /\n"
        elif self.path == "/zwgk/index.html":
            links = "".join(
                f"<li><a href='t20250601_{n}.html'>关于执法检查的通知{n}</a></li>" for n in (1, 2)
            )
            body = f"<ul>{links}</ul>{pager}".encode()
        elif self.path.startswith("/zwgk/index_"):
            body = f"<ul></ul><p>暂无信息</p>{pager}".encode()
        else:
            body = page().encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def endless_pager(tmp_path_factory):
    return crawled_once(tmp_path_factory, "pager", EmptyPagesHandler)


def test_an_endless_chain_of_empty_list_pages_is_left_after_three(endless_pager) -> None:
    assert rows(endless_pager, "SELECT count(*) FROM fetches WHERE kind = 'list'") == [(4,)]


def test_the_documents_it_listed_are_archived(endless_pager) -> None:
    assert rows(endless_pager, "SELECT count(*) FROM documents") == [(2,)]


def test_its_health_note_is_one_short_line(endless_pager) -> None:
    note = rows(endless_pager, "SELECT health_note FROM run_sites")[0][0]
    assert (len(note) < 1000, "without document links" in note) == (True, True)
