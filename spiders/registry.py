"""The site registry: government sites as data (YAML), validated on load.

A site is a few lines: name, title, family and the column pages to walk. What an entry may
hold is one JSON Schema, ``spiders/sites.schema.json`` (editors that read JSON Schema check
``sites.yaml`` with it too); errors name the site, the key and what was expected, so a typo
never becomes a silent no-op crawl.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from spiders import FAMILY_SPIDERS

FAMILIES: tuple[str, ...] = tuple(FAMILY_SPIDERS)
NAMED_SCHEDULES: dict[str, str] = {
    "nightly": "0 2 * * *",
    "daily": "0 2 * * *",
    "weekly": "0 3 * * 0",
    "hourly": "0 * * * *",
}
DEFAULT_DELAY = 2.0
DEFAULT_REVISIT_DAYS = 7.0
# Days between full walks of a site's listings (the walks that can decide delistings).
DEFAULT_FULL_WALK_DAYS = 7.0
# List pages walked per column at most: an endless "next" chain or calendar, or a pager
# claiming 100,000 pages, stops here (and says so in the run's health note).
DEFAULT_MAX_PAGES = 5000
# Share of the last complete walk's links a walk may lose and still be believed.
DEFAULT_MAX_LISTING_DROP = 0.2


class RegistryError(ValueError):
    """The registry file is malformed; the message names the site and the key."""


@dataclass(slots=True)
class Site:
    """One government site to crawl."""

    name: str
    title: str
    family: str
    start_urls: list[str]
    jurisdiction: str | None = None
    level: str | None = None
    allowed_domains: list[str] = field(default_factory=list)
    allowed_origins: list[str] = field(default_factory=list)
    # Query parameters that carry a session, never a document (spiders.session_params).
    ignore_params: list[str] = field(default_factory=list)
    schedule: str | None = None
    delay: float = DEFAULT_DELAY
    max_pages: int = DEFAULT_MAX_PAGES
    verified: bool = True
    obey_robots: bool = True
    revisit_days: float = DEFAULT_REVISIT_DAYS
    full_walk_days: float = DEFAULT_FULL_WALK_DAYS
    max_listing_drop: float = DEFAULT_MAX_LISTING_DROP
    concurrency: int = 1
    home_url: str | None = None
    sitemap_urls: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    notes: str | None = None
    # "browser": pages fetched through Chromium (sites behind JavaScript challenges).
    render: str | None = None

    @property
    def allowed_ports(self) -> frozenset[int]:
        """Ports the crawl may fetch from: the defaults of http and https, and any port the
        registry's own URLs (start, home, sitemap, extra origins) name."""
        ports = {80, 443}
        for url in [*self.start_urls, *self.sitemap_urls, *self.allowed_origins, self.home_url]:
            if url:
                parts = urlsplit(url)
                if parts.port:
                    ports.add(parts.port)
        return frozenset(ports)

    def as_row(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "jurisdiction": self.jurisdiction,
            "level": self.level,
            "family": self.family,
            "home_url": self.home_url,
            "start_urls": self.start_urls,
            "verified": self.verified,
        }

    @property
    def cron(self) -> str | None:
        """The schedule as a cron expression (named schedules resolved)."""
        if self.schedule is None:
            return None
        return NAMED_SCHEDULES.get(self.schedule, self.schedule)


def default_registry_path() -> Path:
    return Path(str(resources.files("spiders") / "sites.yaml"))


def _fail(site: str, key: str, expected: str, got: Any) -> RegistryError:
    return RegistryError(f"site {site!r}: key {key!r}: expected {expected}, got {got!r}")


# --- the schema: spiders/sites.schema.json, the registry's one description ---------------
SCHEMA_PATH = Path(__file__).with_name("sites.schema.json")
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
_SITE_SCHEMA: dict[str, Any] = SCHEMA["$defs"]["site"]
_KNOWN_KEYS = frozenset(_SITE_SCHEMA["properties"])
FAMILY_OPTIONS: dict[str, frozenset[str]] = {
    family: frozenset(SCHEMA["$defs"][f"options_{family}"]["properties"]) for family in FAMILIES
}
# The order errors are reported in when an entry has several: who the site is first.
_KEY_ORDER = ("name", "", "title", "family", "level", "start_urls", "allowed_domains",
              *(key for key in _SITE_SCHEMA["properties"]))  # fmt: skip


def _http_url(value: object) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return parts is not None and parts.scheme in ("http", "https") and bool(parts.netloc)


def _one_group_pattern(value: object) -> bool:
    try:
        return isinstance(value, str) and re.compile(value).groups >= 1
    except re.error:
        return False


def _schedule(value: object) -> bool:
    return not isinstance(value, str) or _valid_cron(NAMED_SCHEDULES.get(value, value))


def _validator() -> Any:
    """The schema's validator: JSON Schema 2020-12, formats checked by the rules above, and
    whole numbers that are ints (5.0 is no page count)."""
    from jsonschema import Draft202012Validator, FormatChecker, validators

    formats = FormatChecker(formats=())
    formats.checks("http-url")(_http_url)
    formats.checks("regex-with-group")(_one_group_pattern)
    formats.checks("schedule")(_schedule)
    types = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool)
    )
    strict = validators.extend(Draft202012Validator, type_checker=types)
    site = {"$schema": SCHEMA["$schema"], "$defs": SCHEMA["$defs"], **_SITE_SCHEMA}
    return strict(site, format_checker=formats)


_VALIDATOR = _validator()


