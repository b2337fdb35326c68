"""crawler.compression: answers decoded whole or failed by name (``bad-encoding``,
``truncated``), a compression bomb refused while it decodes, each Content-Encoding undone
in turn; through Scrapy's public interfaces only."""

from __future__ import annotations

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response

from crawler.compression import (
    ACCEPT_ENCODING,
    ContentEncodingError,
    DecompressedTooLarge,
    StrictHttpCompressionMiddleware,
    inflate_strictly,
)

PAGE = ("<html><body>" + "<p>行政执法检查</p>" * 200 + "</body></html>").encode()


def _reason(body: bytes, encoding: bytes = b"gzip") -> str:
    try:
        inflate_strictly(body, encoding, 0)
    except ContentEncodingError as error:
        return error.reason
    return "decoded"


def test_a_whole_gzip_body_decodes() -> None:
    import gzip

    assert inflate_strictly(gzip.compress(PAGE), b"gzip", 0) == PAGE


def test_concatenated_gzip_members_decode_whole() -> None:
    import gzip

    assert inflate_strictly(gzip.compress(PAGE) + gzip.compress(PAGE), b"gzip", 0) == PAGE * 2


def test_a_gzip_body_cut_short_is_truncated() -> None:
    import gzip

    whole = gzip.compress(PAGE)
    assert _reason(whole[: len(whole) // 2]) == "truncated"


def test_garbage_after_a_gzip_header_is_bad_encoding() -> None:
    assert _reason(b"\x1f\x8b\x08\x00" + b"garbage" * 20) == "bad-encoding"


def test_raw_deflate_decodes() -> None:
    import zlib

    raw = zlib.compressobj(wbits=-15)
    assert inflate_strictly(raw.compress(PAGE) + raw.flush(), b"deflate", 0) == PAGE


def test_a_deflate_body_cut_short_is_truncated() -> None:
    import zlib

    whole = zlib.compress(PAGE)
    assert _reason(whole[: len(whole) // 2], b"deflate") == "truncated"


def test_the_size_limit_still_holds() -> None:
    import gzip

    with pytest.raises(DecompressedTooLarge):
        inflate_strictly(gzip.compress(PAGE), b"gzip", 100)


def test_bad_brotli_is_bad_encoding() -> None:
    from scrapy.utils.test import get_crawler

    middleware = StrictHttpCompressionMiddleware.from_crawler(get_crawler())
    response = HtmlResponse(
        "http://www.example.gov.cn/a.html",
        body=b"not brotli at all",
        headers={"Content-Encoding": "br"},
    )
    with pytest.raises(ContentEncodingError, match="^bad-encoding"):
        middleware.process_response(Request(response.url), response)


def middleware(**settings):
    from scrapy.utils.test import get_crawler

    return StrictHttpCompressionMiddleware.from_crawler(get_crawler(settings_dict=settings))


def answer(body: bytes, encoding: str) -> Response:
    return Response(
        "http://www.example.gov.cn/a.html",
        body=body,
        headers={"Content-Encoding": encoding, "Content-Type": "text/html; charset=utf-8"},
    )


def test_requests_ask_for_gzip_deflate_and_brotli() -> None:
    request = Request("http://www.example.gov.cn/a.html")
    middleware().process_request(request)
    assert request.headers[b"Accept-Encoding"] == ACCEPT_ENCODING


def test_a_brotli_body_decodes_to_an_html_response() -> None:
    import brotli

    response = answer(brotli.compress(PAGE), "br")
    decoded = middleware().process_response(Request(response.url), response)
    assert (type(decoded).__name__, decoded.body) == ("HtmlResponse", PAGE)


def test_the_decoded_answer_names_no_encoding() -> None:
    import gzip

    response = answer(gzip.compress(PAGE), "gzip")
    decoded = middleware().process_response(Request(response.url), response)
    assert b"Content-Encoding" not in decoded.headers


def test_two_encodings_are_undone_last_first() -> None:
    import gzip
    import zlib

    response = answer(gzip.compress(zlib.compress(PAGE)), "deflate, gzip")
    assert middleware().process_response(Request(response.url), response).body == PAGE


def test_an_unknown_encoding_is_left_named() -> None:
    import gzip

    response = answer(gzip.compress(b"x"), "zstd, gzip")
    decoded = middleware().process_response(Request(response.url), response)
    assert decoded.headers.getlist(b"Content-Encoding") == [b"zstd"]


def test_a_gzip_bomb_is_ignored_with_its_cause_named() -> None:
    import gzip

    response = answer(gzip.compress(b"\0" * (2 * 1024 * 1024)), "gzip")
    with pytest.raises(IgnoreRequest) as raised:
        middleware(DOWNLOAD_MAXSIZE=1024 * 1024).process_response(Request(response.url), response)
    assert isinstance(raised.value.__cause__, DecompressedTooLarge)


def test_a_brotli_bomb_stops_within_its_bound() -> None:
    import brotli

    bomb = brotli.compress(b"\0" * (8 * 1024 * 1024))
    with pytest.raises(DecompressedTooLarge) as raised:
        from crawler.compression import unbrotli

        unbrotli(bomb, b"br", 1024 * 1024)
    assert raised.value.decompressed_size <= 1024 * 1024 + 65536


def test_a_brotli_body_cut_short_is_truncated() -> None:
    import brotli

    whole = brotli.compress(PAGE)
    response = answer(whole[: len(whole) // 2], "br")
    with pytest.raises(ContentEncodingError, match="^truncated"):
        middleware().process_response(Request(response.url), response)


def test_a_head_request_is_left_as_it_came() -> None:
    response = answer(b"not gzip", "gzip")
    assert middleware().process_response(Request(response.url, method="HEAD"), response) is response
