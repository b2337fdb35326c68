"""Scanned pages read by OCR: Tesseract 5 with its ``chi_sim`` model (Debian's
``tesseract-ocr-chi-sim``, installed by ``make ocr``, part of ``make test``).

Chosen by measurement on this project's 2-core machine (one 20-line page of a seed report
rendered with speckle noise and a 0.4° tilt, character error rate after NFKC): Tesseract
2.3% at 300 dpi and 3.0% at 150 dpi, about 5 s a page; RapidOCR (onnxruntime, models in
its wheel) 6.8% at 300 dpi and 1.8% at 150, about 5 s. Only Tesseract met the 3% target
at 300 dpi, and it comes as a Debian package like the project's other tools. A 3x3 median
filter first (speckle removed) and page segmentation mode 4 (one column of lines) took a
12-line page from 3.9% to 1.9% at 300 dpi and from 23% to 3.0% at 150 dpi.

PDF pages are rendered at ``DPI`` by PDFium (pypdfium2); images are read at their own size.
Limits: ``MAX_PAGES`` pages a file, ``MAX_PIXELS`` a page (a 1-pixel-tall, 100,000-pixel-wide
image is refused, not read), ``PAGE_SECONDS`` a page (Tesseract is stopped past it)."""

from __future__ import annotations

import functools
import io
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parsers.record import strip_controls

DPI = 300
MAX_PAGES = 50
MAX_PIXELS = 40_000_000
MAX_SIDE_RATIO = 50  # a page this many times wider than tall (or taller than wide) is no page
PAGE_SECONDS = float(os.environ.get("GOVARCHIVE_OCR_PAGE_SECONDS", "120"))
LANGUAGE = "chi_sim"
ENGINE = "tesseract"
MEMORY_BYTES = 2 * 1024**3


@dataclass(slots=True)
class OcrText:
    """What OCR read: the text, Tesseract's mean word confidence (0-100), pages read."""

    text: str
    confidence: float
    pages: int


@functools.cache
def engine_version() -> str | None:
    try:
        done = subprocess.run(
            ["tesseract", "--version"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    first = (done.stdout or done.stderr).splitlines()[:1]
    return first[0].strip() if first else None


def ocr_file(data: bytes, mime: str) -> OcrText:
    """OCR a scanned PDF or an image; ValueError when it cannot be read."""
    if engine_version() is None:
        raise ValueError(
            "Tesseract is not installed (`make ocr`, or apt install tesseract-ocr-chi-sim)"
        )
    images = _pdf_pages(data) if mime == "application/pdf" else [_image(data)]
    texts, confidences = [], []
    for image in images:
        text, confidence = _ocr_page(image)
        texts.append(text)
        if confidence is not None:
            confidences.append(confidence)
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    text = strip_controls("\n".join(t for t in texts if t))
    return OcrText(text, round(mean, 1), len(images))


def _checked(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise ValueError(f"a page of {width}x{height} pixels (at most {MAX_PIXELS})")
    if max(width, height) > MAX_SIDE_RATIO * max(1, min(width, height)):
        raise ValueError(f"a page of {width}x{height} pixels is no page")


def _pdf_pages(data: bytes) -> list[bytes]:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ValueError(f"unreadable PDF: {exc}") from exc
    if len(document) > MAX_PAGES:
        raise ValueError(f"a PDF of {len(document)} pages (OCR reads at most {MAX_PAGES})")
    pages = []
    for page in document:
        width, height = page.get_size()
        _checked(int(width * DPI / 72), int(height * DPI / 72))
        pages.append(_cleaned(page.render(scale=DPI / 72, grayscale=True).to_pil()))
    return pages


def _cleaned(image: Any) -> bytes:
    """A page as Tesseract reads it best: grey, speckle removed (3x3 median), as PNG."""
    from PIL import ImageFilter

    buffer = io.BytesIO()
    image.convert("L").filter(ImageFilter.MedianFilter(3)).save(buffer, format="PNG")
    return buffer.getvalue()


def _image(data: bytes) -> bytes:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            _checked(*image.size)
            return _cleaned(image)
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"unreadable image: {exc}") from exc
    except Image.DecompressionBombError as exc:
        raise ValueError(f"image too large: {exc}") from exc


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def _ocr_page(image: bytes) -> tuple[str, float | None]:
    """One page's text (lines as Tesseract found them) and mean word confidence."""
    with tempfile.TemporaryDirectory(prefix="govarchive-ocr-") as tmp:
        source = Path(tmp) / "page.png"
        source.write_bytes(image)
        try:
            done = subprocess.run(
                ["tesseract", str(source), "-", "-l", LANGUAGE, "--psm", "4", "tsv"],
                capture_output=True, timeout=PAGE_SECONDS, preexec_fn=_limit_memory,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise ValueError(f"OCR of a page took more than {PAGE_SECONDS:g} s") from None
    if done.returncode != 0:
        raise ValueError(f"Tesseract failed: {done.stderr.decode(errors='replace')[:200]}")
    return _from_tsv(done.stdout.decode("utf-8", errors="replace"))


def _from_tsv(tsv: str) -> tuple[str, float | None]:
    lines: dict[tuple[str, str, str], list[str]] = {}
    confidences = []
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5":  # level 5: a word
            continue
        word = cells[11].strip()
        if not word:
            continue
        lines.setdefault((cells[2], cells[3], cells[4]), []).append(word)
        if float(cells[10]) >= 0:
            confidences.append(float(cells[10]))
    text = "\n".join(_join(words) for words in lines.values())
    return text, (sum(confidences) / len(confidences) if confidences else None)


def _join(words: list[str]) -> str:
    """A line's words: Chinese run together, a space only between two Latin words."""
    out = words[0]
    for word in words[1:]:
        latin = out[-1].isascii() and out[-1].isalnum() and word[0].isascii() and word[0].isalnum()
        out += (" " if latin else "") + word
    return out
