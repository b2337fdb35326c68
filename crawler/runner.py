"""Run one crawl (one process) of registry sites into the archive, and say what it did.

``run_crawl`` is what ``govarchive crawl`` and the scheduler's child process call: it
opens a ``runs`` row, starts one spider per site in a single Twisted reactor, and closes
the row with the finish reason. The reactor cannot be restarted, so one process runs one
crawl; the demo and the scheduler start a child process per crawl.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive import Archive
from archive.clock import clock_at
from crawler.locks import Locked, site_lock
from spiders import FAMILY_SPIDERS
from spiders.registry import Site
from spiders.site_state import SiteState


@dataclass
class CrawlResult:
    """What one crawl did."""

    run_id: int
    finish_reason: str
    seconds: float
    archive_errors: int = 0
    totals: dict[str, Any] = field(default_factory=dict)
    sites: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    # The RFC 3161 time-stamp of the run's checkpoint, when a TSA is configured.
    timestamp: dict[str, Any] | None = None


class SitesBusy(Exception):
    """Every requested site is being crawled into this archive by another process."""

    def __init__(self, busy: list[tuple[Site, str]]) -> None:
        names = ", ".join(f"{site.name} ({holder})" for site, holder in busy)
        super().__init__(f"already being crawled into this archive: {names}")


def project_settings(overrides: dict[str, Any] | None = None) -> Any:
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_crawl(
    sites: list[Site],
    db_path: str | os.PathLike[str],
    *,
    now: str | None = None,
    full_walk: bool = False,
    settings: dict[str, Any] | None = None,
    command: str = "govarchive crawl",
    run_id: int | None = None,
) -> CrawlResult:
    """Crawl ``sites`` into the archive at ``db_path`` (in this process).

    A site another process is crawling into the same archive (its lock is held) is
    skipped and listed in ``CrawlResult.skipped``; if every site is busy, ``SitesBusy``.
    """
    started = time.monotonic()
    db_path = Path(db_path)
    locks, skipped = [], []
    for site in sites:
        try:
            locks.append(site_lock(db_path, site.name).acquire())
        except Locked as exc:
            skipped.append((site, exc.holder))
    sites = [site for site in sites if site.name not in {s.name for s, _ in skipped}]
    if not sites:
        for lock in locks:
            lock.release()
        raise SitesBusy(skipped)
    try:
        return _run_locked(
            sites, db_path, now, full_walk, settings, command, started, skipped, run_id
        )
    finally:
        for lock in locks:
            lock.release()


def _run_locked(
    sites: list[Site],
    db_path: Path,
    now: str | None,
    full_walk: bool,
    settings: dict[str, Any] | None,
    command: str,
    started: float,
    skipped: list[tuple[Site, str]],
    run_id: int | None,
) -> CrawlResult:
    clock = clock_at(now)
    with Archive(db_path, clock=clock) as archive:
        archive.close_stale_runs()
        archive.upsert_sites([site.as_row() for site in sites])
        if run_id is None:
            run_id = archive.start_run(command, [site.name for site in sites])
        else:  # opened by the scheduler: this process now does the run
            archive.claim_run(run_id, [site.name for site in sites])
    overrides = {
        "GOVARCHIVE_DB": str(db_path),
        "GOVARCHIVE_RUN_ID": run_id,
        "GOVARCHIVE_NOW": now,
        "GOVARCHIVE_FULL_WALK": full_walk,
        **(settings or {}),
    }
    from crawler import parse_pool, writer

    # The writer and the parse workers are started before the crawl's reactor and before
    # any thread, so they are forked (see start_for_crawl and parse_pool.prestart).
    settings_now = project_settings(overrides)
    archive_writer = writer.ArchiveWriter.start_for_crawl(writer.writer_config(settings_now))
    try:
        parse_pool.prestart(parse_pool.workers_for(settings_now))
        reason = crawl_in_this_process(sites, overrides)
    finally:
        parse_pool.shutdown()  # (done already unless the crawl never started)
        archive_writer.finish()

    if writer.archive_errors:
        reason = f"archive-error ({writer.archive_errors} failed write(s)); {reason}"
    tsa_url = settings_now.get("GOVARCHIVE_TSA_URL") or None
    stamp = None
    with Archive(db_path, clock=clock) as archive:
        totals = archive.finish_run(run_id, reason)
        rows = archive.run_site_rows(run_id)
        if tsa_url and totals.get("checkpoint"):
            from archive.timestamps import stamp_checkpoint

            stamp = stamp_checkpoint(archive, totals["checkpoint"]["id"], tsa_url)
    return CrawlResult(
        run_id=run_id,
        finish_reason=reason,
        seconds=time.monotonic() - started,
        archive_errors=writer.archive_errors,
        totals=totals,
        sites=rows,
        skipped=[f"{site.name} ({holder})" for site, holder in skipped],
        timestamp=stamp,
    )


def crawl_in_this_process(
    sites: list[Site],
    overrides: dict[str, Any],
    states: dict[str, SiteState] | None = None,
) -> str:
    """One spider per site in this process's reactor (which runs once per process); return
    the crawl's finish reason. ``states``: what the archive knows of each site, when the
    crawl runs where the archive is not (a queued job)."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.misc import load_object

    from crawler import parse_pool

    settings = project_settings(overrides)
    process = CrawlerProcess(settings)
    _drop_records_below(settings.get("LOG_LEVEL"))
    _one_line_errors(settings.get("LOG_LEVEL"))
    reasons: list[str] = []

    def closed(spider: Any, reason: str) -> None:
        reasons.append(reason)

    def started() -> None:
        # Each crawler's start re-installs Scrapy's root handler, which sets the root logger
        # back to NOTSET: raise it again once the engine runs (and its new handler
        # gets the one-line filter).
        _drop_records_below(settings.get("LOG_LEVEL"))
        _one_line_errors(settings.get("LOG_LEVEL"))

    for site in sites:
        crawler = process.create_crawler(load_object(FAMILY_SPIDERS[site.family]))
        crawler.signals.connect(closed, signal=_spider_closed())
        crawler.signals.connect(started, signal=_engine_started())
        # The validated Site itself: the spider never re-reads the registry.
        process.crawl(crawler, site=site, site_state=(states or {}).get(site.name))
    restore = _stop_on_signals(process)
    try:
        process.start(install_signal_handlers=False)
    finally:
        restore()
        parse_pool.shutdown()
    reason = (
        "finished"
        if reasons and all(r == "finished" for r in reasons)
        else (",".join(sorted(set(reasons))) or "no-spider-ran")
    )
    if parse_pool.restarts:
        reason += f" (degraded: {parse_pool.restarts} parse worker restart(s))"
    return reason


