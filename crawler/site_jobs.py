"""What the scheduler's jobs run (``scheduler.py`` plans them): one site's crawl in a child
process group of its own, bounded in time, its exit recorded in the run opened for it;
the morning's OCR; with ``--queue``, one site's crawl queued for the workers. Also the
stop: a scheduler told to stop (``stopping``) starts nothing new and stops the crawls
running (``stop_all``), each group SIGTERMed, then SIGKILLed after a grace period.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

# After SIGTERM, running crawls get this long to stop before they are killed.
DEFAULT_STOP_TIMEOUT = 60.0

log = logging.getLogger("govarchive.scheduler")

# Child processes of running crawls, so a shutdown can stop them.
_children: dict[str, subprocess.Popen[bytes]] = {}
_children_lock = threading.Lock()
stopping = threading.Event()


def crawl_command(
    site: str,
    db: str,
    sites_file: str | None,
    run_id: int | None = None,
    alerts: str | None = None,
) -> list[str]:
    command = [sys.executable, "-m", "crawler.cli", "crawl", "--site", site, "--db", db]
    if sites_file:
        command += ["--sites", sites_file]
    if run_id is not None:
        command += ["--run-id", str(run_id)]
    if alerts:
        command += ["--alerts", alerts]
    return command


def run_site_crawl(
    site: str,
    db: str,
    sites_file: str | None,
    timeout: float,
    stop_timeout: float = DEFAULT_STOP_TIMEOUT,
    alerts: str | None = None,
) -> int:
    """The job: crawl one site in a child process group, bounded in time; record how it
    ended in the run row opened for it. Past ``timeout`` the crawl gets SIGTERM and
    ``stop_timeout`` seconds to stop before SIGKILL. ``alerts``: the subscriptions file
    the crawl sends alerts for at its end."""
    from archive import Archive

    if stopping.is_set():
        log.info("%s: not started, the scheduler is stopping", site)
        return -1
    started = time.monotonic()
    from archive.runs import ClockBehind

    try:
        with Archive(db) as archive:
            run_id = archive.start_run(f"govarchive schedule: crawl {site}", [site])
    except ClockBehind as exc:  # the archive holds a later (replayed) run: nothing is written
        log.error("%s: not started: %s", site, exc)
        return 2
    log.info("%s: crawl started (run %d)", site, run_id)
    child = subprocess.Popen(
        crawl_command(site, db, sites_file, run_id, alerts),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped whole, workers included
    )
    with _children_lock:
        _children[site] = child
        # A stop that began while this crawl was starting found no child to stop (it
        # reads _children after setting _stopping): this job stops its crawl itself.
        stopped_while_starting = stopping.is_set()
    reason = None
    try:
        if stopped_while_starting:
            reason = "shutdown"
            log.info("%s: the scheduler is stopping, stopping the crawl just started", site)
            output = _stop_child(child, stop_timeout)
        else:
            output, _ = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        reason = "timeout"
        log.warning("%s: crawl exceeded %.0fs, stopping it", site, timeout)
        output = _stop_child(child, stop_timeout)
    finally:
        with _children_lock:
            _children.pop(site, None)
        _kill_group(child)  # nothing of the crawl outlives it
    code = child.returncode
    if reason is None and stopping.is_set() and code != 0:
        reason = "shutdown"
    if reason is None and code < 0:
        reason = "killed"
    summary = _last_line(output)
    try:
        with Archive(db) as archive:
            # A crawl that exited 1 wrote why (archive-error, start_error); "failed" only
            # when it could not.
            archive.set_run_exit(run_id, code, reason, fallback="failed" if code else None)
    except sqlite3.Error as exc:
        log.error("%s: could not record the crawl's exit: %s", site, exc)
    log.info(
        "%s: crawl finished in %.1fs, exit %s%s — %s",
        site,
        time.monotonic() - started,
        code,
        f" ({reason})" if reason else "",
        summary or "no output",
    )
    return code


def run_ocr(db: str, timeout: float) -> int:
    """The OCR job: ``govarchive ocr`` in a child process, bounded in time."""
    command = [sys.executable, "-m", "crawler.cli", "ocr", "--db", db]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        log.warning("ocr: stopped after %.0fs (what it read is kept)", timeout)
        return -1
    log.info("ocr: exit %s — %s", done.returncode, _last_line(done.stdout) or "no output")
    return done.returncode


def enqueue_site_crawl(site: str, db: str, sites_file: str | None, queue: str) -> int:
    """The job with ``--queue``: queue one crawl of ``site`` for the workers; return the
    run it reports to (``govarchive ingest`` finishes it)."""
    from crawler.distributed.jobs import enqueue_sites
    from spiders.registry import find_site, load_registry

    if stopping.is_set():
        log.info("%s: not queued, the scheduler is stopping", site)
        return -1
    entry = find_site(load_registry(sites_file), site)
    run_id = enqueue_sites(queue, db, [entry], command=f"govarchive schedule: enqueue {site}")
    log.info("%s: crawl queued (run %d)", site, run_id)
    return run_id


def _signal_group(child: subprocess.Popen[bytes], signum: int) -> None:
    try:
        os.killpg(child.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    """SIGKILL whatever is left of a finished crawl's process group (orphaned workers)."""
    _signal_group(child, signal.SIGKILL)


def _last_line(output: bytes | None) -> str:
    lines = [
        line for line in (output or b"").decode("utf-8", "replace").splitlines() if line.strip()
    ]
    return lines[-1].strip() if lines else ""


def _stop_child(child: subprocess.Popen[bytes], grace: float) -> bytes:
    """SIGTERM to the crawl's group (Scrapy stops gracefully), then SIGKILL after
    ``grace`` seconds."""
    if child.poll() is None:
        _signal_group(child, signal.SIGTERM)
    try:
        output, _ = child.communicate(timeout=grace)
    except subprocess.TimeoutExpired:
        _kill_group(child)
        output, _ = child.communicate()
    return output or b""


def stop_all(grace: float) -> None:
    """SIGTERM every running crawl's group; SIGKILL the groups still there after ``grace``."""
    with _children_lock:
        children = list(_children.values())
    for child in children:
        if child.poll() is None:
            _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        remaining = deadline - time.monotonic()
        try:
            child.wait(timeout=max(0.1, remaining))
        except subprocess.TimeoutExpired:
            _kill_group(child)
