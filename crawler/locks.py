"""File locks beside the archive: one crawl per site, one scheduler per archive, across
processes. Locks are advisory ``flock`` locks, released by the kernel when a process dies,
so a crashed crawl never leaves a site locked. A process forked while holding locks (the
crawl's writer process) closes its copies at once: the locks stay its parent's alone, and
a killed crawl's sites are free when it dies, not when its children end."""

from __future__ import annotations

import fcntl
import os
import re
import weakref
from pathlib import Path
from typing import IO


class Locked(Exception):
    """The lock is held by another process."""

    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(f"{path} is held by {holder or 'another process'}")
        self.path = path
        self.holder = holder


class FileLock:
    """An exclusive, non-blocking lock on a file; writes the holder's pid into it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    def acquire(self) -> FileLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            raise Locked(self.path, holder) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        self._handle = handle
        _held.add(self)
        return self

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None
        _held.discard(self)

    def __enter__(self) -> FileLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


_held: weakref.WeakSet[FileLock] = weakref.WeakSet()


def _close_inherited() -> None:
    """In a forked child: close the copies of the parent's lock files without unlocking
    (an flock belongs to the open file, which the parent still holds)."""
    for lock in list(_held):
        if lock._handle is not None:
            lock._handle.close()
            lock._handle = None
    _held.clear()


os.register_at_fork(after_in_child=_close_inherited)


def lock_dir(db_path: str | os.PathLike[str]) -> Path:
    return Path(f"{os.fspath(db_path)}.locks")


def site_lock(db_path: str | os.PathLike[str], site: str) -> FileLock:
    """The lock a crawl of ``site`` into this archive holds."""
    return FileLock(lock_dir(db_path) / f"site-{re.sub(r'[^a-z0-9_-]', '_', site)}.lock")


def scheduler_lock(db_path: str | os.PathLike[str]) -> FileLock:
    """The lock the (single) scheduler of this archive holds."""
    return FileLock(lock_dir(db_path) / "scheduler.lock")


def ingest_lock(db_path: str | os.PathLike[str]) -> FileLock:
    """The lock the (single) ``govarchive ingest`` of this archive holds: two would take
    each other's messages in flight."""
    return FileLock(lock_dir(db_path) / "ingest.lock")
