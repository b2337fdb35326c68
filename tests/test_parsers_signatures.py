"""The issuer and date from a signature block when no label gives them (issue 33, cause
2): a statistics bulletin signed under its title by two bodies on one line over a date,
and a joint notice signed the same way at its end; a date in the running text
(截至2023年12月31日) never wins over the signature's."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers import parse_page

FOLDER = Path(__file__).parent / "fixtures" / "signatures"


@pytest.fixture(scope="module")
def bulletin():
    return parse_page(
        (FOLDER / "bulletin_head.html").read_bytes(), "http://tjj.example.gov.cn/1.html"
    )


@pytest.fixture(scope="module")
def joint():
    return parse_page(
        (FOLDER / "joint_notice_end.html").read_bytes(), "http://jyj.example.gov.cn/1.html"
    )


def test_bodies_signing_under_the_title_are_the_issuer(bulletin) -> None:
    assert bulletin.issuer == "某省统计局 国家统计局某省调查总队"


def test_the_date_under_the_title_is_the_documents_date(bulletin) -> None:
    assert bulletin.doc_date == "2023-03-28"


def test_a_year_in_the_text_is_not_the_bulletins_date(bulletin) -> None:
    assert bulletin.doc_date != "2022-12-31"


def test_the_bulletins_text_is_kept(bulletin) -> None:
    assert "初步核算，全年全省地区生产总值50000亿元，比上年增长4.5%。" in bulletin.body_text


def test_the_footers_operator_is_not_the_issuer(bulletin) -> None:
    assert "办公厅" not in (bulletin.issuer or "")


def test_two_bodies_signing_at_the_end_are_the_issuer(joint) -> None:
    assert joint.issuer == "某县财政局 某县教育局"


def test_the_signature_date_beats_a_date_in_the_text(joint) -> None:
    assert joint.doc_date == "2024-02-26"


def test_the_notices_breadcrumb_is_not_in_the_body(joint) -> None:
    assert "首页" not in joint.body_text
