"""archive.feeds: Atom feeds that stay well-formed whatever an archived title holds."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from archive.feeds import atom, xml_escape

ATOM = "{http://www.w3.org/2005/Atom}"
ROW = {
    "id": 1, "at": "2026-12-07T02:00:00+08:00", "event": "new", "reason": None,
    "document_id": 7, "title": "关于\x01印发\x0b通知", "site": "demo", "issuer": "某县\x1b人民政府",
    "url": "http://www.example.gov.cn/1.html",
}  # fmt: skip


def test_a_title_with_a_control_character_leaves_the_feed_well_formed() -> None:
    feed = atom(
        "t",
        "http://archive.example/archive/-/feed/new.atom",
        "http://archive.example",
        "archive",
        [ROW],
    )
    entry = ET.fromstring(feed).find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "[new] 关于印发通知"


def test_feedparser_reads_such_a_feed_without_error() -> None:
    import feedparser

    parsed = feedparser.parse(
        atom("t", "http://archive.example/f.atom", "http://archive.example", "archive", [ROW])
    )
    assert (parsed.bozo, len(parsed.entries)) == (0, 1)


def test_a_quote_in_the_host_cannot_break_a_link() -> None:
    base = 'http://archive.example"onmouseover="x'
    feed = atom("t", f"{base}/f.atom", base, "archive", [ROW])
    link = ET.fromstring(feed).find(f"{ATOM}entry").find(f"{ATOM}link")
    assert link.get("href") == f"{base}/archive/-/document/7"


def test_markup_is_escaped() -> None:
    assert xml_escape("<a>&") == "&lt;a&gt;&amp;"


def test_an_empty_feed_was_updated_when_the_archive_last_looked() -> None:
    feed = atom("t", "http://a.example/f.atom", "http://a.example", "archive", [],
                "2026-12-07T02:40:00+08:00")  # fmt: skip
    assert ET.fromstring(feed).find(f"{ATOM}updated").text == "2026-12-07T02:40:00+08:00"


def test_an_empty_feed_is_never_dated_2000() -> None:
    feed = atom("t", "http://a.example/f.atom", "http://a.example", "archive", [])
    assert not ET.fromstring(feed).find(f"{ATOM}updated").text.startswith("2000")
