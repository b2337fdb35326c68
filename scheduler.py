"""Nightly collection: APScheduler runs each site's crawl in a child process, on schedule.

(Filled in by the scheduler issue; ``govarchive schedule`` calls ``main``.)
"""

from __future__ import annotations

import argparse


def main(args: argparse.Namespace) -> int:
    raise SystemExit("govarchive schedule: not implemented yet")
