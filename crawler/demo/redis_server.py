"""A throwaway Redis server on 127.0.0.1, for the crawl-across-machines tests and benchmark.

Started from the machine's ``redis-server`` (Debian's package; ``make test`` installs it),
nothing persisted, on a free port; ready once it answers PING.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time

from crawler.demo.server import free_port


class RedisServer:
    """``with RedisServer() as server: server.url``"""

    def __init__(self, binary: str = "redis-server", ready_within: float = 30.0) -> None:
        found = shutil.which(binary)
        if found is None:
            raise RuntimeError(f"{binary} not found: install Debian's redis-server (make redis)")
        self.binary = found
        self.ready_within = ready_within
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.workdir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def __enter__(self) -> RedisServer:
        from redis import Redis
        from redis.exceptions import ConnectionError as RedisConnectionError

        self.workdir = tempfile.TemporaryDirectory(prefix="govarchive-redis-")
        self.port = free_port()
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.workdir.name],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = Redis.from_url(self.url)
        deadline = time.monotonic() + self.ready_within
        while True:
            try:
                client.ping()
                return self
            except RedisConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    raise RuntimeError(f"redis-server on port {self.port} did not start") from None
                time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        if self.workdir is not None:
            self.workdir.cleanup()
            self.workdir = None
