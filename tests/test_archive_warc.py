"""``govarchive export --format warc`` (archive/warc.py) on the demo archive: a valid WARC
whose records hold the exchanges as they happened, the removal's 404s and the archive's
verdicts."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest
from conftest import run_cli

from archive import Archive
from archive.warc import REVISIT_PROFILE


@pytest.fixture(scope="module")
def warc(demo_archive, tmp_path_factory):
    out = tmp_path_factory.mktemp("warc") / "archive.warc.gz"
    run_cli("export", "--db", str(demo_archive), "--format", "warc", "--output", str(out))
    return out


@pytest.fixture(scope="module")
def records(warc) -> list[dict]:
    from warcio.archiveiterator import ArchiveIterator

    out = []
    with open(warc, "rb") as stream:
        for record in ArchiveIterator(stream):
            http = record.http_headers
            out.append(
                {
                    "type": record.rec_type,
                    "uri": record.rec_headers.get_header("WARC-Target-URI"),
                    "id": record.rec_headers.get_header("WARC-Record-ID"),
                    "headers": dict(record.rec_headers.headers),
                    "status": http.get_statuscode()
                    if http and record.rec_type != "request"
                    else None,
                    "http": dict(http.headers) if http else {},
                    "payload": record.content_stream().read(),
                }
            )
    return out


def of_type(records: list[dict], *types: str) -> list[dict]:
    return [r for r in records if r["type"] in types]


@pytest.fixture(scope="module")
def gone_url(demo_archive) -> str:
    with Archive(demo_archive) as archive:
        return archive.conn.execute("SELECT url FROM documents WHERE status = 'gone'").fetchone()[0]


def test_warcio_check_passes(warc) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from warcio.cli import main; main()", "check", str(warc)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_first_record_is_warcinfo(records) -> None:
    assert records[0]["type"] == "warcinfo"


def test_warcinfo_names_the_chain_checkpoint(demo_archive, records) -> None:
    with Archive(demo_archive) as archive:
        head = archive.conn.execute("SELECT head FROM checkpoints ORDER BY id DESC").fetchone()[0]
    assert head.encode() in records[0]["payload"]


def test_every_kept_capture_is_a_response_or_revisit(demo_archive, records) -> None:
    with Archive(demo_archive) as archive:
        kept = archive.conn.execute(
            "SELECT count(*) FROM fetches WHERE raw_sha256 IS NOT NULL"
        ).fetchone()[0]
    assert len(of_type(records, "response", "revisit")) == kept


def test_each_body_is_one_response_holding_its_bytes(demo_archive, records) -> None:
    with Archive(demo_archive) as archive:
        rows = archive.conn.execute(
            "SELECT url, raw_sha256 FROM fetches WHERE raw_sha256 IS NOT NULL ORDER BY id"
        ).fetchall()
    firsts = {}
    for row in rows:
        firsts.setdefault(row["raw_sha256"], row["url"])
    del firsts[hashlib.sha256(b"").hexdigest()]  # 304s: each its own (empty) response
    responses = [r for r in of_type(records, "response") if r["payload"]]
    assert sorted(
        (r["uri"], hashlib.sha256(r["payload"]).hexdigest()) for r in responses
    ) == sorted((url, sha) for sha, url in firsts.items())


def test_document_responses_carry_the_servers_date(records) -> None:
    documents = [r for r in of_type(records, "response") if r["uri"].endswith(".html")]
    assert documents and all("Date" in r["http"] for r in documents)


def test_document_responses_carry_the_servers_name(records) -> None:
    documents = [r for r in of_type(records, "response") if r["uri"].endswith(".html")]
    assert all(r["http"].get("Server", "").startswith("BaseHTTP") for r in documents)


def test_responses_carry_the_servers_address(records) -> None:
    assert all(
        r["headers"].get("WARC-IP-Address") == "127.0.0.1" for r in of_type(records, "response")
    )


def test_every_response_has_its_request(records) -> None:
    concurrent = {r["headers"].get("WARC-Concurrent-To") for r in of_type(records, "request")}
    assert all(r["id"] in concurrent for r in of_type(records, "response", "revisit"))


def test_requests_carry_the_user_agent(records) -> None:
    assert all(
        r["http"].get("User-Agent", "").startswith("govarchive/")
        for r in of_type(records, "request")
    )


def test_the_gone_document_has_its_404_answers(records, gone_url) -> None:
    answers = [r["status"] for r in of_type(records, "response", "revisit") if r["uri"] == gone_url]
    assert answers.count("404") == 2


def test_the_gone_documents_404_body_is_kept(records, gone_url) -> None:
    first = next(
        r for r in of_type(records, "response") if r["uri"] == gone_url and r["status"] == "404"
    )
    assert first["payload"]


def test_an_identical_payload_is_a_revisit(records) -> None:
    revisits = of_type(records, "revisit")
    assert revisits and all(r["headers"]["WARC-Profile"] == REVISIT_PROFILE for r in revisits)


def test_a_revisit_refers_to_an_earlier_capture(records) -> None:
    responses = {(r["uri"], r["headers"]["WARC-Date"]) for r in of_type(records, "response")}
    assert all(
        (r["headers"]["WARC-Refers-To-Target-URI"], r["headers"]["WARC-Refers-To-Date"])
        in responses
        for r in of_type(records, "revisit")
    )


def test_listing_pages_are_captured(records) -> None:
    assert any("index" in r["uri"] for r in of_type(records, "response"))


def test_every_event_is_a_metadata_record(demo_archive, records) -> None:
    with Archive(demo_archive) as archive:
        events = archive.conn.execute("SELECT count(*) FROM document_events").fetchone()[0]
    assert len(of_type(records, "metadata")) == events


def test_the_gone_verdict_says_how_it_was_confirmed(records, gone_url) -> None:
    verdicts = [
        json.loads(r["payload"]) for r in of_type(records, "metadata") if r["uri"] == gone_url
    ]
    gone = next(v for v in verdicts if v["event"] == "gone")
    assert gone["verdict"].startswith("gone (http-404), confirmed after 2 answers")


def test_the_gone_verdict_refers_to_the_404_answer(records, gone_url) -> None:
    by_id = {r["id"]: r for r in records}
    gone = next(
        r for r in of_type(records, "metadata")
        if r["uri"] == gone_url and json.loads(r["payload"])["event"] == "gone"
    )  # fmt: skip
    assert by_id[gone["headers"]["WARC-Refers-To"]]["status"] == "404"


def test_a_title_cannot_add_a_warcinfo_field(demo_archive, tmp_path) -> None:
    from warcio.archiveiterator import ArchiveIterator

    from archive.warc import CaptureWriter

    out = tmp_path / "x.warc.gz"
    with Archive(demo_archive) as archive, out.open("wb") as stream:
        CaptureWriter(archive, stream, "x.warc.gz", info={"title": "报告\r\nforged: yes"})
    with out.open("rb") as stream:
        info = next(iter(ArchiveIterator(stream))).content_stream().read().decode()
    assert "\nforged: yes" not in info
