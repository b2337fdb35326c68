"""A per-character FTS5 tokenizer, so Chinese search finds exactly what LIKE finds.

FTS5's default tokenizer treats a run of Chinese as one token and ``trigram`` cannot
match queries of one or two characters (执法, 复议, 普法). Here every character is a
token (ASCII letters folded to lower case, as LIKE folds them) and every run of
whitespace is one token, so a query string is a phrase of characters that matches where
the same characters stand side by side: the rows LIKE '%执法%' returns.

The tokenizer is registered per connection (``register(conn)``) by the archive and by
the Datasette plugin. It is written against the FTS5 C API through cffi (via
``sqlitefts``): the text is read once, and each token is a pointer into SQLite's own
buffer, not a new Python bytes object.
"""

from __future__ import annotations

import ctypes
import re
import sqlite3

from sqlitefts.fts5 import fts5_api_from_db
from sqlitefts.tokenizer import SQLITE_OK, ffi

TOKENIZER_NAME = "govarchive_chars"
# A search query longer than this is refused (SQLITE_TOOBIG) before it is tokenized: the
# tokenizer runs inside one SQLite call, where Datasette's time limit cannot stop it.
MAX_QUERY_BYTES = 4096
_FTS5_TOKENIZE_QUERY = 0x0001
_SQLITE_TOOBIG = 18
_LOWER = ffi.new("char[]", bytes(range(256)).lower())
_SPACE_TOKEN = ffi.new("char[]", b" ")
_ASCII_SPACE = frozenset(c for c in range(0x80) if chr(c).isspace())


def char_spans(data: bytes) -> list[tuple[int, int, int]]:
    """(kind, start, end) byte spans of each token: 0 text, 1 ASCII upper, 2 space run.

    Offsets are computed on ``data`` exactly as given: a byte that is not valid UTF-8
    (surrogateescape keeps it as one character of width one) yields no token, so no span
    ever reaches past the bytes SQLite passed. Pure Python, shared by the C callback and
    the tests.
    """
    spans: list[tuple[int, int, int]] = []
    text = data.decode("utf-8", errors="surrogateescape")
    pos = 0
    in_space = False
    space_start = 0
    for ch in text:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            # An invalid byte (the UTF-8 decoder never yields a surrogate otherwise).
            if in_space:
                spans.append((2, space_start, pos))
                in_space = False
            pos += 1
            continue
        width = 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
        if ch.isspace():
            if not in_space:
                in_space = True
                space_start = pos
        else:
            if in_space:
                spans.append((2, space_start, pos))
                in_space = False
            spans.append((1 if 65 <= code <= 90 else 0, pos, pos + width))
        pos += width
    if in_space:
        spans.append((2, space_start, pos))
    return spans


def tokens(text: str) -> list[str]:
    """The tokens of ``text`` as the index sees them (for tests and docs)."""
    data = text.encode("utf-8")
    out = []
    for kind, start, end in char_spans(data):
        piece = data[start:end].decode("utf-8")
        out.append(" " if kind == 2 else piece.lower() if kind == 1 else piece)
    return out


@ffi.callback("int(void*, const char **, int, Fts5Tokenizer **)")
def _xcreate(ctx, argv, argc, pp_out):  # noqa: ANN001 - C signature
    pp_out[0] = ffi.cast("Fts5Tokenizer *", 1)
    return SQLITE_OK


@ffi.callback("void(Fts5Tokenizer *)")
def _xdelete(tokenizer):  # noqa: ANN001
    return None


# x_token called with the token as an address (an int), not a cdata pointer: no cdata
# object is made per token.
_X_TOKEN_ADDR = "int(*)(void*, int, intptr_t, int, int, int)"
# Non-ASCII characters str.isspace() accepts (checked by code: cheaper than isspace()).
_UNICODE_SPACES = frozenset(c for c in range(0x80, 0x3001) if chr(c).isspace())
_LOWER_ADDR = int(ffi.cast("intptr_t", _LOWER))
_SPACE_ADDR = int(ffi.cast("intptr_t", _SPACE_TOKEN))


# Runs of non-space characters encoded in 3 UTF-8 bytes (U+0800–U+FFFF, not surrogates),
# and anything else one character at a time.
def _three_byte_class() -> str:
    excluded = sorted({*range(0xD800, 0xE000), *(c for c in _UNICODE_SPACES if c >= 0x800)})
    ranges, start = [], 0x800
    for code in [*excluded, 0x10000]:
        if code > start:
            ranges.append(f"\\u{start:04x}-\\u{code - 1:04x}")
        start = max(start, code + 1)
    return "".join(ranges)


_SEGMENT = re.compile(f"(?P<cjk>[{_three_byte_class()}]+)|(?P<other>[^{_three_byte_class()}]+)")


