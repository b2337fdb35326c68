"""A throwaway Redis server on 127.0.0.1, for the crawl-across-machines tests and benchmark.

Started from the machine's ``redis-server`` (Debian's package; ``make test`` installs it) on
a free port, configured as the README's deployment section advises: the append-only file
on (``appendfsync everysec``), so a restart keeps the queue. ``kill()`` and ``start()``
restart it on the same port and files, as a crashed server comes back; ``extra`` passes
more options (an ACL user, a password). Ready once it answers PING.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time

from crawler.demo.server import free_port


class RedisServer:
    """``with RedisServer() as server: server.url``"""

    def __init__(
        self,
        binary: str = "redis-server",
        ready_within: float = 30.0,
        extra: tuple[str, ...] = (),
        password: str | None = None,
    ) -> None:
        found = shutil.which(binary)
        if found is None:
            raise RuntimeError(f"{binary} not found: install Debian's redis-server (make redis)")
        self.binary = found
        self.ready_within = ready_within
        self.extra = extra
        self.password = password
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.workdir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def __enter__(self) -> RedisServer:
        self.workdir = tempfile.TemporaryDirectory(prefix="govarchive-redis-")
        self.port = free_port()
        try:
            self.start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def start(self) -> None:
        """Start the server (again: on the same port, from the same append-only file)."""
        from redis import Redis
        from redis.exceptions import ConnectionError as RedisConnectionError

        assert self.workdir is not None
        auth = ("--requirepass", self.password) if self.password else ()
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "everysec", "--dir", self.workdir.name,
             *auth, *self.extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = Redis.from_url(self.url)
        deadline = time.monotonic() + self.ready_within
        while True:
            try:
                client.ping()
                return
            except RedisConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server on port {self.port} did not start") from None
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL the server, as a crash would (what it had not written to its files is lost)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        if self.workdir is not None:
            self.workdir.cleanup()
            self.workdir = None
