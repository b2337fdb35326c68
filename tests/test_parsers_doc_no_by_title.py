"""A 文号 shown with the title and no label (issue 33, cause 6): in brackets at the end of
the heading line, or on its own line just under the heading; the title stays the title."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers import parse_page

FOLDER = Path(__file__).parent / "fixtures" / "doc_no_by_title"
TITLE = "关于印发某县乡村振兴实施方案的通知"


@pytest.fixture(scope="module", params=["in_heading_brackets.html", "under_heading.html"])
def record(request):
    page = (FOLDER / request.param).read_bytes()
    return parse_page(page, f"http://www.example.gov.cn/art/2023/5/6/{request.param}")


def test_the_doc_no_is_read(record) -> None:
    assert record.doc_no == "某政发〔2023〕12号"


def test_the_title_is_the_title_alone(record) -> None:
    assert record.title == TITLE


def test_the_doc_no_is_not_the_body(record) -> None:
    assert "某政发〔2023〕12号" not in record.body_text


def test_the_body_is_kept(record) -> None:
    assert record.body_text.startswith("各乡镇人民政府，县政府各部门：")
