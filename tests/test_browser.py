"""The archive as a person uses it: real Chromium (the system package, driven by
Playwright) against `govarchive serve` on the demo archive. Screenshots go to
``tests/screenshots/`` (git-ignored) for a person to look at."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import ROOT, SHOTS, free_port, wait_until_answering

from archive.store import connect

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def site(demo_archive):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "serve", "--db", str(demo_archive),
         "--port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{base}/-/versions.json", process)
        yield base, demo_archive
    finally:
        process.terminate()
        process.wait(timeout=30)


def db_name(db: Path) -> str:
    return db.stem


def one(db: Path, sql: str):
    conn = connect(db, readonly=True)
    try:
        return conn.execute(sql).fetchone()
    finally:
        conn.close()


@pytest.mark.parametrize("query", ["执法", "法治政府"])
def test_search_shows_ranked_results_with_highlights(site, page, query: str) -> None:
    base, db = site
    page.goto(f"{base}/{db_name(db)}")
    page.fill("#govarchive-q", query)
    page.click("form.govarchive-search input[type=submit]")
    page.wait_for_selector(".result")
    page.screenshot(path=SHOTS / f"search-{query}.png")
    marks = page.locator(".result .snippet mark").all_inner_texts()
    # A snippet's window may cut a match at its edge: every mark is (part of) the query.
    assert (query in marks, all(m in query for m in marks)) == (True, True)


def test_search_box_on_the_first_screen(site, page) -> None:
    base, db = site
    page.goto(f"{base}/{db_name(db)}/documents")
    box = page.locator("#govarchive-q").bounding_box()
    assert box is not None and box["y"] < 900


def test_documents_table_opens_on_readable_columns(site, page) -> None:
    base, db = site
    page.goto(f"{base}/{db_name(db)}/documents")
    page.screenshot(path=SHOTS / "documents-table.png")
    headers = [h.strip() for h in page.locator("table.rows-and-columns th").all_inner_texts()]
    assert [h.split()[0] for h in headers if h] == [
        "id", "title", "issuer", "doc_date", "site", "status", "last_changed",
    ]  # fmt: skip


def test_edited_document_shows_the_change(site, page) -> None:
    base, db = site
    doc_id = one(db, "SELECT id FROM documents WHERE version_count > 1")[0]
    page.goto(f"{base}/{db_name(db)}/-/document/{doc_id}")
    page.screenshot(path=SHOTS / "document-diff.png", full_page=True)
    assert page.locator("#versions ins").first.inner_text() == (
        "（2025年4月修订：补充整改时限为2025年6月底前。）"
    )


def test_change_is_highlighted(site, page) -> None:
    base, db = site
    doc_id = one(db, "SELECT id FROM documents WHERE version_count > 1")[0]
    page.goto(f"{base}/{db_name(db)}/-/document/{doc_id}")
    colour = page.locator("#versions ins").first.evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")


def test_attachment_download_is_the_archived_file(site, page) -> None:
    base, db = site
    doc_id, sha = one(
        db,
        "SELECT document_id, sha256 FROM attachments WHERE sha256 IS NOT NULL ORDER BY id",
    )
    page.goto(f"{base}/{db_name(db)}/-/document/{doc_id}")
    with page.expect_download() as download:
        page.click(f"a.attachment[href$='{sha}']")
    data = Path(download.value.path()).read_bytes()
    assert hashlib.sha256(data).hexdigest() == sha


def test_raw_capture_opens_without_scripts(site, page) -> None:
    base, db = site
    doc_id = one(db, "SELECT id FROM documents WHERE site = 'demo-wangcang' ORDER BY id")[0]
    page.goto(f"{base}/{db_name(db)}/-/document/{doc_id}")
    with page.expect_navigation():
        page.click("a.raw")
    capture = page.frame_locator("iframe.capture")
    # The capture's view counter is written by a script: sandboxed, it stays empty.
    counter = capture.locator("span", has_text="浏览次数").first.inner_text()
    page.screenshot(path=SHOTS / "raw-capture.png")
    assert (counter, "旺苍" in capture.locator("body").inner_text()) == ("浏览次数：", True)


def test_raw_capture_shows_its_provenance_outside_the_capture(site, page) -> None:
    base, db = site
    doc_id = one(db, "SELECT id FROM documents WHERE site = 'demo-wangcang' ORDER BY id")[0]
    page.goto(f"{base}/{db_name(db)}/-/document/{doc_id}")
    with page.expect_navigation():
        page.click("a.raw")
    assert page.locator("#provenance").inner_text().startswith("存档副本 Archived copy")


def test_version_page_shows_its_citation(site, page) -> None:
    base, db = site
    doc_id = one(db, "SELECT id FROM documents WHERE version_count > 1")[0]
    page.goto(f"{base}/{db_name(db)}/-/document/{doc_id}")
    with page.expect_navigation():
        page.click("#version-2 a.permalink")
    page.screenshot(path=SHOTS / "version-citable.png", full_page=True)
    assert page.locator("#cite-text").inner_text().endswith(f"/-/document/{doc_id}/v/2")


def test_gone_document_shows_its_events(site, page) -> None:
    base, db = site
    doc_id = one(db, "SELECT id FROM documents WHERE status = 'gone'")[0]
    page.goto(f"{base}/{db_name(db)}/-/document/{doc_id}")
    page.screenshot(path=SHOTS / "document-gone.png", full_page=True)
    events = page.locator("#events b.event").all_inner_texts()
    assert events == ["new", "missing", "gone"]


@pytest.mark.parametrize("kind", ["new", "changed", "delisted", "gone", "events"])
def test_feed_loads_and_parses(site, page, kind: str) -> None:
    """As a feed reader asks for it (no text/html in its Accept), through the browser's
    own HTTP stack."""
    base, db = site
    response = page.request.get(
        f"{base}/{db_name(db)}/-/feed/{kind}.atom", headers={"Accept": "application/atom+xml"}
    )
    assert ET.fromstring(response.body()).tag == f"{ATOM}feed"


def test_document_page_loads_only_from_the_archive(site, page) -> None:
    base, db = site
    doc_id = one(db, "SELECT id FROM documents WHERE body_html LIKE '%<img%'")[0]
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"{base}/{db_name(db)}/-/document/{doc_id}")
    page.screenshot(path=SHOTS / "document-image.png", full_page=True)
    assert [url for url in asked if not url.startswith(base)] == []


def test_document_page_shows_the_archived_chart(site, page) -> None:
    base, db = site
    doc_id = one(db, "SELECT id FROM documents WHERE body_html LIKE '%<img%'")[0]
    page.goto(f"{base}/{db_name(db)}/-/document/{doc_id}")
    assert page.locator("#body img").evaluate("img => img.naturalWidth") == 240


def test_a_feed_opened_in_the_browser_reads_as_a_page(site, page) -> None:
    base, db = site
    page.goto(f"{base}/{db_name(db)}/-/feed/new.atom")
    page.wait_for_selector(".entry a")
    page.screenshot(path=SHOTS / "feed-new.png")
    assert "copy its address into a feed reader" in page.inner_text("body")


def test_a_feed_page_links_each_entry_to_its_document(site, page) -> None:
    base, db = site
    page.goto(f"{base}/{db_name(db)}/-/feed/new.atom")
    page.wait_for_selector(".entry a")
    hrefs = page.eval_on_selector_all(".entry a", "links => links.map(a => a.href)")
    assert hrefs and all("/-/document/" in h for h in hrefs)


def test_the_version_picker_opens_the_side_by_side_view(site, page) -> None:
    base, db = site
    doc_id = one(db, "SELECT id FROM documents WHERE version_count > 1")[0]
    page.goto(f"{base}/{db_name(db)}/-/document/{doc_id}")
    page.check("#version-picker input[value=side]")
    page.click("#version-picker input[type=submit]")
    page.wait_for_selector("table.side")
    page.screenshot(path=SHOTS / "compare-side-by-side.png", full_page=True)
    assert page.locator("table.side td.new ins").first.inner_text() == (
        "（2025年4月修订：补充整改时限为2025年6月底前。）"
    )


def test_the_side_by_side_view_puts_the_versions_in_two_columns(site, page) -> None:
    base, db = site
    doc_id = one(db, "SELECT id FROM documents WHERE version_count > 1")[0]
    page.goto(f"{base}/{db_name(db)}/-/document/{doc_id}/compare?from=1&to=2&view=side")
    old = page.locator("table.side td.old").first.bounding_box()
    new = page.locator("table.side td.new").first.bounding_box()
    assert old is not None and new is not None and new["x"] >= old["x"] + old["width"]


def test_the_picker_compares_versions_in_either_order(site, page) -> None:
    base, db = site
    doc_id = one(db, "SELECT id FROM documents WHERE version_count > 1")[0]
    page.goto(f"{base}/{db_name(db)}/-/document/{doc_id}")
    page.select_option("#version-picker select[name=from]", "2")
    page.select_option("#version-picker select[name=to]", "1")
    page.click("#version-picker input[type=submit]")
    page.wait_for_selector("#summary")
    assert page.locator(".diff del").first.inner_text() == (
        "（2025年4月修订：补充整改时限为2025年6月底前。）"
    )


def test_the_compare_json_twin_opens_in_the_browser(site, page) -> None:
    base, db = site
    doc_id = one(db, "SELECT id FROM documents WHERE version_count > 1")[0]
    page.goto(f"{base}/{db_name(db)}/-/document/{doc_id}/compare?from=1&to=2")
    page.click("#compared a:text('JSON')")
    page.wait_for_load_state()
    assert '"summary": "1 paragraph(s) changed"' in page.content()


def test_the_events_table_opens_from_the_database_page(site, page) -> None:
    base, db = site
    page.goto(f"{base}/{db_name(db)}")
    page.click(f"a[href='/{db_name(db)}/document_events']")
    page.wait_for_selector("table.rows-and-columns")
    rows = page.locator("table.rows-and-columns tbody tr").count()
    assert rows == min(one(db, "SELECT count(*) FROM document_events")[0], 100)


def test_the_events_table_filters_by_event(site, page) -> None:
    base, db = site
    page.goto(f"{base}/{db_name(db)}/document_events?event=gone")
    page.wait_for_selector("table.rows-and-columns")
    page.screenshot(path=SHOTS / "events-gone.png")
    events = page.locator("table.rows-and-columns tbody td.col-event").all_inner_texts()
    assert [e.strip() for e in events] == ["gone"] * one(
        db, "SELECT count(*) FROM document_events WHERE event = 'gone'"
    )[0]
