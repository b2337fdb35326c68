"""Shared test helpers: fixture pages, the demo replica sites, crawls in child processes."""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import sqlite3
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_forkserver import CliProcess, ForkServer

from crawler.demo.server import free_port  # noqa: F401 - tests import it from here

ROOT = Path(__file__).resolve().parents[1]
# Screenshots the browser tests leave for a person to look at (git-ignored).
SHOTS = ROOT / "tests" / "screenshots"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
_WS = re.compile(r"[\s\u3000\u00a0\u200b]+")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules marked ``start_first`` come first, each in its own order. Under
    ``--dist loadfile --no-loadscope-reorder`` the workers take modules in this order, and
    the suite lasts as long as its busiest worker: a long module taken last would keep one
    worker busy while the others sit idle."""
    items.sort(key=lambda item: item.get_closest_marker("start_first") is None)


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def nows(text: str | None) -> str:
    """Text with all whitespace removed (how the corpus gold is compared)."""
    return _WS.sub("", text or "")


_FORK_SERVER = ForkServer(ROOT)


@pytest.fixture(scope="session", autouse=True)
def _stop_fork_server() -> Iterator[None]:
    yield
    _FORK_SERVER.stop()


def run_cli(*args: str, timeout: float = 180, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``govarchive`` in a child process of its own (a crawl needs its own Twisted
    reactor), forked from a server that has imported Scrapy and the other third-party
    packages once (``cli_forkserver``)."""
    env = {**os.environ, "GOVARCHIVE_LOG_LEVEL": "WARNING"}
    done = _FORK_SERVER.run(list(args), env, timeout)
    if check and done.returncode != 0:
        raise AssertionError(
            f"govarchive {' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}"
        )
    return done


def start_cli(
    *args: str,
    env: dict[str, str] | None = None,
    out: Path | None = None,
    err: Path | None = None,
) -> CliProcess:
    """Start ``govarchive`` as ``run_cli`` does and return at once, like ``subprocess.Popen``
    (``env`` is added to the environment; output goes to ``out`` and ``err`` if given, else
    to files ``communicate`` reads). The command leads a process group of its own."""
    environment = {**os.environ, "GOVARCHIVE_LOG_LEVEL": "WARNING", **(env or {})}
    return _FORK_SERVER.start(list(args), environment, out, err)


def first_row(db: Path, sql: str, *params: object) -> sqlite3.Row | None:
    """The first row a query gives on an archive, read-only."""
    from archive.store import connect

    conn = connect(db, readonly=True)
    try:
        return conn.execute(sql, params).fetchone()
    finally:
        conn.close()


def db_rows(db: Path, sql: str) -> list[tuple]:
    """Every row of ``sql`` in the archive file ``db``, as tuples."""
    conn = sqlite3.connect(db)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def wait_for(predicate: Callable[[], object], timeout: float, interval: float = 0.1) -> bool:
    """Poll ``predicate`` until it holds (True) or ``timeout`` seconds pass (False): a test
    waits for the event itself, with a deadline only for the failure case."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def copy_archive(db: Path, folder: Path) -> Path:
    """A copy of the archive ``db`` (its SQLite file, through SQLite's backup, and its
    file store) in ``folder``; the copy's path."""
    copy = folder / db.name
    source, target = sqlite3.connect(db), sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    if Path(f"{db}.files").exists():
        shutil.copytree(f"{db}.files", f"{copy}.files")
    return copy


@pytest.fixture(scope="module")
def get(demo_archive):
    """GET a path of a real Datasette (with the plugin) serving the demo archive as
    ``archive``; ``follow`` follows redirects."""
    import asyncio

    from datasette.app import Datasette

    from archive.datasette_meta import metadata

    datasette = Datasette(files=[str(demo_archive)], metadata=metadata("archive"))
    loop = asyncio.new_event_loop()
    loop.run_until_complete(datasette.invoke_startup())

    def fetch(path: str, follow: bool = False):
        return loop.run_until_complete(datasette.client.get(path, follow_redirects=follow))

    yield fetch
    loop.close()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by Playwright (``make test`` installs it)."""
    from playwright.sync_api import sync_playwright

    from crawler.render import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        raise AssertionError(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def demo_world():
    """Both demo replica sites, served on 127.0.0.1 (day one)."""
    from crawler.demo import DemoWorld

    with DemoWorld() as world:
        yield world


@pytest.fixture
def demo_registry(demo_world, tmp_path):
    return demo_world.write_registry(tmp_path / "sites.yaml")


def made_once(tmp_path_factory, worker_id: str, name: str, make: Callable[[Path], Path]) -> Path:
    """``make(folder)`` once per test session, the path it returns shared read-only:
    pytest-xdist's workers share the directory above their own temporary ones, and the
    first to ask makes it there while the others wait (``done``, written last, names it)."""
    if worker_id == "master":  # not under xdist
        return make(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent
    with open(shared / f"{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        folder, done = shared / name, shared / name / "done"
        if done.exists():
            return folder / done.read_text(encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)  # (what a failed attempt left)
        folder.mkdir()
        made = make(folder)
        done.write_text(str(made.relative_to(folder)), encoding="utf-8")
        return made


@pytest.fixture(scope="session")
def demo_archive(tmp_path_factory, worker_id: str) -> Path:
    """An archive made by ``govarchive demo`` (three simulated days), shared read-only; its
    output is ``demo-output.txt`` beside it."""
    return made_once(tmp_path_factory, worker_id, "demo-archive", _demo_archive)


@pytest.fixture(scope="session")
def demo_archive_twice(tmp_path_factory, worker_id: str, demo_archive: Path) -> Path:
    """A copy of ``demo_archive`` into which ``govarchive demo`` ran a second time, shared
    read-only; that second run's output is ``demo-output.txt`` beside it."""

    def again(folder: Path) -> Path:
        copy_archive(demo_archive, folder)
        return _demo_archive(folder)

    return made_once(tmp_path_factory, worker_id, "demo-archive-twice", again)


def _demo_archive(folder: Path) -> Path:
    """``govarchive demo`` into ``folder/archive.db`` (made, or added to); its output saved."""
    db = folder / "archive.db"
    output = run_cli("demo", "--db", str(db)).stdout
    (folder / "demo-output.txt").write_text(output, encoding="utf-8")
    return db


SERVER_START_SECONDS = 60


def wait_until_answering(url: str, process: subprocess.Popen) -> None:
    """Poll until a server we started answers (or has died, or the deadline passed)."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {SERVER_START_SECONDS}s")
