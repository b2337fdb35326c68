"""Parse once, on a replica column crawled on two nights with the real ``govarchive crawl``:
the crawl's parse worker reads a changed document's previous capture from the archive and
parses it too, so a page whose record changed only because the parsers did is recorded as a
``parser-update``, an edit stays an edit, and the writer never parses
(``crawler.parse_pool.parse_answer``; the recorder's side is tests/test_crawler_recorder)."""

from __future__ import annotations

import json

import pytest
from replica_column import ColumnWorld, crawl_time

from archive import Archive
from crawler.demo.site import build_trs, trs_path
from parsers.record import Record

REPARSED, EDITED, UNTOUCHED = 1, 2, 3
TRAILER = "\n稿源：县司法局"  # what an older parser kept at the end of the body


def as_an_older_parser_recorded(db, title: str) -> None:
    """Re-parse one document's capture as an older parser release did (``govarchive
    reparse`` run with it): its body kept a trailer that today's parsers drop. The archive
    now holds a record that today's parsers do not make of that capture."""
    with Archive(db) as archive:
        row = archive.conn.execute(
            "SELECT d.url, d.site, v.record, v.raw_sha256 FROM documents d JOIN versions v"
            " ON v.document_id = d.id AND v.version = d.version_count WHERE d.title = ?",
            (title,),
        ).fetchone()
        older = Record.from_dict(json.loads(row["record"]))
        older.body_text += TRAILER
        archive.record_document(
            older, site=row["site"], run_id=None, raw_sha256=row["raw_sha256"], observed=False,
            at=crawl_time(0),
        )  # fmt: skip
        archive.commit_batch()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with ColumnWorld(tmp_path_factory.mktemp("parse-once")) as world:
        world.night(0)
        for index in (REPARSED, EDITED):
            as_an_older_parser_recorded(world.db, world.doc(index).title)
        # Tonight both pages show a visit counter (new bytes, the same text)…
        pages = build_trs(world.docs)
        for index in (REPARSED, EDITED):
            path = trs_path(world.doc(index))
            world.detail_override[world.doc(index).key] = pages[path].body.replace(
                b"</body>", "<!-- 浏览次数：31 --></body>".encode()
            )
        # …and one was also edited on the site.
        world.edit(EDITED, "（2025年4月修订）")
        edited = build_trs(world.docs)[trs_path(world.doc(EDITED))].body
        world.detail_override[world.doc(EDITED).key] = edited
        world.night(1)
        yield world


def reasons(world, index: int) -> list[str | None]:
    return [
        row["reason"]
        for row in world.query(
            "SELECT e.reason FROM document_events e JOIN documents d ON d.id = e.document_id"
            " WHERE d.title = ? AND e.event = 'changed' ORDER BY e.id",
            world.doc(index).title,
        )
    ]


def test_a_record_changed_by_the_parsers_alone_is_a_parser_update(world) -> None:
    assert reasons(world, REPARSED) == ["reparse", "parser-update"]


def test_a_record_changed_by_an_edit_is_an_edit(world) -> None:
    assert reasons(world, EDITED) == ["reparse", None]


def test_the_edit_names_the_sentence_added_not_the_parsers_trailer(world) -> None:
    rows = world.query(
        "SELECT v.record FROM versions v JOIN documents d ON d.id = v.document_id"
        " WHERE d.title = ? ORDER BY v.version DESC LIMIT 1",
        world.doc(EDITED).title,
    )
    assert "（2025年4月修订）" in rows[0]["record"]


def test_the_edited_version_holds_no_trailer(world) -> None:
    rows = world.query(
        "SELECT v.record FROM versions v JOIN documents d ON d.id = v.document_id"
        " WHERE d.title = ? ORDER BY v.version DESC LIMIT 1",
        world.doc(EDITED).title,
    )
    assert "稿源：县司法局" not in rows[0]["record"]


def test_an_untouched_document_is_not_changed(world) -> None:
    assert reasons(world, UNTOUCHED) == []
