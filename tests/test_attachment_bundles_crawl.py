"""A RAR bundle crawled as a document's attachment (spiders, parse pool, archive): on a
replica column whose document links a ``附件.rar`` served as an octet stream, the stored
file is typed RAR from its bytes, each member's text is kept under its name, and a word
that only a member holds finds the document in the archive's search."""

from __future__ import annotations

from dataclasses import replace

import pytest
from replica_column import ColumnWorld

from archive.store import connect
from crawler.demo.attachments import make_docx
from crawler.demo.bundles import make_rar5
from crawler.demo.site import Page, trs_path

MEMBER_TEXT = ["行政处罚决定书", "当事人：某某建材有限公司", "罚款人民币叁万元整。"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with ColumnWorld(tmp_path_factory.mktemp("bundles")) as world:
        doc = replace(
            world.doc(2),
            key="bundle",
            title="关于公布2025年第3批行政处罚决定的公告",
            index_no="DEMO-TRS/2025-88031",
            body=["现将2025年第3批行政处罚决定书予以公布（见附件）。"],
            attachments=[],
        )
        world.docs.append(doc)
        folder = trs_path(doc).rsplit("/", 1)[0]
        bundle = make_rar5({"决定书/第1号.docx": make_docx(MEMBER_TEXT), "说明.txt": b"list"})
        world.extra_pages[f"{folder}/P020250310.rar"] = Page(bundle, "application/octet-stream")
        world.extra_pages[trs_path(doc)] = Page(
            f"""<html><head><title>{doc.title}</title></head><body>
<table class="xxgk-table"><tr><td>索引号：</td><td>{doc.index_no}</td><td>发布日期：</td>
<td>{doc.publish_date}</td></tr><tr><td>发布机构：</td><td>{doc.issuer}</td></tr></table>
<h2 class="article-title">{doc.title}</h2>
<div class="article_content"><p>{doc.body[0]}</p>
<p>附件：<a href="./P020250310.rar">2025年第3批行政处罚决定书.rar</a></p></div>
</body></html>""".encode()
        )
        world.night(0)
        world.bundle = doc
        yield world


def attachment(world: ColumnWorld):
    return world.query(
        "SELECT a.* FROM attachments a JOIN documents d ON d.id = a.document_id WHERE d.title = ?",
        world.bundle.title,
    )[0]


def test_the_bundle_is_typed_rar_from_its_bytes(world) -> None:
    assert attachment(world)["mime_type"] == "application/vnd.rar"


def test_each_member_is_kept_under_its_name(world) -> None:
    assert "== 决定书/第1号.docx ==\n" + "\n".join(MEMBER_TEXT) in attachment(world)["text"]


def test_the_bundle_records_no_error(world) -> None:
    assert attachment(world)["error"] is None


def test_a_word_only_a_member_holds_finds_the_document(world) -> None:
    conn = connect(world.db, readonly=True)
    try:
        titles = [
            row[0]
            for row in conn.execute(
                "SELECT d.title FROM documents_fts JOIN documents d ON d.id = documents_fts.rowid"
                " WHERE documents_fts MATCH ?",
                ('"建材有限公司"',),
            )
        ]
    finally:
        conn.close()
    assert titles == [world.bundle.title]
