"""parsers.decode: BOMs, lying charsets, GB2312 as GB18030, Word-pasted metas."""

from __future__ import annotations

from conftest import fixture_bytes

from parsers.decode import decode_html

TEXT = "中共沂源县中庄镇委员会关于2022年度法治政府建设工作的报告"


def page(body: str, meta: str = "") -> str:
    return f"<html><head>{meta}<title>t</title></head><body><p>{body}</p></body></html>"


def test_utf16le_with_bom_despite_gb2312_meta() -> None:
    text, codec = decode_html(fixture_bytes("corpus/detail/mhx_hn_xiangtan_utf16.html"))
    assert "从齐白石故乡吹来的风" in text


def test_utf16le_bom_reported_as_utf16() -> None:
    _, codec = decode_html(fixture_bytes("corpus/detail/mhx_hn_xiangtan_utf16.html"))
    assert codec == "utf-16"


def test_utf8_bom() -> None:
    text, _ = decode_html(b"\xef\xbb\xbf" + page(TEXT).encode("utf-8"))
    assert TEXT in text


def test_page_declared_gb2312_but_sent_as_utf8() -> None:
    data = page(TEXT, '<meta charset="gb2312">').encode("utf-8")
    text, _ = decode_html(data)
    assert TEXT in text


def test_page_declared_utf8_but_sent_as_gbk() -> None:
    data = page(TEXT, '<meta charset="utf-8">').encode("gbk")
    text, _ = decode_html(data)
    assert TEXT in text


def test_gb2312_page_decoded_as_gb18030() -> None:
    # 镕 is outside GB2312 but pages declared gb2312 use it (they are really GBK).
    data = page("朱镕基", '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    text, codec = decode_html(data.encode("gb18030"))
    assert "朱镕基" in text


def test_gb2312_codec_is_gb18030() -> None:
    data = page("朱镕基", '<meta charset="gb2312">').encode("gb18030")
    _, codec = decode_html(data)
    assert codec == "gb18030"


def test_word_pasted_charset_meta_in_body_does_not_win() -> None:
    head = '<html><head><meta charset="gbk"><title>t</title></head><body>'
    word = '<div><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><p>'
    data = (head + word + TEXT + "</p></div></body></html>").encode("gbk")
    text, codec = decode_html(data)
    assert TEXT in text


def test_http_charset_used_when_bytes_are_not_utf8() -> None:
    data = ("<html><body>" + TEXT + "</body></html>").encode("big5hkscs", errors="ignore")
    text, codec = decode_html(data, http_charset="big5")
    assert codec == "big5hkscs"


def test_str_input_passes_through() -> None:
    text, codec = decode_html(page(TEXT))
    assert codec == "str"
