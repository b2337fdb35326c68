"""archive.compare_views (and archive.changes): any two versions of a document compared,
inline and side by side, with a JSON twin; the version picker on the document page; and a
changed entry in the feed saying what changed, through a real Datasette."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from archive import Archive
from parsers.record import Record

URL = "http://county.example/gk/2024/notice.html"
PARAGRAPHS = [f"第{n}条　本机关依法履行第{n}项职责，接受社会监督。" for n in range(1, 9)]
VERSION_2 = PARAGRAPHS[:3] + ["第4条　本机关依法履行第4项职责，按月公开办理结果。"] + PARAGRAPHS[4:]
VERSION_3 = VERSION_2 + ["第9条　本办法自发布之日起施行。"]


def record(title: str, paragraphs: list[str], doc_no: str) -> Record:
    return Record(url=URL, title=title, body_text="\n".join(paragraphs), doc_no=doc_no)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("compare") / "county.db"
    with Archive(path) as store:
        for version in (
            record("关于政务公开的通知", PARAGRAPHS, "县政发〔2024〕1号"),
            record("关于政务公开工作的通知", VERSION_2, "县政发〔2024〕1号"),
            record("关于政务公开工作的通知", VERSION_3, "县政发〔2024〕2号"),
        ):
            store.record_document(version, site="county", run_id=None)
        store.record_document(
            Record(url="http://county.example/gk/once.html", title="只有一版", body_text="正文。"),
            site="county",
            run_id=None,
        )
    return path


@pytest.fixture(scope="module")
def get(archive):
    """GET a path of a real Datasette (with the plugin) serving the archive."""
    from datasette.app import Datasette

    from archive.datasette_meta import metadata

    datasette = Datasette(files=[str(archive)], metadata=metadata(["county"]))
    loop = asyncio.new_event_loop()
    loop.run_until_complete(datasette.invoke_startup())
    yield lambda path: loop.run_until_complete(datasette.client.get(path))
    loop.close()


def test_by_default_the_newest_version_is_compared_with_the_one_before(get) -> None:
    data = get("/county/-/document/1/compare.json").json()
    assert (data["from"]["version"], data["to"]["version"]) == (2, 3)


def test_any_two_versions_are_compared(get) -> None:
    data = get("/county/-/document/1/compare.json?from=1&to=3").json()
    assert data["summary"] == "2 field(s), 1 paragraph(s) changed, 1 paragraph(s) added"


def test_the_json_lists_field_changes(get) -> None:
    data = get("/county/-/document/1/compare.json?from=1&to=3").json()
    assert [(f["name"], f["old"], f["new"]) for f in data["fields"]] == [
        ("title", "关于政务公开的通知", "关于政务公开工作的通知"),
        ("doc_no", "县政发〔2024〕1号", "县政发〔2024〕2号"),
    ]


def test_the_json_marks_the_changed_words(get) -> None:
    data = get("/county/-/document/1/compare.json?from=1&to=2").json()
    changed = data["paragraphs"][0]["segments"]
    assert [(s["kind"], s["text"]) for s in changed if s["kind"] != "equal"] == [
        ("removed", "接受社会监督"),
        ("added", "按月公开办理结果"),
    ]


def test_the_json_leaves_unchanged_paragraphs_out(get) -> None:
    data = get("/county/-/document/1/compare.json?from=2&to=3").json()
    assert [p["kind"] for p in data["paragraphs"]] == ["added"]


def test_the_page_lists_field_changes_before_the_text(get) -> None:
    html = get("/county/-/document/1/compare?from=1&to=3").text
    assert html.index('id="fields"') < html.index('id="body-diff"')


def test_the_inline_view_marks_added_text(get) -> None:
    html = get("/county/-/document/1/compare?from=1&to=2").text
    assert "<ins>按月公开办理结果</ins>" in html


def test_the_side_by_side_view_shows_removed_text_on_the_left(get) -> None:
    html = get("/county/-/document/1/compare?from=1&to=2&view=side").text
    assert '<td class="old">第4条　本机关依法履行第4项职责，<del>接受社会监督</del>' in html


def test_the_side_by_side_view_keeps_added_text_off_the_left(get) -> None:
    html = get("/county/-/document/1/compare?from=1&to=2&view=side").text
    left = re.findall(r'<td class="old">(.*?)</td>', html)
    assert not any("按月公开" in cell for cell in left)


def test_the_side_by_side_view_shows_added_text_on_the_right(get) -> None:
    html = get("/county/-/document/1/compare?from=1&to=2&view=side").text
    assert (
        '<td class="new">第4条　本机关依法履行第4项职责，<ins>按月公开办理结果</ins>。</td>' in html
    )


def test_the_side_by_side_view_shows_a_paragraph_of_context(get) -> None:
    html = get("/county/-/document/1/compare?from=1&to=2&view=side").text
    assert f'<td class="old">{PARAGRAPHS[2]}</td><td class="new">{PARAGRAPHS[2]}</td>' in html


def test_the_side_by_side_view_leaves_far_paragraphs_out(get) -> None:
    html = get("/county/-/document/1/compare?from=1&to=2&view=side").text
    assert PARAGRAPHS[0] not in html


def test_the_side_by_side_view_marks_the_gaps(get) -> None:
    html = get("/county/-/document/1/compare?from=1&to=2&view=side").text
    assert html.count('<tr class="gap">') == 2


def test_an_unknown_version_is_404(get) -> None:
    assert get("/county/-/document/1/compare?from=9").status_code == 404


def test_an_unknown_version_names_the_versions_there_are(get) -> None:
    assert "(versions 1 to 3)" in get("/county/-/document/1/compare?to=x").text


def test_an_unknown_document_is_404(get) -> None:
    assert get("/county/-/document/99/compare").status_code == 404


def test_a_document_of_one_version_compares_it_with_itself(get) -> None:
    assert "records are the same" in get("/county/-/document/2/compare").text


def test_the_document_page_offers_the_version_picker(get) -> None:
    assert 'id="version-picker"' in get("/county/-/document/1").text


def selected(html: str, name: str) -> list[str]:
    """The versions selected in the picker's ``name`` list."""
    start = html.index(f'name="{name}"')
    return re.findall(
        r'<option value="(\d+)" selected>', html[start : html.index("</select>", start)]
    )


def test_the_picker_offers_the_newest_edit_first(get) -> None:
    html = get("/county/-/document/1").text
    assert (selected(html, "from"), selected(html, "to")) == (["2"], ["3"])


def test_a_document_of_one_version_has_no_picker(get) -> None:
    assert 'id="version-picker"' not in get("/county/-/document/2").text


def test_each_edit_links_its_side_by_side_view(get) -> None:
    html = get("/county/-/document/1").text
    assert "/county/-/document/1/compare?from=2&amp;to=3&amp;view=side" in html


def test_the_changed_feed_says_which_fields_changed(get) -> None:
    assert "— title; 1 paragraph(s) changed:" in get("/county/-/feed/changed.atom").text


def test_the_changed_feed_gives_an_excerpt_of_the_edit(get) -> None:
    assert "[-接受社会监督-]{+按月公开办理结果+}" in get("/county/-/feed/changed.atom").text


def test_the_mistyped_page_list_names_the_compare_page(get) -> None:
    assert "-/document/ID/compare" in get("/county/-/nosuch").text
