/*
 * govarchive_bigrams: the FTS5 tokenizer behind the archive's Chinese search, in C.
 *
 * A text is read as a sequence of characters: each Unicode character is one, ASCII letters
 * folded to lower case (as LIKE folds them), a run of whitespace (Python's str.isspace())
 * is one " ", a byte that is not valid UTF-8 is nothing, and the text ends at a NUL.
 * archive/tokenizer.py has the same rules in Python (char_spans, index_tokens), and the
 * tests hold this file to them.
 *
 * Document text: at each character's position, the bigram of that character and the next
 * one; at the last character, the character alone. Query text: two or more characters are
 * their bigrams, a phrase at consecutive positions, so it matches exactly where those
 * characters stand side by side; one character is itself and must be a prefix query (法*),
 * which matches every bigram starting with it and the character alone at a text's end:
 * everywhere the character is. One character without the prefix is refused (SQLITE_ERROR),
 * never answered with only the texts ending in it. So every query finds the rows
 * LIKE '%query%' returns, and a common two-character word is one token (one doclist), not
 * a phrase of two very common characters. (A character colocated at every position would
 * serve one-character queries without a prefix, and cost 2.4x the ingest time.)
 *
 * Built by the project's install (setup.py) as the extension module archive._bigrams,
 * which only hands Python the address of the fts5_tokenizer struct below and of the
 * govarchive_bm25 rank function after it; archive.tokenizer registers both on each
 * connection through the FTS5 API. No SQLite header is needed: the
 * three FTS5 declarations used are copied from SQLite's public API (public domain).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef struct Fts5Tokenizer Fts5Tokenizer;
typedef struct fts5_tokenizer {
    int (*xCreate)(void *, const char **azArg, int nArg, Fts5Tokenizer **ppOut);
    void (*xDelete)(Fts5Tokenizer *);
    int (*xTokenize)(Fts5Tokenizer *, void *pCtx, int flags, const char *pText, int nText,
                     int (*xToken)(void *pCtx, int tflags, const char *pToken, int nToken,
                                   int iStart, int iEnd));
} fts5_tokenizer;

#define SQLITE_OK 0
#define SQLITE_ERROR 1
#define SQLITE_TOOBIG 18
#define FTS5_TOKENIZE_QUERY 0x0001
#define FTS5_TOKENIZE_PREFIX 0x0002

/* Keep equal to archive.tokenizer.MAX_QUERY_BYTES: a longer query is refused before it is
 * tokenized (Datasette's time limit cannot interrupt a tokenizer). */
#define MAX_QUERY_BYTES 4096

typedef int (*TokenCallback)(void *, int, const char *, int, int, int);

/* A character as indexed: as written in the text (bytes text[start:end]), or folded (a run
 * of whitespace is " ", an ASCII capital its lower case letter: the one byte in `folded`). */
typedef struct {
    int start;
    int end;
    char folded; /* 0: as written */
} Char;

typedef struct {
    void *ctx;
    TokenCallback emit;
    const char *text;
    int count;
    Char prev;
} State;

static int is_space(unsigned int code) {
    if (code < 0x80) return (code >= 0x09 && code <= 0x0D) || (code >= 0x1C && code <= 0x20);
    switch (code) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
    case 0x3000:
        return 1;
    default:
        return code >= 0x2000 && code <= 0x200A;
    }
}

static int continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

/* Width of the valid UTF-8 sequence at s[0] (n bytes left), its code point in *code; 0 when
 * s[0] starts no valid sequence (the byte is then skipped alone, as surrogateescape does). */
