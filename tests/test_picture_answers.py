"""Pictures are no evidence of a document's fate (parsers.page_state, spiders.evidence): on
a replica column crawled on two nights, a document archived with text whose page then
shows only a picture in its content block is recorded as an empty page, not edited; a
not-found page that draws "404" in the content block and says 该信息已撤销 beside it is a
removal, not a new version."""

from __future__ import annotations

import pytest
from replica_column import ColumnWorld

from parsers.page_state import MISSING, page_state
from parsers.record import Record

PICTURE_ONLY, WITHDRAWN = 1, 2


def picture_page(title: str, beside: str = "") -> bytes:
    return f"""<html><head><title>{title}</title></head><body>
<div class="main"><p>{beside}</p>
<div class="TRS_UEDITOR"><p><img src="/images/404.png"></p></div></div>
</body></html>""".encode()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with ColumnWorld(tmp_path_factory.mktemp("pictures")) as world:
        world.night(0)
        world.detail_override[world.doc(PICTURE_ONLY).key] = picture_page(
            world.doc(PICTURE_ONLY).title
        )
        world.detail_override[world.doc(WITHDRAWN).key] = picture_page("提示", "该信息已撤销")
        world.night(1)
        yield world


def test_a_text_document_now_shown_as_a_picture_is_not_edited(world) -> None:
    assert world.events(PICTURE_ONLY) == ["new"]


def test_a_text_document_now_shown_as_a_picture_is_an_empty_page(world) -> None:
    rows = world.query(
        "SELECT error FROM fetches WHERE url LIKE ? ORDER BY id DESC LIMIT 1",
        f"%{world.path(world.doc(PICTURE_ONLY))}",
    )
    assert rows[0]["error"] == "empty-page"


def test_a_withdrawal_page_drawing_404_is_a_removal(world) -> None:
    assert world.events(WITHDRAWN) == ["new", "missing"]


def test_a_picture_does_not_hide_what_the_page_says() -> None:
    record = Record(title="提示", body_html='<div><img src="http://a.example/404.png"></div>')
    assert page_state(record, page_text="提示\n该信息已撤销") == MISSING
