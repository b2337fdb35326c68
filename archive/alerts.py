"""Alerts: each subscription's new lifecycle events, sent as one digest per target through
Apprise (e-mail, webhooks, chat: any URL Apprise takes), after a crawl (``crawl --alerts
FILE``, which the scheduler's nights pass on) or on demand (``govarchive alerts``).

A subscriptions file (YAML, validated like the site registry)::

    base_url: http://archive.example:8001     # where `govarchive serve` answers: the links
    subscriptions:
      - name: zhengdi
        notify: ["mailtos://user:pass@smtp.example.com?to=desk@news.example"]
        sites: [wangcang, cangxi]             # optional: every site
        events: [new, changed, gone]          # optional: every event
        q: 征地                               # optional: search words, all must occur
        issuer: 自然资源局                    # optional: part of the issuer's name

A digest lists the matching events after the target's last delivered one, newest first
(a target's first digest: the events of the run that sends it), each with a link to its
document page, and for an edit which fields and paragraphs changed with an excerpt of the
first change. Each delivery is tried ``ATTEMPTS`` times with a growing pause and recorded
in ``alert_deliveries``, delivered or not; a failed one's events go in the target's next
digest. Nothing here can fail a crawl: the crawl has finished when alerts are sent.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import yaml

from archive import rows
from archive.changes import change_notes
from archive.clock import now_iso
from archive.event_filters import EventFilter
from archive.lifecycle import EVENTS
from parsers.record import strip_controls

ATTEMPTS = 3
# Seconds before the second attempt; each later one waits twice as long as the one before.
RETRY_SECONDS = float(os.environ.get("GOVARCHIVE_ALERT_RETRY_SECONDS", "5"))
DIGEST_EVENTS = 100  # events listed in one digest; the rest are counted and linked
DEFAULT_BASE_URL = "http://127.0.0.1:8001"
MAX_FILE_BYTES = 1_000_000

_SUBSCRIPTION = {
    "type": "object",
    "required": ["name", "notify"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,64}$"},
        "notify": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "minLength": 1, "maxLength": 2000},
        },
        "sites": {"type": "array", "items": {"type": "string", "minLength": 1}},
        "events": {"type": "array", "items": {"enum": list(EVENTS)}},
        "q": {"type": "string", "maxLength": 200},
        "issuer": {"type": "string", "maxLength": 200},
    },
}
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["subscriptions"],
    "additionalProperties": False,
    "properties": {
        "base_url": {"type": "string", "pattern": "^https?://[^/?#]+(/[^?#]*)?$"},
        "subscriptions": {"type": "array", "items": _SUBSCRIPTION},
    },
}


class SubscriptionError(ValueError):
    """A subscriptions file that cannot be used, and why."""


@dataclass
class Subscription:
    name: str
    notify: list[str]
    events: EventFilter


@dataclass
class Subscriptions:
    base_url: str
    subscriptions: list[Subscription]


@dataclass
class Delivery:
    """One digest to one target: sent, or tried ``attempts`` times and failed."""

    subscription: str
    target: str
    events: int
    delivered: bool
    attempts: int
    error: str | None = None


def load_subscriptions(path: str | os.PathLike[str]) -> Subscriptions:
    """Read and check a subscriptions file: its shape, each event name, each site name
    against ``known_sites`` later (``check_sites``) and each target as Apprise reads it."""
    from jsonschema import Draft202012Validator

    source = Path(path)
    data = _read_yaml(source)
    errors = sorted(Draft202012Validator(SCHEMA).iter_errors(data), key=lambda e: e.path)
    if errors:
        error = errors[0]
        where = "/".join(str(p) for p in error.absolute_path) or "the file"
        raise SubscriptionError(f"{source}: {where}: {error.message}")
    subscriptions = [_subscription(source, raw) for raw in data["subscriptions"]]
    names = [s.name for s in subscriptions]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise SubscriptionError(f"{source}: subscription {twice[0]!r} is named twice")
    return Subscriptions((data.get("base_url") or DEFAULT_BASE_URL).rstrip("/"), subscriptions)


def _read_yaml(source: Path) -> Any:
    """The file's YAML, or a ``SubscriptionError`` saying why it cannot be read."""
    try:
        if source.stat().st_size > MAX_FILE_BYTES:
            raise SubscriptionError(f"{source}: larger than {MAX_FILE_BYTES} bytes")
        return yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SubscriptionError(f"cannot read {source}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise SubscriptionError(f"{source}: not UTF-8 text (byte {exc.start})") from exc
    except yaml.YAMLError as exc:
        raise SubscriptionError(f"{source}: not valid YAML: {exc}") from exc


def _subscription(source: Path, raw: dict[str, Any]) -> Subscription:
    """One checked entry: each target one Apprise can send to."""
    for n, url in enumerate(raw["notify"]):
        if not _apprise_takes(url):
            raise SubscriptionError(
                f"{source}: subscription {raw['name']!r}: notify[{n}] {mask(url)!r}"
                " is not a URL Apprise can send to"
            )
    return Subscription(
        raw["name"],
        raw["notify"],
        EventFilter(
            tuple(raw.get("events") or EVENTS),
            raw.get("sites") or [],
            raw.get("issuer") or "",
            raw.get("q") or "",
        ),
    )


def check_sites(subscriptions: Subscriptions, known: list[str]) -> None:
    """Refuse a subscription naming a site the archive does not hold (a typo would
    otherwise be a subscription that never says anything)."""
    for sub in subscriptions.subscriptions:
        unknown = [s for s in sub.events.sites if s not in known]
        if unknown:
            raise SubscriptionError(
                f"subscription {sub.name!r}: no site {unknown[0]!r} in the archive"
                f" (its sites: {', '.join(known) or 'none'})"
            )


def _apprise_takes(url: str) -> bool:
    import apprise

    return apprise.Apprise.instantiate(url) is not None


def mask(url: str) -> str:
    """``url`` with its password (if any) replaced by ****: what is recorded and shown."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{parts.username}:****@{host}{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


# --- choosing events ------------------------------------------------------------------
def _start_after(conn: Any, sub: str, target: str, run_id: int | None) -> int | None:
    """The id after which a target's digest starts: its last delivered event; for a new
    target, just before the events of ``run_id`` (else of the latest run that has any).
    None: nothing to send."""
    row = conn.execute(
        "SELECT max(last_event_id) FROM alert_deliveries"
        " WHERE subscription = ? AND target = ? AND delivered = 1",
        (sub, target),
    ).fetchone()
    if row[0] is not None:
        return int(row[0])
    if run_id is None:
        found = conn.execute("SELECT max(run_id) FROM document_events").fetchone()
        run_id = found[0]
    if run_id is None:
        return None
    first = conn.execute(
        "SELECT min(id) FROM document_events WHERE run_id = ?", (run_id,)
    ).fetchone()[0]
    return None if first is None else int(first) - 1


def pending(conn: Any, sub: Subscription, target: str, run_id: int | None) -> list[dict]:
    """The subscription's events this target has not had, newest first."""
    after = _start_after(conn, sub.name, target, run_id)
    if after is None:
        return []
    sql, params = sub.events.sql(after_id=after)
    cursor = conn.execute(sql, params)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


# --- the digest -----------------------------------------------------------------------
def digest(
    sub: Subscription, events: list[dict], notes: dict, base_url: str, db: str
) -> tuple[str, str]:
    """The digest's title and plain-text body."""
    kinds: dict[str, int] = {}
    for event in events:
        kinds[event["event"]] = kinds.get(event["event"], 0) + 1
    counts = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
    title = f"govarchive {db}: {sub.name}: {counts}"
    lines = [f"{len(events)} event(s) for {sub.name} in archive {db}: {counts}.", ""]
    for event in events[:DIGEST_EVENTS]:
        page = f"{base_url}/{quote(db)}/-/document/{event['document_id']}"
        lines.append(f"[{event['event']}] {event['title'] or event['url']}")
        about = [event["site"], event["issuer"], event["at"]]
        lines.append("  " + " · ".join(str(a) for a in about if a))
        if event.get("reason"):
            lines.append(f"  reason: {event['reason']}")
        change = notes.get((event["document_id"], event["version"]))
        if event["event"] == "changed" and change:
            headline, excerpt = change
            lines.append(f"  changed: {headline}")
            if excerpt:
                lines.append(f"  {excerpt}")
            lines.append(f"  {page}/compare?to={event['version']}")
        else:
            lines.append(f"  {page}")
        lines.append("")
    if len(events) > DIGEST_EVENTS:
        lines.append(f"… and {len(events) - DIGEST_EVENTS} more.")
    lines.append(f"Every such event, as a feed: {feed_url(sub, base_url, db)}")
    # An archived title from before the parsers dropped control characters never reaches
    # a mail client, chat or terminal (--dry-run) with them.
    return strip_controls(title), strip_controls("\n".join(lines))


def feed_url(sub: Subscription, base_url: str, db: str) -> str:
    """The events feed narrowed to the subscription: the same events, to subscribe to."""
    params: list[tuple[str, str]] = [("site", s) for s in sub.events.sites]
    if tuple(sub.events.events) != EVENTS:
        params += [("event", e) for e in sub.events.events]
    if sub.events.words:
        params.append(("q", sub.events.words))
    if sub.events.issuer:
        params.append(("issuer", sub.events.issuer))
    query = f"?{urlencode(params)}" if params else ""
    return f"{base_url}/{quote(db)}/-/feed/events.atom{query}"


# --- sending --------------------------------------------------------------------------
def notify(url: str, title: str, body: str) -> str | None:
    """Send once through Apprise; None when the target took it, else why not."""
    import apprise

    sender = apprise.Apprise()
    if not sender.add(url):
        return "not a URL Apprise can send to"
    with apprise.LogCapture(level=apprise.logging.WARNING) as log:
        sent = sender.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT)
    if sent:
        return None
    said = [line.split(" - ", 2)[-1] for line in log.getvalue().splitlines() if line.strip()]
    return (said[-1].strip() if said else "the target did not take it")[:500]


