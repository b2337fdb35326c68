"""Attachments revisited with their documents (spiders.base, archive.attachments): on a
replica column crawled on two nights, a PDF replaced at the same URL while its page stays
the same becomes one ``attachment-changed`` version with both files kept; an unchanged PDF
costs one conditional request (304); a PDF that answers 404 while its document lives is
recorded as such, its stored file kept."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from replica_column import ColumnWorld

from crawler.demo.attachments import make_pdf
from crawler.demo.site import Page, trs_path

REPLACED, UNCHANGED, REMOVED, MAINTENANCE = "replaced", "unchanged", "removed", "maintenance"
MAINTENANCE_PAGE = "<html><body><h1>系统维护中，请稍后访问</h1></body></html>".encode()
FIRST_LIST = ["行政执法人员名单", "张三 李四"]
SECOND_LIST = ["行政执法人员名单", "张三 李四 王五"]


def pdf_only_document(world: ColumnWorld, key: str, number: int) -> tuple[str, bytes]:
    """A document whose content is one PDF link; returns the PDF's path and bytes."""
    doc = replace(
        world.doc(2),
        key=key,
        title=f"关于公布第{number}批行政执法人员名单的通知",
        index_no=f"DEMO-TRS/2025-8800{number}",
        body=[],
        attachments=[],
    )
    world.docs.append(doc)
    folder = trs_path(doc).rsplit("/", 1)[0]
    pdf_path = f"{folder}/P2025030{number}.pdf"
    pdf = make_pdf(f"名单{number}", FIRST_LIST)
    world.extra_pages[pdf_path] = Page(pdf, "application/pdf")
    world.extra_pages[trs_path(doc)] = Page(
        f"""<html><head><title>{doc.title}</title></head><body>
<table class="xxgk-table"><tr><td>索引号：</td><td>{doc.index_no}</td><td>发布日期：</td>
<td>{doc.publish_date}</td></tr><tr><td>发布机构：</td><td>{doc.issuer}</td></tr></table>
<h2 class="article-title">{doc.title}</h2>
<div class="article_content"><a href="./{pdf_path.rsplit("/", 1)[1]}">{doc.title}.pdf</a></div>
</body></html>""".encode()
    )
    return pdf_path, pdf


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with ColumnWorld(tmp_path_factory.mktemp("attachments")) as world:
        paths = {
            key: pdf_only_document(world, key, n)
            for n, key in enumerate((REPLACED, UNCHANGED, REMOVED, MAINTENANCE), start=1)
        }
        world.night(0)
        replaced_path, _ = paths[REPLACED]
        world.extra_pages[replaced_path] = Page(make_pdf("名单1", SECOND_LIST), "application/pdf")
        del world.extra_pages[paths[REMOVED][0]]
        # served as a PDF, but the bytes are the site's maintenance page
        world.extra_pages[paths[MAINTENANCE][0]] = Page(MAINTENANCE_PAGE, "application/pdf")
        world.night(1)
        world.paths = paths
        yield world


def document(world: ColumnWorld, key: str):
    title = next(d.title for d in world.docs if d.key == key)
    return world.query("SELECT * FROM documents WHERE title = ?", title)[0]


def test_a_replaced_file_is_a_new_version(world) -> None:
    assert document(world, REPLACED)["version_count"] == 2


def test_the_new_version_says_its_attachments_changed(world) -> None:
    doc = document(world, REPLACED)
    rows = world.query(
        "SELECT reason FROM document_events WHERE document_id = ? AND event = 'changed'", doc["id"]
    )
    assert [r["reason"] for r in rows] == ["attachment-changed"]


def test_the_event_names_both_files(world) -> None:
    import json

    doc = document(world, REPLACED)
    (row,) = world.query(
        "SELECT evidence FROM document_events WHERE document_id = ? AND event = 'changed'",
        doc["id"],
    )
    evidence = json.loads(row["evidence"])
    first = hashlib.sha256(world.paths[REPLACED][1]).hexdigest()
    assert (evidence["old_sha256"], evidence["attachment"].endswith(".pdf")) == (first, True)


def test_the_event_names_the_answer_that_brought_the_new_file(world) -> None:
    doc = document(world, REPLACED)
    (row,) = world.query(
        "SELECT f.url, f.kind, f.status, f.bytes, e.http_status FROM document_events e"
        " JOIN fetches f ON f.id = e.fetch_id WHERE e.document_id = ? AND e.event = 'changed'",
        doc["id"],
    )
    new_file = make_pdf("名单1", SECOND_LIST)
    assert (row["url"].endswith(world.paths[REPLACED][0]), row["kind"], row["status"]) == (
        True, "attachment", 200,
    )  # fmt: skip
    assert (row["bytes"], row["http_status"]) == (len(new_file), 200)


def test_both_files_are_kept(world) -> None:
    doc = document(world, REPLACED)
    rows = world.query(
        "SELECT stored_path FROM attachment_files WHERE document_id = ? ORDER BY id", doc["id"]
    )
    files = world.db.parent / "archive.db.files"
    assert [(files / r["stored_path"]).exists() for r in rows] == [True, True]


def test_each_file_belongs_to_its_version(world) -> None:
    doc = document(world, REPLACED)
    rows = world.query(
        "SELECT version FROM attachment_files WHERE document_id = ? ORDER BY id", doc["id"]
    )
    assert [r["version"] for r in rows] == [1, 2]


def test_the_new_files_text_is_searchable(world) -> None:
    assert "王五" in (document(world, REPLACED)["attachment_text"] or "")


