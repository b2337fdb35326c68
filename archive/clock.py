"""China Standard Time, the archive's clock: every stamp is ISO 8601 in Asia/Shanghai.

Government sites publish on China time, and a crawl replayed with ``--now`` passes its
own stamp; both go through these functions, so comparisons never mix zones. An
``Archive`` is given its clock once (``clock_at``): every stamp it writes without an
explicit ``at=`` reads that clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

TZ = timezone(timedelta(hours=8), "Asia/Shanghai")


def now_iso() -> str:
    """Current time in China Standard Time, ISO 8601 to the second."""
    return datetime.now(TZ).replace(microsecond=0).isoformat()


def parse_iso(value: str) -> datetime:
    """An ISO 8601 stamp; one without a zone is China time."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=TZ)


Clock = Callable[[], str]


def clock_at(stamp: str | None) -> Clock:
    """The clock of a crawl: ``stamp`` when it replays a given time (``--now``), else the
    current time."""
    if stamp is None:
        return now_iso
    return lambda: stamp
