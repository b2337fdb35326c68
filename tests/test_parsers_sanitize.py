"""parsers.sanitize: the content images a document's clean HTML shows."""

from __future__ import annotations

from parsers.sanitize import MAX_IMAGES, content_images


def test_an_image_source_is_found() -> None:
    assert content_images('<p><img src="http://www.example.gov.cn/1.png" alt="图"></p>') == [
        "http://www.example.gov.cn/1.png"
    ]


def test_an_image_named_twice_is_fetched_once() -> None:
    html = '<img src="http://www.example.gov.cn/1.png"><img alt="x" src="http://www.example.gov.cn/1.png">'
    assert content_images(html) == ["http://www.example.gov.cn/1.png"]


def test_an_escaped_ampersand_is_read_as_one() -> None:
    assert content_images('<img src="http://www.example.gov.cn/p?a=1&amp;b=2">') == [
        "http://www.example.gov.cn/p?a=1&b=2"
    ]


def test_a_data_url_is_not_fetched() -> None:
    assert content_images('<img src="data:image/png;base64,AAAA">') == []


def test_a_page_of_many_images_is_bounded() -> None:
    html = "".join(f'<img src="http://www.example.gov.cn/{n}.png">' for n in range(MAX_IMAGES + 5))
    assert len(content_images(html)) == MAX_IMAGES


def test_no_content_has_no_images() -> None:
    assert content_images(None) == []
