"""crawler.pipelines: what an item holds while it waits for the writer process."""

from __future__ import annotations

from crawler.items import AttachmentItem, DocumentItem, FetchItem, ListPageItem
from crawler.pipelines import item_bytes
from parsers.record import Record

FETCH = FetchItem(site="s", url="http://x/1.html", kind="detail", body=b"x" * 300)


def test_a_fetch_holds_its_body() -> None:
    assert item_bytes(FETCH) == 300


def test_a_document_holds_the_page_it_was_parsed_from() -> None:
    item = DocumentItem(site="s", record=Record(url="http://x/1.html", title="t"), fetch=FETCH)
    assert item_bytes(item) == 300


def test_an_attachment_holds_its_file() -> None:
    item = AttachmentItem(
        site="s",
        document_url="http://x/1.html",
        url="http://x/a.pdf",
        name="a.pdf",
        data=b"%PDF" * 100,
    )
    assert item_bytes(item) == 400


def test_a_list_page_count_holds_nothing() -> None:
    assert item_bytes(ListPageItem("s", "http://x/index.html", 20)) == 0
