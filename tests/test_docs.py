"""The README stays true: every archive column and every command is documented."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from archive.column_docs import TABLES
from crawler.cli.main import COMMANDS

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_shows_the_two_commands() -> None:
    assert "make demo" in README and "make test" in README


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_in_readme(command: str) -> None:
    assert f"govarchive {command}" in README


@pytest.mark.parametrize(
    ("table", "column"), [(t, c) for t, (_, cols) in TABLES.items() for c in cols]
)
def test_every_column_in_readme(table: str, column: str) -> None:
    section = README.split(f"### `{table}`", 1)[1].split("###", 1)[0]
    assert f"| `{column}` |" in section


def test_every_schema_column_documented(tmp_path) -> None:
    from archive import Archive

    with Archive(tmp_path / "a.db") as archive:
        for table in TABLES:
            columns = [r[1] for r in archive.conn.execute(f"PRAGMA table_info({table})")]
            assert columns == list(TABLES[table][1]), table


def test_registry_keys_documented() -> None:
    from spiders.registry import _KNOWN_KEYS

    undocumented = [k for k in _KNOWN_KEYS if not re.search(rf"`{k}`", README)]
    assert undocumented == []