def _stop_on_signals(process: Any) -> Any:
    """SIGTERM or Ctrl-C stops the crawl as Scrapy's own handlers do (the first gracefully,
    recording what it has; a second at once), and first kills every attachment reader: a
    slow PDF never holds a stopped crawl. Returns what puts the previous handlers back."""
    import logging
    import signal

    from twisted.internet import reactor

    from crawler import parse_pool

    log = logging.getLogger("govarchive")
    stopping = (signal.SIGTERM, signal.SIGINT)
    previous = {number: signal.getsignal(number) for number in stopping}

    def at_once(signum: int, _: Any) -> None:
        for number in stopping:
            signal.signal(number, signal.SIG_IGN)
        reactor.callFromThread(log.warning, "received %s again: stopping now", signum)
        reactor.callFromThread(reactor.stop)

    def gracefully(signum: int, _: Any) -> None:
        parse_pool.interrupt()
        for number in stopping:
            signal.signal(number, at_once)
        reactor.callFromThread(
            log.warning, "received signal %s: stopping, again to stop at once", signum
        )
        reactor.callFromThread(process.stop)

    for number in stopping:
        signal.signal(number, gracefully)

    def restore() -> None:
        for number, handler in previous.items():
            signal.signal(number, handler)

    return restore


class _NoTraceback:
    """A logging filter: Scrapy's own error records without their traceback. Every failed
    request is a ``fetches`` row and the run's health note says what failed; the ~70 lines
    of Twisted frames under one refused connection are for ``--verbose``."""

    def filter(self, record: Any) -> bool:
        if record.exc_info and record.name.startswith(("scrapy.", "twisted")):
            record.exc_info = None
            record.exc_text = None
        return True


def _one_line_errors(level: str | int) -> None:
    """At WARNING and above (the default), Scrapy's errors are printed on one line each."""
    import logging

    numeric = logging.getLevelName(level) if isinstance(level, str) else level
    if not isinstance(numeric, int) or numeric < logging.WARNING:
        return
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, _NoTraceback) for f in handler.filters):
            handler.addFilter(_NoTraceback())


def _drop_records_below(level: str | int) -> None:
    """Scrapy sets its ``scrapy`` logger to DEBUG and the root logger to NOTSET, and filters
    in its handler, so a crawl at WARNING still built a log record for every request and
    item (12,145 in a 5,000-document crawl). Both loggers are raised to the crawl's level:
    the same records are printed (and counted in log_count/*), none built in vain."""
    import logging

    numeric = logging.getLevelName(level) if isinstance(level, str) else level
    if not isinstance(numeric, int):
        return
    for logger in (logging.getLogger(), logging.getLogger("scrapy")):
        if numeric > logger.level:
            logger.setLevel(numeric)


def _spider_closed() -> Any:
    from scrapy import signals

    return signals.spider_closed


def _engine_started() -> Any:
    from scrapy import signals

    return signals.engine_started
