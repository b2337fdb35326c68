"""parsers.urls: one canonical key per document URL."""

from __future__ import annotations

import pytest

from parsers.urls import canonical_url, same_path_key


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("http://x.example.gov.cn/a/t1.html#top", "http://x.example.gov.cn/a/t1.html"),
        ("HTTP://X.EXAMPLE.GOV.CN/a/t1.html", "http://x.example.gov.cn/a/t1.html"),
        ("http://x.example.gov.cn:80/a/t1.html", "http://x.example.gov.cn/a/t1.html"),
        ("https://x.example.gov.cn:443/a/t1.html", "https://x.example.gov.cn/a/t1.html"),
        (
            "http://x.example.gov.cn/a/t1.html;jsessionid=0A1B2C3D",
            "http://x.example.gov.cn/a/t1.html",
        ),
        ("http://x.example.gov.cn/a/t1.html;JSESSIONID=0A1B", "http://x.example.gov.cn/a/t1.html"),
        ("http://x.example.gov.cn/a.jsp?id=3&JSESSIONID=abc", "http://x.example.gov.cn/a.jsp?id=3"),
        ("http://x.example.gov.cn/a.jsp?b=2&a=1", "http://x.example.gov.cn/a.jsp?a=1&b=2"),
        ("http://x.example.gov.cn/中文.html", "http://x.example.gov.cn/%E4%B8%AD%E6%96%87.html"),
    ],
    ids=[
        "fragment",
        "case",
        "http default port",
        "https default port",
        "path session id",
        "path session id upper case",
        "query session id",
        "query order",
        "non-ascii path",
    ],
)
def test_canonical_url(raw: str, key: str) -> None:
    assert canonical_url(raw) == key


def test_other_port_kept() -> None:
    assert (
        canonical_url("http://x.example.gov.cn:8080/a.html")
        == "http://x.example.gov.cn:8080/a.html"
    )


def test_bare_query_flag_one_key() -> None:
    assert canonical_url("http://x.example.gov.cn/a.jsp?flag") == canonical_url(
        "http://x.example.gov.cn/a.jsp?flag="
    )


def test_non_http_left_alone() -> None:
    assert canonical_url("mailto:office@x.example.gov.cn") == "mailto:office@x.example.gov.cn"


def test_same_path_key_ignores_scheme() -> None:
    assert same_path_key("http://x.example.gov.cn/a/t1.html") == same_path_key(
        "https://x.example.gov.cn/a/t1.html"
    )


def test_same_path_key_keeps_host() -> None:
    assert same_path_key("http://x.example.gov.cn/a.html") != same_path_key(
        "http://y.example.gov.cn/a.html"
    )
