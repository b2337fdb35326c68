"""The site registry: government sites as data (YAML), validated on load.

A site is a few lines: name, title, family and the column pages to walk. Errors name
the site, the key and what was expected, so a typo never becomes a silent no-op crawl.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from spiders import FAMILY_SPIDERS

FAMILIES: tuple[str, ...] = tuple(FAMILY_SPIDERS)
LEVELS: tuple[str, ...] = ("national", "province", "city", "county", "town")
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
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_KNOWN_KEYS = frozenset(
    {
        "name",
        "title",
        "jurisdiction",
        "level",
        "family",
        "start_urls",
        "allowed_domains",
        "schedule",
        "delay",
        "max_pages",
        "verified",
        "obey_robots",
        "revisit_days",
        "notes",
        "home_url",
        "sitemap_urls",
        "options",
        "concurrency",
        "full_walk_days",
        "max_listing_drop",
        "allowed_origins",
        "render",
    }
)
FAMILY_OPTIONS: dict[str, frozenset[str]] = {
    "trs": frozenset({"static_pages", "dynamic_page_url"}),
    "hanweb": frozenset({"webid", "columnid", "appid", "unitid", "perpage", "webname", "path"}),
    "generic": frozenset({"item_selector", "next_selector"}),
    "json": frozenset(
        {
            "items",
            "url",
            "title",
            "date",
            "total_records",
            "total_pages",
            "page_url",
            "first_page",
            "per_page",
            "data_url",
        }
    ),
    "gkmlpt": frozenset({"sid"}),
}


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


def _url_list(site: str, key: str, value: Any, required: bool) -> list[str]:
    if value is None and not required:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or (required and not value):
        raise _fail(site, key, "a non-empty list of http(s) URLs", value)
    for url in value:
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            raise _fail(site, key, "http(s) URLs", url)
    return list(value)


# Numeric keys: (key, default, whole numbers only, accepted range, what is expected).
_NUMBERS: tuple[tuple[str, float | int, bool, Callable[[float], bool], str], ...] = (
    ("delay", DEFAULT_DELAY, False, lambda v: v >= 0, "seconds between requests (a number >= 0)"),
    ("max_pages", DEFAULT_MAX_PAGES, True, lambda v: v >= 1, "a whole number >= 1"),
    ("revisit_days", DEFAULT_REVISIT_DAYS, False, lambda v: v >= 0,
     "days between revisits (a number >= 0)"),
    ("full_walk_days", DEFAULT_FULL_WALK_DAYS, False, lambda v: v >= 0,
     "days between full walks (a number >= 0)"),
    ("max_listing_drop", DEFAULT_MAX_LISTING_DROP, False, lambda v: 0 <= v < 1,
     "a share from 0 to below 1, e.g. 0.2"),
    ("concurrency", 1, True, lambda v: 1 <= v <= 16, "requests at once to this site (1 to 16)"),
)  # fmt: skip


def _number(site: str, key: str, value: Any, whole: bool, ok: Callable[[float], bool],
            expected: str) -> Any:  # fmt: skip
    kinds: tuple[type, ...] = (int,) if whole else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not ok(value):
        raise _fail(site, key, expected, value)
    return value


def _schedule(site: str, schedule: Any) -> str | None:
    if schedule is None:
        return None
    named = ", ".join(NAMED_SCHEDULES)
    if not isinstance(schedule, str):
        raise _fail(site, "schedule", f"a cron expression or one of {named}", schedule)
    if not _valid_cron(NAMED_SCHEDULES.get(schedule, schedule)):
        raise _fail(site, "schedule", f"a 5-field cron expression or one of {named}", schedule)
    return schedule


def _whole(minimum: int) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= minimum


def _template(value: Any) -> bool:
    return isinstance(value, str) and "{page}" in value


def _one_group_pattern(value: Any) -> bool:
    try:
        return isinstance(value, str) and re.compile(value).groups >= 1
    except re.error:
        return False


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


_PATH = (_is_str, "a dotted path such as data.list")
# Family option -> (check, what is expected). Which family takes which: FAMILY_OPTIONS.
_OPTION_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "static_pages": (_whole(1), "a whole number >= 1"),
    "dynamic_page_url": (_template, "a URL template containing {page}"),
    "page_url": (_template, "a URL template containing {page}"),
    "first_page": (_whole(0), "a whole number >= 0"),
    "per_page": (_whole(1), "a whole number >= 1"),
    "items": _PATH,
    "url": _PATH,
    "title": _PATH,
    "date": _PATH,
    "total_records": _PATH,
    "total_pages": _PATH,
    "data_url": (_one_group_pattern, "a regular expression with one group (the URL)"),
    "sid": (lambda v: str(v).isdigit(), "the gkmlpt site id (digits)"),
    "item_selector": (_is_str, "a CSS or XPath selector"),
    "next_selector": (_is_str, "a CSS or XPath selector"),
}


def _options(site: str, family: str, options: Any) -> dict[str, Any]:
    options = options or {}
    if not isinstance(options, dict):
        raise _fail(site, "options", "a mapping of family options", options)
    unknown = sorted(set(options) - FAMILY_OPTIONS[family])
    if unknown:
        known = ", ".join(sorted(FAMILY_OPTIONS[family])) or "none"
        raise _fail(site, f"options.{unknown[0]}", f"an option of family {family} ({known})",
                    unknown[0])  # fmt: skip
    for key, value in options.items():
        check, expected = _OPTION_CHECKS.get(key, (lambda v: True, ""))
        if value is not None and not check(value):
            raise _fail(site, f"options.{key}", expected, value)
    return dict(options)


def _identity(raw: Any, index: int) -> tuple[str, str, str]:
    """The entry's name, title and family, checked first (every later message names the site)."""
    if not isinstance(raw, dict):
        raise RegistryError(f"site #{index + 1}: expected a mapping of keys, got {raw!r}")
    name = raw.get("name")
    label = name if isinstance(name, str) else f"#{index + 1}"
    if not isinstance(name, str) or not _NAME.match(name):
        raise _fail(label, "name", "a lower-case slug (a-z, 0-9, _ and -)", name)
    unknown = sorted(set(raw) - _KNOWN_KEYS)
    if unknown:
        raise _fail(name, unknown[0], f"one of {', '.join(sorted(_KNOWN_KEYS))}", unknown[0])
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        raise _fail(name, "title", "the site's name as shown, e.g. 旺苍县人民政府", title)
    family = raw.get("family")
    if family not in FAMILIES:
        raise _fail(name, "family", f"one of {', '.join(FAMILIES)}", family)
    return name, title.strip(), family


