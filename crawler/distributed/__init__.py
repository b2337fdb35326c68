"""Crawls across machines: one job per site through RQ on Redis, messages back to the
archive's one writer, ``govarchive ingest``; nothing lost when any part of it dies.

Why RQ (Redis Queue): the unit of work is "crawl site X", a Python call, and RQ runs each
job in a fresh forked process (a Twisted reactor runs once per process) on any machine
that can reach Redis, with no deployment step (Scrapyd needs an egg per release and keeps
items in files on each node) and no per-request sharing (scrapy-redis spreads one spider's
requests over workers, which is the opposite of one polite worker per site).

- ``keys``: the archive's namespace in Redis (its UUID in every key) and reconnecting.
- ``messages``: what travels, as JSON (never pickle), large bytes in bounded chunks.
- ``jobs``: ``govarchive enqueue`` and the job a ``govarchive worker`` runs, with its
  site's lease and the pipeline that pushes the crawl's messages.
- ``ingest``: ``govarchive ingest``, at-least-once delivery into an exactly-once archive,
  and the supervisor that requeues a dead worker's site.
"""
