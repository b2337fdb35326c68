"""Alerts end to end (crawler.cli.alerts, archive.alerts): two nights of the demo sites
crawled with ``crawl --alerts``; the digests arrive at a real SMTP server (aiosmtpd) and a
real webhook receiver on 127.0.0.1, through Apprise; a target that refuses connections is
tried, recorded and never fails the crawl; a bad subscriptions file stops a crawl before
it starts."""

from __future__ import annotations

import email
import json
import socket
import sqlite3
import threading
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import free_port, run_cli

T1 = "2025-04-01T02:00:00+08:00"
T2 = "2025-04-02T02:00:00+08:00"
EDIT = "（2025年4月修订：补充整改时限为2025年6月底前。）"


class Mailbox:
    """What an aiosmtpd server received."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def text_of(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


@pytest.fixture(scope="module")
def mailbox():
    from aiosmtpd.controller import Controller

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield box, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def webhook():
    received: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield received, server.server_address[1]
    server.shutdown()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def nights(tmp_path_factory, mailbox, webhook):
    """Two nights of the demo sites, each crawl sending alerts: what arrived after each."""
    from crawler.demo import DemoWorld

    _, smtp_port = mailbox
    _, hook_port = webhook
    tmp = tmp_path_factory.mktemp("alerts")
    subscriptions = tmp / "alerts.yaml"
    subscriptions.write_text(
        "base_url: http://archive.example:8001\n"
        "subscriptions:\n"
        "  - name: desk\n"
        f"    notify: ['mailto://127.0.0.1:{smtp_port}?from=govarchive@archive.example"
        "&to=desk@news.example&mode=insecure']\n"
        "  - name: edits\n"
        f"    notify: ['json://127.0.0.1:{hook_port}/hook']\n"
        "    events: [changed]\n"
        "  - name: broken\n"
        f"    notify: ['json://127.0.0.1:{closed_port()}/hook']\n",
        encoding="utf-8",
    )
    db = tmp / "archive.db"
    with pytest.MonkeyPatch.context() as patch, DemoWorld() as world:
        patch.setenv("GOVARCHIVE_ALERT_RETRY_SECONDS", "0")
        registry = world.write_registry(tmp / "sites.yaml")
        crawl = ("crawl", "--sites", str(registry), "--db", str(db), "--alerts", str(subscriptions))
        first = run_cli(*crawl, "--now", T1)
        after_first = (len(mailbox[0].messages), len(webhook[0]))
        world.set_day(2)
        second = run_cli(*crawl, "--now", T2)
        documents = len(world.days[1])
    return {
        "db": db,
        "outputs": (first, second),
        "after_first": after_first,
        "mail": list(mailbox[0].messages),
        "hooks": list(webhook[0]),
        "documents": documents,
        "subscriptions": subscriptions,
    }


def test_the_first_night_mails_one_digest(nights) -> None:
    assert nights["after_first"][0] == 1


def test_the_first_digest_lists_every_new_document(nights) -> None:
    assert text_of(nights["mail"][0]).count("[new]") == nights["documents"]


def test_the_first_digests_subject_counts_the_new_documents(nights) -> None:
    subject = str(
        email.header.make_header(email.header.decode_header(nights["mail"][0]["Subject"]))
    )
    assert subject == f"govarchive archive: desk: {nights['documents']} new"


def test_a_night_without_edits_calls_no_edit_webhook(nights) -> None:
    assert nights["after_first"][1] == 0


def test_the_second_night_mails_a_second_digest(nights) -> None:
    assert len(nights["mail"]) == 2


def test_the_second_digest_carries_the_edit(nights) -> None:
    assert f"{{+{EDIT}+}}" in text_of(nights["mail"][1])


def test_the_second_digest_does_not_repeat_the_first_nights_events(nights) -> None:
    assert text_of(nights["mail"][1]).count("[new]") == 1  # the one new document of day 2


def test_the_second_digest_links_the_comparison(nights) -> None:
    assert "http://archive.example:8001/archive/-/document/" in text_of(nights["mail"][1])


def test_the_webhook_receives_the_edit(nights) -> None:
    assert [f"{{+{EDIT}+}}" in hook["message"] for hook in nights["hooks"]] == [True]


def test_the_webhook_hears_only_of_edits(nights) -> None:
    assert "[new]" not in nights["hooks"][0]["message"]


def deliveries(db, subscription: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT delivered, attempts FROM alert_deliveries WHERE subscription = ?",
            (subscription,),
        ).fetchall()
    finally:
        conn.close()


def test_a_refusing_target_is_recorded_as_not_delivered(nights) -> None:
    assert deliveries(nights["db"], "broken") == [(0, 3), (0, 3)]


def test_deliveries_are_recorded(nights) -> None:
    assert deliveries(nights["db"], "desk") == [(1, 1), (1, 1)]


def test_a_refusing_target_is_said_after_the_crawl(nights) -> None:
    assert "alert broken → json://127.0.0.1:" in nights["outputs"][1].stderr


def test_the_command_sends_nothing_when_nothing_is_new(nights, monkeypatch) -> None:
    monkeypatch.setenv("GOVARCHIVE_ALERT_RETRY_SECONDS", "0")  # the broken target is tried again
    done = run_cli(
        "alerts", "--subscriptions", str(nights["subscriptions"]), "--db", str(nights["db"]),
        check=False,
    )  # fmt: skip
    assert "desk →" not in done.stdout


def test_a_bad_subscriptions_file_stops_the_crawl_before_it_starts(tmp_path) -> None:
    bad = tmp_path / "alerts.yaml"
    bad.write_text("subscriptions:\n  - name: x\n    notify: ['nosuch://x']\n", encoding="utf-8")
    done = run_cli("crawl", "--db", str(tmp_path / "a.db"), "--alerts", str(bad), check=False)
    assert (done.returncode, (tmp_path / "a.db").exists()) == (2, False)


def test_a_bad_subscriptions_file_is_said_in_one_line(tmp_path) -> None:
    bad = tmp_path / "alerts.yaml"
    bad.write_text("subscriptions:\n  - name: x\n    notify: ['nosuch://x']\n", encoding="utf-8")
    done = run_cli("crawl", "--db", str(tmp_path / "a.db"), "--alerts", str(bad), check=False)
    assert done.stderr.strip().count("\n") == 0
