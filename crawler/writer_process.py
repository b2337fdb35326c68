"""The crawl's writer process itself (started by ``crawler.writer.ArchiveWriter``): it reads
the crawl process's requests from a queue, feeds each site's ``SiteRecorder`` in order,
commits in batches, and answers on a pipe (what it wrote, what failed, the answers to
requests, progress outcomes). It ends on ``stop``, or when the crawl process is gone.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crawler.recorder import SiteRecorder

# The writer tells the crawl process what it has written after this many items, or sooner
# when it has nothing more to read.
ACK_EVERY = 64
# How often a writer checks that the crawl process that started it still runs.
PARENT_CHECK_SECONDS = 1.0
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WriterConfig:
    """What a writer process is started with: the archive, its lifecycle setting, the
    batch size (writes, seconds), the crawl's replayed time (``--now``) and whether every
    capture is kept (``GOVARCHIVE_KEEP_CAPTURES``)."""

    db_path: str
    gone_after_hours: float
    batch_writes: int
    batch_seconds: float
    now: str | None
    keep_captures: bool = True


def serve(requests: Any, replies: Any, config: WriterConfig, parent: int) -> None:
    """The writer process: read requests until ``stop`` (or until the crawl process is
    gone), write them in order, commit in batches.

    SIGTERM and SIGINT (sent to the crawl's whole process group when a crawl is stopped)
    are left to the crawl process, whose graceful stop ends the writer in order, after its
    last items; a SIGKILL of the group ends it with the rest."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_without, args=(parent,), daemon=True).start()
    writer = _Writer(replies, config)
    try:
        while True:
            try:
                request = requests.get(timeout=config.batch_seconds)
            except queue.Empty:
                writer.idle()
                if os.getppid() != parent:
                    break  # the crawl process is gone: keep what was written, and stop
                continue
            if not writer.handle(request):
                break
    finally:
        writer.close()


def _exit_without(parent: int) -> None:
    """Ends the writer once the crawl process is gone, even while it waits in the middle of
    a request the crawl process never finished sending: the open batch is rolled back."""
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        if os.getppid() != parent:
            os._exit(0)


class _Writer:
    """The state of a writer process: the archive, its batch and each site's recorder."""

    def __init__(self, replies: Any, config: WriterConfig) -> None:
        self.replies = replies
        self.config = config
        self.archive: Any = None
        self.batch: Any = None
        self.recorders: dict[str, SiteRecorder] = {}
        self.written = self.written_bytes = self.failed = 0

    def handle(self, request: tuple[Any, ...]) -> bool:
        """One request; False once the writer is to stop."""
        kind = request[0]
        if kind == "items":
            for site, item, size in request[1]:
                self._write(site, item)
                self.written += 1
                self.written_bytes += size
            if self.written >= ACK_EVERY:
                self._report()
            return True
        token, args = request[1], request[2:]
        self._report()
        try:
            answer = self._answer(kind, *args)
        except Exception as exc:  # noqa: BLE001 - the crawl process is told, and counts it
            logger.exception("archive writer: %s failed", kind)
            self.replies.send(("error", token, f"{type(exc).__name__}: {exc}"))
        else:
            self.replies.send(("answer", token, answer))
        return kind != "stop"

    def idle(self) -> None:
        """Nothing to read for a batch interval: commit what the batch holds."""
        self._report()
        if self.archive is not None:
            try:
                self.archive.commit_batch()
            except Exception:  # noqa: BLE001 - counted; the next write or commit retries
                logger.exception("committing a batch of archive writes failed")
                self.replies.send(("failed", 1))

    def close(self) -> None:
        self._report()
        archive, batch = self.archive, self.batch
        self.archive = self.batch = None
        if archive is None:
            return
        try:
            batch.__exit__(None, None, None)
        finally:
            archive.close()

    def _open_archive(self) -> Any:
        if self.archive is None:
            from archive import Archive
            from archive.clock import clock_at

            config = self.config
            self.archive = Archive(
                config.db_path,
                gone_after_hours=config.gone_after_hours,
                clock=clock_at(config.now),
                keep_captures=config.keep_captures,
            )
            self.batch = self.archive.batch(config.batch_writes, config.batch_seconds)
            self.batch.__enter__()
        return self.archive

    def _write(self, site: str, item: Any) -> None:
        try:
            recorder = self.recorders[site]
            recorder.process(self._open_archive(), item)
        except Exception:  # noqa: BLE001 - logged and counted; the crawl goes on
            logger.exception("an archive write failed")
            self.failed += 1

    def _answer(self, kind: str, *args: Any) -> Any:
        if kind == "open":
            site_row, command, run_id, now, progress = args
            site = str(site_row["name"])
            on_outcome = self._outcome_sender(site) if progress else None
            recorder = SiteRecorder(site_row, command, run_id, now, on_outcome=on_outcome)
            recorder.open(self._open_archive())
            self.recorders[site] = recorder
            return recorder.run_id
        if kind == "close":
            site, report = args
            recorder = self.recorders.pop(site)
            recorder.close(self._open_archive(), report)
            return None
        if kind in ("commit", "stop") and self.archive is not None:
            self.archive.commit_batch()
        return None  # "barrier": every earlier item is written

    def _outcome_sender(self, site: str) -> Callable[[str], None]:
        return lambda outcome: self.replies.send(("outcome", site, outcome))

    def _report(self) -> None:
        """Tell the crawl process what was written, and what failed, since the last time."""
        if self.written or self.written_bytes:
            self.replies.send(("written", self.written, self.written_bytes))
            self.written = self.written_bytes = 0
        if self.failed:
            self.replies.send(("failed", self.failed))
            self.failed = 0
