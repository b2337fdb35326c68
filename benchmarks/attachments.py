"""Attachment benchmark: text read back from every format, and scans read by OCR.

Makes one corpus from the demo's documents (the seed reports' text): each one's first
lines written as DOCX and PDF (the project's own writers), converted by LibreOffice to
.doc, .rtf and .odt, as a table (three lines a row) to .xlsx, .xls and .ods, an OFD, GBK
text, bundles (the DOCX in a RAR 4 and a RAR 5 the project writes, the GBK text in a 7z
libarchive compresses), and a page scanned at 150 and 300 dpi with speckle noise and a tilt. Prints, per
format, the character error rate (NFKC, spaces out) against the text it was made from and
files (for scans: pages) per second, beside pypdf reading the born-digital PDFs in the
same run (the baseline). Targets: born-digital CER <= 1%, 300 dpi scans <= 3%.

    python benchmarks/attachments.py [--seeds N]
"""

from __future__ import annotations

import argparse
import difflib
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import unicodedata
from csv import writer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.demo.attachments import make_docx, make_ofd, make_pdf, make_scan  # noqa: E402
from crawler.demo.bundles import make_7z, make_rar4, make_rar5  # noqa: E402
from crawler.demo.documents import day_one  # noqa: E402
from parsers.attachments import read_attachment  # noqa: E402
from parsers.legacy_office import soffice  # noqa: E402
from parsers.ocr import ocr_file  # noqa: E402

BORN_DIGITAL_TARGET = 0.01
SCAN_300_TARGET = 0.03


def cer(expected: str, got: str | None) -> float:
    want = unicodedata.normalize("NFKC", "".join(expected.split()))
    have = unicodedata.normalize("NFKC", "".join((got or "").split()))
    matcher = difflib.SequenceMatcher(None, want, have, autojunk=False)
    errors = sum(
        max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    )
    return errors / max(1, len(want))


def texts(count: int) -> list[list[str]]:
    """Lines of ``count`` different demo documents (made from the seed reports)."""
    out = []
    for doc in day_one()[:count]:
        body = "".join("".join(p.split()) for p in doc.body)
        out.append(textwrap.wrap(body, 30)[:14])
    return out


def convert(folder: Path, source: Path, target: str, *extra: str) -> bytes:
    program = soffice()
    assert program, "LibreOffice is missing: make office"
    out = folder / target
    out.mkdir(exist_ok=True)
    subprocess.run(
        [program, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
         *extra, "--convert-to", target, "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return (out / (source.stem + "." + target)).read_bytes()


def corpus(folder: Path, count: int) -> dict[str, list[tuple[str, bytes]]]:
    """Format -> [(expected text, file bytes)]."""
    made: dict[str, list[tuple[str, bytes]]] = {}
    for n, lines in enumerate(texts(count)):
        expected = "".join(lines)
        docx = folder / f"doc{n}.docx"
        docx.write_bytes(make_docx(lines))
        made.setdefault("pdf", []).append((expected, make_pdf("", lines)))
        made.setdefault("docx", []).append((expected, docx.read_bytes()))
        for kind in ("doc", "rtf", "odt"):
            made.setdefault(kind, []).append((expected, convert(folder, docx, kind)))
        made.setdefault("ofd", []).append((expected, make_ofd([lines])))
        gbk_text = "\n".join(lines).encode("gbk")
        made.setdefault("txt", []).append((expected, gbk_text))
        made.setdefault("rar4", []).append((expected, make_rar4({"附件.docx": docx.read_bytes()})))
        made.setdefault("rar5", []).append((expected, make_rar5({"附件.docx": docx.read_bytes()})))
        made.setdefault("7z", []).append((expected, make_7z({"说明.txt": gbk_text})))
        rows = [lines[i : i + 3] for i in range(0, len(lines), 3)]
        csv = folder / f"table{n}.csv"
        with csv.open("w", encoding="utf-8", newline="") as out:
            writer(out).writerows(rows)
        for kind in ("xlsx", "xls", "ods"):
            data = convert(folder, csv, kind, "--infilter=CSV:44,34,76")
            made.setdefault(kind, []).append((expected, data))
        for dpi in (150, 300):
            made.setdefault(f"scan {dpi} dpi", []).append((expected, make_scan("", lines, dpi=dpi)))
    return made


def strip_member_names(text: str | None) -> str:
    """A bundle's text without its "== member ==" lines."""
    return "\n".join(line for line in (text or "").splitlines() if not line.startswith("== "))


def strip_sheet_marks(text: str | None) -> str:
    """A spreadsheet's text without its sheet name line and cell separators."""
    lines = [line for line in (text or "").splitlines() if not line.startswith("[")]
    return "".join(line.replace(" | ", "") for line in lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        made = corpus(Path(tmp), args.seeds)
        print(f"attachments: {args.seeds} texts in {len(made)} formats, made in"
              f" {time.perf_counter() - started:.0f}s (LibreOffice, PDFium)")  # fmt: skip
    baseline = None
    met = True
    print(f"  {'format':<14} {'files':>5} {'CER mean':>9} {'CER max':>8} {'files/s':>8}  vs pypdf")  # fmt: skip
    rows = []
    for kind, files in made.items():
        errors, started = [], time.perf_counter()
        for expected, data in files:
            if kind.startswith("scan"):
                got = ocr_file(data, "application/pdf").text
            else:
                got = read_attachment(data, None, f"file.{kind}").text
                if kind in ("xlsx", "xls", "ods"):
                    got = strip_sheet_marks(got)
                if kind in ("rar4", "rar5", "7z"):
                    got = strip_member_names(got)
            errors.append(cer(expected, got))
        rate = len(files) / (time.perf_counter() - started)
        if kind == "pdf":
            baseline = rate
        rows.append((kind, len(files), statistics.mean(errors), max(errors), rate))
    for kind, count, mean, worst, rate in rows:
        target = (
            SCAN_300_TARGET
            if kind == "scan 300 dpi"
            else (None if kind.startswith("scan") else BORN_DIGITAL_TARGET)
        )
        ok = target is None or worst <= target
        met = met and ok
        print(f"  {kind:<14} {count:>5} {mean:>8.2%} {worst:>7.2%} {rate:>8.2f}  {rate / baseline:.2f}x"
              + ("" if target is None else f"  (target CER <= {target:.0%}: {'met' if ok else 'MISSED'})"))  # fmt: skip
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
