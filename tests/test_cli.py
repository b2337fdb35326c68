"""crawler.cli: every command has help with an example; errors are one clear line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import FIXTURES, ROOT, copy_archive, run_cli

from crawler.cli.main import COMMANDS

# Long (the demo archive made twice, Datasette servers started and stopped): started before the other modules.
pytestmark = pytest.mark.start_first


def test_top_level_help_has_an_example() -> None:
    assert "example:" in run_cli("--help").stdout


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_command_help_has_an_example(command: str) -> None:
    assert "example:" in run_cli(command, "--help").stdout


# Loads the CLI, asks for a command's help and prints which heavy packages it loaded.
LOADED_BY_HELP = """
import sys
from crawler.cli.main import main
try:
    main(["diff", "--help"])
except SystemExit:
    pass
print(sorted(name for name in ("archive", "scrapy", "spiders.registry") if name in sys.modules))
"""


def test_help_loads_neither_the_archive_nor_the_crawler() -> None:
    done = subprocess.run(
        [sys.executable, "-c", LOADED_BY_HELP], capture_output=True, text=True, cwd=ROOT
    )
    assert done.stdout.splitlines()[-1] == "[]"


def test_parse_prints_the_record_as_json() -> None:
    out = run_cli(
        "parse",
        str(FIXTURES / "corpus" / "detail" / "govcn_frag_2019jiejiari.html"),
        "--url",
        "https://www.example.gov.cn/x.htm",
    ).stdout
    assert json.loads(out)["doc_no"] == "国办发明电〔2018〕15号"


def test_parse_leaves_out_body_html_by_default() -> None:
    out = run_cli(
        "parse", str(FIXTURES / "corpus" / "detail" / "govcn_frag_2019jiejiari.html")
    ).stdout
    assert "body_html" not in json.loads(out)


def test_bad_registry_is_one_clear_message(tmp_path) -> None:
    bad = tmp_path / "sites.yaml"
    bad.write_text(
        "- {name: x, title: t, family: nope, start_urls: [http://a.example.gov.cn/]}\n",
        encoding="utf-8",
    )
    done = run_cli("crawl", "--sites", str(bad), "--db", str(tmp_path / "a.db"), check=False)
    assert (done.returncode, done.stderr.strip().splitlines()) == (
        2,
        [
            "govarchive crawl: site 'x': key 'family': expected one of trs, hanweb, generic, json, gkmlpt, got 'nope'"
        ],
    )


def test_bad_registry_writes_no_archive(tmp_path) -> None:
    bad = tmp_path / "sites.yaml"
    bad.write_text("- {name: x}\n", encoding="utf-8")
    run_cli("crawl", "--sites", str(bad), "--db", str(tmp_path / "a.db"), check=False)
    assert not (tmp_path / "a.db").exists()


def test_unwritable_archive_directory(tmp_path) -> None:
    done = run_cli("crawl", "--db", str(tmp_path / "no" / "such" / "a.db"), check=False)
    assert (
        done.returncode == 2 and "does not exist" in done.stderr and "Traceback" not in done.stderr
    )


def test_newer_archive_refused(tmp_path) -> None:
    import sqlite3

    db = tmp_path / "future.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    done = run_cli("export", "--db", str(db), check=False)
    assert done.returncode == 2 and "newer than this govarchive supports" in done.stderr


def test_sites_lists_the_registry() -> None:
    out = run_cli("sites", "--db", "/nonexistent/archive.db").stdout
    assert "wangcang" in out and "[unverified]" in out


@pytest.fixture(scope="module")
def demo_twice(demo_archive, demo_archive_twice):
    """``govarchive demo`` run twice on one archive: (archive path, first and second output).
    The first run is the session's demo archive; the second ran on a copy of it."""
    first = (demo_archive.parent / "demo-output.txt").read_text(encoding="utf-8")
    second = (demo_archive_twice.parent / "demo-output.txt").read_text(encoding="utf-8")
    return demo_archive_twice, first, second


def test_demo_twice_on_one_archive_adds_nothing(demo_twice) -> None:
    import sqlite3

    db, first, second = demo_twice
    conn = sqlite3.connect(db)
    counts = conn.execute("SELECT count(*), sum(version_count) FROM documents").fetchone()
    conn.close()
    assert ("33 documents" in first, "33 documents" in second, counts) == (True, True, (33, 34))


@pytest.mark.parametrize(
    ("day", "events"),
    [(1, ["new: 32"]), (2, ["new: 1", "changed: 1", "missing: 1"]), (3, ["gone: 1"])],
)
def test_demo_names_each_days_events(demo_twice, day: int, events: list[str]) -> None:
    _, first, _ = demo_twice
    section = first.split(f"-- day {day}:", 1)[1].split("-- day", 1)[0]
    assert [e for e in events if f"   {e} —" in section] == events


