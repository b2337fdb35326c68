"""The crawl's Scrapy settings (crawler/settings.py): no door into a crawl process."""

from __future__ import annotations

import inspect
import json
import logging
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest
from conftest import ROOT

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
    root, scrapy_logger = logging.getLogger(), logging.getLogger("scrapy")
    saved = root.level, scrapy_logger.level
    root.setLevel(logging.NOTSET)  # as Scrapy's configure_logging leaves them
    scrapy_logger.setLevel(logging.DEBUG)
    yield root
    root.setLevel(saved[0])
    scrapy_logger.setLevel(saved[1])


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


COUNT_RECORDS = textwrap.dedent(
    """
    import json, logging, sys
    from crawler.cli.main import main

    made = []
    make_record = logging.Logger.makeRecord

    def counted(self, *args, **kwargs):
        record = make_record(self, *args, **kwargs)
        if record.name in ("scrapy.core.engine", "scrapy.core.scraper"):  # per request, item
            made.append(record.levelno)
        return record

    logging.Logger.makeRecord = counted
    code = main(["crawl", "--sites", sys.argv[1], "--db", sys.argv[2], "--log-level", sys.argv[3]])
    print(json.dumps({"code": code, "below_warning": sum(level < logging.WARNING for level in made)}))
    """
)


def records_made_by_a_crawl(registry, db, level: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", COUNT_RECORDS, str(registry), str(db), level],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_real_crawl_at_warning_builds_no_record_below_it(demo_registry, tmp_path) -> None:
    # Scrapy sets its logger to DEBUG, and the root logger back to NOTSET as each crawler
    # starts: a DEBUG record for every request and item was built and dropped (counted
    # here: the engine's and the scraper's records, which are made per request and item).
    made = records_made_by_a_crawl(demo_registry, tmp_path / "a.db", "WARNING")
    assert made == {"code": 0, "below_warning": 0}


def test_a_real_crawl_at_debug_logs_its_requests(demo_registry, tmp_path) -> None:
    made = records_made_by_a_crawl(demo_registry, tmp_path / "a.db", "DEBUG")
    assert made["below_warning"] > 40
