"""``govarchive`` commands for the tests, each in a process of its own forked from a server
that has already imported the third-party packages commands import (Scrapy, Twisted, lxml,
jsonschema, sqlite-utils: about 1.3 s of CPU per command otherwise).

The server imports no module of the project and installs no Twisted reactor; a command's
child sets the environment and working directory it is given, points its standard streams at
files, imports the project afresh and runs ``python -m crawler.cli``'s own ``__main__``. So a
command runs the same code as ``govarchive`` in a fresh interpreter, in a real process of its
own with its own reactor, writer and parse workers; only the interpreter's start and those
imports are shared. The server forks one command at a time and has no thread, so a command
forks its own workers as a crawl started by hand does.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# What the server runs: import, then fork a child per request line, one at a time.
SERVER = r"""
import json, os, runpy, sys

import lxml.html, jsonschema, sqlite_utils, yaml  # noqa: F401
import scrapy.crawler, scrapy.core.downloader.handlers.http11  # noqa: F401
import scrapy.downloadermiddlewares.cookies, twisted.internet.asyncioreactor  # noqa: F401
assert "twisted.internet.reactor" not in sys.modules, "the server installed a reactor"
assert not [m for m in sys.modules if m.split(".")[0] in ("crawler", "archive", "spiders", "parsers")]

def child(request):
    os.setpgid(0, 0)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for fd, path, mode in ((0, os.devnull, os.O_RDONLY), (1, request["out"], os.O_WRONLY),
                           (2, request["err"], os.O_WRONLY)):
        opened = os.open(path, mode)
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

for line in sys.stdin:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        child(request)
    print(json.dumps({"pid": pid}), flush=True)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}), flush=True)
"""


class ForkServer:
    """One server per test process, started on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.process: subprocess.Popen[str] | None = None

    def _started(self) -> subprocess.Popen[str]:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                [sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                text=True, cwd=self.root,
            )  # fmt: skip
        return self.process

    def run(
        self, args: list[str], env: dict[str, str], timeout: float
    ) -> subprocess.CompletedProcess[str]:
        """Run ``govarchive *args``; like ``subprocess.run(capture_output=True, text=True)``,
        the child killed (with its process group) and ``TimeoutExpired`` raised on timeout."""
        server = self._started()
        assert server.stdin is not None and server.stdout is not None
        with tempfile.TemporaryDirectory(prefix="govarchive-cli-") as folder:
            out, err = Path(folder, "out"), Path(folder, "err")
            out.touch()
            err.touch()
            request = {"args": args, "env": env, "cwd": str(self.root), "out": str(out),
                       "err": str(err)}  # fmt: skip
            server.stdin.write(json.dumps(request) + "\n")
            server.stdin.flush()
            pid = json.loads(server.stdout.readline())["pid"]
            deadline = time.monotonic() + timeout
            while not select.select([server.stdout], [], [], max(0.0, deadline - time.monotonic()))[
                0
            ]:
                if time.monotonic() >= deadline:
                    os.killpg(pid, signal.SIGKILL)
                    server.stdout.readline()
                    raise subprocess.TimeoutExpired(["govarchive", *args], timeout)
            returncode = json.loads(server.stdout.readline())["returncode"]
            return subprocess.CompletedProcess(
                ["govarchive", *args], returncode,
                out.read_text(encoding="utf-8", errors="replace"),
                err.read_text(encoding="utf-8", errors="replace"),
            )  # fmt: skip

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            self.process.wait(timeout=30)
