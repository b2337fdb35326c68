"""archive.diff: field changes and a paragraph diff with character marks."""

from __future__ import annotations

from archive.diff import diff_records, render_text

OLD = {
    "title": "关于执法检查的通知",
    "doc_no": "某府〔2025〕1号",
    "body_text": "第一段不变。\n第二段：整改时限为5月底。\n第三段将被删除。\n第四段不变。",
    "attachments": [],
}
NEW = {
    "title": "关于执法检查的通知",
    "doc_no": "某府〔2025〕2号",
    "body_text": "第一段不变。\n第二段：整改时限为6月底。\n第四段不变。\n新增第五段。",
    "attachments": [],
}


def kinds(diff) -> list[str]:
    return [p.kind for p in diff.paragraphs]


def test_field_change_old_and_new() -> None:
    change = diff_records(OLD, NEW).fields
    assert [(c.name, c.old, c.new) for c in change] == [
        ("doc_no", "某府〔2025〕1号", "某府〔2025〕2号")
    ]


def test_unchanged_title_not_listed() -> None:
    assert "title" not in [c.name for c in diff_records(OLD, NEW).fields]


def test_paragraph_kinds() -> None:
    assert kinds(diff_records(OLD, NEW)) == ["equal", "changed", "removed", "equal", "added"]


def test_changed_paragraph_marks_characters() -> None:
    changed = next(p for p in diff_records(OLD, NEW).paragraphs if p.kind == "changed")
    assert [(s.kind, s.text) for s in changed.segments if s.kind != "equal"] == [
        ("removed", "5"),
        ("added", "6"),
    ]


def test_whitespace_only_is_no_difference() -> None:
    spaced = {**OLD, "body_text": OLD["body_text"].replace("\n", "\n\n  ")}
    assert diff_records(OLD, spaced).summary() == "no difference"


def test_render_marks_changes_without_colour() -> None:
    text = render_text(diff_records(OLD, NEW))
    assert "整改时限为[-5-]{+6+}月底" in text


def test_render_leaves_out_far_unchanged_paragraphs() -> None:
    body = "\n".join(f"不变的第{n}段。" for n in range(50))
    old = {"body_text": body + "\n结尾。"}
    new = {"body_text": body + "\n结尾（已修订）。"}
    assert "不变的第10段" not in render_text(diff_records(old, new))


def test_render_colour_uses_escapes() -> None:
    assert "\x1b[32m" in render_text(diff_records(OLD, NEW), colour=True)


def test_a_headline_names_the_changed_fields_and_counts_paragraphs() -> None:
    diff = diff_records(
        {"title": "旧", "body_text": "甲段。"}, {"title": "新", "body_text": "乙段。"}
    )
    assert diff.headline() == "title; 1 paragraph(s) changed"


def test_a_headline_of_field_changes_alone_names_the_fields() -> None:
    diff = diff_records(
        {"doc_no": "1号", "body_text": "同。"}, {"doc_no": "2号", "body_text": "同。"}
    )
    assert diff.headline() == "doc_no"


def test_an_excerpt_starts_shortly_before_the_change() -> None:
    before = "前" * 100 + "原文。"
    diff = diff_records({"body_text": before}, {"body_text": "前" * 100 + "新文。"})
    assert diff.excerpt().startswith("…" + "前" * 30 + "[-原-]{+新+}")


def test_an_excerpt_of_an_added_paragraph_is_marked_added() -> None:
    diff = diff_records({"body_text": "第一段。"}, {"body_text": "第一段。\n第二段。"})
    assert diff.excerpt() == "{+第二段。+}"


def test_an_excerpt_is_cut_to_its_length() -> None:
    diff = diff_records({"body_text": "第一段。"}, {"body_text": "第一段。\n" + "长" * 500})
    assert len(diff.excerpt(limit=50)) == 51  # and the "…" that says it was cut
