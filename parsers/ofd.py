"""OFD attachments (GB/T 33190-2016, the national format for electronic 公文) as text. An
OFD file is a ZIP of XML: ``OFD.xml`` names each document's ``Document.xml``, which lists
its pages in order; each page's ``Content.xml`` holds the text in ``ofd:TextCode``
elements. Read directly (no maintained Python package reads OFD text): each page's text
objects in order, a line per text object that starts a new line (its Y differs)."""

from __future__ import annotations

import io
import posixpath
import zipfile

from lxml import etree

NS = "{http://www.ofdspec.org/2016}"
MAX_PAGES = 5_000
MAX_XML_BYTES = 20 * 1024 * 1024
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def ofd_text(data: bytes) -> str:
    """The text of every page of every document in an OFD file; ValueError when it is
    not one or cannot be read."""
    return ofd_pages(data)[0]


def ofd_pages(data: bytes) -> tuple[str, int]:
    """The text of an OFD file (as ``ofd_text``) and its number of pages."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ValueError(f"unreadable OFD: {exc}") from exc
    with archive:
        root = _xml(archive, "OFD.xml")
        pages: list[str] = []
        for doc_root in root.iter(f"{NS}DocRoot"):
            doc_path = _member(doc_root.text)
            document = _xml(archive, doc_path)
            base = posixpath.dirname(doc_path)
            for page in document.iter(f"{NS}Page"):
                if len(pages) >= MAX_PAGES:
                    raise ValueError(f"OFD of more than {MAX_PAGES} pages")
                location = page.get("BaseLoc") or ""
                path = _member(posixpath.join(base, location))
                if not path.endswith(".xml"):
                    path = posixpath.join(path, "Content.xml")
                pages.append(_page_text(_xml(archive, path)))
    return "\n".join(p for p in pages if p), len(pages)


def _member(path: str | None) -> str:
    """A member name as written in the package (leading "/" dropped); "../" refused."""
    name = posixpath.normpath((path or "").strip().lstrip("/"))
    if not name or name.startswith(".."):
        raise ValueError(f"OFD names a file outside the package: {path!r}")
    return name


def _xml(archive: zipfile.ZipFile, name: str) -> etree._Element:
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ValueError(f"OFD without {name}") from None
    if info.file_size > MAX_XML_BYTES:
        raise ValueError(f"OFD member {name} larger than {MAX_XML_BYTES} bytes")
    try:
        return etree.fromstring(archive.read(info), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"OFD member {name} is not XML: {exc}") from exc


def _page_text(page: etree._Element) -> str:
    lines: list[str] = []
    last_y: str | None = None
    for obj in page.iter(f"{NS}TextObject"):
        text = "".join(code.text or "" for code in obj.iter(f"{NS}TextCode"))
        if not text:
            continue
        y = (obj.get("Boundary") or "").split(" ")[1:2]
        key = y[0] if y else None
        if lines and key is not None and key == last_y:
            lines[-1] += text
        else:
            lines.append(text)
        last_y = key
    return "\n".join(line.strip() for line in lines if line.strip())
