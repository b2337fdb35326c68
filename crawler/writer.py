"""``ArchiveWriter``: the one thread of a crawl process that writes its archive.

Every pipeline of the process (one per site crawled) hands its writes here: they run one
at a time, in the order they were handed in, on a thread that owns the archive's only
write connection, so the reactor thread goes on downloading and parsing while SQLite
writes. Writes commit in batches (``Archive.batch``): every ``GOVARCHIVE_BATCH_WRITES``
writes, and at least every ``GOVARCHIVE_BATCH_SECONDS`` (a timer on the reactor commits
a batch the crawl stopped feeding). A process killed mid-batch loses at most that batch
and the writes handed in but not yet run (``submit``: the pipeline bounds them), which the
next crawl fetches again; a lost write only loses evidence, it never makes any.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from twisted.internet import reactor, task, threads
from twisted.internet.defer import Deferred
from twisted.python.threadpool import ThreadPool

from archive import Archive
from archive.clock import Clock, now_iso

T = TypeVar("T")

DEFAULT_BATCH_WRITES = 500
DEFAULT_BATCH_SECONDS = 2.0
# Writes to the archive that failed in this process (a full disk, a damaged file): the
# crawl then ends with a non-zero exit and says so, never as an ordinary "finished".
archive_errors = 0
logger = logging.getLogger(__name__)


def count_archive_error() -> None:
    global archive_errors
    archive_errors += 1


def _commit_failed(failure: Any) -> None:
    count_archive_error()
    logger.error("committing a batch of archive writes failed: %s", failure.getErrorMessage())


class ArchiveWriter:
    """A single writer thread over one archive file, shared by the pipelines that use it."""

    _open: dict[str, ArchiveWriter] = {}
    _lock = threading.Lock()

    def __init__(
        self,
        db_path: str,
        gone_after_hours: float,
        batch_writes: int,
        batch_seconds: float,
        clock: Clock = now_iso,
    ) -> None:
        self.db_path = db_path
        self.clock = clock
        self.gone_after_hours = gone_after_hours
        self.batch_writes = batch_writes
        self.batch_seconds = batch_seconds
        self.users = 0
        self.archive: Archive | None = None
        self._batch: Any = None
        self.pool = ThreadPool(minthreads=1, maxthreads=1, name="govarchive-writer")
        self.timer = task.LoopingCall(self._commit_now)
        # Writes handed in with ``submit`` and not yet run, and the bytes they hold.
        self.backlog = 0
        self.backlog_bytes = 0
        self._backlog_lock = threading.Lock()

    @classmethod
    def acquire(
        cls,
        db_path: str,
        gone_after_hours: float,
        batch_writes: int = DEFAULT_BATCH_WRITES,
        batch_seconds: float = DEFAULT_BATCH_SECONDS,
        clock: Clock = now_iso,
    ) -> ArchiveWriter:
        """The process's writer for ``db_path`` (started on first use; ``clock`` is the
        archive's, see ``archive.clock.clock_at``)."""
        with cls._lock:
            writer = cls._open.get(db_path)
            if writer is None:
                writer = cls(db_path, gone_after_hours, batch_writes, batch_seconds, clock)
                cls._open[db_path] = writer
                writer.pool.start()
                writer.timer.start(batch_seconds, now=False)
            writer.users += 1
            return writer

    def call(self, write: Callable[..., T], *args: Any) -> Deferred[T]:
        """Run ``write(archive, *args)`` on the writer thread, after every earlier call."""
        return threads.deferToThreadPool(reactor, self.pool, self._run, write, *args)

    def submit(self, write: Callable[..., Any], *args: Any, size: int = 0) -> None:
        """Run ``write(archive, *args)`` on the writer thread, after every earlier call,
        with no answer to the reactor thread (no wake-up per item): a failure is logged
        where it happens (and counted by the caller's ``write``). ``size``: the bytes the
        write holds until it runs (``backlog_bytes``), so callers can bound the backlog."""
        with self._backlog_lock:
            self.backlog += 1
            self.backlog_bytes += size
        self.pool.callInThread(self._run_submitted, size, write, *args)

    def barrier(self) -> Deferred[None]:
        """Fires once every write handed in before it has run."""
        return self.call(lambda archive: None)

    def release(self) -> Deferred[None]:
        """One user done; the last one commits, closes the archive and stops the thread."""
        with self._lock:
            self.users -= 1
            last = self.users == 0
            if last:
                self._open.pop(self.db_path, None)
        if not last:
            return self.call(lambda archive: archive.commit_batch())
        if self.timer.running:
            self.timer.stop()
        done = self.call(lambda archive: self._close())
        done.addBoth(self._stop_pool)
        return done

    # --- on the writer thread -----------------------------------------------------------
    def _run(self, write: Callable[..., T], *args: Any) -> T:
        if self.archive is None:
            self.archive = Archive(
                self.db_path, gone_after_hours=self.gone_after_hours, clock=self.clock
            )
            self._batch = self.archive.batch(self.batch_writes, self.batch_seconds)
            self._batch.__enter__()
        return write(self.archive, *args)

    def _run_submitted(self, size: int, write: Callable[..., Any], *args: Any) -> None:
        try:
            self._run(write, *args)
        except Exception:  # noqa: BLE001 - a failed write is logged; the crawl goes on
            logger.exception("an archive write failed")
        finally:
            with self._backlog_lock:
                self.backlog -= 1
                self.backlog_bytes -= size

    def _close(self) -> None:
        archive, batch = self.archive, self._batch
        self.archive = self._batch = None
        if archive is None:
            return
        try:
            batch.__exit__(None, None, None)
        finally:
            archive.close()

    def _stop_pool(self, result: Any) -> Any:
        # On the reactor thread, once the writer thread is idle: stop() joins it.
        self.pool.stop()
        return result

    def _commit_now(self) -> None:
        """Timer: commit the open batch (on the writer thread, after queued writes)."""
        if self.archive is not None:
            self.call(lambda archive: archive.commit_batch()).addErrback(_commit_failed)