def test_the_page_itself_was_unchanged(world) -> None:
    doc = document(world, REPLACED)
    rows = world.query(
        "SELECT status FROM fetches WHERE kind = 'detail' AND run_id = 2 AND url = ?", doc["url"]
    )
    assert [r["status"] for r in rows] == [304]


def test_an_unchanged_file_costs_one_conditional_request(world) -> None:
    path, _ = world.paths[UNCHANGED]
    rows = world.query(
        "SELECT status FROM fetches WHERE kind = 'attachment' AND run_id = 2 AND url LIKE ?",
        f"%{path}",
    )
    assert [r["status"] for r in rows] == [304]


def test_an_unchanged_file_makes_no_version(world) -> None:
    assert document(world, UNCHANGED)["version_count"] == 1


def test_an_unchanged_file_is_recorded_as_checked(world) -> None:
    doc = document(world, UNCHANGED)
    (row,) = world.query("SELECT http_status FROM attachments WHERE document_id = ?", doc["id"])
    assert row["http_status"] == 304


def test_a_file_gone_while_its_document_lives_is_recorded(world) -> None:
    doc = document(world, REMOVED)
    (row,) = world.query(
        "SELECT http_status, error FROM attachments WHERE document_id = ?", doc["id"]
    )
    assert (row["http_status"], row["error"]) == (404, "http-404")


def test_a_file_gone_keeps_the_stored_copy(world) -> None:
    doc = document(world, REMOVED)
    (row,) = world.query("SELECT sha256 FROM attachments WHERE document_id = ?", doc["id"])
    assert row["sha256"] == hashlib.sha256(world.paths[REMOVED][1]).hexdigest()


def test_a_file_gone_leaves_its_document_live(world) -> None:
    assert document(world, REMOVED)["status"] == "live"


def test_the_archive_still_verifies(world) -> None:
    from conftest import run_cli

    assert run_cli("verify", "--db", str(world.db)).returncode == 0


@pytest.fixture(scope="module")
def get(world):
    """GET a path of a real Datasette (with the plugin) serving the column's archive."""
    import asyncio

    from datasette.app import Datasette

    datasette = Datasette(files=[str(world.db)])
    loop = asyncio.new_event_loop()
    loop.run_until_complete(datasette.invoke_startup())
    yield lambda path: loop.run_until_complete(datasette.client.get(path))
    loop.close()


def test_the_comparison_names_the_replaced_file(world, get) -> None:
    doc = document(world, REPLACED)
    data = get(f"/archive/-/document/{doc['id']}/compare.json").json()
    assert [a["name"].endswith(".pdf") for a in data["attachments"]] == [True]


def test_the_comparison_diffs_the_files_text(world, get) -> None:
    doc = document(world, REPLACED)
    (change,) = get(f"/archive/-/document/{doc['id']}/compare.json").json()["attachments"]
    assert [p["new"] for p in change["paragraphs"]] == ["张三 李四 王五"]


def test_the_comparison_links_both_stored_files(world, get) -> None:
    doc = document(world, REPLACED)
    html = get(f"/archive/-/document/{doc['id']}/compare").text
    (change,) = get(f"/archive/-/document/{doc['id']}/compare.json").json()["attachments"]
    assert (
        f"/-/attachment/{change['old_sha256']}" in html,
        f"/-/attachment/{change['new_sha256']}" in html,
    ) == (True, True)


def test_the_document_page_shows_the_replacement(world, get) -> None:
    doc = document(world, REPLACED)
    assert "replaced at the same URL" in get(f"/archive/-/document/{doc['id']}").text


def test_the_changed_feed_says_which_file_was_replaced(world, get) -> None:
    text = get("/archive/-/feed/changed.atom").text
    assert "attachment 关于公布第1批行政执法人员名单的通知.pdf replaced" in text


def test_the_diff_command_shows_the_files_change(world) -> None:
    from conftest import run_cli

    doc = document(world, REPLACED)
    done = run_cli("diff", str(doc["id"]), "--db", str(world.db))
    assert "~ 张三 李四{+ 王五+}" in done.stdout.splitlines()


def test_the_document_page_says_a_file_now_answers_404(world, get) -> None:
    doc = document(world, REMOVED)
    assert "now answers 404" in get(f"/archive/-/document/{doc['id']}").text


def test_the_document_page_gives_each_files_text_length(world, get) -> None:
    doc = document(world, UNCHANGED)
    (row,) = world.query("SELECT length(text) n FROM attachments WHERE document_id = ?", doc["id"])
    assert f"text {row['n']:,} characters" in get(f"/archive/-/document/{doc['id']}").text


def test_a_maintenance_page_at_a_files_url_makes_no_version(world) -> None:
    assert document(world, MAINTENANCE)["version_count"] == 1


def test_a_maintenance_page_at_a_files_url_is_recorded_as_such(world) -> None:
    doc = document(world, MAINTENANCE)
    (row,) = world.query("SELECT error FROM attachments WHERE document_id = ?", doc["id"])
    assert row["error"] == "not-a-file: an HTML page answered where a file was"


def test_a_maintenance_page_leaves_the_stored_file_current(world) -> None:
    doc = document(world, MAINTENANCE)
    (row,) = world.query("SELECT sha256 FROM attachments WHERE document_id = ?", doc["id"])
    assert row["sha256"] == hashlib.sha256(world.paths[MAINTENANCE][1]).hexdigest()
