"""Replay as another archive would show it: Webrecorder's pywb (from ``make replay``) serving
the demo archive's WACZ and a removed document's evidence package, asked at each crawl's
time, and Chromium opening the evidence package there."""

from __future__ import annotations

import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, SHOTS, copy_archive, free_port, run_cli, wait_until_answering

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
def wayback(archive_copy, facts):
    """pywb serving two collections: ``all`` (the archive) and ``evidence`` (the gone
    document's package), each added from its WACZ as a pywb user adds one."""
    if not (REPLAY_BIN / "wayback").exists():
        raise AssertionError(f"{REPLAY_BIN / 'wayback'} is missing: `make replay` installs pywb")
    folder = archive_copy.parent
    packages = {"all": folder / "all.wacz", "evidence": folder / "evidence.wacz"}
    run_cli(
        "export", "--db", str(archive_copy), "--format", "wacz", "--output", str(packages["all"])
    )
    run_cli(
        "evidence", facts["gone"], "--db", str(archive_copy), "--output", str(packages["evidence"])
    )
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


def replayed_text(page, url: str) -> str:
    """What Chromium shows at a pywb address: pywb's own frame (its capture banner) and the
    replayed page inside it."""
    page.goto(url, wait_until="load")
    return "\n".join(frame.locator("body").inner_text() for frame in page.frames)


def test_chromium_opens_the_evidence_package_in_pywb(wayback, facts, page) -> None:
    text = replayed_text(page, f"{wayback}/evidence/{facts['days'][0]}/{facts['gone']}")
    page.screenshot(path=SHOTS / "pywb-evidence-before.png", full_page=True)
    assert "双河街道" in text


def test_chromium_sees_the_removal_in_pywb(wayback, facts, page) -> None:
    text = replayed_text(page, f"{wayback}/evidence/{facts['days'][1]}/{facts['gone']}")
    page.screenshot(path=SHOTS / "pywb-evidence-removed.png", full_page=True)
    assert "页面不存在" in text


def test_pywb_labels_the_removal_a_404_capture(wayback, facts, page) -> None:
    text = replayed_text(page, f"{wayback}/evidence/{facts['days'][1]}/{facts['gone']}")
    assert "Current Capture: 404" in text