def test_demo_points_at_the_diff_of_its_edit(demo_twice) -> None:
    _, first, _ = demo_twice
    assert "see the edit: .venv/bin/govarchive diff http://127.0.0.1:" in first


def test_diff_shows_the_demo_edit(demo_twice) -> None:
    db, first, _ = demo_twice
    url = first.split("govarchive diff ", 1)[1].split()[0]
    out = run_cli("diff", url, "--db", str(db)).stdout
    assert "{+（2025年4月修订：补充整改时限为2025年6月底前。）+}" in out


def test_diff_says_what_changed(demo_twice) -> None:
    db, first, _ = demo_twice
    url = first.split("govarchive diff ", 1)[1].split()[0]
    out = run_cli("diff", url, "--db", str(db)).stdout
    assert "version 1" in out and "version 2" in out and "1 paragraph(s) changed" in out


def test_diff_unknown_document_exits_2(demo_twice) -> None:
    db, _, _ = demo_twice
    done = run_cli("diff", "http://example.gov.cn/none.html", "--db", str(db), check=False)
    assert (done.returncode, "no document" in done.stderr) == (2, True)


def test_diff_bad_version_exits_2(demo_twice) -> None:
    db, first, _ = demo_twice
    url = first.split("govarchive diff ", 1)[1].split()[0]
    done = run_cli("diff", url, "--to", "9", "--db", str(db), check=False)
    assert (done.returncode, "no version 9" in done.stderr) == (2, True)


def one_version_document(db) -> int:
    from conftest import first_row

    return first_row(db, "SELECT id FROM documents WHERE version_count = 1 LIMIT 1")[0]


def test_diff_of_a_one_version_document_says_so(demo_twice) -> None:
    db, _, _ = demo_twice
    done = run_cli("diff", str(one_version_document(db)), "--db", str(db), check=False)
    assert (done.returncode, "one version only" in done.stdout) == (0, True)


def test_diff_of_a_one_version_document_names_no_version_0(demo_twice) -> None:
    db, _, _ = demo_twice
    done = run_cli("diff", str(one_version_document(db)), "--db", str(db), check=False)
    assert "version 0" not in done.stdout + done.stderr


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "wacz"])
def test_export_of_an_unknown_site_exits_2(demo_twice, fmt: str, tmp_path) -> None:
    db, _, _ = demo_twice
    done = run_cli("export", "--db", str(db), "--site", "wangcnag", "--format", fmt,
                   "--output", str(tmp_path / f"x.{fmt}"), check=False)  # fmt: skip
    assert (done.returncode, "no site 'wangcnag'" in done.stderr) == (2, True)


def test_export_of_an_unknown_site_suggests_the_near_one(demo_twice) -> None:
    db, _, _ = demo_twice
    done = run_cli("export", "--db", str(db), "--site", "demo-wangcnag", check=False)
    assert "did you mean demo-wangcang?" in done.stderr


@pytest.fixture(scope="module")
def busy_port_serve(demo_archive):
    """`govarchive serve` on a port another program holds."""
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        return run_cli("serve", "--db", str(demo_archive), "--port", str(port), check=False)


def test_serve_on_a_busy_port_says_so(busy_port_serve) -> None:
    assert (busy_port_serve.returncode, "cannot serve on 127.0.0.1" in busy_port_serve.stderr) == (
        2,
        True,
    )


def test_serve_on_a_busy_port_prints_no_traceback(busy_port_serve) -> None:
    assert "Traceback" not in busy_port_serve.stderr


def test_serve_on_a_busy_port_never_says_it_serves(busy_port_serve) -> None:
    assert "serving" not in busy_port_serve.stdout


@pytest.fixture(scope="module")
def unreachable_crawl(tmp_path_factory):
    """`govarchive crawl` of a site whose port nothing listens on."""
    import yaml
    from conftest import free_port

    folder = tmp_path_factory.mktemp("unreachable")
    registry = folder / "sites.yaml"
    entry = {"name": "gone-site", "title": "某县人民政府", "family": "trs", "delay": 0,
             "start_urls": [f"http://127.0.0.1:{free_port()}/zwgk/index.html"]}  # fmt: skip
    registry.write_text(yaml.safe_dump({"sites": [entry]}, allow_unicode=True), encoding="utf-8")
    return run_cli("crawl", "--sites", str(registry), "--db", str(folder / "a.db"), check=False)


