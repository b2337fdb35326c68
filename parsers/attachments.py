"""Attachment files read: their type sniffed from the bytes, their text extracted, for
search: PDF and DOCX here; spreadsheets (.xlsx, .xls, .et, .ods: ``parsers.spreadsheets``),
OFD (``parsers.ofd``), ZIP, RAR and 7z bundles member by member (``parsers.bundles``), plain text in
any Chinese encoding, and .doc, .wps, .rtf and .odt through LibreOffice
(``parsers.legacy_office``). Run in a reader process of its own per file
(``crawler.parse_pool``), so a slow or huge file never holds up the crawl."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from lxml import etree

from parsers.record import strip_controls

# Extracted text is cut at this many characters (a search index, not a copy).
MAX_TEXT_CHARS = 2_000_000
_W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0", "application/msword"),
    (b"{\\rtf", "application/rtf"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"\x1f\x8b", "application/gzip"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"BM", "image/bmp"),
)
# Files with no text of their own: read by OCR after the crawl (``archive.ocr_queue``).
SCANNABLE = frozenset({"image/png", "image/jpeg", "image/tiff", "image/bmp"})
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLS = "application/vnd.ms-excel"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODT = "application/vnd.oasis.opendocument.text"
OFD = "application/ofd"
WPS = "application/vnd.ms-works"
SPREADSHEETS = frozenset({XLSX, XLS, ODS})
BUNDLES = frozenset({"application/zip", "application/vnd.rar", "application/x-7z-compressed"})
# Read by LibreOffice, with the file extension it needs to choose its filter (Kingsoft's
# .wps is Word 97's format under another name).
OFFICE = {"application/msword": "doc", WPS: "doc", "application/rtf": "rtf", ODT: "odt"}
# An OLE2 (Office 97-2003) file holding a workbook names this stream (UTF-16).
_WORKBOOK = "Workbook".encode("utf-16-le")
_BOOK = "Book\x00".encode("utf-16-le")
_ZIPPED_BY_MEMBER = (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX), ("OFD.xml", OFD))
_ZIPPED_BY_EXTENSION = {".docx": DOCX, ".xlsx": XLSX, ".ofd": OFD, ".ods": ODS, ".odt": ODT}


def sniff_mime(data: bytes, declared: str | None, name: str) -> str:
    """The MIME type from the bytes' magic, refined by the name and the contents for
    ZIP-based (DOCX, XLSX, OFD, OpenDocument) and OLE2-based (.doc, .xls, .et, .wps)
    files; plain text by its name or declared type."""
    lower = name.lower()
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            if mime == "application/zip":
                return _zipped_type(data, lower)
            if mime == "application/msword":
                return _ole_type(data, lower)
            return mime
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "text/html"  # whatever it was declared or named: a page, not a file
    declared_type = (declared or "").split(";")[0].strip().lower()
    if lower.endswith(".txt") or declared_type == "text/plain":
        return "text/plain"
    return declared_type or "application/octet-stream"


def _zipped_type(data: bytes, lower: str) -> str:
    for extension, mime in _ZIPPED_BY_EXTENSION.items():
        if lower.endswith(extension):
            return mime
    for member, mime in _ZIPPED_BY_MEMBER:
        if _zip_has(data, member):
            return mime
    return "application/zip"


def _ole_type(data: bytes, lower: str) -> str:
    if lower.endswith((".xls", ".et")) or _WORKBOOK in data or _BOOK in data:
        return XLS
    if lower.endswith(".wps"):
        return WPS
    return "application/msword"


def _zip_has(data: bytes, member: str) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return member in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


@dataclass(slots=True)
class AttachmentText:
    """What an attachment's bytes say: its type, its text, or why it could not be read."""

    mime_type: str
    text: str | None = None
    error: str | None = None
    needs_ocr: bool = False  # a scan (a PDF without a text layer, an image): OCR reads it
    pages: int | None = None  # a PDF's or OFD's page count (None for other formats)


def read_attachment(data: bytes, declared: str | None, name: str) -> AttachmentText:
    """Sniff and extract; an unreadable file is an error string, never an exception."""
    mime = sniff_mime(data, declared, name)
    pages = None
    try:
        if mime == "application/pdf":
            text, pages = _pdf_pages(data)
        elif mime == OFD:
            from parsers.ofd import ofd_pages

            text, pages = ofd_pages(data)
        else:
            text = extract_text(data, mime)
    except ValueError as exc:
        return AttachmentText(mime, None, f"text-extraction: {exc}"[:500])
    # A hostile file's control characters (ESC, U+0001) never reach a terminal, feed or page.
    text = strip_controls(text[:MAX_TEXT_CHARS]) if text else text
    scanned = mime in SCANNABLE or (mime == "application/pdf" and not (text or "").strip())
    return AttachmentText(mime, text or None, needs_ocr=scanned, pages=pages)


def extract_text(data: bytes, mime: str, depth: int = 0) -> str | None:
    """Text of a file of a type read here (None for other types: images, video); raises
    ValueError when unreadable. ``depth``: how deep in bundles the file is."""
    text = _text(data, mime, depth)
    return None if text is None else text[:MAX_TEXT_CHARS]


def _text(data: bytes, mime: str, depth: int) -> str | None:
    if mime == "application/pdf":
        return _pdf_pages(data)[0]
    if mime == DOCX:
        return _docx_text(data)
    if mime in SPREADSHEETS:
        from parsers.spreadsheets import spreadsheet_text

        return spreadsheet_text(data)
    if mime == OFD:
        from parsers.ofd import ofd_text

        return ofd_text(data)
    if mime in BUNDLES:
        from parsers.bundles import bundle_text

        def member(content: bytes, name: str, level: int) -> str | None:
            return extract_text(content, sniff_mime(content, None, name), level)

        return bundle_text(data, member, depth)
    if mime in OFFICE:
        from parsers.legacy_office import office_text

        return office_text(data, OFFICE[mime])
    if mime == "text/plain":
        return _plain_text(data)
    return None


def _plain_text(data: bytes) -> str:
    """Text in whatever encoding it came in (GBK, GB18030, Big5, UTF-8, UTF-16…)."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 4 * MAX_TEXT_CHARS]).best()
    if best is None:
        raise ValueError("text in no encoding found")
    return str(best).strip()


def _pdf_pages(data: bytes) -> tuple[str, int]:
    """A PDF's text and its number of pages."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        texts = [(page.extract_text() or "").strip() for page in reader.pages]
        return "\n".join(texts).strip(), len(texts)
    except (PyPdfError, KeyError, ValueError, TypeError, RecursionError, MemoryError) as exc:
        # PyPdfError includes LimitReachedError (a decompression bomb); the message is
        # cut so a hostile file's bytes never fill a log line.
        raise ValueError(f"unreadable PDF: {type(exc).__name__}: {str(exc)[:200]}") from exc


def _docx_text(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > 50 * 1024 * 1024:
                raise ValueError("DOCX document.xml too large")
            xml = archive.read(info)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ValueError(f"unreadable DOCX: {exc}") from exc
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"unreadable DOCX XML: {exc}") from exc
    paragraphs = []
    for para in root.iter(f"{_W_NS}p"):
        text = "".join(node.text or "" for node in para.iter(f"{_W_NS}t"))
        if text.strip():
            paragraphs.append(text.strip())
    return "\n".join(paragraphs)
