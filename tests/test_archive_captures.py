"""HTTP heads of a capture (archive/captures.py): built as HTTP/1.1 writes them, packed
small, read back exactly."""

from __future__ import annotations

import pytest

from archive.captures import (
    pack_head,
    reason_phrase,
    request_head,
    response_head,
    split_head,
    unpack_head,
)

RESPONSE = response_head(
    "HTTP/1.1",
    404,
    [
        ("Server", "nginx/1.22.1"),
        ("Date", "Mon, 07 Dec 2026 04:22:51 GMT"),
        ("Content-Type", "text/html; charset=utf-8"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
    ],
)
REQUEST = request_head(
    "GET",
    "http://www.example.gov.cn:8080/zwgk/t1.html?id=3",
    [("User-Agent", "govarchive/0.1.0"), ("Referer", "http://www.example.gov.cn:8080/zwgk/")],
)


def test_a_packed_head_reads_back_exactly() -> None:
    assert unpack_head(pack_head(RESPONSE)) == RESPONSE


def test_a_head_with_chinese_reads_back_exactly() -> None:
    head = response_head("HTTP/1.1", 200, [("Content-Disposition", "attachment; 报告.pdf")])
    assert unpack_head(pack_head(head)) == head


def test_a_typical_response_head_packs_to_under_half_its_size() -> None:
    assert len(pack_head(RESPONSE)) < len(RESPONSE) / 2


def test_none_unpacks_to_none() -> None:
    assert unpack_head(None) is None


def test_an_unknown_codec_is_refused() -> None:
    with pytest.raises(ValueError, match="codec"):
        unpack_head(b"\x09" + pack_head(RESPONSE)[1:])


def test_the_status_line_has_the_standard_reason() -> None:
    assert RESPONSE.split("\r\n")[0] == "HTTP/1.1 404 Not Found"


def test_a_status_http_does_not_name_has_no_reason() -> None:
    assert reason_phrase(599) == ""


def test_repeated_headers_keep_each_value_in_order() -> None:
    _, headers = split_head(RESPONSE)
    assert [v for n, v in headers if n == "Set-Cookie"] == ["a=1", "b=2"]


def test_the_request_line_has_the_path_and_query() -> None:
    assert REQUEST.split("\r\n")[0] == "GET /zwgk/t1.html?id=3 HTTP/1.1"


def test_the_request_names_its_host_with_the_port() -> None:
    assert ("Host", "www.example.gov.cn:8080") in split_head(REQUEST)[1]


def test_a_given_host_header_is_not_doubled() -> None:
    head = request_head("GET", "http://www.example.gov.cn/", [("Host", "www.example.gov.cn")])
    assert [n for n, _ in split_head(head)[1]] == ["Host"]
