"""Real, small files for the demo site, generated at build time.

A PDF (reportlab, with the standard STSong-Light CID font, nothing embedded), a DOCX
(written as its OOXML parts with zipfile) and an OFD (GB/T 33190: its XML parts, one text
object a line), each holding the text they are given, and a PNG bar chart (written with
zlib), the kind of figure a 通报 shows in its text.
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


_OFD_NS = "http://www.ofdspec.org/2016"


def make_ofd(pages: list[list[str]]) -> bytes:
    """An OFD of one document whose pages hold these lines (GB/T 33190-2016's layout:
    OFD.xml, Doc_0/Document.xml, Doc_0/Pages/Page_N/Content.xml)."""
    ns = f'xmlns:ofd="{_OFD_NS}"'
    parts = {
        "OFD.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {ns} Version="1.0"'
        ' DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>1</ofd:DocID></ofd:DocInfo>'
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        "Doc_0/Document.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {ns}>'
        "<ofd:CommonData><ofd:MaxUnitID>1000</ofd:MaxUnitID><ofd:PageArea>"
        "<ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea></ofd:CommonData>"
        "<ofd:Pages>"
        + "".join(
            f'<ofd:Page ID="{n + 1}" BaseLoc="Pages/Page_{n}/Content.xml"/>'
            for n in range(len(pages))
        )
        + "</ofd:Pages></ofd:Document>",
    }
    for n, lines in enumerate(pages):
        objects = "".join(
            f'<ofd:TextObject ID="{100 * n + i + 2}" Boundary="20 {20 + 10 * i} 170 8"'
            f' Font="1" Size="5"><ofd:TextCode X="0" Y="5">{escape(line)}</ofd:TextCode>'
            "</ofd:TextObject>"
            for i, line in enumerate(lines)
        )
        parts[f"Doc_0/Pages/Page_{n}/Content.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {ns}><ofd:Content>'
            f'<ofd:Layer ID="{100 * n + 1}">{objects}</ofd:Layer></ofd:Content></ofd:Page>'
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(zipfile.ZipInfo(name, _ZIP_TIME), data)
    return buffer.getvalue()


def make_scan(title: str, lines: list[str], dpi: int = 300, seed: int = 1) -> bytes:
    """A scanned page as offices make them: ``make_pdf``'s page rendered at ``dpi`` (PDFium),
    speckled and tilted 0.4°, saved as an image-only PDF (no text layer)."""
    import random

    import pypdfium2 as pdfium

    page = pdfium.PdfDocument(make_pdf(title, lines))[0]
    image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    pixels, chance = image.load(), random.Random(seed)
    width, height = image.size
    for _ in range(width * height // 400):
        pixels[chance.randrange(width), chance.randrange(height)] = 0
    image = image.rotate(0.4, fillcolor=255)
    buffer = io.BytesIO()
    image.save(buffer, format="PDF", resolution=dpi)
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
