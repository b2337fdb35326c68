"""The crawl's Scrapy settings (crawler/settings.py): no door into a crawl process."""

from __future__ import annotations

from crawler.runner import project_settings


def test_no_remote_control_server_runs_in_a_crawl() -> None:
    # Scrapy's RemoteControl extension is NotConfigured when this is false.
    assert project_settings().getbool("REMOTE_CONTROL_ENABLED") is False


def test_no_telnet_console_runs_in_a_crawl() -> None:
    assert project_settings().getbool("TELNETCONSOLE_ENABLED") is False
