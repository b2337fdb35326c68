"""parsers.metadata: labelled values found in text lines, weak labels only where a pair starts."""

from __future__ import annotations

from parsers.metadata import BEFORE, find_labelled, unlabelled_text
from parsers.text import CELL_SEP


def pairs(line: str) -> list[tuple[str, str]]:
    return [(f.field, f.value) for f in find_labelled([line], BEFORE)]


def test_weak_label_after_a_date_starts_a_pair() -> None:
    # Two <span>s with no space between them: "时间：…" then "来源：…".
    assert ("issuer", "市行政审批局") in pairs("时间：2024-04-02来源：市行政审批局")


def test_value_ends_where_the_next_label_starts() -> None:
    assert ("publish_date", "2024-04-02") in pairs("时间：2024-04-02来源：市行政审批局")


def test_weak_label_inside_a_word_is_not_taken() -> None:
    assert pairs("资金来源：县财政预算安排") == []


def test_weak_label_after_a_list_marker_is_not_taken() -> None:
    assert pairs("一、时间：2024年5月10日上午9时") == []


def test_strong_label_taken_anywhere() -> None:
    assert pairs("本文发布机构：某县司法局") == [("issuer", "某县司法局")]


def test_a_date_printed_after_the_source_is_not_part_of_it() -> None:
    # One <span>: "来源：广西日报 2024-10-17 08:03", the time with no label of its own.
    assert pairs("来源：广西日报 2024-10-17 08:03") == [("issuer", "广西日报")]


def test_a_chinese_date_after_an_issuer_is_cut_too() -> None:
    assert pairs("发布机构：某县司法局　2023年5月6日") == [("issuer", "某县司法局")]


def test_a_number_inside_an_issuers_name_stays() -> None:
    assert pairs("发布机构：第2024届运动会组委会") == [("issuer", "第2024届运动会组委会")]


def test_implementation_date_is_not_doc_date() -> None:
    # 实施日期 ends the value before it and feeds no field.
    assert pairs("成文日期：2024-03-01实施日期：2024-06-01") == [("doc_date", "2024-03-01")]


def test_publishing_authority_label_is_issuer() -> None:
    assert pairs("发布机关：某省司法厅") == [("issuer", "某省司法厅")]


def test_unlabelled_text_keeps_an_info_bar_date() -> None:
    assert unlabelled_text("2024-07-02 08:16 来源：某县应急管理局") == "2024-07-02 08:16"


def test_unlabelled_text_drops_a_labelled_date_in_the_next_cell() -> None:
    assert (
        unlabelled_text(f"公文种类：{CELL_SEP}意见{CELL_SEP}成文日期：{CELL_SEP}2024年02月20日")
        == ""
    )


def test_an_indented_label_span_keeps_its_value() -> None:
    from lxml import html

    from parsers.text import element_lines

    block = html.fromstring(
        '<div class="cm-xlso">\n\t\t\t\t\t<span class="cm-tit">\n\t\t\t\t\t\t时间：\n\t\t\t\t\t</span>'
        '\n\t\t\t\t\t<span class="cm-con">\n\t\t\t\t\t\t2013-12-23 07:21 \n\t\t\t\t\t</span>'
        '\n\t\t\t\t\t <img src="line.png" />\n\t\t\t\t\t<span class="cm-tit">\n\t\t\t\t\t\t来源：'
        '\n\t\t\t\t\t</span>\n\t\t\t\t\t<span class="cm-con">\n\t\t\t\t\t\t陕西日报 \n\t\t\t\t\t</span></div>'
    )
    found = find_labelled(element_lines(block), BEFORE)
    assert [(f.field, f.value) for f in found if f.value] == [
        ("publish_date", "2013-12-23 07:21"),
        ("issuer", "陕西日报"),
    ]
