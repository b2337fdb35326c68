"""The archive's own pages under Datasette's permissions (archive.page_support.may_view): a
database an "allow" block keeps from a reader keeps its documents, versions, captures,
feeds and search results from that reader too, as it keeps its tables."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from archive import Archive
from parsers.record import Record

METADATA = {"databases": {"county": {"allow": {"id": "editor"}}}}


def build(path: Path) -> Path:
    with Archive(path) as archive:
        for n in range(2):
            archive.record_document(
                Record(
                    url=f"http://{path.stem}.example/{n}.html",
                    title=f"鹰眼通知{n}",
                    body_text="鹰眼平台上线。" * (n + 1),
                ),
                site=path.stem,
                run_id=None,
            )
    return path


@pytest.fixture(scope="module")
def get(tmp_path_factory):
    """GET as anyone (``get(path)``) or as the editor (``get(path, editor=True)``)."""
    from datasette.app import Datasette

    folder = tmp_path_factory.mktemp("permissions")
    files = [build(folder / "county.db"), build(folder / "ministry.db")]
    datasette = Datasette(files=[str(f) for f in files], metadata=METADATA)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(datasette.invoke_startup())
    editor = {"ds_actor": datasette.sign({"a": {"id": "editor"}}, "actor")}

    def fetch(path: str, editor_cookie: bool = False):
        cookies = editor if editor_cookie else {}
        return loop.run_until_complete(datasette.client.get(path, cookies=cookies))

    yield fetch
    loop.close()


@pytest.mark.parametrize(
    "path",
    [
        "/county/-/document/1",
        "/county/-/document/1.json",
        "/county/-/document/1/v/1",
        "/county/-/document/1/compare.json",
        "/county/-/search.json?q=鹰眼",
        "/county/-/feed/new.atom",
        "/county/-/feeds",
        "/county/-/attachment/" + "0" * 64,
        "/county/-/raw/" + "0" * 64,
        "/county/-/capture/" + "0" * 64,
        "/county/-/nosuch",
    ],
)
def test_a_page_of_a_private_archive_is_forbidden(get, path: str) -> None:
    assert get(path).status_code == 403


def test_the_private_archives_own_table_is_forbidden_too(get) -> None:
    assert get("/county/documents.json").status_code == 403


def test_the_reader_it_allows_sees_its_document(get) -> None:
    assert get("/county/-/document/1", editor_cookie=True).status_code == 200


def test_a_public_archives_document_is_open(get) -> None:
    assert get("/ministry/-/document/1").status_code == 200


def test_searching_every_archive_leaves_the_private_one_out(get) -> None:
    found = {r["db"] for r in get("/-/search.json?q=鹰眼").json()["results"]}
    assert found == {"ministry"}


def test_searching_every_archive_as_the_allowed_reader_finds_both(get) -> None:
    found = {r["db"] for r in get("/-/search.json?q=鹰眼", editor_cookie=True).json()["results"]}
    assert found == {"county", "ministry"}