def validate_site(raw: Any, index: int) -> Site:
    """One registry entry as a ``Site``, or a ``RegistryError`` naming the site and key."""
    name, title, family = _identity(raw, index)
    level = raw.get("level")
    if level is not None and level not in LEVELS:
        raise _fail(name, "level", f"one of {', '.join(LEVELS)}", level)
    start_urls = _url_list(name, "start_urls", raw.get("start_urls"), required=True)
    allowed = raw.get("allowed_domains")
    if allowed is None:
        allowed = sorted({urlsplit(u).hostname or "" for u in start_urls} - {""})
    elif not isinstance(allowed, list) or not all(isinstance(d, str) and d for d in allowed):
        raise _fail(name, "allowed_domains", "a list of host names", allowed)
    numbers = {
        key: _number(name, key, raw.get(key, default), whole, ok, expected)
        for key, default, whole, ok, expected in _NUMBERS
    }
    for key in ("verified", "obey_robots"):
        if key in raw and not isinstance(raw[key], bool):
            raise _fail(name, key, "true or false", raw[key])
    if raw.get("render") not in (None, "browser"):
        raise _fail(name, "render", "browser (or no render key)", raw.get("render"))
    return Site(
        name=name,
        title=title,
        family=family,
        start_urls=start_urls,
        jurisdiction=raw.get("jurisdiction"),
        level=level,
        allowed_domains=list(allowed),
        allowed_origins=_url_list(
            name, "allowed_origins", raw.get("allowed_origins"), required=False
        ),
        schedule=_schedule(name, raw.get("schedule")),
        delay=float(numbers["delay"]),
        max_pages=numbers["max_pages"],
        verified=bool(raw.get("verified", True)),
        obey_robots=bool(raw.get("obey_robots", True)),
        revisit_days=float(numbers["revisit_days"]),
        full_walk_days=float(numbers["full_walk_days"]),
        max_listing_drop=float(numbers["max_listing_drop"]),
        concurrency=numbers["concurrency"],
        home_url=raw.get("home_url"),
        sitemap_urls=_url_list(name, "sitemap_urls", raw.get("sitemap_urls"), required=False),
        options=_options(name, family, raw.get("options")),
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
