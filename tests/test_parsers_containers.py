"""Bodies in unusual containers (issue 33, cause 5): a 公报 whose text sits in plain
<div>s of a container with no usual class, under the page's own address printed as text;
a notice whose 字号 control sits inside its content container. The text is kept whole, the
address and the control left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers import parse_page

FOLDER = Path(__file__).parent / "fixtures" / "containers"


def parsed(name: str):
    return parse_page((FOLDER / name).read_bytes(), f"http://www.example.gov.cn/{name}")


@pytest.fixture(scope="module")
def bulletin():
    return parsed("bulletin_plain_divs.html")


@pytest.fixture(scope="module")
def notice():
    return parsed("font_size_inside.html")


def test_the_bulletins_text_starts_with_its_first_paragraph(bulletin) -> None:
    assert bulletin.body_text.startswith(
        "2023年，全市上下坚持以习近平新时代中国特色社会主义思想为指导"
    )


def test_the_bulletins_text_ends_with_its_last_paragraph(bulletin) -> None:
    assert bulletin.body_text.endswith("规模以上工业增加值增长6.8%。")


def test_the_pages_address_is_not_in_the_body(bulletin) -> None:
    assert "http://" not in bulletin.body_text


def test_the_side_menu_is_not_in_the_body(bulletin) -> None:
    assert "统计年鉴" not in bulletin.body_text


def test_the_notices_text_is_kept(notice) -> None:
    assert notice.body_text.startswith("各区县司法局，市直各执法部门：")


def test_the_font_size_control_is_not_in_the_body(notice) -> None:
    assert ("字号" in notice.body_text, "大 中 小" in notice.body_text) == (False, False)
