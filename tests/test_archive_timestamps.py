"""RFC 3161 time-stamps of checkpoints (archive/timestamps.py), from a local OpenSSL TSA
(tests/tsa.py): a crawl stamps its checkpoint, ``verify`` checks each token against its
head and the TSA's CA, and a TSA that does not answer changes nothing else."""

from __future__ import annotations

import sqlite3
import subprocess

import pytest
from conftest import copy_archive, free_port, run_cli
from tsa import LocalTSA

from archive import Archive
from archive.timestamps import TimestampError, check_token, request_token, stamp_checkpoint

HEAD = "3b15d2e94b1fb7be3961ca5d324ccd631733776bdf919b4da38fde6cc5c3bb4b"


@pytest.fixture(scope="module")
def tsa():
    with LocalTSA() as authority:
        yield authority


@pytest.fixture(scope="module")
def token(tsa) -> bytes:
    return request_token(tsa.url, HEAD)


@pytest.fixture(scope="module")
def stamped(tsa, tmp_path_factory):
    """A crawl of the demo sites with the TSA configured: (archive, crawl output)."""
    from crawler.demo import DemoWorld

    folder = tmp_path_factory.mktemp("stamped")
    db = folder / "archive.db"
    with DemoWorld() as world:
        registry = world.write_registry(folder / "sites.yaml")
        done = run_cli("crawl", "--sites", str(registry), "--db", str(db),
                       "--set", f"GOVARCHIVE_TSA_URL={tsa.url}")  # fmt: skip
    return db, done.stdout


def test_a_token_stamps_the_head(token) -> None:
    assert check_token(token, HEAD).serial > 0


def test_a_token_verifies_with_the_tsas_ca(tsa, token) -> None:
    assert check_token(token, HEAD, tsa.ca.read_bytes()).gen_time.startswith("20")


def test_a_token_does_not_stamp_another_head(token) -> None:
    with pytest.raises(TimestampError, match="other data"):
        check_token(token, "0" * 64)


def test_a_token_does_not_verify_with_another_ca(token) -> None:
    with LocalTSA() as other, pytest.raises(TimestampError, match="signature"):
        check_token(token, HEAD, other.ca.read_bytes())


def test_openssl_verifies_a_token_against_the_printed_head(tsa, token, tmp_path) -> None:
    (tmp_path / "head.txt").write_text(HEAD, encoding="ascii")
    (tmp_path / "token.tsr").write_bytes(token)
    done = subprocess.run(
        ["openssl", "ts", "-verify", "-data", "head.txt", "-in", "token.tsr", "-CAfile", str(tsa.ca)],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.stdout.strip() == "Verification: OK"


def test_a_tsa_that_does_not_answer_is_recorded(tmp_path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        row = stamp_checkpoint(archive, 1, f"http://127.0.0.1:{free_port()}/tsr")
    assert (row["token"], row["error"].startswith("the TSA did not answer")) == (None, True)


def test_the_crawl_stamps_its_checkpoint(stamped) -> None:
    db, _ = stamped
    with Archive(db) as archive:
        rows = archive.conn.execute(
            "SELECT c.run_id FROM timestamps t JOIN checkpoints c ON c.id = t.checkpoint_id"
            " WHERE t.token IS NOT NULL"
        ).fetchall()
    assert [r[0] for r in rows] == [1]


def test_the_crawl_says_when_it_was_stamped(stamped, tsa) -> None:
    assert f"time-stamped by {tsa.url}: at 20" in stamped[1]


def test_verify_checks_the_token_with_the_tsas_ca(stamped, tsa) -> None:
    done = run_cli("verify", "--db", str(stamped[0]), "--tsa-cert", str(tsa.ca), check=False)
    assert (done.returncode, "1 time-stamps" in done.stdout) == (0, True)


def test_a_token_of_a_rewritten_checkpoint_is_caught(stamped, tsa, tmp_path) -> None:

    copy = copy_archive(stamped[0], tmp_path)
    conn = sqlite3.connect(copy, isolation_level=None)
    conn.execute("DROP TRIGGER checkpoints_no_update")
    conn.execute("UPDATE checkpoints SET head = ? WHERE run_id = 1", ("0" * 64,))
    conn.close()
    done = run_cli("verify", "--db", str(copy), "--tsa-cert", str(tsa.ca), check=False)
    assert (done.returncode, "stamps other data than this head" in done.stdout) == (1, True)


def test_the_timestamp_command_stamps_the_checkpoints_without_one(stamped, tsa, tmp_path) -> None:

    copy = copy_archive(stamped[0], tmp_path)
    done = run_cli("timestamp", "--db", str(copy), "--tsa", tsa.url, check=False)
    with Archive(copy) as archive:
        unstamped = archive.conn.execute(
            "SELECT count(*) FROM checkpoints WHERE id NOT IN"
            " (SELECT checkpoint_id FROM timestamps WHERE token IS NOT NULL)"
        ).fetchone()[0]
    assert (done.returncode, unstamped) == (0, 0)


def test_timestamps_cannot_be_deleted(stamped, tmp_path) -> None:

    copy = copy_archive(stamped[0], tmp_path)
    with Archive(copy) as archive, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        archive.conn.execute("DELETE FROM timestamps")
