"""Scrapy settings for govarchive: polite by default, bounded against hostile servers.

Per-site values (delay, concurrency, robots) come from the site registry and override
these for that site's spider. Every limit here is listed in the README's "Reliability".
"""

from __future__ import annotations

import os

from scrapy.settings import default_settings

from crawler import __version__

BOT_NAME = "govarchive"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# Who we are and how to reach the operator: set GOVARCHIVE_CONTACT to your project page.
GOVARCHIVE_CONTACT = os.environ.get(
    "GOVARCHIVE_CONTACT", "https://github.com/govarchive/govarchive"
)
# An honest User-Agent naming the project and a contact URL.
USER_AGENT = f"govarchive/{__version__} (+{GOVARCHIVE_CONTACT})"

# Obey robots.txt (a site can opt out in the registry with obey_robots: false).
ROBOTSTXT_OBEY = True
# One request at a time per host; a few hosts in parallel.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
# Seconds between requests to one host (the registry's `delay` overrides per site).
DOWNLOAD_DELAY = 2.0
# ±50% random variation of that delay.
DOWNLOAD_DELAY_JITTER = 0.5
# AutoThrottle backs off when a small county server slows down.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Give up on a request after this many seconds.
DOWNLOAD_TIMEOUT = 30
# Refuse bodies larger than this (also the limit on decompressed gzip: no gzip bombs).
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
# Log a warning for bodies larger than this.
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
# A body shorter than its Content-Length is an error ("truncated"), not a page.
DOWNLOAD_FAIL_ON_DATALOSS = True
# Follow at most this many redirects (loops end here); crawler.redirects records each hop.
REDIRECT_MAX_TIMES = 5
# A meta refresh is page content, archived as the page says it, not followed.
METAREFRESH_ENABLED = False
# Retry transient failures twice; 404/410 are answers, not failures.
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Items of one response processed at once. One writer process takes them in turn
# (crawler.writer), so more buys nothing, and Scrapy starts that many asyncio tasks per
# response (100 by default: a quarter of the crawl's CPU time on a local replica).
CONCURRENT_ITEMS = 4
COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
# Scrapy's remote control (2.19+) runs Python sent to an HTTP server in the crawl process;
# a nightly crawl of sites nobody vets opens no such door (nor spends 0.3 s importing it).
REMOTE_CONTROL_ENABLED = False
# Scrapy checks each response's callback for a generator that returns a value by reading
# its source with ast; the check's cache is keyed by the bound method, new with every
# request, so it parsed the spider's source once per response (7% of a crawl process's CPU).
# tests/test_crawler_settings.py makes the same check once per callback instead.
WARN_ON_GENERATOR_RETURN_VALUE = False
LOG_LEVEL = os.environ.get("GOVARCHIVE_LOG_LEVEL", "INFO")
# A site's crawl stops after this many seconds or requests (a crawler trap, a site far
# larger than expected); the run's finish reason says which limit was hit. The time limit
# ends the crawl itself, gracefully, half an hour before the scheduler's 4-hour limit
# would stop it: what it archived is known, its listing walk is incomplete (so no absence
# counts), and the next night's full walk fetches only what is still unknown. A site too
# large for one night is crawled in nightly pieces.
CLOSESPIDER_TIMEOUT = 3.5 * 3600
CLOSESPIDER_PAGECOUNT = 200_000
# Per-site progress lines on the terminal (`govarchive crawl` turns it on for a TTY).
GOVARCHIVE_PROGRESS = False
EXTENSIONS = {"crawler.progress.CrawlProgress": 500}
# RemoteControl is off (above), but listed it is still imported, and with it aiohttp's web
# server: a quarter of a second at the start of every crawl process (a None entry in
# EXTENSIONS is imported too, to be named). So it is not listed at all.
EXTENSIONS_BASE = {
    path: order
    for path, order in default_settings.EXTENSIONS_BASE.items()
    if not path.endswith(".RemoteControl")
}

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.RetryAfterMiddleware": 560,
    # Decompression failures named (bad-encoding, truncated), in Scrapy's own slot.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.compression.StrictHttpCompressionMiddleware": 590,
    # A cookie jar a server floods is emptied (GOVARCHIVE_MAX_COOKIES / _BYTES below).
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
    "crawler.middlewares.BoundedCookiesMiddleware": 700,
    # Redirects followed as Scrapy follows them, each hop recorded, refusals named.
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.redirects.RecordingRedirectMiddleware": 600,
    # robots.txt answers handed to the spider to be kept as evidence (after decompression).
    "crawler.redirects.RobotsCaptureMiddleware": 580,
}
# Scrapy's depth middleware only counts link depth here (no DEPTH_LIMIT: columns are bounded
# by max_pages and CLOSESPIDER limits), yet wraps every request and item a callback yields.
SPIDER_MIDDLEWARES = {"scrapy.spidermiddlewares.depth.DepthMiddleware": None}
ITEM_PIPELINES = {
    "crawler.pipelines.ArchivePipeline": 300,
}

