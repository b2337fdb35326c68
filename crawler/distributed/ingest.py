"""``govarchive ingest``: the archive's one writer for crawls on other machines.

At-least-once delivery, exactly-once archive:

- messages move from the archive's items list to its *processing* list (``LMOVE``) and are
  removed from there only after the transaction that recorded them commits; an ingest
  killed at any point leaves them there, and the next one records them first;
- each message is one unit of the archive with the mark of its place in its stream
  (``ingest_streams``: attempt, seq, the site recorder's state), so a message delivered again
  is recognised and skipped, a gap in a stream is counted, and a site's report is recorded
  after all its messages: one that lost some claims no complete listing;
- Redis restarting is waited out (reconnect with backoff), not fatal.

The ingest also watches the jobs of the runs it is finishing (``Supervisor``): a job whose
worker died (its site's lease expired) is queued again, a job that failed or vanished
closes its site as such (nothing it sent counts toward gone), and the run is finished once
every site has reported. It exits non-zero when a site's crawl was lost or failed.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from archive import Archive
from archive.ingest_log import StreamMark
from crawler.distributed import messages
from crawler.distributed.keys import QUEUE_NAME, Namespace, connect, with_reconnect
from crawler.distributed.messages import Envelope, MessageError
from crawler.distributed.pipeline import BlobStore, after_losses
from crawler.distributed.supervisor import Supervisor
from crawler.recorder import RecorderState, SiteRecorder, SiteReport

# Messages recorded in one transaction (and their bytes), at most.
GROUP_MESSAGES = 200
GROUP_BYTES = 32 << 20
# How often the jobs of open runs are checked, and how long a job may be found ended (or
# missing) before its site is closed without its report.
CHECK_SECONDS = 30.0
GRACE_SECONDS = 30.0
# Reasons that say the queue, not the site, failed: the ingest then exits non-zero.
FAILED_REASONS = ("queue-lost", "worker-lost", "job-failed", "items-lost", "report-lost")
logger = logging.getLogger(__name__)


@dataclass
class IngestResult:
    """What one ``ingest`` did."""

    messages: int = 0
    items: int = 0
    duplicates: int = 0  # delivered again after a restart: skipped
    stale: int = 0  # from a job attempt that was superseded: skipped
    errors: int = 0  # messages refused or not recordable (logged; the ingest goes on)
    requeued: list[tuple[int, str]] = field(default_factory=list)
    sites_closed: list[tuple[int, str]] = field(default_factory=list)
    sites_failed: list[tuple[int, str, str]] = field(default_factory=list)
    runs_finished: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.sites_failed


class Ingest:
    """Record the workers' messages into the archive, one site recorder per (run, site)."""

    def __init__(self, archive: Archive, url: str, lease_grace: float = GRACE_SECONDS) -> None:
        self.archive = archive
        self.namespace = Namespace(archive.archive_id)
        self.url = url
        self.redis = connect(url, 30.0)
        self.blobs = BlobStore(self.redis, self.namespace)
        self.result = IngestResult()
        self.recorders: dict[tuple[int, str], SiteRecorder] = {}
        self.marks: dict[tuple[int, str], StreamMark] = {}
        self.last_message = time.monotonic()
        self.checked = float("-inf")
        self.grace = lease_grace
        self.supervisor = Supervisor(self)
        self._resume()

    # --- the loop ----------------------------------------------------------------------------
    def run(self, until: Callable[[Ingest], bool], poll_seconds: float = 1.0) -> IngestResult:
        """Record messages until ``until(self)`` is true while none are waiting."""
        self.redis.ping()  # no Redis at the start is a mistake to report, not to wait out
        self._redo_processing()
        while True:
            group = self._take(poll_seconds)
            if group:
                self._record(group)
                self.last_message = time.monotonic()
            if time.monotonic() - self.checked >= min(CHECK_SECONDS, self.grace):
                self.checked = time.monotonic()
                self.supervisor.check()
                self.archive.commit_batch()
            if not group and until(self):
                return self.result

    def _call(self, call: Callable[[], Any]) -> Any:
        return with_reconnect(
            call,
            on_wait=lambda error, wait: logger.warning(
                "Redis unreachable (%s): trying again in %.1f s", error, wait
            ),
        )

    def _take(self, poll_seconds: float) -> list[bytes]:
        ns = self.namespace
        first = self._call(
            lambda: self.redis.blmove(ns.items, ns.processing, poll_seconds, "LEFT", "RIGHT")
        )
        if first is None:
            return []
        group, size = [first], len(first)
        while len(group) < GROUP_MESSAGES and size < GROUP_BYTES:
            more = self._call(lambda: self.redis.lmove(ns.items, ns.processing, "LEFT", "RIGHT"))
            if more is None:
                break
            group.append(more)
            size += len(more)
        return group

    def _redo_processing(self) -> None:
        """Record what a stopped ingest had taken and not committed (or committed and not
        yet removed: those are recognised and skipped)."""
        waiting = self._call(lambda: self.redis.lrange(self.namespace.processing, 0, -1))
        if waiting:
            logger.info(
                "ingest: %d messages taken by a stopped ingest, recorded again", len(waiting)
            )
            self._record(list(waiting))

    def _record(self, group: list[bytes]) -> None:
        for raw in group:
            self.handle_raw(raw)
        self.archive.commit_batch()
        refs = [key for raw in group for key in messages.blob_refs(raw)]

        def forget() -> None:
            with self.redis.pipeline() as pipe:
                pipe.ltrim(self.namespace.processing, len(group), -1)
                if refs:
                    pipe.delete(*refs)
                pipe.execute()

        self._call(forget)

    # --- one message ---------------------------------------------------------------------
    def handle_raw(self, raw: bytes) -> None:
        self.result.messages += 1
        try:
            envelope = messages.unpack(raw, self.blobs.get)
            if envelope.archive != self.namespace.archive_id:
                raise MessageError(f"a message of another archive ({envelope.archive})")
            self.handle(envelope)
        except sqlite3.OperationalError:
            raise  # the archive cannot be written (locked, full): stop; nothing is taken
        except Exception:
            # One bad message (foreign, or an item the archive refuses) does not stop the
            # writer: logged and counted; its stream then shows a gap.
            self.result.errors += 1
            logger.exception("ingest: a message could not be recorded")

    def handle(self, envelope: Envelope) -> None:
        key = (envelope.run, envelope.site)
        mark = self.marks.get(key)
        if mark is None:  # a stream of a run finished before this ingest started
            mark = self.archive.stream_mark(*key)
        if mark is not None and envelope.attempt == mark.attempt and envelope.seq <= mark.seq:
            self.result.duplicates += 1
            return
        if mark is not None and (mark.closed is not None or envelope.attempt < mark.attempt):
            self.result.stale += 1  # from an attempt given up for dead, or after the end
            return
        if mark is None or envelope.attempt > mark.attempt:
            new_mark = StreamMark(envelope.run, envelope.site, envelope.attempt, 0)
        else:
            new_mark = StreamMark(**{f: getattr(mark, f) for f in StreamMark.__slots__})
        new_mark.missing += envelope.seq - new_mark.seq - 1
        new_mark.seq = envelope.seq
        with self.archive.unit():
            self._dispatch(envelope, new_mark)
            recorder = self.recorders.get(key)
            if recorder is not None:
                recorder.flush()
                state = messages.encode(recorder.snapshot())
                new_mark.state = json.dumps(state, ensure_ascii=False)
            else:
                new_mark.state = None
            self.archive.mark_stream(new_mark)
        self.marks[key] = new_mark

    def _dispatch(self, envelope: Envelope, mark: StreamMark) -> None:
        key = (envelope.run, envelope.site)
        if envelope.kind == "open":
            site_row, now = envelope.payload
            recorder = self.recorders.get(key)
            if recorder is None:  # a later attempt keeps what the earlier ones recorded
                recorder = SiteRecorder(site_row, "govarchive ingest", envelope.run, now)
                self.recorders[key] = recorder
            recorder.open(self.archive)
        elif envelope.kind == "item":
            self.result.items += 1
            recorder = self.recorders.get(key)
            if recorder is None:  # its "open" never arrived (counted as a gap)
                recorder = SiteRecorder(
                    {"name": envelope.site}, "govarchive ingest", envelope.run, None
                )
                self.recorders[key] = recorder
            recorder.process(self.archive, envelope.payload)
        else:
            report = after_losses(envelope.payload, mark.missing)
            self.close_site(envelope.run, envelope.site, report, mark)

    # --- sites and runs ------------------------------------------------------------------
    def close_site(
        self, run_id: int, site: str, report: SiteReport, mark: StreamMark | None = None
    ) -> None:
        """Record how the site's crawl ended and, once every site of the run has, the run."""
        key = (run_id, site)
        mark = mark or self.marks.get(key) or StreamMark(run_id, site, 0, 0)
        reason = report.finish_reason or "finished"
        recorder = self.recorders.pop(key, None)
        if recorder is not None:
            recorder.close(self.archive, report)
        else:  # nothing came from the site's crawl: the run still says how it ended
            self.archive.finish_site(
                run_id, site, False, notes=[f"no crawl: {reason}"], at=self._clock(run_id)
            )
        mark.closed = reason
        mark.state = None
        self.archive.mark_stream(mark)
        self.marks[key] = mark
        self.result.sites_closed.append(key)
        if reason.startswith(FAILED_REASONS):
            self.result.sites_failed.append((run_id, site, reason))
        reasons = {s: m.closed for (r, s), m in self.marks.items() if r == run_id and m.closed}
        expected = set(self.archive.run_sites(run_id))
        if expected and expected <= set(reasons):
            ends = {str(r) for r in reasons.values()}
            verdict = "finished" if ends == {"finished"} else ",".join(sorted(ends))
            self.archive.finish_run(run_id, verdict, at=self._clock(run_id))
            self.result.runs_finished.append(run_id)

    def _clock(self, run_id: int) -> str | None:
        for (run, _), recorder in self.recorders.items():
            if run == run_id:
                return recorder.now
        row = self.archive.conn.execute(
            "SELECT started_at FROM runs WHERE id = ?", (run_id,)
        ).fetchone()
        return str(row[0]) if row else None

    def open_sites(self) -> dict[int, list[str]]:
        """Sites of the queued runs still open in this archive that have not reported."""
        rows = self.archive.conn.execute(
            "SELECT id FROM runs WHERE finished_at IS NULL AND pid IS NULL"
        ).fetchall()
        out: dict[int, list[str]] = {}
        for row in rows:
            run_id = int(row["id"])
            out[run_id] = [
                s
                for s in self.archive.run_sites(run_id)
                if (mark := self.marks.get((run_id, s))) is None or mark.closed is None
            ]
        return out

    def _resume(self) -> None:
        """Take up where the archive stands: each open stream's mark and recorder."""
        for mark in self.archive.stream_marks():
            key = (mark.run_id, mark.site)
            self.marks[key] = mark
            if mark.closed is None and mark.state:
                state = messages.decode(RecorderState, json.loads(mark.state))
                recorder = SiteRecorder(state.site_row, "govarchive ingest", mark.run_id, state.now)
                recorder.resume(state)
                self.recorders[key] = recorder


def ingest(
    db_path: str,
    url: str,
    *,
    runs: set[int] | None = None,
    idle_seconds: float | None = None,
    gone_after_hours: float = 24.0,
    grace_seconds: float = GRACE_SECONDS,
) -> IngestResult:
    """Record the workers' messages into the archive: until the ``runs`` are finished, or
    nothing has come for ``idle_seconds``, or forever (a service)."""

    def done(state: Ingest) -> bool:
        if runs is not None and runs <= set(state.result.runs_finished) | finished_before:
            return True
        if idle_seconds is None:
            return False
        return time.monotonic() - state.last_message >= idle_seconds

    from crawler.locks import ingest_lock

    with ingest_lock(db_path), Archive(db_path, gone_after_hours=gone_after_hours) as archive:
        finished_before = {
            int(r[0])
            for r in archive.conn.execute("SELECT id FROM runs WHERE finished_at IS NOT NULL")
        }
        # Commits come only between messages, when ``Ingest`` says (each message one unit).
        with archive.batch(max_writes=1 << 62, max_seconds=float("inf")):
            return Ingest(archive, url, lease_grace=grace_seconds).run(done)


__all__ = ["QUEUE_NAME", "Ingest", "IngestResult", "ingest"]
