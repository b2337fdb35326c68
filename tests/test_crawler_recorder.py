"""crawler.recorder: a site's items into the archive. A local crawl's documents arrive
compared with their previous captures, so the recorder (in the writer process) writes
without parsing; only an item from a crawl on another machine is compared here."""

from __future__ import annotations

import pytest

from archive import Archive
from archive.documents import Reparsed
from crawler import recorder
from crawler.items import DocumentItem, FetchItem
from crawler.recorder import SiteRecorder
from parsers import parse_page

URL = "http://x.example.gov.cn/col/t20250401_1.html"
DAY1, DAY2 = "2025-04-01T02:00:00+08:00", "2025-04-02T02:00:00+08:00"
PAGE = (
    "<html><head><title>关于开展执法检查的通知</title></head><body><div id='zoom'>"
    "<p>为进一步规范行政执法行为，提高依法行政水平，现就有关事项通知如下。</p>"
    "<p>浏览次数：{n}</p></div></body></html>"
)


def fetch(n: int) -> FetchItem:
    body = PAGE.format(n=n).encode()
    return FetchItem("s", URL, "detail", status=200, body=body, keep_raw=True)


def night(archive: Archive, item: DocumentItem, at: str) -> None:
    site = SiteRecorder({"name": "s", "title": "测试站"}, "crawl", None, at)
    site.open(archive)
    site.process(archive, item)
    site.flush()


def last_reason(archive: Archive) -> str | None:
    row = archive.conn.execute(
        "SELECT reason FROM document_events WHERE event = 'changed' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return row[0]


@pytest.fixture
def archive(tmp_path):
    """Night 1 archived under an older parser's record (it kept a trailer in the body)."""
    with Archive(tmp_path / "archive.db") as archive:
        old = parse_page(PAGE.format(n=12).encode(), URL)
        old.body_text += "\n稿源：县司法局"
        night(archive, DocumentItem("s", old, fetch(12)), DAY1)
        yield archive


@pytest.fixture
def no_parsing(monkeypatch):
    """Parsing in the recorder fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the recorder parsed a page")

    monkeypatch.setattr(recorder, "parse_page", refuse)


def test_a_compared_document_is_written_without_parsing(archive, no_parsing) -> None:
    captured = archive.known_documents("s")[URL].raw_sha256 or ""
    today = parse_page(PAGE.format(n=13).encode(), URL)
    before = parse_page(PAGE.format(n=12).encode(), URL)
    item = DocumentItem("s", today, fetch(13), reparsed=Reparsed(captured, before))
    night(archive, item, DAY2)
    assert last_reason(archive) == "parser-update"


def test_an_uncompared_document_is_compared_by_the_recorder(archive) -> None:
    today = parse_page(PAGE.format(n=13).encode(), URL)
    night(archive, DocumentItem("s", today, fetch(13), compared=False), DAY2)
    assert last_reason(archive) == "parser-update"


def test_a_compared_document_with_nothing_to_compare_is_an_edit(archive, no_parsing) -> None:
    today = parse_page(PAGE.format(n=13).encode(), URL)
    night(archive, DocumentItem("s", today, fetch(13)), DAY2)
    assert last_reason(archive) is None
