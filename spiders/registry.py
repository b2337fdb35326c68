"""The site registry: government sites as data (YAML), validated on load.

A site is a few lines: name, title, family and the column pages to walk. Errors name
the site, the key and what was expected, so a typo never becomes a silent no-op crawl.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

FAMILIES: tuple[str, ...] = ("trs", "hanweb", "generic")
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
    }
)
FAMILY_OPTIONS: dict[str, frozenset[str]] = {
    "trs": frozenset({"static_pages", "dynamic_page_url"}),
    "hanweb": frozenset({"webid", "columnid", "appid", "unitid", "perpage", "webname", "path"}),
    "generic": frozenset({"item_selector", "next_selector"}),
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


def validate_site(raw: Any, index: int) -> Site:
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
    level = raw.get("level")
    if level is not None and level not in LEVELS:
        raise _fail(name, "level", f"one of {', '.join(LEVELS)}", level)
    start_urls = _url_list(name, "start_urls", raw.get("start_urls"), required=True)
    allowed = raw.get("allowed_domains")
    if allowed is None:
        allowed = sorted({urlsplit(u).hostname or "" for u in start_urls} - {""})
    elif not isinstance(allowed, list) or not all(isinstance(d, str) and d for d in allowed):
        raise _fail(name, "allowed_domains", "a list of host names", allowed)
    delay = raw.get("delay", DEFAULT_DELAY)
    if isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0:
        raise _fail(name, "delay", "seconds between requests (a number >= 0)", delay)
    max_pages = raw.get("max_pages", DEFAULT_MAX_PAGES)
    if isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 1:
        raise _fail(name, "max_pages", "a whole number >= 1", max_pages)
    revisit = raw.get("revisit_days", DEFAULT_REVISIT_DAYS)
    if isinstance(revisit, bool) or not isinstance(revisit, (int, float)) or revisit < 0:
        raise _fail(name, "revisit_days", "days between revisits (a number >= 0)", revisit)
    full_walk_days = raw.get("full_walk_days", DEFAULT_FULL_WALK_DAYS)
    if (
        isinstance(full_walk_days, bool)
        or not isinstance(full_walk_days, (int, float))
        or full_walk_days < 0
    ):
        raise _fail(
            name, "full_walk_days", "days between full walks (a number >= 0)", full_walk_days
        )
    max_drop = raw.get("max_listing_drop", DEFAULT_MAX_LISTING_DROP)
    if (
        isinstance(max_drop, bool)
        or not isinstance(max_drop, (int, float))
        or not 0 <= max_drop < 1
    ):
        raise _fail(name, "max_listing_drop", "a share from 0 to below 1, e.g. 0.2", max_drop)
    concurrency = raw.get("concurrency", 1)
    if (
        isinstance(concurrency, bool)
        or not isinstance(concurrency, int)
        or not 1 <= concurrency <= 16
    ):
        raise _fail(name, "concurrency", "requests at once to this site (1 to 16)", concurrency)
    for key in ("verified", "obey_robots"):
        if key in raw and not isinstance(raw[key], bool):
            raise _fail(name, key, "true or false", raw[key])
    schedule = raw.get("schedule")
    if schedule is not None:
        if not isinstance(schedule, str):
            raise _fail(
                name,
                "schedule",
                "a cron expression or one of " + ", ".join(NAMED_SCHEDULES),
                schedule,
            )
        cron = NAMED_SCHEDULES.get(schedule, schedule)
        if not _valid_cron(cron):
            raise _fail(
                name,
                "schedule",
                "a 5-field cron expression or one of " + ", ".join(NAMED_SCHEDULES),
                schedule,
            )
    options = raw.get("options") or {}
    if not isinstance(options, dict):
        raise _fail(name, "options", "a mapping of family options", options)
    unknown_options = sorted(set(options) - FAMILY_OPTIONS[family])
    if unknown_options:
        raise _fail(
            name,
            f"options.{unknown_options[0]}",
            f"an option of family {family} ({', '.join(sorted(FAMILY_OPTIONS[family])) or 'none'})",
            unknown_options[0],
        )
    if family == "trs":
        static_pages = options.get("static_pages")
        if static_pages is not None and (
            isinstance(static_pages, bool) or not isinstance(static_pages, int) or static_pages < 1
        ):
            raise _fail(name, "options.static_pages", "a whole number >= 1", static_pages)
        dynamic = options.get("dynamic_page_url")
        if dynamic is not None and (not isinstance(dynamic, str) or "{page}" not in dynamic):
            raise _fail(
                name, "options.dynamic_page_url", "a URL template containing {page}", dynamic
            )
    if family == "generic" and not isinstance(options.get("item_selector", ""), str):
        raise _fail(
            name, "options.item_selector", "a CSS or XPath selector", options.get("item_selector")
        )
    return Site(
        name=name,
        title=title.strip(),
        family=family,
        start_urls=start_urls,
        jurisdiction=raw.get("jurisdiction"),
        level=level,
        allowed_domains=list(allowed),
        allowed_origins=_url_list(
            name, "allowed_origins", raw.get("allowed_origins"), required=False
        ),
        schedule=schedule,
        delay=float(delay),
        max_pages=max_pages,
        verified=bool(raw.get("verified", True)),
        obey_robots=bool(raw.get("obey_robots", True)),
        revisit_days=float(revisit),
        full_walk_days=float(full_walk_days),
        max_listing_drop=float(max_drop),
        concurrency=concurrency,
        home_url=raw.get("home_url"),
        sitemap_urls=_url_list(name, "sitemap_urls", raw.get("sitemap_urls"), required=False),
        options=dict(options),
        notes=raw.get("notes"),
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
