"""The FTS5 tokenizer behind Chinese search (``govarchive_bigrams``), and the one way a
person's search words become an FTS5 query (``match_expression``), so a search finds exactly
the rows LIKE finds, fast at a million documents.

FTS5's default tokenizer treats a run of Chinese as one token and ``trigram`` cannot match
queries of one or two characters (执法, 复议, 普法). Here a text is a sequence of
characters (ASCII letters folded to lower case, as LIKE folds them; a run of whitespace is
one " "; a byte that is not UTF-8 is nothing; the text ends at a NUL). A document indexes
the bigram at each position and its last character alone. A query of two or more
characters is its bigrams as a phrase: 执法 is one token with one doclist, 法治政府 the
phrase 法治 治政 政府. A one-character query is a prefix query (法*): every bigram that
starts with 法, and 法 alone at a text's end. Without the ``*`` it is refused, never
answered with only the texts that end in it; ``match_expression`` writes the ``*``.

The tokenizer itself is C (``archive/_bigrams.c``, built by the install as
``archive._bigrams``): the Python tokenizer before it cost 2.9 ms of every document's
3.9 ms ingest. This module holds the same rules in Python (``char_spans``,
``index_tokens``) for the tests and docs, and ``register(conn)``, which the archive and the
Datasette plugin call on each connection through the FTS5 API (``sqlitefts``).
"""

from __future__ import annotations

import re
import sqlite3

from sqlitefts.fts5 import fts5_api_from_db
from sqlitefts.tokenizer import SQLITE_OK, dll, ffi

from archive import _bigrams

TOKENIZER_NAME = "govarchive_bigrams"
RANK_FUNCTION = "govarchive_bm25"
# A search query longer than this is refused (SQLITE_TOOBIG) before it is tokenized: the
# tokenizer runs inside one SQLite call, where Datasette's time limit cannot stop it.
# The C tokenizer has the same constant (MAX_QUERY_BYTES in _bigrams.c).
MAX_QUERY_BYTES = 4096


def char_spans(data: bytes) -> list[tuple[int, int, int]]:
    """(kind, start, end) byte spans of each token: 0 text, 1 ASCII upper, 2 space run.

    Offsets are computed on ``data`` exactly as given: a byte that is not valid UTF-8
    (surrogateescape keeps it as one character of width one) yields no token, so no span
    ever reaches past the bytes SQLite passed. The Python statement of the rules the C
    tokenizer (``_bigrams.c``) follows; the tests hold it to them.
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


def characters(data: bytes) -> list[tuple[bytes, int, int]]:
    """(token, start, end) of each character as the index reads it: ASCII letters lower
    case, a whitespace run one b" "."""
    out = []
    for kind, start, end in char_spans(data):
        token = b" " if kind == 2 else data[start:end].lower() if kind == 1 else data[start:end]
        out.append((token, start, end))
    return out


def index_tokens(
    data: bytes, query: bool = False, prefix: bool = False
) -> list[tuple[bytes, int, int]] | None:
    """(token, start, end) in the order the C tokenizer emits them, for ``data`` (with a
    NUL, the text before it) tokenized as a document or as a query (``prefix``: followed
    by ``*``); None where the tokenizer refuses (one character, not a prefix)."""
    if b"\x00" in data:
        data = data[: data.index(b"\x00")]
    chars = characters(data)
    out = [
        (token + following, start, next_end)
        for (token, start, _), (following, _, next_end) in zip(chars, chars[1:], strict=False)
    ]
    if not chars or (query and len(chars) > 1):
        return out
    if query and not prefix:
        return None
    return [*out, chars[-1]]


def tokens(text: str, query: bool = False, prefix: bool = False) -> list[str] | None:
    """The tokens of ``text`` as the index (or a query) sees them, for tests and docs."""
    found = index_tokens(text.encode(), query, prefix)
    return None if found is None else [token.decode("utf-8") for token, _, _ in found]


def match_expression(query: str) -> str:
    """A person's search words as an FTS5 query: each term (a run without whitespace, or a
    "quoted phrase") must occur; a term of one character is a prefix query (法*), the way
    this index finds a character wherever it stands. Quotes are balanced as Datasette's
    ``escape_fts`` balances them."""
    if query.count('"') % 2:
        query += '"'
    terms = [t for t in _TERM.split(query) if t and t != '""']
    out = []
    for term in terms:
        inner = term[1:-1] if term.startswith('"') else term
        if not inner.strip():
            continue
        phrase = f'"{inner}"'
        out.append(f"{phrase}*" if len(characters(inner.encode())) == 1 else phrase)
    return " ".join(out)


# Datasette's escape_fts split: "quoted phrases" kept whole, otherwise runs of non-space.
_TERM = re.compile(r'\s+|(".*?")')


_TOKENIZER = ffi.cast("fts5_tokenizer *", _bigrams.tokenizer_address())
# The rank function sets its result through the SQLite library Python's sqlite3 uses.
ffi.cdef(
    "void sqlite3_result_double(sqlite3_context*, double);"
    "double sqlite3_value_double(sqlite3_value*);"
)
_RANK = ffi.cast(
    "fts5_extension_function",
    _bigrams.rank_function_address(
        *(
            int(ffi.cast("uintptr_t", f))
            for f in (
                dll.sqlite3_result_double,
                dll.sqlite3_result_error,
                dll.sqlite3_result_error_code,
                dll.sqlite3_value_double,
            )
        )
    ),
)


def register(conn: sqlite3.Connection, name: str = TOKENIZER_NAME) -> None:
    """Make ``govarchive_bigrams`` (under ``name``: another name only for
    archive.schema's migrations) and ``govarchive_bm25`` available on this connection
    (idempotent)."""
    api = fts5_api_from_db(conn)
    if api is None or api == ffi.NULL:
        raise RuntimeError("SQLite FTS5 API unavailable: cannot register the Chinese tokenizer")
    rc = api.xCreateTokenizer(api, name.encode(), ffi.NULL, _TOKENIZER, ffi.NULL)
    if rc != SQLITE_OK:
        raise RuntimeError(f"could not register FTS5 tokenizer {name}: rc={rc}")
    rc = api.xCreateFunction(api, RANK_FUNCTION.encode(), ffi.NULL, _RANK, ffi.NULL)
    if rc != SQLITE_OK:
        raise RuntimeError(f"could not register FTS5 function {RANK_FUNCTION}: rc={rc}")
