"""Every lifecycle transition, observed by real crawls of a replica column over several
nights (``--now`` replays time): each test asserts one document's exact event sequence.

The story (nights after the first crawl; a full walk is due every 7 days):

* night 0 — first crawl (a full walk): every document ``new``;
* night 1 — one document edited; one removed from site and listing; one answering 404
  while still listed; one answering 404 for one night only;
* night 2 — the edited one edited again; the two removed ones confirmed ``gone``;
* night 7 — a full walk is due: one document off the listing is ``delisted``; a gone one
  answers again, edited (``restored``); one URL redirects to a new path (``moved``);
* night 8 — a shallow walk: the delisted one stays delisted; the 404-once document 404s
  again, a week after its first (no ``gone``: it answered in between);
* night 9 — the delisted one is listed again (``relisted``); one is linked as https
  (``moved``).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from replica_column import ColumnWorld

from archive import Archive
from crawler.demo.attachments import make_pdf
from crawler.demo.site import Page, trs_path

EDITED, DELISTED, GONE, RESTORED, REDIRECTED, HTTPS, FLAKY = 1, 3, 4, 5, 6, 8, 9
ATTACHMENT_ONLY = 16
PDF_ONLY_PHRASE = "第二批行政执法人员资格审查合格名单"


def attachment_only_document(world: ColumnWorld) -> None:
    """A document whose content is one PDF link inside the content container."""
    base = world.doc(2)
    doc = replace(
        base,
        key="pdf-only",
        title="关于公布第二批行政执法人员名单的通知",
        doc_no="旺司发〔2025〕9号",
        index_no="DEMO-TRS/2025-77001",
        body=[],
        attachments=[],
    )
    world.docs.append(doc)
    folder = trs_path(doc).rsplit("/", 1)[0]
    pdf = make_pdf("名单", ["行政执法人员名单", PDF_ONLY_PHRASE])
    world.extra_pages[f"{folder}/P020250301.pdf"] = Page(pdf, "application/pdf")
    world.extra_pages[trs_path(doc)] = Page(
        f"""<html><head><title>{doc.title}_旺苍县人民政府</title></head><body>
