"""Dates in the running text never become the document's date (issue 33, cause 4): a
news page whose first paragraph says 截至2021年10月14日 and whose data table lists
2023年1月10日 keeps the date it displays; a signature date is a line that is nothing but a
date, never a table row's value."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers import parse_page
from parsers.dates import signature_date

PAGE = Path(__file__).parent / "fixtures" / "body_dates" / "table_in_body.html"


@pytest.fixture(scope="module")
def record():
    return parse_page(PAGE.read_bytes(), "http://www.example.gov.cn/gzdt/1.html")


def test_the_displayed_date_is_the_publish_date(record) -> None:
    assert record.publish_date == "2023-02-15"


def test_a_table_rows_date_is_not_the_documents_date(record) -> None:
    assert record.doc_date != "2023-01-10"


def test_a_date_in_the_first_paragraph_is_not_the_documents_date(record) -> None:
    assert record.doc_date != "2021-10-14"


def test_the_table_stays_in_the_body(record) -> None:
    assert "2023年1月10日 12家" in record.body_text.splitlines()


def test_a_table_row_is_no_signature_date() -> None:
    assert signature_date("会议要求压实责任。\n2023年1月10日 12家") is None


def test_a_date_with_other_words_on_its_line_is_no_signature_date() -> None:
    assert signature_date("全文完。\n2023年1月10日召开会议") is None


@pytest.mark.parametrize("line", ["2024年2月26日", "（2024年2月26日）", "二〇二四年二月二十六日"])
def test_a_line_that_is_only_a_date_is_a_signature_date(line: str) -> None:
    assert signature_date(f"某县人民政府\n{line}") == "2024-02-26"
