"""The command line's checks of what it is given, and the error it says in one line
(``UserError``): the archive's path and opening, ``--set NAME=VALUE`` and ``--now``. Shared
by the command modules (``crawler.cli``, ``crawler.cli.queue``), so none imports another's
internals back."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


class UserError(Exception):
    """A problem the user can fix; printed without a traceback."""


def check_db_dir(db: str) -> Path:
    """The archive's real path (a symlink resolved, so locks and the file store are the
    real file's), checked to be writable."""
    path = Path(db).resolve()
    parent = path.resolve().parent
    if not parent.is_dir():
        raise UserError(f"archive directory {parent} does not exist")
    if path.exists() and not os.access(path, os.W_OK) or not os.access(parent, os.W_OK):
        raise UserError(f"archive {path} is not writable")
    return path


def setting(item: str) -> tuple[str, object]:
    """``NAME=VALUE`` for a known setting, the value checked against the setting's type."""
    from crawler.runner import project_settings

    name, sep, value = item.partition("=")
    if not sep or not name.isupper():
        raise UserError(f"--set takes NAME=VALUE with an upper-case setting name, got {item!r}")
    defaults = project_settings()
    if name not in defaults:
        raise UserError(f"--set {name}: no such setting (see crawler/settings.py and Scrapy's)")
    current = defaults.get(name)
    try:
        if isinstance(current, bool):
            if value.lower() not in ("0", "1", "true", "false", "yes", "no"):
                raise ValueError(value)
            return name, value.lower() in ("1", "true", "yes")
        if isinstance(current, (int, float)):
            number = float(value)
            return name, int(number) if number.is_integer() else number
    except ValueError:
        kind = "true or false" if isinstance(current, bool) else "a number"
        raise UserError(f"--set {name}: expected {kind}, got {value!r}") from None
    return name, value


def check_now(value: str) -> None:
    """``--now`` is stored as the crawl's time: it must be an ISO date-time."""
    from archive.clock import parse_iso

    try:
        parse_iso(value)
    except ValueError:
        raise UserError(
            f"--now takes an ISO date-time such as 2025-04-01T02:00:00+08:00, got {value!r}"
        ) from None


def open_archive(db: Path, adopt: bool = False):  # noqa: ANN202 - Archive, imported lazily
    from archive import Archive

    try:
        return Archive(db, adopt=adopt)
    except sqlite3.DatabaseError as exc:
        raise UserError(f"cannot open archive {db}: {exc}") from exc