# An exception inside the callback answers SQLITE_ERROR (1): the write fails loudly instead
# of leaving a half-indexed row.
@ffi.callback(
    "int(Fts5Tokenizer *, void *, int, const char *, int, int(void*, int, const char *, int, int, int))",
    error=1,
)
def _xtokenize(tokenizer, ctx, flags, p_text, n_text, x_token):  # noqa: ANN001
    if n_text <= 0:
        return SQLITE_OK
    if flags & _FTS5_TOKENIZE_QUERY and n_text > MAX_QUERY_BYTES:
        return _SQLITE_TOOBIG
    data = ffi.buffer(p_text, n_text)[:]
    if b"\x00" in data:
        # Text ends at a NUL for LIKE and for FTS5's own checks: the index ends there too.
        data = data[: data.index(b"\x00")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _tokenize_spans(ctx, p_text, data, x_token)
    emit = ffi.cast(_X_TOKEN_ADDR, x_token)
    return _tokenize_text(emit, ctx, int(ffi.cast("intptr_t", p_text)), text)


def _tokenize_text(emit, ctx, base: int, text: str) -> int:  # noqa: ANN001 - C callables
    """Tokens of valid UTF-8 ``text`` whose bytes start at address ``base``."""
    pos = 0
    space_start = -1
    # Runs of 3-byte characters that are not spaces (most Chinese text) take a tight loop;
    # everything else goes character by character.
    for run in _SEGMENT.finditer(text):
        chunk = run.group()
        if run.lastgroup != "cjk":
            rc, pos, space_start = _emit_other(emit, ctx, base, pos, space_start, chunk)
            if rc:
                return rc
            continue
        if space_start >= 0:
            rc = emit(ctx, 0, _SPACE_ADDR, 1, space_start, pos)
            space_start = -1
            if rc:
                return rc
        end = pos + 3 * len(chunk)
        for offset in range(pos, end, 3):
            rc = emit(ctx, 0, base + offset, 3, offset, offset + 3)
            if rc:
                return rc
        pos = end
    if space_start >= 0:
        return emit(ctx, 0, _SPACE_ADDR, 1, space_start, pos)
    return SQLITE_OK


def _emit_other(  # noqa: ANN001 - C callables
    emit, ctx, base: int, pos: int, space_start: int, chunk: str
) -> tuple[int, int, int]:
    """Tokens of a run that is not 3-byte text: (rc, position after, open space run)."""
    for ch in chunk:
        code = ord(ch)
        if code < 0x80:
            width = 1
            is_space = code in _ASCII_SPACE
        else:
            width = 3 if 0x800 <= code < 0x10000 else 2 if code < 0x800 else 4
            is_space = code in _UNICODE_SPACES
        if is_space:
            if space_start < 0:
                space_start = pos
            pos += width
            continue
        if space_start >= 0:
            rc = emit(ctx, 0, _SPACE_ADDR, 1, space_start, pos)
            space_start = -1
            if rc:
                return rc, pos, space_start
        if 65 <= code <= 90:
            rc = emit(ctx, 0, _LOWER_ADDR + code, 1, pos, pos + 1)
        else:
            rc = emit(ctx, 0, base + pos, width, pos, pos + width)
        pos += width
        if rc:
            return rc, pos, space_start
    return SQLITE_OK, pos, space_start


def _tokenize_spans(ctx, p_text, data: bytes, x_token) -> int:  # noqa: ANN001
    for kind, start, end in char_spans(data):
        if kind == 2:
            rc = x_token(ctx, 0, _SPACE_TOKEN, 1, start, end)
        elif kind == 1:
            rc = x_token(ctx, 0, _LOWER + data[start], 1, start, end)
        else:
            rc = x_token(ctx, 0, p_text + start, end - start, start, end)
        if rc != SQLITE_OK:
            return rc
    return SQLITE_OK


_TOKENIZER = ffi.new("fts5_tokenizer *", [_xcreate, _xdelete, _xtokenize])
# SQLite may call these C callbacks while the interpreter shuts down (a connection
# closed during module teardown); they must outlive every module, so they are never
# freed: one extra reference each, for the life of the process.
for _obj in (_xcreate, _xdelete, _xtokenize, _TOKENIZER, _LOWER, _SPACE_TOKEN):
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(_obj))


def register(conn: sqlite3.Connection) -> None:
    """Make ``govarchive_chars`` available on this connection (idempotent)."""
    api = fts5_api_from_db(conn)
    if api is None or api == ffi.NULL:
        raise RuntimeError("SQLite FTS5 API unavailable: cannot register the Chinese tokenizer")
    rc = api.xCreateTokenizer(api, TOKENIZER_NAME.encode(), ffi.NULL, _TOKENIZER, ffi.NULL)
    if rc != SQLITE_OK:
        raise RuntimeError(f"could not register FTS5 tokenizer {TOKENIZER_NAME}: rc={rc}")
