"""The Scrapy project: settings, items, the archive pipeline, middlewares and the CLI."""

from __future__ import annotations

__version__ = "0.1.0"