# --- govarchive ---------------------------------------------------------------------
# The archive file the pipeline writes.
GOVARCHIVE_DB = os.environ.get("GOVARCHIVE_DB", "archive.db")
# The writer process commits every this many writes, and at least this often (seconds): a
# crawl killed mid-batch loses that batch's writes, which the next crawl fetches again.
GOVARCHIVE_BATCH_WRITES = 500
GOVARCHIVE_BATCH_SECONDS = 2.0
# The runs row this crawl reports to (set by `govarchive crawl`; a plain `scrapy crawl`
# opens its own run).
GOVARCHIVE_RUN_ID = None
# Pretend the crawl happens at this ISO time (replays, the demo's "next day").
GOVARCHIVE_NOW = None
# Days between revisits of a known document (0: the site's `revisit_days`).
GOVARCHIVE_REVISIT_DAYS = 0
# A document is gone after 404/410 on two crawls at least this many hours apart.
GOVARCHIVE_GONE_AFTER_HOURS = 24.0
# Walk every list page even when the newest pages hold only known documents.
GOVARCHIVE_FULL_WALK = False
# Keep every fetch as evidence: each answer's body (listing pages, error answers, redirect
# hops, attachment fetches), the request's and response's HTTP heads and the server's
# address. Off: only document pages and the bodies of missing answers are kept.
GOVARCHIVE_KEEP_CAPTURES = True
# An RFC 3161 time-stamping authority (TSA) that stamps each run's checkpoint head
# (archive/timestamps.py); unset: none.
GOVARCHIVE_TSA_URL = os.environ.get("GOVARCHIVE_TSA_URL") or None
# Largest attachment downloaded, in bytes.
GOVARCHIVE_ATTACHMENT_MAXSIZE = 50 * 1024 * 1024
# Longest one attachment's text extraction may take, in seconds (its reader is then
# killed and the file recorded as `text-extraction: timeout`).
GOVARCHIVE_ATTACHMENT_SECONDS = 60.0
# A queued crawl (``govarchive worker``): messages waiting for the ingest above which the
# worker pauses, and how long a push retries while Redis is unreachable before its message
# counts as lost (crawler.distributed.pipeline).
GOVARCHIVE_BACKLOG_LIMIT = 20_000
GOVARCHIVE_PUSH_GIVE_UP = 600.0
# Worker processes that parse pages beside the crawl (None: one per spare core, at most
# 2; 0: parse in the crawl's own process).
GOVARCHIVE_PARSE_WORKERS = os.environ.get("GOVARCHIVE_PARSE_WORKERS") or None
# Longest honoured Retry-After, in seconds.
GOVARCHIVE_MAX_RETRY_AFTER = 120
# A page of a `render: browser` site is taken once it shows text; past this many
# milliseconds it is a `challenge-failed` error.
GOVARCHIVE_RENDER_SETTLE_MS = 20_000
# A site's cookie jar is emptied past this many cookies or bytes of names and values
# (reported in the site's health note); a flooded jar would make requests unanswerable.
GOVARCHIVE_MAX_COOKIES = 100
GOVARCHIVE_MAX_COOKIE_BYTES = 16 * 1024

# Scrapy 2.13+ defaults, spelled out.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
