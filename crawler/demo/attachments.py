"""Real, small files for the demo site, generated at build time.

A PDF (reportlab, with the standard STSong-Light CID font, nothing embedded) and a DOCX
(written as its OOXML parts with zipfile), each holding the text they are given, and a PNG
bar chart (written with zlib), the kind of figure a 通报 shows in its text.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from xml.sax.saxutils import escape

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"""
_DOCUMENT = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{paragraphs}<w:sectPr/></w:body></w:document>"""
# Fixed timestamp so the same text always makes the same bytes (and the same hash).
_ZIP_TIME = (2025, 1, 1, 0, 0, 0)


def make_docx(paragraphs: list[str]) -> bytes:
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>' for p in paragraphs
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _RELS),
            ("word/document.xml", _DOCUMENT.format(paragraphs=body)),
        ):
            archive.writestr(zipfile.ZipInfo(name, _ZIP_TIME), data)
    return buffer.getvalue()


def make_pdf(title: str, lines: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setTitle(title)
    y = 800
    pdf.setFont(font, 16)
    pdf.drawString(60, y, title)
    pdf.setFont(font, 11)
    for line in lines:
        for start in range(0, len(line), 40):
            y -= 20
            if y < 60:
                pdf.showPage()
                pdf.setFont(font, 11)
                y = 800
            pdf.drawString(60, y, line[start : start + 40])
    pdf.save()
    return buffer.getvalue()


def make_chart_png(values: list[int], width: int = 240, height: int = 120) -> bytes:
    """A bar chart of ``values`` (0-100) as an RGB PNG: one blue bar each on white."""
    bar = width // (2 * len(values) + 1)
    rows = []
    for y in range(height):
        row = bytearray(b"\xff\xff\xff" * width)
        for n, value in enumerate(values):
            if height - y <= value * height // 100:
                start = (2 * n + 1) * bar
                row[3 * start : 3 * (start + bar)] = b"\x23\x39\x5d" * bar
        rows.append(b"\x00" + bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )
