"""The Scrapy project: settings, items, the archive pipeline, middlewares and the CLI.

Importing it first keeps the crawl off the internet where a library would go there on its
own: tldextract (Scrapy's cookie middleware asks it whether a cookie's domain is a public
suffix) fetches the Public Suffix List from publicsuffix.org unless told not to; with no
URLs it uses the snapshot it ships. A user who wants a fresher list sets
``TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS`` (a local file works) before the crawl starts.
"""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, version

try:  # pyproject.toml's version, the one source of it (archive.software reads it too)
    __version__ = version("govarchive")
except PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0+unknown"

# Read by tldextract when Scrapy's cookie middleware makes its extractor: no URL, no fetch.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
