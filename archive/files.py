"""Attachment files: stored once by their SHA-256, text extracted from PDF and DOCX.

Files live under ``<archive>.files/ab/abcdef…`` (content-addressed): the path is built
from the hash alone, never from the remote name, so a hostile name (``../../etc/passwd``,
NUL bytes, 500 characters) cannot place a file anywhere.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import zipfile
from pathlib import Path

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
_SAFE_NAME = re.compile(r"[\x00-\x1f/\\]+")
MAX_NAME_CHARS = 200


def storage_dir(db_path: str | os.PathLike[str]) -> Path:
    return Path(f"{os.fspath(db_path)}.files")


def store_bytes(root: Path, data: bytes) -> tuple[str, str]:
    """Write ``data`` under ``root`` by hash (once); return (sha256, relative path)."""
    sha = hashlib.sha256(data).hexdigest()
    relative = f"{sha[:2]}/{sha}"
    target = root / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    return sha, relative


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


def safe_name(name: str) -> str:
    """A display name with control characters and path separators replaced, format
    characters (bidi overrides such as U+202E, which make 报告\u202efdp.exe read as
    报告exe.pdf) removed, length-capped."""
    visible = "".join(c for c in name if unicodedata.category(c) != "Cf")
    cleaned = _SAFE_NAME.sub("_", visible).strip(" .")
    return cleaned[:MAX_NAME_CHARS] or "attachment"


def extract_text(data: bytes, mime: str) -> str | None:
    """Text of a PDF or DOCX (None for other types); raises ValueError when unreadable."""
    if mime == "application/pdf":
        return _pdf_text(data)[:MAX_TEXT_CHARS]
    if mime.endswith("wordprocessingml.document"):
        return _docx_text(data)[:MAX_TEXT_CHARS]
    return None


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        return "\n".join((page.extract_text() or "").strip() for page in reader.pages).strip()
    except (PdfReadError, KeyError, ValueError, TypeError) as exc:
        raise ValueError(f"unreadable PDF: {exc}") from exc


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
