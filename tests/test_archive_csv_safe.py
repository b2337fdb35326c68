"""archive.csv_safe: CSV cells a spreadsheet would run as formulas are written as text, in
``govarchive export`` and in the CSV Datasette serves (through the plugin)."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest
from conftest import run_cli

from archive import Archive
from archive.csv_safe import CsvStreamNeutralizer, neutralize
from parsers.record import Record

HOSTILE_ISSUER = '=cmd|"/c calc"!A1'
HOSTILE_TITLE = '=HYPERLINK("http://evil.example/","点击")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"), ("-5", "-5"), ("+3.2", "+3.2"), ("关于通知", "关于通知"), (7, 7),
    ],
)  # fmt: skip
def test_neutralize(value, written) -> None:
    assert neutralize(value) == written


def test_a_stream_cut_inside_a_quoted_cell_and_a_character_is_rewritten_whole() -> None:
    source = 'id,title\r\n1,"=A1\r\n第二行"\r\n2,=B2\r\n'.encode()
    neutralizer = CsvStreamNeutralizer()
    out = b"".join(neutralizer.feed(source[n : n + 5]) for n in range(0, len(source), 5))
    out += neutralizer.feed(b"", final=True)
    assert list(csv.reader(io.StringIO(out.decode(), newline=""))) == [
        ["id", "title"], ["1", "'=A1\r\n第二行"], ["2", "'=B2"],
    ]  # fmt: skip


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    db = tmp_path_factory.mktemp("csv") / "hostile.db"
    with Archive(db) as archive:
        record = Record(url="http://www.example.gov.cn/1.html", title=HOSTILE_TITLE, issuer=HOSTILE_ISSUER,
                        body_text="正文。")  # fmt: skip
        archive.record_document(record, site="a", run_id=None, at="2026-12-01T02:00:00+08:00")
    return db


def test_export_writes_a_formula_issuer_as_text(hostile) -> None:
    out = run_cli("export", "--db", str(hostile), "--format", "csv").stdout
    row = next(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    assert (row["issuer"], row["title"]) == ("'" + HOSTILE_ISSUER, "'" + HOSTILE_TITLE)


def test_datasettes_csv_writes_a_formula_title_as_text(hostile) -> None:
    from datasette.app import Datasette

    from archive.datasette_meta import metadata

    datasette = Datasette(files=[str(hostile)], metadata=metadata("hostile"))
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(datasette.invoke_startup())
        answer = loop.run_until_complete(
            datasette.client.get("/hostile/documents.csv?_col=title&_col=issuer")
        )
    finally:
        loop.close()
    row = next(csv.DictReader(io.StringIO(answer.text)))
    assert (row["title"], row["issuer"]) == ("'" + HOSTILE_TITLE, "'" + HOSTILE_ISSUER)
