"""Word 97-2003 (.doc), WPS (.wps), RTF and other office files no Python package reads
well, as text: converted by LibreOffice headless (``soffice --convert-to txt``), installed
by the project's own files (``make office``, part of ``make test``) as Chromium is.

Each conversion runs with a profile of its own in a temporary directory (two at once never
share one), in the calling process's group, so a reader killed at its time limit takes
LibreOffice with it (``crawler.parse_pool`` kills the reader's whole group); it is also
stopped after ``LIBREOFFICE_SECONDS`` by itself."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

LIBREOFFICE_SECONDS = 45.0
MISSING = (
    "LibreOffice is not installed (it reads .doc, .wps and .rtf files:"
    " `make office`, or apt install libreoffice-writer-nogui)"
)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def office_text(data: bytes, extension: str, seconds: float = LIBREOFFICE_SECONDS) -> str:
    """The file's text as LibreOffice reads it; ValueError when it cannot."""
    program = soffice()
    if program is None:
        raise ValueError(MISSING)
    with tempfile.TemporaryDirectory(prefix="govarchive-office-") as tmp:
        folder = Path(tmp)
        source = folder / f"attachment.{extension}"
        source.write_bytes(data)
        command = [
            program, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
            "--norestore", "--nolockcheck", "--convert-to", "txt:Text (encoded):UTF8",
            "--outdir", str(folder / "out"), str(source),
        ]  # fmt: skip
        env = {**os.environ, "HOME": tmp, "SAL_USE_VCLPLUGIN": "svp"}
        child = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
            start_new_session=False,
        )  # fmt: skip
        try:
            child.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            _stop(child)
            raise ValueError(f"LibreOffice took more than {seconds:g} s") from None
        result = folder / "out" / "attachment.txt"
        if not result.exists():
            raise ValueError(f"LibreOffice could not read it (exit {child.returncode})")
        return result.read_text(encoding="utf-8-sig", errors="replace").strip()


def _stop(child: subprocess.Popen[bytes]) -> None:
    """Stop LibreOffice's launcher and what it started (soffice.bin is its child)."""
    try:
        for pid in _descendants(child.pid):
            os.kill(pid, signal.SIGKILL)
        child.kill()
    except ProcessLookupError:
        pass
    child.wait()


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in children:
        found += [int(child), *_descendants(int(child))]
    return found