def test_an_unreachable_site_prints_no_traceback(unreachable_crawl) -> None:
    assert "Traceback" not in unreachable_crawl.stderr


def test_an_unreachable_site_is_still_named_with_its_error(unreachable_crawl) -> None:
    assert "Connection was refused" in unreachable_crawl.stderr


def test_an_unreachable_site_is_reported_unhealthy(unreachable_crawl) -> None:
    assert "connection-refused" in unreachable_crawl.stdout


def _crawl_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "GOVARCHIVE_LOG_LEVEL"}


def test_crawl_is_quiet_when_not_a_terminal(demo_registry, tmp_path) -> None:
    import subprocess
    import sys

    from conftest import ROOT

    done = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "crawl", "--sites", str(demo_registry),
         "--db", str(tmp_path / "a.db")],
        capture_output=True, text=True, cwd=ROOT, env=_crawl_env(), timeout=180,
    )  # fmt: skip
    assert (done.returncode, "INFO" in done.stderr, "\x1b[" in done.stderr) == (0, False, False)


def test_crawl_shows_progress_per_site_on_a_terminal(demo_registry, tmp_path) -> None:
    import os
    import pty
    import subprocess
    import sys

    from conftest import ROOT

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "crawl", "--sites", str(demo_registry),
         "--db", str(tmp_path / "a.db")],
        stdin=follower, stdout=follower, stderr=follower, cwd=ROOT, env=_crawl_env(),
    )  # fmt: skip
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the crawl exited and closed the terminal
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=180)
    os.close(leader)
    text = output.decode("utf-8", "replace")
    assert ("demo-wangcang" in text, "new" in text, "run 1: finished" in text) == (True,) * 3


def test_sites_without_a_registry_lists_the_archives_sites(demo_twice) -> None:
    db, _, _ = demo_twice
    out = run_cli("sites", "--db", str(db)).stdout
    assert ("demo-wangcang" in out, "wangcang " in out.replace("demo-wangcang", "")) == (
        True,
        False,
    )


def test_closed_pipe_is_not_a_traceback() -> None:
    import subprocess
    import sys

    from conftest import ROOT

    page = next(p for p in FIXTURES.iterdir() if p.suffix in (".html", ".htm"))
    done = subprocess.run(
        f"{sys.executable} -m crawler.cli parse {page} | head -c 1",
        shell=True, capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert "Traceback" not in done.stderr


def test_serve_stops_on_sigterm_and_leaves_no_temp_file(demo_twice, tmp_path) -> None:
    import os
    import signal
    import subprocess
    import sys

    from conftest import ROOT, free_port, wait_until_answering

    db, _, _ = demo_twice
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "serve", "--db", str(db), "--port", str(port)],
        cwd=ROOT, env={**os.environ, "TMPDIR": str(tmp_path)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_until_answering(f"http://127.0.0.1:{port}/-/versions.json", process)
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=60)
    assert (code, list(tmp_path.iterdir())) == (0, [])


