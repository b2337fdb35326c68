"""Scoring extractors against the gold corpus, by the corpus conventions.

The corpus (real pages saved from government sites, with hand-checked gold fields; see
its CORPUS.md) is kept in ``tests/fixtures/corpus`` as copied from the project's shared
material, so the tests and ``make bench`` need nothing outside the repository.

Whitespace (spaces, newlines, tabs, U+3000, NBSP, ZWSP) is removed before any
comparison. A page whose gold body is empty (a document of pictures) scores its body's
start and end right only when the extractor returns no text. Shared by ``benchmarks/extract.py`` and the parser's corpus tests.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "corpus"
_WS = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
# Body start/end must be within this many characters of the gold's.
START_SLACK = 50
END_SLACK = 40
CHROME_TERMS: tuple[str, ...] = (
    "索引号",
    "字号",
    "打印",
    "关闭窗口",
    "分享到",
    "发布机构",
    "当前位置",
    "版权所有",
    "网站地图",
)


# Chrome is short lines; a term inside a long line is the document's own wording
# ("方可打印报名表"), so only lines up to this length are checked.
CHROME_LINE_CHARS = 40


def chrome_in(body: str) -> list[str]:
    """Chrome terms standing in short lines of a body."""
    short = [nows(line) for line in body.splitlines() if len(nows(line)) <= CHROME_LINE_CHARS]
    return [term for term in CHROME_TERMS if any(term in line for line in short)]


def nows(text: str | None) -> str:
    return _WS.sub("", text or "")


@dataclass
class Extracted:
    """What an extractor returned for one page, in the benchmark's terms."""

    title: str | None = None
    date: str | None = None
    issuer: str | None = None
    index_no: str | None = None
    doc_no: str | None = None
    body: str = ""


@dataclass
class PageScore:
    file: str
    checks: dict[str, bool] = field(default_factory=dict)
    chrome: list[str] = field(default_factory=list)


def corpus_pages(corpus: Path = CORPUS) -> list[dict]:
    """Manifest entries of detail pages with gold fields."""
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    return [e for e in manifest if e.get("kind") == "detail" and e.get("gold")]


def score_page(entry: dict, got: Extracted) -> PageScore:
    gold = entry["gold"]
    score = PageScore(entry["file"])
    score.checks["title"] = nows(got.title) == nows(gold.get("title"))
    gold_date = gold.get("date") or (gold.get("publish_date") or "")[:10] or None
    score.checks["date"] = (got.date or None) == gold_date
    score.checks["issuer"] = (
        nows(got.issuer) == nows(gold.get("issuer"))
        if gold.get("issuer")
        else got.issuer in (None, "")
    )
    for name in ("index_no", "doc_no"):
        if gold.get(name) is not None:
            score.checks[name] = nows(getattr(got, name)) == nows(gold[name])
    body = nows(got.body)
    first, last = nows(gold.get("body_first_30_chars")), nows(gold.get("body_last_30_chars"))
    if first:
        at = body.find(first)
        score.checks["body_start"] = 0 <= at <= START_SLACK
    if last:
        at = body.rfind(last)
        score.checks["body_end"] = at >= 0 and len(body) - (at + len(last)) <= END_SLACK
    if gold.get("body_chars_nows") == 0:  # a document of pictures or files: no text
        score.checks["body_start"] = score.checks["body_end"] = not body
    score.chrome = chrome_in(got.body)
    return score
