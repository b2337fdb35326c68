"""Parsers: pure functions from a page's bytes and URL to a typed, clean record.

``parse_page(html, url) -> Record`` for detail pages; ``parsers.listing`` for column and
list pages. No network, no database.
"""

from __future__ import annotations

from parsers.page import parse_page
from parsers.record import Attachment, Record

__all__ = ["Attachment", "Record", "parse_page"]