def _serving(tmp_dir, *args: str):
    """`govarchive serve ARGS` on a free port: yields its base URL once it answers."""
    import os
    import subprocess
    import sys

    from conftest import ROOT, free_port, wait_until_answering

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "serve", *args, "--port", str(port)],
        cwd=ROOT, env={**os.environ, "TMPDIR": str(tmp_dir)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    wait_until_answering(f"{base}/-/versions.json", process)
    yield base
    process.terminate()
    process.wait(timeout=60)


@pytest.fixture(scope="module")
def public_serve(demo_archive, tmp_path_factory):
    """`govarchive serve --public` on the demo archive (bound to 127.0.0.1 for the test)."""
    yield from _serving(tmp_path_factory.mktemp("serve"), "--public", "--host", "127.0.0.1",
                        "--db", str(demo_archive))  # fmt: skip


def http_status(url: str) -> int:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize(
    "path",
    ["/archive.json?sql=select+1", "/archive/documents.json?_where=1=1"],
)
def test_public_serve_refuses_arbitrary_sql(public_serve, path: str) -> None:
    assert http_status(public_serve + path) == 403


@pytest.mark.parametrize(
    "path",
    [
        "/archive/documents.json?_search=%E6%B3%95%E6%B2%BB",
        "/archive/gone.json",
        "/archive/-/search?q=%E6%B3%95%E6%B2%BB",
    ],
)
def test_public_serve_keeps_tables_search_and_canned_queries(public_serve, path: str) -> None:
    assert http_status(public_serve + path) == 200


PROVINCE_TITLES = ["省法治政府建设工作要点", "关于开展法治宣传教育的通知", "省政府办公厅值班安排"]


@pytest.fixture(scope="module")
def two_archives_served(demo_archive, tmp_path_factory):
    """`govarchive serve --db A --add B`: the demo archive and another archive of other
    documents (a province's, three of them, two about 法治)."""
    from archive import Archive
    from parsers.record import Record

    other = tmp_path_factory.mktemp("province") / "province2.db"
    with Archive(other) as archive:
        for n, title in enumerate(PROVINCE_TITLES, start=1):
            archive.record_document(
                Record(url=f"http://province.example/zwgk/{n}.html", title=title,
                       body_text=f"{title}。全文见附件。"),
                site="province", run_id=None,
            )  # fmt: skip
    yield from _serving(tmp_path_factory.mktemp("serve2"), "--db", str(demo_archive),
                        "--add", str(other))  # fmt: skip


def _page(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode("utf-8")


@pytest.mark.parametrize("database", ["archive", "province2"])
def test_a_search_across_archives_finds_documents_of_each(two_archives_served, database) -> None:
    page = _page(two_archives_served + "/-/search?q=%E6%B3%95%E6%B2%BB")
    assert f'href="/{database}/-/document/' in page


def test_each_served_archive_keeps_its_own_search(two_archives_served) -> None:
    page = _page(two_archives_served + "/province2/-/search?q=%E6%B3%95%E6%B2%BB")
    assert ('href="/province2/-/document/' in page, 'href="/archive/-/document/' in page) == (
        True,
        False,
    )


def test_a_search_across_archives_lists_the_other_archives_own_documents(
    two_archives_served,
) -> None:
    page = _page(two_archives_served + "/-/search?q=%E6%B3%95%E6%B2%BB")
    assert [title in page for title in PROVINCE_TITLES] == [True, True, False]


def test_sites_check_of_a_healthy_archive_exits_0(demo_twice) -> None:
    db, _, _ = demo_twice
    done = run_cli("sites", "--check", "--db", str(db))
    assert "0 need a look" in done.stdout


def test_sites_check_names_a_site_never_crawled(demo_twice, tmp_path) -> None:
    db, _, _ = demo_twice
    registry = tmp_path / "sites.yaml"
    registry.write_text(
        "- {name: nowhere, title: 某县, family: trs, start_urls: ['https://www.example.gov.cn/zwgk/']}\n",
        encoding="utf-8",
    )
    done = run_cli("sites", "--check", "--sites", str(registry), "--db", str(db), check=False)
    found = ("nowhere: NEEDS A LOOK" in done.stdout, "never crawled" in done.stdout)
    assert (done.returncode, found) == (1, (True, True))


def test_diff_never_prints_a_control_character_a_stored_record_kept(tmp_path) -> None:
    import sqlite3

    from archive import Archive
    from parsers.record import Record

    db = tmp_path / "old.db"
    with Archive(db) as archive:
        for n, body in enumerate(("第一段。", "第一段。第二段。"), start=1):
            record = Record(url="http://www.example.gov.cn/1.html", title="通知", body_text=body)
            archive.record_document(
                record, site="a", run_id=None, at=f"2026-12-0{n}T02:00:00+08:00"
            )
    conn = sqlite3.connect(db, isolation_level=None)  # as an archive made before stripping
    conn.execute("DROP TRIGGER versions_no_update")
    conn.execute(
        "UPDATE versions SET record = json_set(record, '$.body_text', ?) WHERE version = 2",
        ("第一段。\x1b]52;c;Y2FsYw==\x07第二段。\x1b[2J",),
    )
    conn.close()
    done = run_cli("diff", "1", "--db", str(db), "--color", "never")
    assert ("第二段" in done.stdout, "\x1b" in done.stdout, "\x07" in done.stdout) == (
        True, False, False,
    )  # fmt: skip


def test_demo_points_at_the_removals_evidence_package(demo_archive, tmp_path) -> None:
    first = (demo_archive.parent / "demo-output.txt").read_text(encoding="utf-8")
    command = first.split("the removal as evidence: .venv/bin/govarchive ", 1)[1].split("\n")[0]
    copy = copy_archive(demo_archive, tmp_path)  # the package signs with a key made beside it
    command = command.replace(str(demo_archive), str(copy))
    args = command.replace("removed.wacz", str(tmp_path / "removed.wacz")).split()
    assert run_cli(*args).returncode == 0


def test_demo_points_at_verify(demo_archive) -> None:
    first = (demo_archive.parent / "demo-output.txt").read_text(encoding="utf-8")
    assert f"govarchive verify --db {demo_archive}" in first
