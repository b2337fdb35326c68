"""parsers.text: the DOM-to-lines helpers every stage reads through."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from parsers.decode import decode_html
from parsers.page import HTML_PARSER, parse_tree
from parsers.selectors import BLOCK_TAGS, CELL_TAGS
from parsers.text import CELL_SEP, clean_line, element_lines, lines_around, node_text

# Where the reference walk sets a part apart.
MARKER = "\x00"

CORPUS_PAGES = Path(__file__).parent / "fixtures" / "corpus" / "detail"

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


CELL_END = "\x01"  # a cell's end while a reference line is built


def _reference_lines(root: etree._Element, skip: etree._Element | None = None) -> list[str]:
    """The line rules written as a plain recursive walk, to hold the libxslt walk to."""
    lines: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        # The page's own tab runs are one separator; a cell's end is a separator of its own.
        joined = re.sub(r"[\s\u200b\ufeff]*\t[\s\u200b\ufeff]*", CELL_SEP, "".join(buf))
        line = clean_line(joined.replace(CELL_END, CELL_SEP))
        buf.clear()
        if line.strip(CELL_SEP):
            lines.append(line)

    def walk(node: etree._Element) -> None:
        if node is skip:
            flush()
            lines.append(MARKER)
        elif isinstance(node.tag, str):
            if node.tag in BLOCK_TAGS - CELL_TAGS:
                flush()
            buf.append(node.text or "")
            for child in node:
                walk(child)
            if node.tag in CELL_TAGS:
                buf.append(CELL_END)
            elif node.tag in BLOCK_TAGS:
                flush()
        if node is not root:
            buf.append(node.tail or "")

    walk(root)
    flush()
    return lines


def _corpus_trees() -> list[etree._Element]:
    return [
        parse_tree(decode_html(path.read_bytes())[0])
        for path in sorted(CORPUS_PAGES.glob("*.htm*"))
    ]


def test_lines_of_every_corpus_page_follow_the_rules() -> None:
    trees = _corpus_trees()
    assert [element_lines(t, keep_empty_cells=True) for t in trees] == [
        _reference_lines(t) for t in trees
    ]


def _reference_around(part: etree._Element) -> tuple[list[str], list[str], list[str]]:
    """What ``lines_around`` must give: the page's lines on either side of the part, as
    the reference walk sets it apart, and the part's own lines."""
    root = part.getroottree().getroot()
    page = _reference_lines(root, part)
    at = page.index(MARKER)
    return page[:at], _reference_lines(part), page[at + 1 :]


def test_lines_around_a_part_follow_the_rules() -> None:
    parts = [p for t in _corpus_trees() if (p := next(t.iter("table", "ul"), None)) is not None]
    assert [lines_around(p.getroottree().getroot(), p, keep_empty_cells=True) for p in parts] == [
        _reference_around(p) for p in parts
    ]


def test_a_parts_own_lines_stop_at_its_limit() -> None:
    div = _div("<div><p>前</p><div id='part'>" + PARAGRAPHS + "</div>后</div>")
    _, inside, _ = lines_around(div, div.find(".//div[@id='part']"), part_limit=3)
    assert inside == ["第1段", "第2段", "第3段"]


def test_the_lines_before_and_after_a_part() -> None:
    div = _div("<div><p>前</p><div id='part'><p>中</p></div>后</div>")
    before, _, after = lines_around(div, div.find(".//div[@id='part']"))
    assert (before, after) == (["前"], ["后"])


def test_a_part_that_is_a_cell_ends_with_its_tab() -> None:
    div = _div("<div><table><tr><td>甲</td><td id='part'>乙</td></tr></table></div>")
    assert lines_around(div, div.find(".//td[@id='part']")) == (["甲\t"], ["乙\t"], [])


def test_cells_are_separated_by_tabs() -> None:
    div = _div("<div><table><tr><td>甲</td><td>乙</td></tr></table></div>")
    assert element_lines(div) == ["甲\t乙\t"]


def test_a_leading_empty_cell_is_kept_only_when_asked() -> None:
    div = _div("<div><table><tr><td></td><td>乙</td></tr></table></div>")
    assert (element_lines(div), element_lines(div, keep_empty_cells=True)) == (
        ["乙\t"],
        ["\t乙\t"],
    )


def _with_comment() -> etree._Element:
    """A paragraph holding a comment (the page parser's HTML_PARSER drops comments, so
    one is put in by hand)."""
    div = _div("<div><p>甲</p></div>")
    comment = etree.Comment(" 注释 ")
    comment.tail = "乙"
    div.find(".//p").append(comment)
    return div


def test_a_comments_tail_is_text() -> None:
    assert element_lines(_with_comment()) == ["甲乙"]


def test_a_comment_is_not_text() -> None:
    assert "注释" not in "".join(element_lines(_with_comment()))


def test_the_walk_leaves_no_attribute_behind() -> None:
    div = _div(NESTED)
    lines_around(div, div.find(".//table"))
    assert [dict(node.attrib) for node in div.iter()] == [{"id": "d"}] + [{}] * (
        len(list(div.iter())) - 1
    )


def test_the_walk_gives_the_part_its_tag_back() -> None:
    div = _div(NESTED)
    lines_around(div, div.find(".//table"))
    assert [node.tag for node in div.iter()] == [node.tag for node in _div(NESTED).iter()]


def test_a_page_element_named_like_the_walks_tag_is_read_as_any_other() -> None:
    div = _div("<div><p>前</p><govarchive-part>中</govarchive-part><p id='part'>部</p></div>")
    assert lines_around(div, div.find(".//p[@id='part']")) == (["前", "中"], ["部"], [])


def test_a_page_carrying_the_internal_marks_reads_as_without_them() -> None:
    marked = "<html><body><p>第一\ufdd0段\ufdd1落\ufdd2\ufdd3</p></body></html>"
    assert element_lines(parse_tree(marked)) == ["第一段落"]


def test_a_tab_in_the_page_text_alone_is_no_line() -> None:
    assert element_lines(_div("<div><p> \t </p><p>正文</p></div>")) == ["正文"]


def test_spaces_around_a_tab_in_the_page_text_are_dropped() -> None:
    assert element_lines(_div("<div><p>甲 \t 乙</p></div>")) == ["甲\t乙"]


def test_a_run_of_the_pages_own_tabs_is_one_separator() -> None:
    """A template's indentation between two <span>s leaves no empty cell behind."""
    div = _div("<div><span>来源：</span>\n\t\t\t\t<span>\n\t\t\t\t\t陕西日报 \n\t\t\t</span></div>")
    assert [line.rstrip(CELL_SEP) for line in element_lines(div)] == ["来源：\t陕西日报"]
