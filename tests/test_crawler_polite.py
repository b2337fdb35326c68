"""crawler.polite: the probe's client fetches only the site it probes (hosts, ports,
internal addresses) and gives every request a total deadline, against local servers that
link elsewhere or drip their answers."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest
from conftest import run_cli

from crawler import polite
from crawler.demo.server import ReplicaServer, ReplicaSite
from crawler.demo.site import Page
from crawler.polite import PoliteClient, may_fetch, same_site

HOME = "http://www.wangcang.gov.example/"


@pytest.mark.parametrize(
    ("url", "home"),
    [
        ("http://xxgk.wangcang.gov.example/col/1/", HOME),
        ("https://www.wangcang.gov.example/a.html", HOME),
        ("http://www.wangcang.gov.example:8080/a.html", "http://www.wangcang.gov.example:8080/"),
        ("http://127.0.0.1:8001/xxgk/", "http://127.0.0.1:8001/"),
        ("http://localhost:8001/xxgk/", "http://127.0.0.1:8001/"),
        ("http://61.1.2.3/xxgk/", "http://61.1.2.3:8080/"),
    ],
)
def test_the_same_site_is_fetched(url: str, home: str) -> None:
    assert same_site(url, home)


@pytest.mark.parametrize(
    ("url", "home"),
    [
        ("http://www.wangcang.gov.example:6379/", HOME),
        ("http://127.0.0.1:6379/", "http://127.0.0.1:8001/"),
        ("http://localhost:6379/", "http://127.0.0.1:8001/"),
        ("http://127.0.0.1:8080/", "http://61.1.2.3:8080/"),
        ("http://localhost:8080/", "http://61.1.2.3:8080/"),
        ("http://10.0.0.1/", HOME),
        ("http://0.0.1/", "http://10.0.0.1/"),
        ("http://www.example.com/", HOME),
        ("http://www.wangcang.gov.example:99999/", HOME),
    ],
)
def test_another_port_host_or_address_is_not(url: str, home: str) -> None:
    assert not same_site(url, home)


# What the site's names resolve to (no DNS here): one of them is pointed at 127.0.0.1.
ADDRESSES = {
    "www.wangcang.gov.example": "61.1.2.3",
    "xxgk.wangcang.gov.example": "61.1.2.4",
    "evil.wangcang.gov.example": "127.0.0.1",
}


@pytest.fixture
def site_names(monkeypatch) -> None:
    def getaddrinfo(host: str, *args: object) -> list:
        if host not in ADDRESSES:
            raise socket.gaierror(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ADDRESSES[host], 0))]

    monkeypatch.setattr(polite.socket, "getaddrinfo", getaddrinfo)


def test_a_name_of_the_site_pointed_at_loopback_is_refused(site_names) -> None:
    assert not may_fetch(HOME)("http://evil.wangcang.gov.example/xxgk/")


def test_a_name_of_the_site_on_a_public_address_is_fetched(site_names) -> None:
    assert may_fetch(HOME)("http://xxgk.wangcang.gov.example/xxgk/")


@pytest.mark.parametrize(
    ("home", "url", "allowed"),
    [
        ("http://61.1.2.3/", "http://61.1.2.3/a.html", True),
        ("http://127.0.0.1:8001/", "http://localhost:8001/a.html", True),
        ("http://10.0.0.1/", "http://10.0.0.1/a.html", True),
    ],
)
def test_a_site_on_an_internal_address_may_fetch_itself(home: str, url: str, allowed: bool) -> None:
    assert may_fetch(home)(url) is allowed


def test_a_probe_does_not_follow_a_link_to_another_port() -> None:
    """A home page on 127.0.0.1 linking a column on another local port: the probe never
    asks that port for anything."""
    inner = ReplicaSite(
        {"/secret/": Page("<html><a href='/secret/1.html'>通知公告</a></html>".encode())}
    )
    with ReplicaServer(inner) as internal:
        home = (
            f"<html><head><title>旺苍县人民政府</title></head><body>"
            f"<a href='{internal.url}/secret/'>通知公告</a>"
            f"<a href='{internal.url.replace('127.0.0.1', 'localhost')}/secret/'>政务公开</a>"
            "</body></html>"
        )
        with ReplicaServer(ReplicaSite({"/": Page(home.encode())})) as server:
            run_cli("probe", f"{server.url}/", "--delay", "0", check=False, timeout=120)
    assert inner.requests == []


class _Drip(socketserver.BaseRequestHandler):
    """Answers /robots.txt with a 404 at once; anything else a byte at a time, the
    headers (``drip_headers``) or a body announced as 1 MB."""

    drip_headers = False

    def handle(self) -> None:
        request = self.request.recv(65536)
        if request.startswith(b"GET /robots.txt"):
            self.request.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            return
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1048576\r\n\r\n"
        if not self.drip_headers:
            self.request.sendall(head)
        data = b"X-Slow: " + b"a" * 60000 if self.drip_headers else b"<p>" * 400000
        try:
            for byte in data:
                self.request.sendall(bytes([byte]))
                time.sleep(0.02)
        except OSError:  # the client hung up: what the test wants
            return


class _DripHeaders(_Drip):
    drip_headers = True


@pytest.fixture(params=[_Drip, _DripHeaders], ids=["body", "headers"])
def drip_server(request) -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), request.param)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def one_second_deadline(monkeypatch) -> None:
    monkeypatch.setattr(polite, "DEADLINE", 1.0)


def test_a_dripping_answer_is_cut_at_the_deadline(drip_server, one_second_deadline) -> None:
    client = PoliteClient("govarchive-test", 0, 10)
    assert client.get(drip_server) == (0, b"", drip_server)


def test_a_dripping_answer_does_not_hold_the_probe(drip_server, one_second_deadline) -> None:
    # Dripped whole, the answer would take hours; cut, it takes the deadline.
    client = PoliteClient("govarchive-test", 0, 10)
    started = time.monotonic()
    client.get(drip_server)
    assert time.monotonic() - started < 60
