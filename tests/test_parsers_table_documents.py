"""Documents that are a label/value table (行政处罚信息公开表 and the like, issue 33 cause 1):
the title is the table's caption or heading row, never the site's name; the 文号, issuer and
date come from the table's own long labels (行政处罚决定书文号, 作出处罚决定的机关名称,
处罚决定日期…); the footer's disclaimer and the share bar stay out. Two pages shaped like
the cause: one whose caption is a bold first row, one with a <caption> and <th> labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers import parse_page

FOLDER = Path(__file__).parent / "fixtures" / "table_documents"


def parsed(name: str):
    return parse_page((FOLDER / name).read_bytes(), f"http://xxgk.example.gov.cn/cf/{name}")


@pytest.fixture(scope="module")
def bold_row():
    return parsed("penalty_td.html")


@pytest.fixture(scope="module")
def captioned():
    return parsed("penalty_caption.html")


def test_the_title_is_the_bold_first_row(bold_row) -> None:
    assert bold_row.title == "行政处罚信息公开表（某环罚字〔2024〕15号）"


def test_the_title_is_the_tables_caption(captioned) -> None:
    assert captioned.title == "某县市场监督管理局行政处罚决定信息公示"


def test_the_doc_no_is_the_decision_number(bold_row) -> None:
    assert bold_row.doc_no == "某环罚字〔2024〕15号"


def test_a_shorter_decision_number_label_is_read(captioned) -> None:
    assert captioned.doc_no == "某市监处罚〔2023〕208号"


def test_the_issuer_is_the_deciding_body(bold_row) -> None:
    assert bold_row.issuer == "某市生态环境局"


def test_the_penalty_authority_label_is_read(captioned) -> None:
    assert captioned.issuer == "某县市场监督管理局"


def test_the_date_is_the_decision_date(bold_row) -> None:
    assert bold_row.doc_date == "2024-04-02"


def test_a_penalty_decision_date_label_is_read(captioned) -> None:
    assert captioned.doc_date == "2023-11-20"


def test_the_body_keeps_the_facts(bold_row) -> None:
    assert (
        "主要违法事实 经查，该公司于2024年3月12日排放的废气中二氧化硫浓度超过排放标准。"
        in bold_row.body_text
    )


def test_the_body_keeps_the_penalty(captioned) -> None:
    assert "处罚内容 没收违法所得并处罚款人民币五千元。" in captioned.body_text


def test_the_disclaimer_is_not_the_body(bold_row) -> None:
    assert "免责声明" not in bold_row.body_text


def test_the_share_bar_is_not_in_the_body(captioned) -> None:
    assert ("分享到" in captioned.body_text, "关闭窗口" in captioned.body_text) == (False, False)


def test_the_site_name_is_not_the_issuer_by_way_of_the_footer(bold_row) -> None:
    assert "网站" not in (bold_row.issuer or "")
