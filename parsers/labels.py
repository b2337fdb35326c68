"""Metadata labels of 信息公开 pages, grouped by the field they introduce.

Labels are matched after all whitespace (spaces, U+3000, ``&ensp;``, NBSP) is removed, so
``索 引 号`` and ``标　　题`` match ``索引号`` and ``标题``. Within a field, earlier labels
win over later ones (``发文机关`` over ``来源``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# field -> labels, strongest first. A label is a literal string (whitespace-free).
FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "title": ("标题", "文件名称", "信息名称", "名称"),
    "index_no": ("索引号", "索取号", "信息索引", "索引"),
    "doc_no": (
        "行政处罚决定书文号",
        "处罚决定书文号",
        "决定书文号",
        "发文字号",
        "文号",
        "文件编号",
        "发文文号",
        "文件字号",
        "发文号",
    ),
    "issuer": (
        "作出处罚决定的机关名称",
        "作出处罚决定的机关",
        "作出行政处罚的机关",
        "处罚机关",
        "决定机关",
        "发文机关",
        "发布机关",
        "发布机构",
        "发文机构",
        "发文单位",
        "发布单位",
        "制发机关",
        "制发单位",
        "公开主体",
        "信息来源",
        "文章来源",
        "稿件来源",
        "答复单位",
        "答复部门",
        "答复机构",
        "来源",
    ),
    "doc_date": (
        "成文日期",
        "发文日期",
        "成文时间",
        "印发日期",
        "签发日期",
        "发文时间",
        "印发时间",
        "答复时间",
        "答复日期",
        "作出处罚决定的日期",
        "作出处罚决定日期",
        "处罚决定日期",
        "决定日期",
        "处罚日期",
    ),
    "created_date": ("生成日期", "产生日期", "形成日期", "制发日期"),
    "publish_date": (
        "发布日期",
        "发布时间",
        "公布日期",
        "公布时间",
        "公开日期",
        "公开时间",
        "发表时间",
        "上线时间",
        "时间发布",
        "更新时间",
        "日期",
        "时间",
    ),
    "topic": ("主题分类", "信息分类", "信息类别", "主题类别", "分类", "体裁分类", "组配分类"),
    "validity": ("有效性", "时效性", "效力状态", "是否有效", "有效状态"),
    "keywords": ("关键词", "主题词", "关键字"),
}

# Labels that belong to a metadata block but feed no field; they still end the value
# of the label before them ("公开方式：主动公开").
OTHER_LABELS: tuple[str, ...] = (
    "公开方式",
    "公开范围",
    "公开形式",
    "生效时间",
    "生效日期",
    "废止时间",
    "废止日期",
    "实施日期",
    "施行日期",
    "公文种类",
    "统一登记号",
    "失效时间",
    "内容概述",
    "备注",
    "所属机构",
    "作者",
    "访问量",
    "浏览次数",
    "点击数",
    "语种",
    "载体类型",
    "信息格式",
    "字号",
    "责任编辑",
    "文章出处",
    "主题",
    "分享",
    "分享到",
    "阅读",
    "阅读次数",
    "浏览",
    "点击",
    "点击量",
    "打印",
)

# The issuer labels that name where a page came from (来源) rather than who issued it.
SOURCE_LABELS: frozenset[str] = frozenset({"信息来源", "文章来源", "稿件来源", "来源"})

# What a page shows in a 文号 or 索引号 cell for "none": the label is there, the value empty.
NONE_VALUES: frozenset[str] = frozenset({"无", "暂无", "/", "-", "—", "——", "空", "无文号"})
NONE_VALUE_FIELDS: frozenset[str] = frozenset({"doc_no", "index_no"})

# Labels too common in ordinary text to be believed without a colon.
WEAK_LABELS: frozenset[str] = frozenset({"日期", "时间", "名称", "来源", "分类", "索引", "主题"})

LABEL_TO_FIELD: dict[str, str] = {
    label: field for field, labels in FIELD_LABELS.items() for label in labels
}
ALL_LABELS: tuple[str, ...] = tuple(sorted({*LABEL_TO_FIELD, *OTHER_LABELS}, key=len, reverse=True))

# Whitespace a label may have inside or around it, in every width.
SPACE_CHARS = " \t\r\n\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff"
_SPACE = f"[{SPACE_CHARS}]*"


def _spaced(label: str) -> str:
    return _SPACE.join(re.escape(ch) for ch in label)


class LazyPattern:
    """A regular expression compiled the first time it is used.

    The label patterns spell every label with optional spaces of every width between its
    characters; Python compiles each of those character classes slowly (65 ms a pattern).
    A process that never reads a page's metadata (the crawl's reactor process, ``serve``,
    the scheduler) never pays for them; one that does pays once, as before.
    """

    __slots__ = ("_compiled", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern)
        return self._compiled

    def match(self, text: str) -> re.Match[str] | None:
        return self.compiled.match(text)

    def search(self, text: str) -> re.Match[str] | None:
        return self.compiled.search(text)

    def findall(self, text: str) -> list[Any]:
        return self.compiled.findall(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(text)


COLON = "[:：]"
# A label followed by a colon, anywhere in a line: "来源：X发布日期：Y".
LABEL_WITH_COLON = LazyPattern(
    "(?:" + "|".join(_spaced(label) for label in ALL_LABELS) + f"){_SPACE}{COLON}"
)


class _LabelOnlyPattern(LazyPattern):
    """``LABEL_ONLY``: its ``match`` first asks what any match needs — a label's first
    and last characters at the ends of the text, once spaces, brackets and colon are
    trimmed, and no more characters between them than the longest label has — and runs
    the pattern (a hundred alternatives tried at the start) only on texts that pass:
    most cells and lines it is asked about are prose."""

    __slots__ = ()

    def match(self, text: str) -> re.Match[str] | None:
        core = text.strip(_LABEL_EDGES)
        if not core or core[0] not in _LABEL_FIRST_CHARS or core[-1] not in _LABEL_LAST_CHARS:
            return None
        if len(core) > _LONGEST_LABEL and compact_len(core) > _LONGEST_LABEL:
            return None
        return self.compiled.match(text)


# What may stand around a label-only text's label: spaces, one bracket, a colon.
_LABEL_EDGES = SPACE_CHARS + "【[】]:："
_LABEL_FIRST_CHARS = frozenset(label[0] for label in ALL_LABELS)
_LABEL_LAST_CHARS = frozenset(label[-1] for label in ALL_LABELS)
_LONGEST_LABEL = max(map(len, ALL_LABELS))
# A text that is only a label, with or without its colon ("索 引 号：", "发布机构").
LABEL_ONLY = _LabelOnlyPattern(
    f"^{_SPACE}[【\\[]?{_SPACE}(?:"
    + "|".join(_spaced(label) for label in ALL_LABELS)
    + f"){_SPACE}[】\\]]?{_SPACE}{COLON}?{_SPACE}$"
)
WHITESPACE = re.compile(f"[{SPACE_CHARS}]+")
_NOT_WHITESPACE = re.compile(f"[^{SPACE_CHARS}]")
# From this length, counting each kind of whitespace beats compacting (7x at 5,100
# characters; at 10, compacting is twice as fast).
_COUNT_FROM_CHARS = 64


def compact(text: str) -> str:
    """Text with every kind of whitespace removed."""
    return WHITESPACE.sub("", text)


def compact_len(text: str) -> int:
    """``len(compact(text))``, without building the compacted copy: a long text's
    whitespace is counted (one fast pass per kind), a short one is compacted."""
    if len(text) < _COUNT_FROM_CHARS:
        return len(WHITESPACE.sub("", text))
    return len(text) - sum(map(text.count, SPACE_CHARS))


def has_text(text: str | None) -> bool:
    """Whether ``compact(text)`` would be non-empty, read only up to its first character."""
    return bool(text) and _NOT_WHITESPACE.search(text) is not None


def label_field(label_text: str) -> str | None:
    """The record field a label introduces, or None for a label that feeds none."""
    key = compact(label_text).strip(":：【】[]")
    return LABEL_TO_FIELD.get(key)
