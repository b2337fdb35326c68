"""Replay as another archive would show it: Webrecorder's pywb (from ``make replay``) serving
the demo archive's WACZ and a removed document's evidence package, asked at each crawl's
time, and Chromium opening the evidence package there and in ReplayWeb.page (Webrecorder's
browser replay app, served on 127.0.0.1)."""

from __future__ import annotations

import functools
import subprocess
import threading
import urllib.error
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import (
    ROOT,
    SHOTS,
    copy_archive,
    free_port,
    run_cli,
    wait_for,
    wait_until_answering,
)
from playwright.sync_api import Error as PlaywrightError

from archive import Archive
from archive.wacz import iso_utc

REPLAY_BIN = ROOT / ".venv-replay" / "bin"


@pytest.fixture(scope="module")
def archive_copy(demo_archive, tmp_path_factory) -> Path:
    return copy_archive(demo_archive, tmp_path_factory.mktemp("replay"))


@pytest.fixture(scope="module")
def facts(archive_copy) -> dict:
    """The crawls' times (14-digit UTC) and the gone and edited documents' URLs."""
    with Archive(archive_copy) as archive:
        runs = [r[0] for r in archive.conn.execute("SELECT started_at FROM runs ORDER BY id")]
        gone = archive.conn.execute("SELECT url FROM documents WHERE status = 'gone'").fetchone()
        edited = archive.conn.execute(
            "SELECT url FROM documents WHERE version_count > 1"
        ).fetchone()
    days = [
        iso_utc(stamp).replace("-", "").replace(":", "").replace("T", "")[:14] for stamp in runs
    ]
    return {"days": days, "gone": gone[0], "edited": edited[0]}


@pytest.fixture(scope="module")
def packages(archive_copy, facts) -> dict[str, Path]:
    """The archive's WACZ (``all``) and the gone document's evidence package."""
    folder = archive_copy.parent
    made = {"all": folder / "all.wacz", "evidence": folder / "evidence.wacz"}
    run_cli("export", "--db", str(archive_copy), "--format", "wacz", "--output", str(made["all"]))
    run_cli("evidence", facts["gone"], "--db", str(archive_copy), "--output", str(made["evidence"]))
    return made


