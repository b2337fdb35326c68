"""A replica site served by nginx (Debian's nginx-light; ``make bench`` installs it), so a
crawl benchmark measures the crawler, not a Python test server.

The site's pages are written under a temporary root and nginx serves them as static files
on a free port of 127.0.0.1: one worker process, no access log, nothing else.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from crawler.demo.server import free_port
from crawler.demo.site import Page

CONFIG = """
user root;
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    default_type "text/html; charset=utf-8";
    types {{ application/pdf pdf; application/msword doc; }}
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    keepalive_requests 100000;
    server {{
        listen 127.0.0.1:{port};
        root {prefix}/root;
        index index.html;
    }}
}}
"""


class NginxSite:
    """``with NginxSite(pages) as site: site.url``"""

    def __init__(self, pages: dict[str, Page]) -> None:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            raise RuntimeError("nginx not found: install Debian's nginx-light (make nginx)")
        self.binary = binary
        self.pages = pages
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.tmp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> NginxSite:
        self.tmp = tempfile.TemporaryDirectory(prefix="govarchive-nginx-")
        prefix = Path(self.tmp.name)
        for path, page in self.pages.items():
            target = prefix / "root" / path.lstrip("/")
            if path.endswith("/"):
                continue  # a folder: nginx answers it with its index.html
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(page.body)
        self.port = free_port()
        conf = prefix / "nginx.conf"
        conf.write_text(CONFIG.format(prefix=prefix, port=self.port), encoding="utf-8")
        self.process = subprocess.Popen(
            [self.binary, "-c", str(conf), "-p", str(prefix)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(self.url + "/", timeout=5).close()
                return self
            except urllib.error.HTTPError:  # answering (the root has no index): ready
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    error = (prefix / "error.log").read_text(errors="replace")[-500:]
                    self.__exit__()
                    raise RuntimeError(f"nginx did not start: {error}") from None
                time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        if self.tmp is not None:
            self.tmp.cleanup()
            self.tmp = None