def _error_key(error: Any) -> tuple[str, str, Any]:
    """The dotted key an error is about, what was expected there, and what was given."""
    path = [str(part) for part in error.absolute_path if not isinstance(part, int)]
    schema = error.schema
    if error.validator == "additionalProperties":
        known = sorted(schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(known), key=str)[0]
        family = schema.get("x-family")
        expected = (
            f"an option of family {family} ({', '.join(known) or 'none'})"
            if family
            else f"one of {', '.join(known)}"
        )
        return ".".join([*path, str(unknown)]), expected, unknown
    if error.validator == "required":
        missing = next(key for key in error.validator_value if key not in error.instance)
        return ".".join([*path, missing]), schema["properties"][missing]["x-expected"], None
    expected = schema.get("x-expected")
    if expected is None and "enum" in schema:
        expected = "one of " + ", ".join(str(v) for v in schema["enum"] if v is not None)
    return ".".join(path), expected or "a valid value", error.instance


def _order(error: Any) -> tuple[int, str]:
    key = _error_key(error)[0]
    top = key.split(".")[0] if key.split(".")[0] in _KNOWN_KEYS else ""
    return (_KEY_ORDER.index(top), key)


def _as_lists(raw: dict[str, Any]) -> dict[str, Any]:
    """An entry as the schema reads it: a URL given where a list of URLs is expected is that
    list (start_urls: http://…), and an option given as nothing (sid: null) is no option."""
    entry = {
        key: [value] if key in _URL_LISTS and isinstance(value, str) else value
        for key, value in raw.items()
    }
    if isinstance(entry.get("options"), dict):
        entry["options"] = {k: v for k, v in entry["options"].items() if v is not None}
    return entry


_URL_LISTS = ("start_urls", "allowed_origins", "sitemap_urls")


def validate_site(raw: Any, index: int) -> Site:
    """One registry entry as a ``Site``, or a ``RegistryError`` naming the site and key."""
    if not isinstance(raw, dict):
        raise RegistryError(f"site #{index + 1}: expected a mapping of keys, got {raw!r}")
    raw = _as_lists(raw)
    errors = sorted(_VALIDATOR.iter_errors(raw), key=_order)
    if errors:
        name = raw.get("name")
        label = name if isinstance(name, str) else f"#{index + 1}"
        raise _fail(label, *_error_key(errors[0]))
    start_urls = list(raw["start_urls"])
    allowed = raw.get("allowed_domains")
    if allowed is None:
        allowed = sorted({urlsplit(u).hostname or "" for u in start_urls} - {""})
    return Site(
        name=raw["name"],
        title=raw["title"].strip(),
        family=raw["family"],
        start_urls=start_urls,
        jurisdiction=raw.get("jurisdiction"),
        level=raw.get("level"),
        allowed_domains=list(allowed),
        allowed_origins=list(raw.get("allowed_origins") or []),
        ignore_params=list(raw.get("ignore_params") or []),
        schedule=raw.get("schedule"),
        delay=float(raw.get("delay", DEFAULT_DELAY)),
        max_pages=raw.get("max_pages", DEFAULT_MAX_PAGES),
        verified=bool(raw.get("verified", True)),
        obey_robots=bool(raw.get("obey_robots", True)),
        revisit_days=float(raw.get("revisit_days", DEFAULT_REVISIT_DAYS)),
        full_walk_days=float(raw.get("full_walk_days", DEFAULT_FULL_WALK_DAYS)),
        max_listing_drop=float(raw.get("max_listing_drop", DEFAULT_MAX_LISTING_DROP)),
        concurrency=raw.get("concurrency", 1),
        home_url=raw.get("home_url"),
        sitemap_urls=list(raw.get("sitemap_urls") or []),
        options=dict(raw.get("options") or {}),
        notes=raw.get("notes"),
        render=raw.get("render"),
    )


def _valid_cron(expr: str) -> bool:
    try:
        from apscheduler.triggers.cron import CronTrigger

        CronTrigger.from_crontab(expr, timezone="Asia/Shanghai")
    except (ValueError, TypeError):
        return False
    return True


# A registry is a few hundred lines per thousand sites; anything far larger is a mistake.
MAX_REGISTRY_BYTES = 16 * 1024 * 1024
# Nesting deeper than this is not a registry (a 100,000-deep list would exhaust the stack).
MAX_REGISTRY_DEPTH = 20


class _RegistryLoader(yaml.SafeLoader):
    """YAML without aliases (a "billion laughs" bomb of 1 KB expands to gigabytes) and
    without deep nesting; a registry never needs either."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.YAMLError(f"aliases (*{event.anchor}) are not allowed in a registry")
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_REGISTRY_DEPTH:
                raise yaml.YAMLError(f"nested deeper than {MAX_REGISTRY_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_registry(path: str | os.PathLike[str] | None = None) -> list[Site]:
    """Load and validate a registry file (the bundled default when ``path`` is None)."""
    source = Path(path) if path is not None else default_registry_path()
    try:
        if source.stat().st_size > MAX_REGISTRY_BYTES:
            raise RegistryError(f"{source}: larger than {MAX_REGISTRY_BYTES} bytes")
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegistryError(f"cannot read site registry {source}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise RegistryError(f"{source}: not UTF-8 text (byte {exc.start})") from exc
    try:
        data = yaml.load(text, Loader=_RegistryLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise RegistryError(f"{source}: not valid YAML: {exc}") from exc
    entries = data.get("sites") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise RegistryError(f"{source}: expected a list of sites (or a 'sites:' key holding one)")
    sites = [validate_site(raw, n) for n, raw in enumerate(entries)]
    names = [s.name for s in sites]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise RegistryError(
            f"site {duplicates[0]!r}: key 'name': expected a unique name, got it twice"
        )
    return sites


def find_site(sites: list[Site], name: str) -> Site:
    for site in sites:
        if site.name == name:
            return site
    raise RegistryError(
        f"no site named {name!r} in the registry (known: {', '.join(s.name for s in sites)})"
    )
