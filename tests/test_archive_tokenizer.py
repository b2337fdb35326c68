"""archive.tokenizer under hostile input: random bytes, invalid UTF-8 and huge queries.

The tokenizer is C (archive/_bigrams.c), reading SQLite's buffer, so a wrong offset reads
memory that is not the text: a crash, or an index that no longer matches its rows. These
tests hold its output to the Python reference (``index_tokens``) on seeded random inputs,
and check the index with FTS5's own integrity-check.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from sqlitefts.tokenizer import ffi

from archive.tokenizer import _TOKENIZER, MAX_QUERY_BYTES, char_spans, index_tokens, register

# Pieces random inputs are built from: Chinese, ASCII, spaces (ASCII and U+3000), a
# 4-byte character, and bytes that are never valid UTF-8 or only start a sequence.
PIECES = [
    "执法".encode(),
    "法治政府".encode(),
    b"AbZ 19",
    b"\t\n ",
    "\u3000".encode(),
    "\U0001f600".encode(),
    b"\xff",
    b"\xe6\xb3",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"\x80",
]


def random_inputs(seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    inputs = []
    for _ in range(count):
        if rng.random() < 0.3:
            inputs.append(rng.randbytes(rng.randrange(0, 200)))
        else:
            inputs.append(b"".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 60))))
    return inputs


def fts(external: bool = False) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    register(conn)
    if external:
        conn.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute(
            "CREATE VIRTUAL TABLE t USING fts5(body, content='docs', content_rowid='id',"
            " tokenize='govarchive_bigrams')"
        )
    else:
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='govarchive_bigrams')")
    return conn


def test_spans_never_reach_past_the_bytes() -> None:
    worst = max(
        (end - len(data) for data in random_inputs(1, 3000) for _, _, end in char_spans(data)),
        default=0,
    )
    assert worst <= 0


def test_spans_are_in_order_and_do_not_overlap() -> None:
    bad = []
    for data in random_inputs(2, 3000):
        previous_end = 0
        for _, start, end in char_spans(data):
            if start < previous_end or end <= start:
                bad.append(data)
                break
            previous_end = end
    assert bad == []


def test_an_invalid_byte_is_no_token() -> None:
    assert char_spans("执".encode() + b"\xff" + "法".encode()) == [(0, 0, 3), (0, 4, 7)]


def test_random_bytes_index_without_damage() -> None:
    conn = fts()
    for data in random_inputs(3, 2000):
        conn.execute("INSERT INTO t VALUES (CAST(? AS TEXT))", (data,))
    assert conn.execute("INSERT INTO t(t) VALUES ('integrity-check')").fetchall() == []


def test_random_bytes_in_an_external_content_index_survive_deletes() -> None:
    conn = fts(external=True)
    inputs = random_inputs(4, 500)
    for rowid, data in enumerate(inputs, 1):
        conn.execute("INSERT INTO docs VALUES (?, CAST(? AS TEXT))", (rowid, data))
        conn.execute("INSERT INTO t(rowid, body) VALUES (?, CAST(? AS TEXT))", (rowid, data))
    for rowid, data in enumerate(inputs, 1):
        if rowid % 2:
            conn.execute(
                "INSERT INTO t(t, rowid, body) VALUES ('delete', ?, CAST(? AS TEXT))",
                (rowid, data),
            )
            conn.execute("DELETE FROM docs WHERE id = ?", (rowid,))
    assert conn.execute("INSERT INTO t(t) VALUES ('integrity-check')").fetchall() == []


def test_random_byte_queries_answer_or_fail_cleanly() -> None:
    conn = fts()
    conn.execute("INSERT INTO t VALUES ('执法检查 ABC')")
    outcomes = set()
    for data in random_inputs(5, 1000):
        phrase = b'"' + data.replace(b'"', b"") + b'"'
        try:
            conn.execute("SELECT count(*) FROM t WHERE t MATCH CAST(? AS TEXT)", (phrase,))
            outcomes.add("answered")
        except sqlite3.OperationalError:
            outcomes.add("refused")
    assert "answered" in outcomes


def test_a_query_with_an_invalid_byte_still_finds_its_characters() -> None:
    conn = fts()
    conn.execute("INSERT INTO t VALUES ('执法检查')")
    query = b'"' + "执".encode() + b"\xff" + "法".encode() + b'"'
    assert conn.execute(
        "SELECT count(*) FROM t WHERE t MATCH CAST(? AS TEXT)", (query,)
    ).fetchone() == (1,)


def test_an_oversized_query_is_refused() -> None:
    conn = fts()
    conn.execute("INSERT INTO t VALUES ('执法检查')")
    with pytest.raises(sqlite3.DataError, match="too big"):
        conn.execute(
            "SELECT count(*) FROM t WHERE t MATCH ?", ('"' + "执" * MAX_QUERY_BYTES + '"',)
        )


_QUERY, _PREFIX, _DOCUMENT = 0x0001, 0x0002, 0x0004
_SQLITE_ERROR = 1


def c_tokens(data: bytes, flags: int) -> tuple[int, list[tuple[int, bytes, int, int]]]:
    """(rc, tokens) of the C tokenizer called directly on ``data``, as FTS5 calls it."""
    out: list[tuple[int, bytes, int, int]] = []

    @ffi.callback("int(void *, int, const char *, int, int, int)")
    def collect(ctx, token_flags, token, size, start, end):  # noqa: ANN001, ANN202 - C API
        out.append((token_flags, ffi.buffer(token, size)[:], start, end))
        return 0

    text = ffi.new("char[]", data)
    handle = ffi.cast("Fts5Tokenizer *", 1)
    rc = _TOKENIZER.xTokenize(handle, ffi.NULL, flags, text, len(data), collect)
    return rc, out


def reference(data: bytes, flags: int) -> tuple[int, list[tuple[int, bytes, int, int]]]:
    """What ``c_tokens`` must answer, from the Python rules."""
    found = index_tokens(data, query=bool(flags & _QUERY), prefix=bool(flags & _PREFIX))
    if found is None:
        return _SQLITE_ERROR, []
    return 0, [(0, token, start, end) for token, start, end in found]


@pytest.mark.parametrize("flags", [_DOCUMENT, _QUERY, _QUERY | _PREFIX])
def test_the_c_tokenizer_equals_the_reference_on_random_bytes(flags: int) -> None:
    differ = [
        data
        for data in random_inputs(6 + flags, 3000)
        if c_tokens(data, flags) != reference(data, flags)
    ]
    assert differ == []


def test_the_c_tokenizer_equals_the_reference_on_every_code_point() -> None:
    # Each character between two others: whitespace, letters, surrogates (invalid UTF-8
    # as surrogatepass writes them), up to U+10FFFF.
    text = "".join(f"执{chr(c)}a" for c in range(0x110000))
    data = text.encode("utf-8", errors="surrogatepass")
    assert c_tokens(data, _DOCUMENT) == reference(data, _DOCUMENT)


@pytest.mark.parametrize("character", ["法", "A", " ", "\U0001f600"])
def test_one_character_queries_equal_the_reference(character: str) -> None:
    data = character.encode()
    assert [c_tokens(data, f) for f in (_QUERY, _QUERY | _PREFIX)] == [
        reference(data, f) for f in (_QUERY, _QUERY | _PREFIX)
    ]


def test_a_document_longer_than_the_query_cap_is_indexed() -> None:
    conn = fts()
    conn.execute("INSERT INTO t VALUES (?)", ("执法" * MAX_QUERY_BYTES,))
    assert conn.execute("SELECT count(*) FROM t WHERE t MATCH '执法'").fetchone() == (1,)


def test_a_20_megabyte_query_with_an_invalid_byte_does_not_crash_the_process() -> None:
    # In a child process: a crash there is a failed assert here, not a dead test worker.
    script = textwrap.dedent(
        """
        import sqlite3
        from archive.tokenizer import register
        conn = sqlite3.connect(":memory:")
        register(conn)
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='govarchive_bigrams')")
        conn.execute("INSERT INTO t VALUES ('执法')")
        half = "执".encode() * 3_500_000
        try:
            conn.execute("SELECT * FROM t WHERE t MATCH CAST(? AS TEXT)",
                         (b'"' + half + b"\\xff" + half + b'"',)).fetchall()
        except sqlite3.Error as error:
            print(type(error).__name__)
        """
    )
    from conftest import ROOT

    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert (done.returncode, done.stdout.strip()) == (0, "DataError")


def test_text_after_a_nul_is_not_indexed() -> None:
    # SQLite's text functions (LIKE among them) stop at a NUL; so does the index.
    conn = fts()
    conn.execute(
        "INSERT INTO t VALUES (CAST(? AS TEXT))", ("执法".encode() + b"\x00" + "检查".encode(),)
    )
    assert conn.execute("SELECT count(*) FROM t WHERE t MATCH '检查'").fetchone() == (0,)
