"""The software that writes the archive, as its WARC and WACZ records name it: govarchive
and its installed version (pyproject.toml's), read here so the archive needs nothing of
the crawl machinery above it."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("govarchive")
except PackageNotFoundError:  # run from a checkout that was never installed
    VERSION = "0+unknown"
