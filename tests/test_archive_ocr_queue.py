"""Scans read by OCR after the crawl (parsers.ocr, archive.ocr_queue, `govarchive ocr`),
with the real Tesseract (`make test` installs it): a page rendered from a seed report at
300 dpi with noise is read within 3% character error, its text is searchable with its
document and says it came from OCR, and a hostile image ends as a recorded error."""

from __future__ import annotations

import difflib
import io
import textwrap
import unicodedata

import pytest
from conftest import ROOT, run_cli

from archive import Archive
from archive.ocr_queue import drain, pending
from crawler.demo.attachments import make_scan
from parsers.attachments import read_attachment
from parsers.record import Record

SEED = (ROOT / "tests" / "fixtures" / "seed_excerpt.txt").read_text(encoding="utf-8")
LINES = textwrap.wrap("".join(SEED.split()), 30)[:12]
URL = "http://county.example/gk/scan.html"


def cer(expected: str, got: str) -> float:
    """Character error rate after NFKC (full- and half-width punctuation alike), spaces out."""
    want = unicodedata.normalize("NFKC", "".join(expected.split()))
    have = unicodedata.normalize("NFKC", "".join(got.split()))
    matcher = difflib.SequenceMatcher(None, want, have, autojunk=False)
    errors = sum(
        max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    )
    return errors / len(want)


@pytest.fixture(scope="module")
def scan() -> bytes:
    return make_scan("扫描件", LINES, dpi=300)


@pytest.fixture(scope="module")
def archive(tmp_path_factory, scan):
    """A document whose one attachment is a scan, OCR'd once."""
    path = tmp_path_factory.mktemp("ocr") / "a.db"
    with Archive(path) as store:
        store.record_document(
            Record(url=URL, title="扫描件通知", body_text="见附件。"), site="county", run_id=None
        )
        store.record_attachment(URL, "http://county.example/gk/scan.pdf", "扫描件.pdf", scan)
        waiting = len(pending(store))
        report = drain(store)
    with Archive(path) as store:
        yield store, waiting, report


def test_a_pdf_without_a_text_layer_is_marked_for_ocr(scan) -> None:
    assert read_attachment(scan, None, "扫描件.pdf").needs_ocr is True


def test_a_pdf_with_text_is_not_marked_for_ocr() -> None:
    from crawler.demo.attachments import make_pdf

    assert read_attachment(make_pdf("通知", LINES), None, "通知.pdf").needs_ocr is False


def test_the_scan_waited_in_the_queue(archive) -> None:
    assert archive[1] == 1


def test_the_queue_is_empty_after_it_is_drained(archive) -> None:
    assert pending(archive[0]) == []


def test_the_scan_is_read_within_three_percent(archive) -> None:
    (text,) = archive[0].conn.execute("SELECT text FROM attachment_ocr").fetchone()
    assert cer("扫描件" + "".join(LINES), text) <= 0.03


def test_the_ocr_records_its_engine_and_confidence(archive) -> None:
    engine, confidence = (
        archive[0].conn.execute("SELECT engine, confidence FROM attachment_ocr").fetchone()
    )
    assert ("chi_sim" in engine, 0 < confidence <= 100) == (True, True)


def test_the_ocr_text_is_searchable_with_its_document(archive) -> None:
    from archive.tokenizer import match_expression

    word = LINES[1][5:9]
    found = (
        archive[0]
        .conn.execute(
            "SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?", (match_expression(word),)
        )
        .fetchall()
    )
    assert [r[0] for r in found] == [1]


def test_a_file_read_once_is_not_read_again(archive) -> None:
    assert drain(archive[0]).read == 0


def test_a_hostile_image_is_recorded_not_read(tmp_path) -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (100_000, 1), 255).save(buffer, format="PNG")
    with Archive(tmp_path / "a.db") as store:
        store.record_document(
            Record(url=URL, title="图", body_text="图。"), site="county", run_id=None
        )
        store.record_attachment(
            URL, "http://county.example/wide.png", "wide.png", buffer.getvalue()
        )
        report = drain(store)
        (error,) = store.conn.execute("SELECT error FROM attachment_ocr").fetchone()
    assert (report.failed, "no page" in error) == (1, True)


def test_the_command_reads_the_queue(tmp_path) -> None:
    db = tmp_path / "a.db"
    short_scan = make_scan("扫描件", LINES[:1], dpi=150)  # what is read is tested above
    with Archive(db) as store:
        store.record_document(
            Record(url=URL, title="扫描件", body_text="见附件。"), site="county", run_id=None
        )
        store.record_attachment(URL, "http://county.example/gk/scan.pdf", "扫描件.pdf", short_scan)
    done = run_cli("ocr", "--db", str(db))
    assert done.stdout.strip() == "ocr: 1 read, 0 not readable, 1 were waiting"


def test_a_pdf_of_a_thousand_pages_is_refused_not_read(tmp_path) -> None:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for _ in range(1_000):  # read, it would keep Tesseract busy over an hour
        pdf.showPage()
    pdf.save()
    with Archive(tmp_path / "a.db") as store:
        store.record_document(
            Record(url=URL, title="长", body_text="长。"), site="county", run_id=None
        )
        store.record_attachment(
            URL, "http://county.example/long.pdf", "long.pdf", buffer.getvalue()
        )
        drain(store)
        (error,) = store.conn.execute("SELECT error FROM attachment_ocr").fetchone()
    assert error == "a PDF of 1000 pages (OCR reads at most 50)"


def test_the_document_page_says_the_text_came_from_ocr(archive) -> None:
    import asyncio

    from datasette.app import Datasette

    datasette = Datasette(files=[str(archive[0].path)])

    async def page() -> str:
        await datasette.invoke_startup()
        return (await datasette.client.get(f"/{archive[0].path.stem}/-/document/1")).text

    assert "read by OCR from 1 page(s) (tesseract" in asyncio.run(page())