<div class="location">当前位置：<a href="/">首页</a> &gt; 法治政府建设</div>
<table class="xxgk-table"><tr><td>索引号：</td><td>{doc.index_no}</td><td>发布日期：</td>
<td>{doc.publish_date}</td></tr><tr><td>文号：</td><td>{doc.doc_no}</td><td>发布机构：</td>
<td>{doc.issuer}</td></tr></table>
<h2 class="article-title">{doc.title}</h2>
<div class="article_content"><a href="./P020250301.pdf">{doc.title}.pdf</a></div>
<div class="footer">版权所有：旺苍县人民政府 网站标识码5108210001</div></body></html>""".encode()
    )


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    with ColumnWorld(tmp_path_factory.mktemp("lifecycle"), tls=True) as world:
        attachment_only_document(world)
        world.night(0)
        world.edit(EDITED, "（第一次修订：补充整改时限。）")
        world.removed |= {world.doc(GONE).key, world.doc(RESTORED).key, world.doc(FLAKY).key}
        world.unlisted.add(world.doc(GONE).key)
        world.night(1)
        world.edit(EDITED, "（第二次修订：明确责任单位。）")
        world.removed.discard(world.doc(FLAKY).key)
        world.night(2)
        world.unlisted.add(world.doc(DELISTED).key)
        world.removed.discard(world.doc(RESTORED).key)
        world.edit(RESTORED, "（恢复发布时更正了一处日期。）")
        new_path = "/zwgk/fzzfjs/202504/t20250401_99999.html"
        old_path = trs_path(world.doc(REDIRECTED))
        world.publish()
        world.extra_pages[new_path] = world.site.pages[old_path]
        world.site.redirects[old_path] = f"{world.server.url}{new_path}"
        world.night(7)
        world.removed.add(world.doc(FLAKY).key)
        world.night(8)
        world.removed.discard(world.doc(FLAKY).key)
        world.unlisted.discard(world.doc(DELISTED).key)
        world.https_links.add(world.doc(HTTPS).key)
        world.night(9)
        yield world


def test_new_on_first_crawl(story) -> None:
    assert story.events(0) == ["new"]


def test_edited_twice_two_changed_events(story) -> None:
    assert story.events(EDITED) == ["new", "changed", "changed"]


def test_edited_twice_three_versions(story) -> None:
    rows = story.query(
        "SELECT count(*) n FROM versions v JOIN documents d ON d.id = v.document_id"
        " WHERE d.title = ?",
        story.doc(EDITED).title,
    )
    assert rows[0]["n"] == 3


@pytest.mark.parametrize(
    ("versions", "added"),
    [((1, 2), "（第一次修订：补充整改时限。）"), ((2, 3), "（第二次修订：明确责任单位。）")],
    ids=["first edit", "second edit"],
)
def test_each_edit_has_its_diff(story, versions: tuple[int, int], added: str) -> None:
    from archive.diff import diff_records

    with Archive(story.db) as archive:
        url = archive.conn.execute(
            "SELECT url FROM documents WHERE title = ?", (story.doc(EDITED).title,)
        ).fetchone()[0]
        records = {number: record for number, _, record in archive.versions_of(url)}
    diff = diff_records(records[versions[0]], records[versions[1]])
    marks = [s.text for p in diff.changed for s in p.segments if s.kind == "added"]
    assert marks == [added]


def test_delisted_when_a_due_full_walk_misses_it(story) -> None:
    assert story.events(DELISTED)[:2] == ["new", "delisted"]


def test_delisted_on_the_night_the_full_walk_was_due(story) -> None:
    rows = story.query(
        "SELECT e.at FROM document_events e JOIN documents d ON d.id = e.document_id"
        " WHERE d.title = ? AND e.event = 'delisted'",
        story.doc(DELISTED).title,
    )
    assert [r["at"][:10] for r in rows] == ["2025-04-08"]


def test_still_delisted_after_a_shallow_walk(story) -> None:
    rows = story.query(
        "SELECT count(*) n FROM document_events e JOIN documents d ON d.id = e.document_id"
        " WHERE d.title = ? AND e.at < '2025-04-10'",
        story.doc(DELISTED).title,
    )
    assert rows[0]["n"] == 2  # new, delisted: nothing on the shallow night 8


def test_relisted_when_listed_again(story) -> None:
    assert story.events(DELISTED) == ["new", "delisted", "relisted"]


def test_relisted_document_is_live(story) -> None:
    assert story.status(DELISTED) == "live"


def test_gone_after_the_confirmation_window(story) -> None:
    assert story.events(GONE) == ["new", "missing", "gone"]


def test_gone_document_status(story) -> None:
    assert story.status(GONE) == "gone"


def test_restored_keeps_the_gone_event(story) -> None:
    assert story.events(RESTORED) == ["new", "missing", "gone", "restored", "changed"]


def test_restored_document_keeps_gone_at(story) -> None:
    row = story.query(
        "SELECT status, gone_at FROM documents WHERE title = ?", story.doc(RESTORED).title
    )[0]
    assert (row["status"], row["gone_at"][:10]) == ("live", "2025-04-03")


def test_404_nights_a_week_apart_with_answers_between_are_never_gone(story) -> None:
    assert story.events(FLAKY) == ["new", "missing", "recovered", "missing", "recovered"]


def test_moved_by_redirect(story) -> None:
    assert story.events(REDIRECTED) == ["new", "moved"]


def test_moved_by_redirect_takes_the_new_url(story) -> None:
    row = story.query("SELECT url FROM documents WHERE title = ?", story.doc(REDIRECTED).title)
    assert row[0]["url"].endswith("/202504/t20250401_99999.html")


def test_moved_http_to_https(story) -> None:
    assert story.events(HTTPS) == ["new", "moved"]


def test_moved_http_to_https_evidence_names_both_urls(story) -> None:
    import json

    row = story.query(
        "SELECT e.evidence FROM document_events e JOIN documents d ON d.id = e.document_id"
        " WHERE d.title = ? AND e.event = 'moved'",
        story.doc(HTTPS).title,
    )[0]
    moved = json.loads(row["evidence"])
    assert (moved["from"][:5], moved["to"][:6]) == ("http:", "https:")


def test_no_document_duplicated_by_moves(story) -> None:
    assert story.query("SELECT count(*) n FROM documents")[0]["n"] == len(story.docs)


def test_attachment_only_document_archived(story) -> None:
    assert story.events(ATTACHMENT_ONLY)[0] == "new"


def test_attachment_only_document_keeps_its_file(story) -> None:
    rows = story.query(
        "SELECT a.sha256 FROM attachments a JOIN documents d ON d.id = a.document_id"
        " WHERE d.title = ?",
        story.doc(ATTACHMENT_ONLY).title,
    )
    assert [bool(r["sha256"]) for r in rows] == [True]


def test_attachment_only_document_found_by_its_file_text(story) -> None:
    with Archive(story.db) as archive:
        rows = archive.conn.execute(
            "SELECT d.title FROM documents_fts JOIN documents d ON d.id = documents_fts.rowid"
            " WHERE documents_fts MATCH ?",
            (f'"{PDF_ONLY_PHRASE}"',),
        ).fetchall()
    assert [r[0] for r in rows] == [story.doc(ATTACHMENT_ONLY).title]


def test_events_name_their_fetch(story) -> None:
    rows = story.query(
        "SELECT count(*) n FROM document_events WHERE event IN ('missing', 'gone', 'delisted')"
        " AND fetch_id IS NULL"
    )
    assert rows[0]["n"] == 0
