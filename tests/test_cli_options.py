"""Operator mistakes end in one clear message and exit code 2, before anything is written:
bad options, hostile or broken registries, a database that is not an archive."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import run_cli


@pytest.fixture
def registry(tmp_path):
    path = tmp_path / "sites.yaml"
    path.write_text(
        "- {name: one, title: 某县, family: trs, start_urls: ['http://127.0.0.1:9/zwgk/']}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--now", "yesterday"], "--now takes an ISO date-time"),
        (["--set", "DOWNLOAD_TIMEOUT=abc"], "expected a number"),
        (["--set", "DOWNLOAD_TIMOUT=10"], "no such setting"),
        (["--set", "ROBOTSTXT_OBEY=maybe"], "expected true or false"),
    ],
    ids=["now", "number", "unknown setting", "bool"],
)
def test_bad_crawl_option_exits_2_before_writing(registry, tmp_path, option, message) -> None:
    db = tmp_path / "a.db"
    done = run_cli("crawl", "--sites", str(registry), "--db", str(db), *option, check=False)
    assert (done.returncode, message in done.stderr, db.exists()) == (2, True, False)


def test_bad_port_exits_2(tmp_path) -> None:
    done = run_cli("serve", "--port", "99999", "--db", str(tmp_path / "a.db"), check=False)
    assert (done.returncode, "65535" in done.stderr) == (2, True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'a: &a ["x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nsites: [*b]\n',
            "aliases",
        ),
        ("[" * 100_000 + "]" * 100_000, "nested deeper"),
    ],
    ids=["alias bomb", "deep nesting"],
)
def test_hostile_registry_is_one_message(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "sites.yaml"
    path.write_text(text, encoding="utf-8")
    done = run_cli("sites", "--sites", str(path), "--db", str(tmp_path / "a.db"), check=False)
    assert (done.returncode, message in done.stderr, "Traceback" in done.stderr) == (2, True, False)


def test_non_utf8_registry_is_one_message(tmp_path) -> None:
    path = tmp_path / "sites.yaml"
    path.write_bytes("- name: 站点\n".encode("gbk"))
    done = run_cli("sites", "--sites", str(path), "--db", str(tmp_path / "a.db"), check=False)
    assert (done.returncode, "not UTF-8" in done.stderr) == (2, True)


def foreign_db(tmp_path):
    path = tmp_path / "customers.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.commit()
    conn.close()
    return path


def tables(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return sorted(
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        )
    finally:
        conn.close()


def test_foreign_database_refused(registry, tmp_path) -> None:
    db = foreign_db(tmp_path)
    done = run_cli("crawl", "--sites", str(registry), "--db", str(db), check=False)
    assert (done.returncode, "not a govarchive archive" in done.stderr, tables(db)) == (
        2,
        True,
        ["customers"],
    )


def test_foreign_database_adopted_with_init(tmp_path) -> None:
    from archive import Archive

    db = foreign_db(tmp_path)
    Archive(db, adopt=True).close()
    assert {"customers", "documents", "document_events"} <= set(tables(db))


def test_symlinked_archive_resolves_to_the_real_file(tmp_path) -> None:
    from crawler.cli.checks import check_db_dir

    real = tmp_path / "real.db"
    real.touch()
    link = tmp_path / "link.db"
    link.symlink_to(real)
    assert check_db_dir(str(link)) == real.resolve()
