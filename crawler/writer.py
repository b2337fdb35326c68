"""``ArchiveWriter``: the crawl's archive writes, in a process of their own.

Every pipeline of a crawl process (one per site crawled) hands its site's items to one
writer process per archive file, which holds the archive's only write connection and each
site's ``SiteRecorder`` (``crawler.recorder``: what an item means for the archive). The
crawl process only pickles items onto a queue (a feeder thread writes them to the pipe), so
its reactor thread neither waits for SQLite nor shares the interpreter lock with the
writes: with the writes on a thread of the crawl process, the crawl fetched 0.50-0.60 of a
bare Scrapy fetch's pages/s; with no writes at all, 0.96. The items handed in during one
turn of the reactor travel as one message (one pickle, one wake-up of the feeder thread and
of the writer): one message per item cost the crawl 0.8 ms of CPU a page and 7% of its
speed.

The runner starts the writer before the crawl's reactor (``start_for_crawl``): with no
other thread running it is forked, so it neither starts an interpreter nor imports the
archive again. It stops after the reactor (``finish``). Pipelines used without the runner
start one themselves (spawned).

Items are written one at a time, in the order they were handed in, and committed in
batches (``Archive.batch``): every ``GOVARCHIVE_BATCH_WRITES`` writes, and at least every
``GOVARCHIVE_BATCH_SECONDS`` (an idle writer commits what it holds). The writer
(``crawler.writer_process``) answers on a pipe: which items it has written (``backlog``),
the answers to requests (open and close a site, barrier, stop), progress outcomes, failed
writes. It ignores SIGTERM, so a crawl stopped gracefully ends it in order; a crawl process
killed outright takes it along within a second (its open batch rolled back); a killed
writer loses at most its open batch, and the crawl counts what it had not written as
failed writes. What is lost is fetched again by the next crawl: a lost write only loses
evidence, it never makes any.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred

from crawler.forking import start_method
from crawler.recorder import SiteReport
from crawler.writer_process import WriterConfig, serve

DEFAULT_BATCH_WRITES = 500
DEFAULT_BATCH_SECONDS = 2.0
# Items held for one message at most (a turn of the reactor rarely hands in more).
HELD_ITEMS_MAX = 64
# The token of a request whose answer nobody awaits (``finish``'s stop).
NO_ANSWER = 0
# Writes to the archive that failed (a full disk, a damaged file, a writer that died): the
# crawl then ends with a non-zero exit and says so, never as an ordinary "finished".
archive_errors = 0
logger = logging.getLogger(__name__)


def count_archive_error(count: int = 1) -> None:
    global archive_errors
    archive_errors += count


def _in_reactor(function: Callable[..., Any], *args: Any) -> None:
    """Call ``function(*args)`` on the reactor thread. The reactor is imported here, when a
    reply arrives: a writer started before the crawl must not install Twisted's default
    reactor in place of the asyncio one Scrapy installs."""
    from twisted.internet import reactor

    reactor.callFromThread(function, *args)


def writer_config(settings: Any) -> WriterConfig:
    """The writer a crawl with these Scrapy settings needs (``GOVARCHIVE_*`` keys)."""
    return WriterConfig(
        db_path=str(settings.get("GOVARCHIVE_DB")),
        gone_after_hours=settings.getfloat("GOVARCHIVE_GONE_AFTER_HOURS", 24.0),
        batch_writes=settings.getint("GOVARCHIVE_BATCH_WRITES", DEFAULT_BATCH_WRITES),
        batch_seconds=settings.getfloat("GOVARCHIVE_BATCH_SECONDS", DEFAULT_BATCH_SECONDS),
        now=settings.get("GOVARCHIVE_NOW") or None,
        keep_captures=settings.getbool("GOVARCHIVE_KEEP_CAPTURES", True),
    )


class ArchiveWriteError(Exception):
    """A request to the writer process failed there (its message says how)."""


class ArchiveWriter:
    """The writer process of one archive file, shared by the pipelines of a crawl process."""

    _open: dict[str, ArchiveWriter] = {}
    _lock = threading.Lock()

    def __init__(self, config: WriterConfig, start_method: str = "spawn") -> None:
        self.db_path = config.db_path
        self.start_method = start_method
        self.users = 0
        # Items handed in and not yet written, and the bytes they hold.
        self.backlog = 0
        self.backlog_bytes = 0
        self._counts = threading.Lock()
        # Answers awaited, by token; with ``dead``, guarded by ``_answers_lock`` (the reactor
        # thread adds, the reader thread takes): none is added once the writer is gone.
        self._answers: dict[int, Deferred[Any]] = {}
        self._answers_lock = threading.Lock()
        self._outcomes: dict[str, Callable[[str], None]] = {}
        self._tokens = itertools.count(1)
        self.dead = False
        context = multiprocessing.get_context(start_method)
        self.requests = context.Queue()
        self._replies, child_end = context.Pipe(duplex=False)
        self.process = context.Process(
            target=serve,
            args=(self.requests, child_end, config, os.getpid()),
            name="govarchive-writer",
            daemon=True,
        )
        self.process.start()
        child_end.close()
        # The thread that reads the replies starts with the first request: a writer started
        # for a crawl leaves the process without a thread until the crawl's parse workers
        # are forked too (crawler.runner).
        self._reader: threading.Thread | None = None
        # Items handed in this turn of the reactor, sent together (``_send_held``).
        self._held: list[tuple[str, Any, int]] = []

    @classmethod
    def acquire(cls, config: WriterConfig) -> ArchiveWriter:
        """The process's writer for ``config.db_path`` (started, spawned, on first use, unless
        ``start_for_crawl`` started it already)."""
        with cls._lock:
            writer = cls._open.get(config.db_path)
            if writer is None:
                writer = cls(config)
                cls._open[config.db_path] = writer
            writer.users += 1
            return writer

    @classmethod
    def start_for_crawl(cls, config: WriterConfig) -> ArchiveWriter:
        """The crawl's writer, started before the crawl (``crawler.runner``) and held until
        ``finish``; the crawl's pipelines ``acquire`` this one. Started while the process
        has no other thread (before the reactor), it is forked (``crawler.forking``)."""
        method = start_method()
        with cls._lock:
            if config.db_path in cls._open:
                raise RuntimeError(f"a writer for {config.db_path} is already running")
            writer = cls(config, start_method=method)
            cls._open[config.db_path] = writer
            writer.users += 1
            return writer

    # --- requests (on the reactor thread) -------------------------------------------------
    def open_site(
        self,
        site_row: dict[str, Any],
        command: str,
        run_id: int | None,
        now: str | None,
        on_outcome: Callable[[str], None] | None = None,
    ) -> Deferred[Any]:
        """Start recording a site (``SiteRecorder.open`` in the writer); ``on_outcome`` is
        called on the reactor thread with each item's outcome."""
        site = str(site_row["name"])
        if on_outcome is not None:
            self._outcomes[site] = on_outcome
        return self._ask("open", site_row, command, run_id, now, on_outcome is not None)

    def submit(self, site: str, item: Any, size: int = 0) -> None:
        """Hand ``item`` to the site's recorder, with no answer (no wake-up per item). A
        failed write is logged by the writer and counted (``archive_errors``). ``size``: the
        bytes the item holds until it is written (``backlog_bytes``)."""
        if self.dead:
            count_archive_error()
            return
        if self._reader is None:
            self._listen()
        with self._counts:
            self.backlog += 1
            self.backlog_bytes += size
        self._held.append((site, item, size))
        if len(self._held) >= HELD_ITEMS_MAX:
            self._send_held()
        elif len(self._held) == 1:
            self._schedule_send()

    def _schedule_send(self) -> None:
        """Send the items held at the end of this turn of the reactor (now, without one).
        A reactor is only looked up, never installed: importing Twisted's default one here
        would take the place of the asyncio reactor Scrapy installs later."""
        reactor = sys.modules.get("twisted.internet.reactor")
        if reactor is not None and getattr(reactor, "running", False):
            reactor.callLater(0, self._send_held)
        else:
            self._send_held()

    def _send_held(self) -> None:
        """One message (one pickle, one wake-up of the feeder thread) for every item handed
        in this turn of the reactor, in the order they came."""
        if self._held:
            held, self._held = self._held, []
            self.requests.put(("items", held))

    def barrier(self) -> Deferred[Any]:
        """Fires once every item handed in before it is written."""
        return self._ask("barrier")

    def close_site(self, site: str, report: SiteReport) -> Deferred[Any]:
        """End a site's recording with what its crawl concluded (``SiteRecorder.close``)."""
        answer = self._ask("close", site, report)
        answer.addBoth(self._forget_outcomes, site)
        return answer

    def release(self) -> Deferred[Any]:
        """One user done; the last one commits, closes the archive and stops the process."""
        if not self._leave():
            return self._ask("commit")
        done = self._ask("stop")
        done.addBoth(self._join)
        return done

    def finish(self, timeout: float = 60) -> None:
        """``start_for_crawl``'s hold ends, after the crawl's reactor has stopped: the last
        user stops the writer (it commits and closes the archive) and waits for it."""
        if not self._leave():
            return
        if not self.dead:
            self._send_held()
            self.requests.put(("stop", NO_ANSWER))
        self._join(None, timeout)
        # The writer's last replies (failed writes among them) are counted before the run
        # is closed: nobody awaits this stop's answer, so wait for the reader to reach EOF.
        if self._reader is not None:
            self._reader.join(timeout=timeout)

    def _leave(self) -> bool:
        """One user fewer; True for the last (the writer is then no longer shared)."""
        with self._lock:
            self.users -= 1
            last = self.users == 0
            if last:
                self._open.pop(self.db_path, None)
        return last

    def _listen(self) -> None:
        self._reader = threading.Thread(
            target=self._read_replies, name="govarchive-writer-replies", daemon=True
        )
        self._reader.start()

    def _ask(self, kind: str, *args: Any) -> Deferred[Any]:
        if self._reader is None:
            self._listen()
        answer: Deferred[Any] = Deferred()
        with self._answers_lock:
            dead = self.dead
            if not dead:
                token = next(self._tokens)
                self._answers[token] = answer
        if dead:
            answer.errback(ArchiveWriteError("the archive writer process is gone"))
            return answer
        self._send_held()  # every item handed in before a request is written before it
        self.requests.put((kind, token, *args))
        return answer

    def _forget_outcomes(self, result: Any, site: str) -> Any:
        self._outcomes.pop(site, None)
        return result

    def _join(self, result: Any, timeout: float = 60) -> Any:
        self.process.join(timeout=timeout)
        self.requests.close()
        return result

    # --- replies (on the reader thread) ---------------------------------------------------
    def _read_replies(self) -> None:
        while True:
            try:
                reply = self._replies.recv()
            except (EOFError, OSError):
                break
            kind = reply[0]
            if kind == "written":
                with self._counts:
                    self.backlog -= reply[1]
                    self.backlog_bytes -= reply[2]
            elif kind == "failed":
                count_archive_error(reply[1])
            elif kind == "outcome":
                handler = self._outcomes.get(reply[1])
                if handler is not None:
                    _in_reactor(handler, reply[2])
            elif reply[1] == NO_ANSWER:  # ``finish``'s stop: nobody waits on the reactor
                if kind == "error":
                    count_archive_error()
            else:  # "answer" or "error", for a token
                with self._answers_lock:
                    answer = self._answers.pop(reply[1])
                if kind == "answer":
                    _in_reactor(answer.callback, reply[2])
                else:
                    count_archive_error()
                    _in_reactor(answer.errback, ArchiveWriteError(reply[2]))
        self._gone()

    def _gone(self) -> None:
        """The writer's pipe closed: after ``stop`` that is the end; otherwise the writer
        died, and what it had not written is lost (counted, so the crawl says so)."""
        with self._answers_lock:
            self.dead = True
            pending, self._answers = self._answers, {}
        # Nothing reads the request queue any more: its feeder thread must not hold the
        # crawl process's exit waiting to write to it.
        self.requests.cancel_join_thread()
        with self._counts:
            lost = self.backlog
        if pending or lost:
            count_archive_error(max(lost, 1))
            logger.error("the archive writer process ended with %d item(s) unwritten", lost)
        for answer in pending.values():
            _in_reactor(answer.errback, ArchiveWriteError("the archive writer process is gone"))
