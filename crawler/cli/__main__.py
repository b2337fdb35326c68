"""``python -m crawler.cli``: the ``govarchive`` command (how the scheduler starts crawls)."""

import sys

from crawler.cli.main import entry

sys.exit(entry())
