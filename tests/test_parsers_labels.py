"""parsers.labels: whitespace of every kind (compact, has_text)."""

from __future__ import annotations

import random

import pytest

from parsers.labels import SPACE_CHARS, compact, has_text


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


@pytest.mark.parametrize("text", ["\u3000\u00a0\u200b\ufeff \t\r\n", ""])
def test_whitespace_of_every_kind_is_no_text(text: str) -> None:
    assert not has_text(text)


def test_one_character_among_whitespace_is_text() -> None:
    assert has_text("\u3000 法 \n")
