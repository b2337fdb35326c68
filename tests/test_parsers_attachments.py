"""parsers.attachments: hostile PDF and DOCX files end as an error string, never an exception.

The files are made here: a PDF whose one content stream inflates to 111 MB (a flate bomb of
about 320 KB), and DOCX archives that are broken or declare a huge document.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from parsers.attachments import read_attachment

FONT = b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"


def pdf_with_content(content: bytes) -> bytes:
    """A one-page PDF whose page content is ``content`` (deflated), with a valid xref."""
    stream = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R " + FONT + b" >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


LINE = b"BT /F1 12 Tf 72 712 Td (hello) Tj ET\n"


def test_a_pdf_has_its_text() -> None:
    assert read_attachment(pdf_with_content(LINE), "application/pdf", "a.pdf").text == "hello"


def test_a_flate_bomb_pdf_is_an_error() -> None:
    read = read_attachment(pdf_with_content(LINE * 3_000_000), "application/pdf", "a.pdf")
    assert (read.text, (read.error or "").startswith("text-extraction: unreadable PDF")) == (
        None,
        True,
    )


def test_an_error_never_carries_the_files_bytes() -> None:
    hostile = b"%PDF-1.4\n" + b"\x89" * 1_000_000
    read = read_attachment(hostile, "application/pdf", "a.pdf")
    assert len(read.error or "") <= 500


def _docx(document: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


def test_a_docx_has_its_text() -> None:
    xml = (
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>\xe6\x89\xa7\xe6\xb3\x95</w:t></w:r></w:p></w:body></w:document>"
    )
    mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert read_attachment(_docx(xml), mime, "a.docx").text == "执法"


def test_a_docx_declaring_a_huge_document_is_an_error() -> None:
    mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    read = read_attachment(_docx(b" " * (51 * 1024 * 1024)), mime, "a.docx")
    assert (read.error or "").startswith("text-extraction:")


def test_a_broken_docx_is_an_error() -> None:
    mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    read = read_attachment(b"PK\x03\x04" + b"\0" * 100, mime, "a.docx")
    assert (read.error or "").startswith("text-extraction:")


def test_a_pdf_says_how_many_pages_it_has() -> None:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for _ in range(3):
        pdf.drawString(72, 712, "page")
        pdf.showPage()
    pdf.save()
    assert read_attachment(buffer.getvalue(), None, "a.pdf").pages == 3


def test_an_ofd_says_how_many_pages_it_has() -> None:
    from crawler.demo.attachments import make_ofd

    assert read_attachment(make_ofd([["第一页"], ["第二页"]]), None, "a.ofd").pages == 2


def test_a_docx_gives_no_page_count() -> None:
    from crawler.demo.attachments import make_docx

    assert read_attachment(make_docx(["正文。"]), None, "a.docx").pages is None


def test_an_unreadable_pdf_gives_no_page_count() -> None:
    hostile = b"%PDF-1.4\n" + b"\x89" * 1_000
    assert read_attachment(hostile, "application/pdf", "a.pdf").pages is None
