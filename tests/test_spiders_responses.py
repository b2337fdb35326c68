"""spiders.responses: what a body is, read by rule (binary or text)."""

from __future__ import annotations

import random

from spiders.responses import looks_binary


def reference_binary(body: bytes) -> bool:
    """looks_binary as first written: control bytes counted one by one."""
    head = body[:2048]
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return False
    if head[:400].count(0) > 40:
        even, odd = head[0:400:2].count(0), head[1:400:2].count(0)
        return not (even > 150 or odd > 150)
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return head.startswith((b"%PDF", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8")) or (
        len(head) > 0 and controls > len(head) * 0.1
    )


def bodies() -> list[bytes]:
    """Random bodies with 0-30% control bytes, around the 10% line, of 0-3,000 bytes."""
    rng = random.Random(1201)
    text = "关于进一步规范行政执法的通知\n\t<p>".encode()
    out = [b"", b"%PDF-1.7", "通知".encode("utf-16"), b"\x00" * 500]
    for _ in range(600):
        size = rng.choice((1, 10, 100, 400, 2048, 3000))
        share = rng.choice((0.0, 0.05, 0.09, 0.1, 0.11, 0.3))
        out.append(
            bytes(
                rng.randrange(0, 32) if rng.random() < share else rng.choice(text)
                for _ in range(size)
            )
        )
    return out


def test_looks_binary_says_what_the_plain_definition_says() -> None:
    inputs = bodies()
    assert [looks_binary(b) for b in inputs] == [reference_binary(b) for b in inputs]


def test_the_bodies_include_binary_and_text() -> None:
    verdicts = {reference_binary(b) for b in bodies()}
    assert verdicts == {True, False}


def test_a_pdf_is_binary() -> None:
    assert looks_binary(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")


def test_a_chinese_page_is_text() -> None:
    assert not looks_binary(
        "<html><body><p>关于进一步规范行政执法的通知</p></body></html>".encode()
    )