def send_alerts(
    archive: Any,
    subscriptions: Subscriptions,
    db: str,
    run_id: int | None = None,
    dry_run: bool = False,
) -> list[Delivery]:
    """Send each subscription's pending events to each of its targets, one digest each,
    and record every delivery (not when ``dry_run``: then nothing is sent or written)."""
    out = []
    for sub in subscriptions.subscriptions:
        for url in sub.notify:
            target = mask(url)
            events = pending(archive.conn, sub, target, run_id)
            if not events:
                continue
            edits = [(e["document_id"], e["version"]) for e in events if e["event"] == "changed"]
            notes = change_notes(archive.conn, edits)
            title, body = digest(sub, events, notes, subscriptions.base_url, db)
            if dry_run:
                print(f"--- {sub.name} → {target}\n{title}\n\n{body}\n")
                out.append(Delivery(sub.name, target, len(events), False, 0, "dry run"))
                continue
            delivery = _deliver(url, title, body, Delivery(sub.name, target, len(events), False, 0))
            row = {
                "subscription": sub.name, "target": target, "at": now_iso(), "run_id": run_id,
                "first_event_id": events[-1]["id"], "last_event_id": events[0]["id"],
                "events": len(events), "attempts": delivery.attempts,
                "delivered": int(delivery.delivered), "error": delivery.error,
            }  # fmt: skip
            with archive.transaction():
                rows.insert(archive.db, "alert_deliveries", row)
            out.append(delivery)
    return out


def _deliver(url: str, title: str, body: str, delivery: Delivery) -> Delivery:
    pause = RETRY_SECONDS
    for attempt in range(1, ATTEMPTS + 1):
        delivery.attempts = attempt
        try:
            delivery.error = notify(url, title, body)
        except Exception as exc:  # a plugin's own failure is this target's, never the run's
            delivery.error = f"{type(exc).__name__}: {exc}"[:500]
        if delivery.error is None:
            delivery.delivered = True
            return delivery
        if attempt < ATTEMPTS:
            time.sleep(pause)
            pause *= 2
    return delivery
