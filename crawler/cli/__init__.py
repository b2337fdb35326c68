"""``govarchive``, the command line: the applications layer over the crawl, the archive and
the parsers. ``main`` runs the commands (``crawler.cli.main``); ``parser`` builds the
argument parser; ``checks`` holds the checks of what a command is given and its one-line
error; the commands of each kind are in ``reading`` (serve, sites, export, diff),
``evidence`` (verify, evidence, timestamp), ``alerts``, ``ocr`` and ``queue`` (enqueue,
worker, ingest). ``python -m crawler.cli`` and the ``govarchive`` script both run ``entry``.
"""

from crawler.cli.main import entry, main

__all__ = ["entry", "main"]