static int decode(const unsigned char *s, int n, unsigned int *code) {
    unsigned char b = s[0];
    if (b < 0x80) {
        *code = b;
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF) {
        if (n < 2 || !continuation(s[1])) return 0;
        *code = ((b & 0x1Fu) << 6) | (s[1] & 0x3Fu);
        return 2;
    }
    if (b >= 0xE0 && b <= 0xEF) {
        unsigned char lo = b == 0xE0 ? 0xA0 : 0x80, hi = b == 0xED ? 0x9F : 0xBF;
        if (n < 3 || s[1] < lo || s[1] > hi || !continuation(s[2])) return 0;
        *code = ((b & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
        return 3;
    }
    if (b >= 0xF0 && b <= 0xF4) {
        unsigned char lo = b == 0xF0 ? 0x90 : 0x80, hi = b == 0xF4 ? 0x8F : 0xBF;
        if (n < 4 || s[1] < lo || s[1] > hi || !continuation(s[2]) || !continuation(s[3]))
            return 0;
        *code = ((b & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) |
                (s[3] & 0x3Fu);
        return 4;
    }
    return 0;
}

/* The bytes of character c as indexed, into out (at most 4); their count. */
static int char_bytes(const State *st, const Char *c, char *out) {
    if (c->folded) {
        out[0] = c->folded;
        return 1;
    }
    memcpy(out, st->text + c->start, (size_t)(c->end - c->start));
    return c->end - c->start;
}

/* The next character: the previous one's bigram with it. Two characters as written and
 * side by side are their bytes in the text, handed to FTS5 as they stand (it copies the
 * token); others are put together here. */
static int push(State *st, const Char *c) {
    int rc = SQLITE_OK;
    if (st->count > 0) {
        const Char *p = &st->prev;
        if (!p->folded && !c->folded && p->end == c->start) {
            rc = st->emit(st->ctx, 0, st->text + p->start, c->end - p->start, p->start, c->end);
        } else {
            char pair[8];
            int len = char_bytes(st, p, pair);
            len += char_bytes(st, c, pair + len);
            rc = st->emit(st->ctx, 0, pair, len, p->start, c->end);
        }
    }
    st->prev = *c;
    st->count++;
    return rc;
}

static int push_space(State *st, int start, int end) {
    Char space = {start, end, ' '};
    return push(st, &space);
}

/* The last character pushed, alone. */
static int emit_last(State *st) {
    char bytes[4];
    int len = char_bytes(st, &st->prev, bytes);
    return st->emit(st->ctx, 0, bytes, len, st->prev.start, st->prev.end);
}

static int bigrams_tokenize(Fts5Tokenizer *unused, void *ctx, int flags, const char *text,
                            int n_text, TokenCallback emit) {
    (void)unused;
    if (n_text <= 0) return SQLITE_OK;
    if ((flags & FTS5_TOKENIZE_QUERY) && n_text > MAX_QUERY_BYTES) return SQLITE_TOOBIG;
    const char *nul = memchr(text, 0, (size_t)n_text);
    int n = nul ? (int)(nul - text) : n_text;
    const unsigned char *s = (const unsigned char *)text;
    State st = {ctx, emit, text, 0, {0, 0, 0}};
    int pos = 0, space_start = -1, rc = SQLITE_OK;
    while (pos < n && rc == SQLITE_OK) {
        unsigned int code = 0;
        int width = decode(s + pos, n - pos, &code);
        if (width == 0 || is_space(code)) {
            if (width == 0 && space_start >= 0) {
                rc = push_space(&st, space_start, pos);
                space_start = -1;
            } else if (width != 0 && space_start < 0) {
                space_start = pos;
            }
            pos += width ? width : 1;
            continue;
        }
        if (space_start >= 0) {
            rc = push_space(&st, space_start, pos);
            space_start = -1;
            if (rc != SQLITE_OK) break;
        }
        Char c = {pos, pos + width, (code >= 'A' && code <= 'Z') ? (char)(code + 32) : 0};
        rc = push(&st, &c);
        pos += width;
    }
    if (rc == SQLITE_OK && space_start >= 0) rc = push_space(&st, space_start, pos);
    if (rc != SQLITE_OK || st.count == 0) return rc;
    if (!(flags & FTS5_TOKENIZE_QUERY)) return emit_last(&st); /* a document's last character */
    if (st.count > 1) return SQLITE_OK;
    /* A one-character query: as a prefix it is every bigram starting with the character and
     * the character alone; as a term it would find only the texts that end in it. */
    if (!(flags & FTS5_TOKENIZE_PREFIX)) return SQLITE_ERROR;
    return emit_last(&st);
}

static int bigrams_create(void *unused, const char **argv, int argc, Fts5Tokenizer **out) {
    (void)unused;
    (void)argv;
    (void)argc;
    /* Stateless: any non-NULL handle will do. */
    *out = (Fts5Tokenizer *)&bigrams_create;
    return SQLITE_OK;
}

static void bigrams_delete(Fts5Tokenizer *unused) { (void)unused; }

static fts5_tokenizer BIGRAMS = {bigrams_create, bigrams_delete, bigrams_tokenize};

/*
 * govarchive_bm25(documents_fts, idf0, idf1, ...): FTS5's bm25 (fts5_aux.c: k1 1.2, b 0.75,
 * every column weighted 1, the negated score so ORDER BY ascending puts the best first),
 * with each phrase's IDF given by the caller instead of counted. FTS5's bm25 counts the
 * documents holding each phrase by reading the phrase's every match in the whole index
 * (xQueryPhrase), which for a phrase such as 法治政府 at a million documents cost ~450 ms
 * however few rows were ranked; archive.ranking gives the IDF (exact for a phrase with
 * fewer matches than it ranks, else estimated) and this ranks only the rows asked for.
 *
 * sqlite3_result_double and friends come from the SQLite library Python's sqlite3 module
 * uses (found by sqlitefts and handed over by rank_function_address), so this module
 * needs no SQLite header or link of its own.
 */
typedef struct sqlite3_context sqlite3_context;
typedef struct sqlite3_value sqlite3_value;
typedef long long sqlite3_int64;
typedef struct Fts5Context Fts5Context;
typedef struct Fts5PhraseIter {
    const unsigned char *a;
    const unsigned char *b;
} Fts5PhraseIter;

typedef struct Fts5ExtensionApi Fts5ExtensionApi;
struct Fts5ExtensionApi {
    int iVersion;
    void *(*xUserData)(Fts5Context *);
    int (*xColumnCount)(Fts5Context *);
    int (*xRowCount)(Fts5Context *, sqlite3_int64 *);
    int (*xColumnTotalSize)(Fts5Context *, int, sqlite3_int64 *);
    int (*xTokenize)(Fts5Context *, const char *, int, void *,
                     int (*)(void *, int, const char *, int, int, int));
    int (*xPhraseCount)(Fts5Context *);
    int (*xPhraseSize)(Fts5Context *, int);
    int (*xInstCount)(Fts5Context *, int *);
    int (*xInst)(Fts5Context *, int, int *, int *, int *);
    sqlite3_int64 (*xRowid)(Fts5Context *);
    int (*xColumnText)(Fts5Context *, int, const char **, int *);
    int (*xColumnSize)(Fts5Context *, int, int *);
    /* (further members unused here) */
};

#define RANK_K1 1.2
#define RANK_B 0.75
#define MAX_PHRASES 64

static void (*result_double)(sqlite3_context *, double);
static void (*result_error)(sqlite3_context *, const char *, int);
static void (*result_error_code)(sqlite3_context *, int);
static double (*value_double)(sqlite3_value *);

static void rank_bm25(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                      int n_value, sqlite3_value **values) {
    int n_phrase = api->xPhraseCount(fts);
    if (n_phrase > MAX_PHRASES || n_value != n_phrase) {
        result_error(ctx, "govarchive_bm25: give one IDF per phrase of the query", -1);
        return;
    }
    sqlite3_int64 rows = 0, tokens = 0;
    int rc = api->xRowCount(fts, &rows);
    if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &tokens);
    double frequency[MAX_PHRASES] = {0};
    int n_inst = 0;
    if (rc == SQLITE_OK) rc = api->xInstCount(fts, &n_inst);
    for (int i = 0; rc == SQLITE_OK && i < n_inst; i++) {
        int phrase, column, offset;
        rc = api->xInst(fts, i, &phrase, &column, &offset);
        if (rc == SQLITE_OK && phrase >= 0 && phrase < n_phrase) frequency[phrase] += 1.0;
    }
    int length = 0;
    if (rc == SQLITE_OK) rc = api->xColumnSize(fts, -1, &length);
    if (rc != SQLITE_OK) {
        result_error_code(ctx, rc);
        return;
    }
    double average = rows > 0 ? (double)tokens / (double)rows : 1.0;
    if (average <= 0.0) average = 1.0;
    double norm = RANK_K1 * (1.0 - RANK_B + RANK_B * (double)length / average);
    double score = 0.0;
    for (int i = 0; i < n_phrase; i++) {
        score += value_double(values[i]) * (frequency[i] * (RANK_K1 + 1.0)) / (frequency[i] + norm);
    }
    result_double(ctx, -score);
}

static PyObject *rank_function_address(PyObject *self, PyObject *args) {
    (void)self;
    unsigned long long r_double, r_error, r_error_code, v_double;
    if (!PyArg_ParseTuple(args, "KKKK", &r_double, &r_error, &r_error_code, &v_double))
        return NULL;
    result_double = (void (*)(sqlite3_context *, double))(uintptr_t)r_double;
    result_error = (void (*)(sqlite3_context *, const char *, int))(uintptr_t)r_error;
    result_error_code = (void (*)(sqlite3_context *, int))(uintptr_t)r_error_code;
    value_double = (double (*)(sqlite3_value *))(uintptr_t)v_double;
    return PyLong_FromVoidPtr((void *)&rank_bm25);
}

static PyObject *tokenizer_address(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    return PyLong_FromVoidPtr(&BIGRAMS);
}

static PyMethodDef METHODS[] = {
    {"tokenizer_address", tokenizer_address, METH_NOARGS,
     "Address of the govarchive_bigrams fts5_tokenizer struct, for xCreateTokenizer."},
    {"rank_function_address", rank_function_address, METH_VARARGS,
     "Address of the govarchive_bm25 FTS5 auxiliary function, given the addresses of "
     "sqlite3_result_double, sqlite3_result_error, sqlite3_result_error_code and "
     "sqlite3_value_double."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {
    PyModuleDef_HEAD_INIT, "_bigrams",
    "The govarchive_bigrams FTS5 tokenizer and govarchive_bm25 rank function (C); registered by archive.tokenizer.", -1, METHODS,
};

PyMODINIT_FUNC PyInit__bigrams(void) { return PyModule_Create(&MODULE); }
