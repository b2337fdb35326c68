"""parsers.text: the DOM-to-lines helpers every stage reads through."""

from __future__ import annotations

from lxml import etree

from parsers.page import HTML_PARSER
from parsers.text import element_lines, node_text

NESTED = (
    "<div id='d'>甲<p>第一段<span>内嵌</span>尾文</p>乙<!-- 注释 -->"
    "<table><tr><td>单元</td><td></td></tr></table>丙</div>后文"
)


def _div(markup: str = NESTED) -> etree._Element:
    return etree.fromstring(f"<html><body>{markup}</body></html>", HTML_PARSER).find(".//div")


def test_node_text_is_itertext_joined() -> None:
    div = _div()
    assert node_text(div) == "".join(div.itertext())


def test_node_text_leaves_out_the_elements_own_tail() -> None:
    assert "后文" not in node_text(_div())


def test_node_text_keeps_its_childrens_tails() -> None:
    assert "尾文" in node_text(_div())


def test_node_text_of_a_leaf() -> None:
    assert node_text(_div().find(".//span")) == "内嵌"


PARAGRAPHS = "<div>" + "".join(f"<p>第{n}段</p>" for n in range(1, 21)) + "</div>"


def test_limited_lines_are_the_first_lines_of_the_whole() -> None:
    div = _div(PARAGRAPHS)
    assert element_lines(div, limit=7) == element_lines(div)[:7]


def test_limited_lines_stop_at_the_limit() -> None:
    assert len(element_lines(_div(PARAGRAPHS), limit=7)) == 7


def test_a_limit_past_the_end_gives_every_line() -> None:
    div = _div(PARAGRAPHS)
    assert element_lines(div, limit=100) == element_lines(div)
