"""How the crawl process starts its helper processes (the archive writer, parse workers).

Forked, a helper starts no interpreter and imports nothing again (about 0.5 s of CPU and of
the crawl's start-up each), but forking a process in which another thread runs can copy a
lock that thread holds, so helpers are forked only while the process has one thread (before
the reactor) and spawned otherwise.
"""

from __future__ import annotations

import os
import threading


def start_method() -> str:
    """``"fork"`` while this process runs one thread only (and can fork), else ``"spawn"``."""
    return "fork" if threading.active_count() == 1 and hasattr(os, "fork") else "spawn"
