"""The crawl's Scrapy settings (crawler/settings.py): no door into a crawl process."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator

import pytest

from crawler.runner import _drop_records_below, project_settings
from spiders import FAMILY_SPIDERS

FAMILY_NAMES = list(FAMILY_SPIDERS)


def test_no_remote_control_server_runs_in_a_crawl() -> None:
    # Scrapy's RemoteControl extension is NotConfigured when this is false.
    assert project_settings().getbool("REMOTE_CONTROL_ENABLED") is False


def test_no_telnet_console_runs_in_a_crawl() -> None:
    assert project_settings().getbool("TELNETCONSOLE_ENABLED") is False


def test_scrapy_does_not_read_callback_source_per_response() -> None:
    assert project_settings().getbool("WARN_ON_GENERATOR_RETURN_VALUE") is False


def _callbacks() -> list[tuple[str, object]]:
    from scrapy.utils.misc import load_object

    from spiders import FAMILY_SPIDERS

    found = []
    for path in sorted(set(FAMILY_SPIDERS.values())):
        cls = load_object(path)
        for name in dir(cls):
            member = getattr(cls, name, None)
            if inspect.isgeneratorfunction(member) or inspect.isasyncgenfunction(member):
                found.append((f"{cls.__name__}.{name}", member))
    return found


def test_spider_callbacks_are_found() -> None:
    assert len(_callbacks()) >= len(FAMILY_NAMES)


@pytest.mark.parametrize(("name", "callback"), [pytest.param(n, c, id=n) for n, c in _callbacks()])
def test_no_spider_callback_returns_a_value_from_a_generator(name: str, callback: object) -> None:
    # What Scrapy's per-response check (off above) looked for, once per callback here.
    from scrapy.utils.misc import is_generator_with_return_value

    assert is_generator_with_return_value(callback) is False, name


@pytest.fixture
def root_level() -> Iterator[logging.Logger]:
    root = logging.getLogger()
    saved = root.level
    root.setLevel(logging.NOTSET)  # as Scrapy's configure_logging leaves it
    yield root
    root.setLevel(saved)


def test_a_crawl_at_warning_builds_no_debug_records(root_level: logging.Logger) -> None:
    _drop_records_below("WARNING")
    assert not logging.getLogger("scrapy.core.engine").isEnabledFor(logging.DEBUG)


def test_a_crawl_at_warning_still_logs_warnings(root_level: logging.Logger) -> None:
    _drop_records_below("WARNING")
    assert logging.getLogger("scrapy.core.engine").isEnabledFor(logging.WARNING)


def test_a_crawl_at_debug_keeps_debug_records(root_level: logging.Logger) -> None:
    _drop_records_below("DEBUG")
    assert logging.getLogger("scrapy.core.engine").isEnabledFor(logging.DEBUG)


def test_the_remote_control_extension_is_not_even_loaded() -> None:
    # Listed (even as None) Scrapy imports it, and aiohttp's web server with it.
    extensions = project_settings().getwithbase("EXTENSIONS")
    assert not any(str(path).endswith("RemoteControl") for path in extensions)


def test_scrapys_other_extensions_are_kept() -> None:
    extensions = project_settings().getwithbase("EXTENSIONS")
    assert "scrapy.extensions.closespider.CloseSpider" in extensions
