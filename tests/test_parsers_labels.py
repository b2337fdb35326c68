"""parsers.labels: whitespace of every kind (compact, has_text); label patterns compiled on
first use (LazyPattern)."""

from __future__ import annotations

import random
import re
import subprocess
import sys

import pytest

from parsers.labels import (
    LABEL_ONLY,
    LABEL_WITH_COLON,
    SPACE_CHARS,
    compact,
    compact_len,
    has_text,
)


def texts() -> list[str]:
    rng = random.Random(1201)
    alphabet = [*SPACE_CHARS, "法", "a", "\u2028", "\x0b"]
    return [
        "",
        *SPACE_CHARS,
        *("".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 12))) for _ in range(3000)),
    ]


def test_has_text_says_whether_compact_leaves_anything() -> None:
    cases = texts()
    assert [has_text(t) for t in cases] == [
        bool(compact(t)) for cases_t in [cases] for t in cases_t
    ]


def test_compact_len_is_the_length_of_compact_for_short_texts() -> None:
    cases = texts()
    assert [compact_len(t) for t in cases] == [len(compact(t)) for t in cases]


def test_compact_len_is_the_length_of_compact_for_long_texts() -> None:
    cases = ["".join(texts()[n : n + 40]) for n in range(0, 3000, 40)]
    assert [compact_len(t) for t in cases] == [len(compact(t)) for t in cases]


@pytest.mark.parametrize("text", ["\u3000\u00a0\u200b\ufeff \t\r\n", ""])
def test_whitespace_of_every_kind_is_no_text(text: str) -> None:
    assert not has_text(text)


def test_one_character_among_whitespace_is_text() -> None:
    assert has_text("\u3000 法 \n")


LAZY_LINE = "索 引 号：ABC-2024 发布机构：某县人民政府 成文日期：2024-01-02"


def test_label_patterns_are_not_compiled_by_importing_the_parsers() -> None:
    code = (
        "import parsers, parsers.labels as L, parsers.metadata as M;"
        "print(L.LABEL_ONLY._compiled, L.LABEL_WITH_COLON._compiled, M._LABEL_IN_LINE._compiled)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["None", "None", "None"]


def test_a_lazy_pattern_finds_what_the_compiled_pattern_finds() -> None:
    compiled = re.compile(LABEL_WITH_COLON.pattern)
    assert [m.span() for m in LABEL_WITH_COLON.finditer(LAZY_LINE)] == [
        m.span() for m in compiled.finditer(LAZY_LINE)
    ]


def test_a_lazy_pattern_finds_labels() -> None:
    assert len(LABEL_WITH_COLON.findall(LAZY_LINE)) == 3


def test_a_lazy_pattern_matches_a_label_alone() -> None:
    assert LABEL_ONLY.match("【发布机构】") is not None


def test_a_lazy_pattern_does_not_match_prose() -> None:
    assert LABEL_ONLY.match("发布机构负责解释") is None


def label_only_cases() -> list[str]:
    """Cells as pages write them: labels spaced, bracketed and followed by colons or
    values, and random strings of label characters, spaces, brackets and colons."""
    rng = random.Random(1202)
    labels = ["索引号", "发布机构", "文号", "成文日期", "来源", "主题分类", "日期"]
    edges = ["", " ", "\u3000", "【", "】", "[", "]", ":", "：", "\t"]
    alphabet = [*"".join(labels), *edges, "法", "a", "1"]
    cases = []
    for label in labels:
        for _ in range(60):
            spaced = rng.choice(["", " ", "\u3000"]).join(label)
            before = "".join(rng.choice(edges) for _ in range(rng.randrange(3)))
            after = "".join(rng.choice(edges) for _ in range(rng.randrange(4)))
            value = rng.choice(["", "", "2024年1月1日", "法"])
            cases.append(before + spaced + after + value)
    cases += [
        "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 14))) for _ in range(3000)
    ]
    return cases


def test_label_only_matches_exactly_where_its_pattern_does() -> None:
    cases = label_only_cases()
    assert [bool(LABEL_ONLY.match(c)) for c in cases] == [
        bool(LABEL_ONLY.compiled.match(c)) for c in cases
    ]


def test_label_only_cases_hold_matches_and_misses() -> None:
    found = [bool(LABEL_ONLY.compiled.match(c)) for c in label_only_cases()]
    assert (found.count(True) > 50, found.count(False) > 50) == (True, True)
