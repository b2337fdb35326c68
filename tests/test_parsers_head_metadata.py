"""Metadata outside the page's visible text (parsers.head_metadata, issue 33 cause 3): a
platform page that shows no metadata block but names its 索引号 in an inline script and its
source and date in meta tags; what the meta tags say fills only what no label gives, and a
date in the running text is not taken for the document's."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers import parse_page
from parsers.head_metadata import INDEX_NO_SHAPE, script_index_no

PAGE = Path(__file__).parent / "fixtures" / "head_metadata" / "meta_and_script.html"


@pytest.fixture(scope="module")
def record():
    return parse_page(PAGE.read_bytes(), "http://www.example.gov.cn/zwgk/1.html")


def test_the_index_no_is_read_from_the_script(record) -> None:
    assert record.index_no == "11370100004192101X/2024-00123"


def test_the_source_is_read_from_the_meta_tag(record) -> None:
    assert record.source == "某市人力资源和社会保障局"


def test_a_meta_tag_never_makes_the_issuer(record) -> None:
    assert record.issuer is None


def test_the_publish_date_is_the_pubdate_meta(record) -> None:
    assert record.publish_date == "2024-06-18 09:30"


def test_a_year_end_in_the_text_is_not_the_documents_date(record) -> None:
    assert record.doc_date is None


def test_the_script_is_not_in_the_body(record) -> None:
    assert "indexNo" not in record.body_text


@pytest.mark.parametrize(
    "script",
    [
        'var indexNo = "关于印发通知的说明文字";',
        'var index_no = "2024";',
        'var syh = "";',
    ],
)
def test_a_script_value_without_an_index_numbers_shape_is_ignored(script: str) -> None:
    assert script_index_no([script]) is None


@pytest.mark.parametrize(
    "value", ["000014349/2024-04012", "4301000000-2024-00017", "11370100004192101X/2024-00123"]
)
def test_index_numbers_of_several_platforms_have_the_shape(value: str) -> None:
    assert INDEX_NO_SHAPE.match(value)
