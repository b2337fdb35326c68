"""The parser on the gold corpus: every real saved page scores right on every gold field,
with no chrome in its body (the conventions of ``benchmarks/scoring.py``)."""

from __future__ import annotations

import pytest

from benchmarks.scoring import CORPUS, Extracted, corpus_pages, score_page
from parsers import parse_page

PAGES = corpus_pages()


def extracted(entry: dict) -> Extracted:
    record = parse_page(
        (CORPUS / entry["file"]).read_bytes(), "http://www.example.gov.cn/c/t1.html"
    )
    date = record.doc_date or (record.publish_date or "")[:10] or None
    return Extracted(
        record.title, date, record.issuer, record.index_no, record.doc_no, record.body_text
    )


@pytest.fixture(scope="module")
def scores() -> dict[str, object]:
    return {entry["file"]: score_page(entry, extracted(entry)) for entry in PAGES}


def test_corpus_is_there() -> None:
    assert len(PAGES) >= 25


@pytest.mark.parametrize("entry", PAGES, ids=[e["file"].rsplit("/", 1)[-1] for e in PAGES])
def test_every_gold_field_right(scores, entry: dict) -> None:
    wrong = [check for check, ok in scores[entry["file"]].checks.items() if not ok]
    assert wrong == []


@pytest.mark.parametrize("entry", PAGES, ids=[e["file"].rsplit("/", 1)[-1] for e in PAGES])
def test_no_chrome_in_the_body(scores, entry: dict) -> None:
    assert scores[entry["file"]].chrome == []
