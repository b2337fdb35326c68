"""``govarchive`` commands for the tests, each in a process of its own forked from a server
that has already imported the third-party packages commands import (Scrapy, Twisted, lxml,
jsonschema, sqlite-utils, RQ and redis: 0.3 to 1.3 s of CPU per command otherwise).

The server imports no module of the project and installs no Twisted reactor; a command's
child sets the environment and working directory it is given, points its standard streams at
files, imports the project afresh and runs ``python -m crawler.cli``'s own ``__main__``. So a
command runs the same code as ``govarchive`` in a fresh interpreter, in a real process of its
own (leading a process group of its own) with its own reactor, writer and parse workers; only
the interpreter's start and those imports are shared. The server has no thread: a command
forks its own workers as a crawl started by hand does. Commands may run side by side
(``start``: a worker, an ingest and a Redis killed under them); the server reaps each and
says how it exited.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

# What the server runs: import, then fork a child per request line; report each child's pid
# at once and its exit code when it ends (woken by SIGCHLD through a pipe).
SERVER = r"""
import json, os, runpy, select, signal, sys

import lxml.html, jsonschema, sqlite_utils, yaml  # noqa: F401
import scrapy.crawler, scrapy.core.downloader.handlers.http11  # noqa: F401
import scrapy.downloadermiddlewares.cookies, twisted.internet.asyncioreactor  # noqa: F401
import redis, rq  # noqa: F401
assert "twisted.internet.reactor" not in sys.modules, "the server installed a reactor"
assert not [m for m in sys.modules if m.split(".")[0] in ("crawler", "archive", "spiders", "parsers")]
import gc
gc.freeze()  # what the children share is never scanned by their collector (nor copied for it)

WAKE_READ, WAKE_WRITE = os.pipe()
os.set_blocking(WAKE_WRITE, False)
signal.signal(signal.SIGCHLD, lambda *_: None)
signal.set_wakeup_fd(WAKE_WRITE)

def child(request):
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.close(WAKE_READ)
    os.close(WAKE_WRITE)
    os.setpgid(0, 0)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
    for fd, path, mode in ((0, os.devnull, os.O_RDONLY), (1, request["out"], flags),
                           (2, request["err"], flags)):
        opened = os.open(path, mode, 0o644)
        os.dup2(opened, fd)
        os.close(opened)
    sys.stdin = open(0, closefd=False)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
    sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
    sys.argv = ["crawler.cli", *request["args"]]
    code = 0
    try:
        runpy.run_module("crawler.cli", run_name="__main__", alter_sys=True)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        import traceback
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)

def reply(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()

children, pending, reading = {}, b"", True
while reading or children:
    ready = select.select([WAKE_READ, 0] if reading else [WAKE_READ], [], [])[0]
    if WAKE_READ in ready:
        os.read(WAKE_READ, 4096)
    if 0 in ready:
        chunk = os.read(0, 65536)
        if not chunk:  # the test process is done: what still runs is killed
            reading = False
            for pid in children:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            request = json.loads(line)
            pid = os.fork()
            if pid == 0:
                child(request)
            children[pid] = request["id"]
            reply({"id": request["id"], "pid": pid})
    while children:
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            break
        if pid in children:
            reply({"id": children.pop(pid), "returncode": os.waitstatus_to_exitcode(status)})
"""


class CliProcess:
    """A command the server started: the parts of ``subprocess.Popen`` the tests use. Its
    standard output and error are files, read by ``communicate``."""

    def __init__(self, server: ForkServer, request_id: int, args: list[str], out: Path, err: Path):
        self.server = server
        self.id = request_id
        self.args = ["govarchive", *args]
        self.out, self.err = out, err
        pid = server.reply(request_id, "pid", timeout=60)
        if pid is None:
            raise RuntimeError(f"the fork server did not start {self.args}")
        self.pid: int = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.server.reply(self.id, "returncode", timeout=0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            code = self.server.reply(self.id, "returncode", timeout=timeout)
            if code is None:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            self.returncode = code
        return self.returncode

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        self.wait(timeout)
        return (
            self.out.read_text(encoding="utf-8", errors="replace"),
            self.err.read_text(encoding="utf-8", errors="replace"),
        )

    def send_signal(self, number: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, number)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkServer:
    """One server per test process, started on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.process: subprocess.Popen[str] | None = None
        self.replies: dict[int, dict[str, Any]] = {}
        self.arrived = threading.Condition()
        self.next_id = 0
        self.folder: Path | None = None
        self.ended: subprocess.Popen[str] | None = None  # the server whose output ended

    def _started(self) -> subprocess.Popen[str]:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                [sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                text=True, cwd=self.root,
            )  # fmt: skip
            self.folder = Path(tempfile.mkdtemp(prefix="govarchive-cli-"))
            threading.Thread(target=self._read, args=(self.process,), daemon=True).start()
        return self.process

    def _read(self, server: subprocess.Popen[str]) -> None:
        assert server.stdout is not None
        for line in server.stdout:
            message = json.loads(line)
            with self.arrived:
                self.replies.setdefault(message.pop("id"), {}).update(message)
                self.arrived.notify_all()
        with self.arrived:  # the server exited: no reply will come
            self.ended = server
            self.arrived.notify_all()

    def reply(self, request_id: int, key: str, timeout: float | None) -> Any:
        """What the server said of a request (its ``pid`` or ``returncode``), waiting for it
        up to ``timeout`` seconds (None: as long as it takes); None if it has not said."""
        with self.arrived:
            self.arrived.wait_for(
                lambda: key in self.replies.get(request_id, {}) or self.ended is self.process,
                timeout,
            )
            said = self.replies.get(request_id, {}).get(key)
            if said is None and self.ended is self.process:
                raise RuntimeError("the fork server exited before it answered")
            return said

    def start(
        self,
        args: list[str],
        env: dict[str, str],
        out: Path | None = None,
        err: Path | None = None,
    ) -> CliProcess:
        """Start ``govarchive *args`` and return at once; its output goes to ``out`` and
        ``err`` (appended), or to files of its own that ``communicate`` reads."""
        server = self._started()
        assert server.stdin is not None and self.folder is not None
        with self.arrived:
            self.next_id += 1
            request_id = self.next_id
        out = out or self.folder / f"{request_id}.out"
        err = err or self.folder / f"{request_id}.err"
        out.touch()
        err.touch()
        request = {"id": request_id, "args": args, "env": env, "cwd": str(self.root),
                   "out": str(out), "err": str(err)}  # fmt: skip
        server.stdin.write(json.dumps(request) + "\n")
        server.stdin.flush()
        return CliProcess(self, request_id, args, out, err)

    def run(
        self, args: list[str], env: dict[str, str], timeout: float
    ) -> subprocess.CompletedProcess[str]:
        """Run ``govarchive *args``; like ``subprocess.run(capture_output=True, text=True)``,
        the child killed (with its process group) and ``TimeoutExpired`` raised on timeout."""
        process = self.start(args, env)
        try:
            out, err = process.communicate(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise
        finally:
            process.out.unlink(missing_ok=True)
            process.err.unlink(missing_ok=True)
        code = process.returncode
        assert code is not None
        return subprocess.CompletedProcess(process.args, code, out, err)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=30)
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
