"""Attachment files: stored once by their SHA-256 under the archive's file store.

Files live under ``<archive>.files/ab/abcdef…`` (content-addressed): the path is built
from the hash alone, never from the remote name, so a hostile name (``../../etc/passwd``,
NUL bytes, 500 characters) cannot place a file anywhere.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path

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


def safe_name(name: str) -> str:
    """A display name with control characters and path separators replaced, format
    characters (bidi overrides such as U+202E, which make 报告\u202efdp.exe read as
    报告exe.pdf) removed, length-capped."""
    visible = "".join(c for c in name if unicodedata.category(c) != "Cf")
    cleaned = _SAFE_NAME.sub("_", visible).strip(" .")
    return cleaned[:MAX_NAME_CHARS] or "attachment"
