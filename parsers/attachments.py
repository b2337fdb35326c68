"""Attachment files read: their type sniffed from the bytes, their text extracted (PDF and
DOCX), for search. Pure functions of the bytes, run in the crawl's parse workers so a slow
or huge file never holds up the crawl's event loop."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from lxml import etree

# Extracted text is cut at this many characters (a search index, not a copy).
MAX_TEXT_CHARS = 2_000_000
_W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0", "application/msword"),
    (b"Rar!", "application/vnd.rar"),
    (b"\x1f\x8b", "application/gzip"),
)


def sniff_mime(data: bytes, declared: str | None, name: str) -> str:
    """The MIME type from the bytes' magic, refined by the name for ZIP-based Office files."""
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            if mime == "application/zip":
                lower = name.lower()
                if lower.endswith(".docx") or _zip_has(data, "word/document.xml"):
                    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                if lower.endswith(".xlsx"):
                    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            return mime
    if declared:
        return declared.split(";")[0].strip().lower()
    return "application/octet-stream"


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


def read_attachment(data: bytes, declared: str | None, name: str) -> AttachmentText:
    """Sniff and extract; an unreadable file is an error string, never an exception."""
    mime = sniff_mime(data, declared, name)
    try:
        return AttachmentText(mime, extract_text(data, mime))
    except ValueError as exc:
        return AttachmentText(mime, None, f"text-extraction: {exc}"[:500])


def extract_text(data: bytes, mime: str) -> str | None:
    """Text of a PDF or DOCX (None for other types); raises ValueError when unreadable."""
    if mime == "application/pdf":
        return _pdf_text(data)[:MAX_TEXT_CHARS]
    if mime.endswith("wordprocessingml.document"):
        return _docx_text(data)[:MAX_TEXT_CHARS]
    return None


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n".join((page.extract_text() or "").strip() for page in reader.pages).strip()
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
