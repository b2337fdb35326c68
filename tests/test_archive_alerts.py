"""archive.alerts: subscriptions files checked like the registry, which events a target's
digest holds (its run's first, then everything after its last delivered event, failed
deliveries' events again), and the digest's text. Delivery through Apprise to real local
servers is in test_cli_alerts.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive import Archive, alerts
from archive.alerts import Delivery, SubscriptionError, load_subscriptions, mask, pending
from parsers.record import Record

HOOK = "json://127.0.0.1:9/hook"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "alerts.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_subscriptions_file_is_read(tmp_path) -> None:
    path = write(
        tmp_path,
        f"subscriptions:\n  - name: edits\n    notify: ['{HOOK}']\n    events: [changed]\n",
    )
    assert load_subscriptions(path).subscriptions[0].events.events == ("changed",)


def test_links_default_to_the_local_serve(tmp_path) -> None:
    path = write(tmp_path, f"subscriptions:\n  - name: all\n    notify: ['{HOOK}']\n")
    assert load_subscriptions(path).base_url == "http://127.0.0.1:8001"


def test_an_unknown_key_is_refused_by_name(tmp_path) -> None:
    path = write(
        tmp_path, f"subscriptions:\n  - name: all\n    notify: ['{HOOK}']\n    sties: [a]\n"
    )
    with pytest.raises(SubscriptionError, match="'sties' was unexpected"):
        load_subscriptions(path)


def test_an_unknown_event_is_refused(tmp_path) -> None:
    path = write(
        tmp_path, f"subscriptions:\n  - name: all\n    notify: ['{HOOK}']\n    events: [edited]\n"
    )
    with pytest.raises(SubscriptionError, match="subscriptions/0/events/0"):
        load_subscriptions(path)


def test_a_target_apprise_cannot_send_to_is_refused(tmp_path) -> None:
    path = write(tmp_path, "subscriptions:\n  - name: all\n    notify: ['nosuch://x']\n")
    with pytest.raises(SubscriptionError, match="not a URL Apprise can send to"):
        load_subscriptions(path)


def test_a_name_given_twice_is_refused(tmp_path) -> None:
    one = f"  - name: all\n    notify: ['{HOOK}']\n"
    with pytest.raises(SubscriptionError, match="named twice"):
        load_subscriptions(write(tmp_path, "subscriptions:\n" + one + one))


def test_a_file_that_is_not_yaml_is_refused(tmp_path) -> None:
    with pytest.raises(SubscriptionError, match="not valid YAML"):
        load_subscriptions(write(tmp_path, "subscriptions: [\n"))


def test_a_site_the_archive_lacks_is_refused(tmp_path) -> None:
    path = write(
        tmp_path, f"subscriptions:\n  - name: a\n    notify: ['{HOOK}']\n    sites: [wangcnag]\n"
    )
    with pytest.raises(SubscriptionError, match="no site 'wangcnag'"):
        alerts.check_sites(load_subscriptions(path), ["wangcang"])


def test_a_password_is_masked() -> None:
    assert mask("mailtos://desk:s3cret@smtp.example.com:465?to=a@b.example") == (
        "mailtos://desk:****@smtp.example.com:465?to=a@b.example"
    )


def test_a_url_without_password_is_kept() -> None:
    assert mask(HOOK) == HOOK


URL = "http://county.example/gk/notice.html"


@pytest.fixture
def archive(tmp_path):
    """Two runs: a new document on the first, its edit and a second document on the next."""
    with Archive(tmp_path / "a.db") as store:
        run = store.start_run("test", ["county"], at="2026-12-01T21:00:00+08:00")
        store.record_document(
            Record(url=URL, title="征地补偿通知", body_text="第一段。\n补偿标准为每亩三万元。"),
            site="county",
            run_id=run,
        )
        store.finish_run(run, "finished", at="2026-12-01T21:10:00+08:00")
        run = store.start_run("test", ["county"], at="2026-12-02T21:00:00+08:00")
        store.record_document(
            Record(url=URL, title="征地补偿通知", body_text="第一段。\n补偿标准为每亩五万元。"),
            site="county",
            run_id=run,
        )
        store.record_document(
            Record(url="http://county.example/gk/2.html", title="人事任免", body_text="任命。"),
            site="county",
            run_id=run,
        )
        store.finish_run(run, "finished", at="2026-12-02T21:10:00+08:00")
        yield store


def subscription(tmp_path: Path, extra: str = "") -> alerts.Subscriptions:
    path = tmp_path / "s.yaml"
    path.write_text(f"subscriptions:\n  - name: s\n    notify: ['{HOOK}']\n{extra}", "utf-8")
    return load_subscriptions(path)


def kinds(events: list[dict]) -> list[str]:
    return [e["event"] for e in events]


def test_a_new_targets_first_digest_holds_its_runs_events(archive, tmp_path) -> None:
    sub = subscription(tmp_path).subscriptions[0]
    assert kinds(pending(archive.conn, sub, HOOK, run_id=2)) == ["new", "changed"]


def test_without_a_run_the_latest_runs_events_are_taken(archive, tmp_path) -> None:
    sub = subscription(tmp_path).subscriptions[0]
    assert kinds(pending(archive.conn, sub, HOOK, run_id=None)) == ["new", "changed"]


def test_search_words_narrow_the_events(archive, tmp_path) -> None:
    sub = subscription(tmp_path, "    q: 征地\n").subscriptions[0]
    assert kinds(pending(archive.conn, sub, HOOK, run_id=2)) == ["changed"]


def test_event_kinds_narrow_the_events(archive, tmp_path) -> None:
    sub = subscription(tmp_path, "    events: [new]\n").subscriptions[0]
    assert kinds(pending(archive.conn, sub, HOOK, run_id=2)) == ["new"]


def delivered(monkeypatch, ok: bool) -> list[tuple[str, str]]:
    sent: list[tuple[str, str]] = []

    def notify(url: str, title: str, body: str) -> str | None:
        sent.append((title, body))
        return None if ok else "connection refused"

    monkeypatch.setattr(alerts, "notify", notify)
    monkeypatch.setattr(alerts, "RETRY_SECONDS", 0)
    return sent


def test_a_delivered_digest_is_not_sent_again(archive, tmp_path, monkeypatch) -> None:
    subs = subscription(tmp_path)
    delivered(monkeypatch, ok=True)
    alerts.send_alerts(archive, subs, "a", run_id=2)
    assert alerts.send_alerts(archive, subs, "a", run_id=2) == []


def test_a_failed_digest_is_tried_three_times(archive, tmp_path, monkeypatch) -> None:
    sent = delivered(monkeypatch, ok=False)
    alerts.send_alerts(archive, subscription(tmp_path), "a", run_id=2)
    assert len(sent) == alerts.ATTEMPTS == 3


def test_a_failed_digest_is_recorded_with_its_error(archive, tmp_path, monkeypatch) -> None:
    delivered(monkeypatch, ok=False)
    alerts.send_alerts(archive, subscription(tmp_path), "a", run_id=2)
    row = archive.conn.execute("SELECT delivered, attempts, error FROM alert_deliveries").fetchone()
    assert tuple(row) == (0, 3, "connection refused")


def test_a_failed_digests_events_are_sent_again(archive, tmp_path, monkeypatch) -> None:
    subs = subscription(tmp_path)
    delivered(monkeypatch, ok=False)
    alerts.send_alerts(archive, subs, "a", run_id=2)
    delivered(monkeypatch, ok=True)
    assert alerts.send_alerts(archive, subs, "a", run_id=2) == [
        Delivery("s", HOOK, 2, True, 1, None)
    ]


def test_a_digest_says_what_an_edit_changed(archive, tmp_path, monkeypatch) -> None:
    sent = delivered(monkeypatch, ok=True)
    alerts.send_alerts(archive, subscription(tmp_path), "a", run_id=2)
    assert "补偿标准为每亩[-三-]{+五+}万元。" in sent[0][1]


def test_a_digest_links_the_edit_to_its_comparison(archive, tmp_path, monkeypatch) -> None:
    sent = delivered(monkeypatch, ok=True)
    alerts.send_alerts(archive, subscription(tmp_path), "a", run_id=2)
    assert "http://127.0.0.1:8001/a/-/document/1/compare?to=2" in sent[0][1]


def test_a_digests_title_counts_its_events(archive, tmp_path, monkeypatch) -> None:
    sent = delivered(monkeypatch, ok=True)
    alerts.send_alerts(archive, subscription(tmp_path), "a", run_id=2)
    assert sent[0][0] == "govarchive a: s: 1 new, 1 changed"


def test_a_digest_links_the_same_events_as_a_feed(archive, tmp_path, monkeypatch) -> None:
    sent = delivered(monkeypatch, ok=True)
    alerts.send_alerts(archive, subscription(tmp_path, "    q: 征地\n"), "a", run_id=2)
    assert "/a/-/feed/events.atom?q=%E5%BE%81%E5%9C%B0" in sent[0][1]


def test_a_dry_run_records_nothing(archive, tmp_path, monkeypatch, capsys) -> None:
    delivered(monkeypatch, ok=True)
    alerts.send_alerts(archive, subscription(tmp_path), "a", run_id=2, dry_run=True)
    assert archive.conn.execute("SELECT count(*) FROM alert_deliveries").fetchone()[0] == 0
