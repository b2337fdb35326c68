"""What travels between workers and the ingest (crawler.distributed.messages): JSON rebuilt
by declared types, foreign payloads refused, large bytes in bounded chunks through a real
redis-server."""

from __future__ import annotations

import json
import pickle

import pytest

from crawler.distributed.messages import BLOB_BYTES, Envelope, MessageError, blob_refs, pack, unpack
from crawler.items import DocumentItem, FetchItem
from crawler.recorder import SiteReport
from parsers.record import Attachment, Record

ARCHIVE = "0f6f3e8e-8d4f-4c1c-9f5f-2b9f3c3a1a11"


def document() -> DocumentItem:
    record = Record(url="http://gov.test/1.html", title="关于印发法治政府建设实施方案的通知",
                    attachments=[Attachment(name="方案.pdf", url="http://gov.test/a.pdf")])  # fmt: skip
    fetch = FetchItem(site="s", url=record.url, kind="detail", status=200, body=b"\x00\xffhtml")
    return DocumentItem(site="s", record=record, fetch=fetch, delisted_evidence={"walk": 3})


def test_an_item_comes_back_as_it_was_sent() -> None:
    item = document()
    assert unpack(pack(Envelope(ARCHIVE, 1, "s", 1, 1, "item", item))).payload == item


def test_a_report_keeps_its_set_of_listed_urls() -> None:
    report = SiteReport(True, True, frozenset({"http://gov.test/1.html", "http://gov.test/2.html"}))
    assert unpack(pack(Envelope(ARCHIVE, 1, "s", 1, 9, "close", report))).payload == report


def test_a_message_is_json_text() -> None:
    body = json.loads(pack(Envelope(ARCHIVE, 1, "s", 1, 1, "item", document())))
    assert (body["type"], body["seq"]) == ("DocumentItem", 1)


class Trap:
    def __reduce__(self):
        return (print, ("executed",))


def test_a_pickled_payload_is_refused() -> None:
    with pytest.raises(MessageError):
        unpack(pickle.dumps(Trap()))


def _tampered(change) -> bytes:
    body = json.loads(pack(Envelope(ARCHIVE, 1, "s", 1, 1, "item", document())))
    change(body)
    return json.dumps(body).encode()


def test_an_item_type_outside_the_list_is_refused() -> None:
    with pytest.raises(MessageError, match="unknown item type"):
        unpack(_tampered(lambda body: body.update(type="Popen")))


def test_a_field_the_item_does_not_declare_is_refused() -> None:
    with pytest.raises(MessageError, match="unknown fields"):
        unpack(_tampered(lambda body: body["payload"].update(command="rm -rf /")))


def test_a_value_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(MessageError, match="expected str"):
        unpack(_tampered(lambda body: body["payload"]["record"].update(title=["a", "b"])))


@pytest.fixture(scope="module")
def redis_server():
    from crawler.demo.redis_server import RedisServer

    with RedisServer() as server:
        yield server


@pytest.fixture()
def blobs(redis_server):
    from redis import Redis

    from crawler.distributed.keys import Namespace
    from crawler.distributed.pipeline import BlobStore

    return BlobStore(Redis.from_url(redis_server.url), Namespace(ARCHIVE))


def big_attachment_fetch() -> FetchItem:
    data = bytes(range(256)) * (BLOB_BYTES * 5 // 2 // 256)
    return FetchItem(
        site="s", url="http://gov.test/budget.xlsx", kind="attachment", status=200, body=data
    )


def test_large_bytes_travel_beside_the_message(blobs) -> None:
    raw = pack(Envelope(ARCHIVE, 1, "s", 1, 2, "item", big_attachment_fetch()), blobs.put)
    assert len(raw) < 2000


def test_large_bytes_travel_in_chunks_of_at_most_a_megabyte(blobs) -> None:
    raw = pack(Envelope(ARCHIVE, 1, "s", 1, 2, "item", big_attachment_fetch()), blobs.put)
    (key,) = blob_refs(raw)
    sizes = [len(chunk) for chunk in blobs.redis.lrange(key, 0, -1)]
    assert (len(sizes), max(sizes)) == (3, BLOB_BYTES)


def test_large_bytes_come_back_whole(blobs) -> None:
    item = big_attachment_fetch()
    raw = pack(Envelope(ARCHIVE, 1, "s", 1, 2, "item", item), blobs.put)
    assert unpack(raw, blobs.get).payload.body == item.body


def test_a_blob_outside_the_archive_s_keys_is_refused(blobs) -> None:
    raw = pack(Envelope(ARCHIVE, 1, "s", 1, 2, "item", big_attachment_fetch()), blobs.put)
    forged = raw.replace(f"govarchive:{ARCHIVE}:blob:".encode(), b"rq:job:")
    with pytest.raises(MessageError, match="outside this archive"):
        unpack(forged, blobs.get)


def test_the_ingest_records_a_large_attachment_and_forgets_its_blob(tmp_path, redis_server) -> None:
    from redis import Redis

    from archive import Archive
    from crawler.distributed.ingest import ingest
    from crawler.distributed.keys import Namespace
    from crawler.distributed.pipeline import BlobStore

    db = tmp_path / "archive.db"
    with Archive(db) as archive:
        keys = Namespace(archive.archive_id)
        run_id = archive.queue_run("test", ["s"])
    redis = Redis.from_url(redis_server.url)
    store = BlobStore(redis, keys)
    opened = Envelope(keys.archive_id, run_id, "s", 1, 1, "open", ({"name": "s"}, None))
    item = big_attachment_fetch()
    raw = pack(Envelope(keys.archive_id, run_id, "s", 1, 2, "item", item), store.put)
    redis.rpush(keys.items, pack(opened), raw)
    result = ingest(str(db), redis_server.url, idle_seconds=0.5)
    with Archive(db) as archive:
        sha = archive.conn.execute("SELECT raw_sha256 FROM fetches").fetchone()[0]
        kept = archive.capture_body(sha)
    assert (result.errors, kept == item.body, redis.exists(*blob_refs(raw))) == (0, True, 0)
