"""parsers.elements: the hidden-element rule, held to its plain statement (the fast forms
used on every element must find exactly what it finds)."""

from __future__ import annotations

import pytest
from lxml import etree

from parsers.elements import hidden_elements, is_hidden
from parsers.page import HTML_PARSER

STYLES = [
    "display:none",
    "DISPLAY: NONE",
    "dis play : none",
    "color:red; Display :None;",
    "display:block",
    "display:\tnone",  # a tab is not a space: shown, as the rule reads it
    "displaynone",
    "visibility:hidden",
    "font-family:仿宋; display : nOnE",
    "DİSPLAY:NONE",  # a dotted capital I is no "i"
    "",
]


def _reference(style: str) -> bool:
    """The rule as first written: spaces removed, lower case, then a substring."""
    return "display:none" in style.replace(" ", "").lower()


@pytest.mark.parametrize("style", STYLES)
def test_a_style_hides_exactly_when_the_rule_says(style: str) -> None:
    node = etree.Element("div", style=style)
    assert is_hidden(node) is _reference(style)


def test_the_hidden_attribute_hides() -> None:
    assert is_hidden(etree.Element("div", hidden=""))


PAGE = "".join(
    f"<div style='{style}'><p style='{style}'>段</p></div><span hidden>藏</span><em>显</em>"
    for style in STYLES
)


def test_hidden_elements_are_the_elements_hidden_one_by_one() -> None:
    root = etree.fromstring(f"<html><body>{PAGE}</body></html>", HTML_PARSER)
    assert hidden_elements(root) == {node for node in root.iter() if is_hidden(node)}


def test_hidden_elements_finds_some() -> None:
    root = etree.fromstring(f"<html><body>{PAGE}</body></html>", HTML_PARSER)
    assert len(hidden_elements(root)) == 2 * sum(map(_reference, STYLES)) + len(STYLES)