@pytest.fixture(scope="module")
def wayback(archive_copy, packages):
    """pywb serving two collections: ``all`` (the archive) and ``evidence`` (the gone
    document's package), each added from its WACZ as a pywb user adds one."""
    if not (REPLAY_BIN / "wayback").exists():
        raise AssertionError(f"{REPLAY_BIN / 'wayback'} is missing: `make replay` installs pywb")
    folder = archive_copy.parent
    for name, package in packages.items():
        subprocess.run([str(REPLAY_BIN / "wb-manager"), "init", name], cwd=folder, check=True,
                       capture_output=True)  # fmt: skip
        subprocess.run([str(REPLAY_BIN / "wb-manager"), "add", "--unpack-wacz", name, str(package)],
                       cwd=folder, check=True, capture_output=True)  # fmt: skip
    port = free_port()
    process = subprocess.Popen(
        [str(REPLAY_BIN / "wayback"), "-p", str(port), "-b", "127.0.0.1"],
        cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{base}/all/", process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def replay(base: str, collection: str, day: str, url: str) -> tuple[int, bytes]:
    """The original answer pywb replays for ``url`` at ``day`` (``id_``: unrewritten)."""
    try:
        with urllib.request.urlopen(f"{base}/{collection}/{day}id_/{url}", timeout=60) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_the_removed_document_answers_200_before_its_removal(wayback, facts) -> None:
    assert replay(wayback, "all", facts["days"][0], facts["gone"])[0] == 200


def test_the_removed_document_answers_404_at_its_removal(wayback, facts) -> None:
    assert replay(wayback, "all", facts["days"][1], facts["gone"])[0] == 404


def test_the_removed_document_still_answers_404_when_confirmed_gone(wayback, facts) -> None:
    assert replay(wayback, "all", facts["days"][2], facts["gone"])[0] == 404


def test_the_404_replayed_is_the_servers_own_page(wayback, facts) -> None:
    assert "页面不存在" in replay(wayback, "all", facts["days"][1], facts["gone"])[1].decode()


def test_the_edited_documents_first_version_at_its_time(wayback, facts) -> None:
    body = replay(wayback, "all", facts["days"][0], facts["edited"])[1].decode()
    assert "2025年4月修订" not in body


def test_the_edited_documents_second_version_at_its_time(wayback, facts) -> None:
    body = replay(wayback, "all", facts["days"][1], facts["edited"])[1].decode()
    assert "2025年4月修订" in body


def test_a_day_answered_not_modified_replays_the_page(wayback, facts) -> None:
    status, body = replay(wayback, "all", facts["days"][2], facts["edited"])
    assert (status, "2025年4月修订" in body.decode()) == (200, True)


def test_the_evidence_package_replays_the_removal(wayback, facts) -> None:
    assert replay(wayback, "evidence", facts["days"][1], facts["gone"])[0] == 404


def frames_text(page) -> str:
    """The text of every frame of a page (one navigating away while read is skipped)."""
    texts = []
    for frame in page.frames:
        try:
            texts.append(frame.locator("body").inner_text(timeout=1000))
        except PlaywrightError:
            continue
    return "\n".join(texts)


def replayed_text(page, url: str, wanted: str) -> str:
    """What Chromium shows at a pywb address, pywb's own frame (its capture banner, filled
    in by script after the page loads) and the replayed page inside it, once ``wanted``
    shows (or when the deadline passes)."""
    page.goto(url, wait_until="load")
    wait_for(lambda: wanted in frames_text(page), timeout=60, interval=0.25)
    return frames_text(page)


def test_chromium_opens_the_evidence_package_in_pywb(wayback, facts, page) -> None:
    text = replayed_text(page, f"{wayback}/evidence/{facts['days'][0]}/{facts['gone']}", "双河街道")
    page.screenshot(path=SHOTS / "pywb-evidence-before.png", full_page=True)
    assert "双河街道" in text


def test_chromium_sees_the_removal_in_pywb(wayback, facts, page) -> None:
    text = replayed_text(
        page, f"{wayback}/evidence/{facts['days'][1]}/{facts['gone']}", "页面不存在"
    )
    page.screenshot(path=SHOTS / "pywb-evidence-removed.png", full_page=True)
    assert "页面不存在" in text


def test_pywb_labels_the_removal_a_404_capture(wayback, facts, page) -> None:
    text = replayed_text(
        page, f"{wayback}/evidence/{facts['days'][1]}/{facts['gone']}", "Current Capture: 404"
    )
    assert "Current Capture: 404" in text


REPLAYWEBPAGE = ROOT / ".venv-replay" / "replaywebpage"


@pytest.fixture(scope="module")
def replaywebpage(packages, tmp_path_factory):
    """ReplayWeb.page's files and the evidence package, served from one origin on
    127.0.0.1 (its service worker and the package must share it)."""
    if not (REPLAYWEBPAGE / "sw.js").exists():
        raise AssertionError(f"{REPLAYWEBPAGE} is missing: `make replay` installs ReplayWeb.page")
    root = tmp_path_factory.mktemp("replaywebpage")
    for entry in REPLAYWEBPAGE.iterdir():
        (root / entry.name).symlink_to(entry)
    (root / "evidence.wacz").symlink_to(packages["evidence"])

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def shown_in_replaywebpage(page, base: str, url: str, day: str) -> str:
    """Open ``url`` at ``day`` (a capture's time: between two captures ReplayWeb.page may
    take either) in ReplayWeb.page; the text of every frame once the document or the
    server's 404 page shows (or when the deadline passes)."""
    source = quote(f"{base}/evidence.wacz", safe="")
    page.goto(f"{base}/?source={source}#view=replay&url={quote(url, safe='')}&ts={day}")
    seen = {"text": ""}

    def shown() -> bool:
        seen["text"] = frames_text(page)
        return "双河街道" in seen["text"] or "页面不存在" in seen["text"]

    wait_for(shown, timeout=60, interval=0.25)
    return seen["text"]


def test_replaywebpage_shows_the_document_before_its_removal(replaywebpage, facts, page) -> None:
    text = shown_in_replaywebpage(page, replaywebpage, facts["gone"], facts["days"][0])
    page.screenshot(path=SHOTS / "replaywebpage-before.png")
    assert ("双河街道" in text, "页面不存在" in text) == (True, False)


def test_replaywebpage_shows_the_removal(replaywebpage, facts, page) -> None:
    text = shown_in_replaywebpage(page, replaywebpage, facts["gone"], facts["days"][1])
    page.screenshot(path=SHOTS / "replaywebpage-removed.png")
    assert "页面不存在" in text
