"""crawler.demo: the replica sites' pages parse back into the documents they were built from."""

from __future__ import annotations

import pytest
from conftest import nows

from crawler.demo.documents import SEEDS, day_one, day_two, seed_text
from crawler.demo.site import build_hanweb, build_trs, hanweb_dataproxy, hanweb_path, trs_path
from parsers import parse_page
from parsers.listing import parse_dataproxy, parse_list_page

DOCS = day_one()
PAGES = {**build_trs(DOCS), **build_hanweb(DOCS)}


def path_of(doc) -> str:
    return trs_path(doc) if doc.site == "trs" else hanweb_path(doc)


def parsed(doc):
    return parse_page(PAGES[path_of(doc)].body, "http://127.0.0.1:8000" + path_of(doc))


def test_at_least_thirty_documents() -> None:
    assert len(DOCS) >= 30


def test_two_cms_families() -> None:
    assert {d.site for d in DOCS} == {"trs", "hanweb"}


@pytest.mark.parametrize("seed", SEEDS, ids=[s["file"][:3] for s in SEEDS])
def test_seed_body_round_trips(seed) -> None:
    doc = next(d for d in DOCS if d.seed_file == seed["file"])
    text = seed_text(seed["file"])
    if seed["file"].startswith("003_"):
        text = text[text.index("县委、县政府") :]
    expected = nows(text).removeprefix(nows(seed["title"]))
    assert nows(parsed(doc).body_text) == expected


def test_noisy_page_reproduces_seed_003_chrome() -> None:
    doc = next(d for d in DOCS if d.noisy_header)
    html = PAGES[path_of(doc)].body.decode("utf-8")
    assert all(
        word in html
        for word in ("标题:", "索引号:", "文号:", "发文日期:", "发布机构:", "字号", "打印")
    )


@pytest.mark.parametrize("field", ["title", "issuer", "index_no", "doc_no", "doc_date"])
def test_noisy_page_fields(field: str) -> None:
    doc = next(d for d in DOCS if d.noisy_header)
    assert getattr(parsed(doc), field) == getattr(doc, field)


def test_every_page_parses_to_its_title() -> None:
    assert [parsed(d).title for d in DOCS] == [d.title for d in DOCS]


def test_trs_list_pages_link_every_trs_document() -> None:
    links = []
    for name, page in PAGES.items():
        if name.startswith("/zwgk/fzzfjs/index"):
            links += [
                i.url for i in parse_list_page(page.body, "http://h" + name, family="trs").items
            ]
    assert sorted(set(links)) == sorted("http://h" + trs_path(d) for d in DOCS if d.site == "trs")


def test_dataproxy_serves_the_rest_of_the_column() -> None:
    page = parse_dataproxy(hanweb_dataproxy(DOCS, 1, 100).body, "http://h/")
    assert len(page.items) == len([d for d in DOCS if d.site == "hanweb"])


def test_next_day_edits_removes_and_adds_one() -> None:
    nxt = day_two(DOCS)
    assert (
        len({d.key for d in nxt} - {d.key for d in DOCS}),
        len({d.key for d in DOCS} - {d.key for d in nxt}),
    ) == (1, 1)


def test_attachments_are_real_files() -> None:
    files = [p for name, p in PAGES.items() if name.endswith((".pdf", ".docx"))]
    files += [p for name, p in PAGES.items() if "downfile.jsp" in name]
    assert {f.body[:4] for f in files} == {b"%PDF", b"PK\x03\x04"}
