"""Synthetic Chinese documents for the archive and crawl benchmarks, from the seed reports."""

from __future__ import annotations

import random
import re

from crawler.demo.documents import SEEDS, seed_text

# A phrase planted in one document in RARE_EVERY, so "rare" queries have few hits.
RARE_PHRASE = "鹰眼巡检"
RARE_EVERY = 1000


def sentences() -> list[str]:
    out: list[str] = []
    for seed in SEEDS:
        out += [
            s for s in re.split(r"(?<=[。；！？])", seed_text(seed["file"])) if len(s.strip()) > 8
        ]
    return [s.strip() for s in out]


def documents(count: int, chars: int, seed: int = 7) -> list[tuple[str, str]]:
    """(title, body) pairs, bodies of about ``chars`` characters."""
    rng = random.Random(seed)
    pool = sentences()
    docs = []
    for n in range(count):
        parts: list[str] = []
        size = 0
        while size < chars:
            s = rng.choice(pool)
            parts.append(s)
            size += len(s)
        if n % RARE_EVERY == 0:
            parts.insert(len(parts) // 2, f"推行{RARE_PHRASE}机制。")
        body = "\n".join(parts)
        title = f"关于{rng.choice(['行政执法', '法治政府建设', '行政复议', '普法宣传', '政务公开'])}工作的通知（第{n}号）"
        docs.append((title, body))
    return docs
