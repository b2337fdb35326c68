"""parsers.dates: every date form government pages use."""

from __future__ import annotations

import pytest

from parsers.dates import parse_date, parse_datetime, signature_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-02-01", "2023-02-01"),
        ("2023-2-1", "2023-02-01"),
        ("2023年1月31日", "2023-01-31"),
        ("2023/1/31", "2023-01-31"),
        ("2023.01.31", "2023-01-31"),
        ("２０２３年１月３１日", "2023-01-31"),
        ("二〇二三年一月三十一日", "2023-01-31"),
        ("二○二四年十二月二十日", "2024-12-20"),
        ("发布时间：2024-05-11 ", "2024-05-11"),
        ("( 2024-05-11)", "2024-05-11"),
    ],
)
def test_parse_date_forms(text: str, expected: str) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("时间：2024-10-14 10:17", "2024-10-14 10:17"),
        ("2025年06月03日 13时44分", "2025-06-03 13:44"),
        ("2018-03-20 00:55:40", "2018-03-20 00:55:40"),
    ],
)
def test_parse_datetime_keeps_the_time(text: str, expected: str) -> None:
    assert parse_datetime(text) == expected


@pytest.mark.parametrize("text", ["", "无", "2023-13-45", "第2023号", "1234567890"])
def test_not_a_date(text: str) -> None:
    assert parse_date(text) is None


def test_signature_date_from_the_last_lines() -> None:
    body = "正文第一段。\n特此报告。\n中共沂源县中庄镇委员会\n2023年1月31日"
    assert signature_date(body) == "2023-01-31"


def test_signature_date_in_chinese_numerals() -> None:
    body = "正文。\n某某县人民政府\n二〇二三年一月三十一日"
    assert signature_date(body) == "2023-01-31"


def test_no_signature_date_in_a_running_sentence() -> None:
    body = "会议于2023年1月31日召开，研究部署了全年工作，要求各单位认真落实。"
    assert signature_date(body) is None
