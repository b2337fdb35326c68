"""Captures kept by a real crawl (the demo's three days): every answer with its heads,
body and server address, the removal's 404s included; time that only moves forward."""

from __future__ import annotations

from conftest import copy_archive, run_cli

from archive import Archive
from archive.captures import split_head, unpack_head


def rows(db, sql: str, *params: object) -> list:
    with Archive(db) as archive:
        return archive.conn.execute(sql, params).fetchall()


def count(db, where: str) -> int:
    return rows(db, f"SELECT count(*) FROM fetches WHERE {where}")[0][0]


def gone_answers(db) -> list:
    return rows(
        db,
        "SELECT f.* FROM fetches f JOIN documents d ON d.url = f.url"
        " WHERE d.status = 'gone' AND f.status = 404",
    )


def test_every_answer_keeps_its_response_head(demo_archive) -> None:
    assert count(demo_archive, "status IS NOT NULL AND response_head IS NULL") == 0


def test_every_answer_keeps_its_request_head(demo_archive) -> None:
    assert count(demo_archive, "status IS NOT NULL AND request_head IS NULL") == 0


def test_every_answer_keeps_its_body(demo_archive) -> None:
    assert count(demo_archive, "status IS NOT NULL AND raw_sha256 IS NULL") == 0


def test_listing_pages_are_kept(demo_archive) -> None:
    assert count(demo_archive, "kind = 'list' AND raw_sha256 IS NOT NULL") > 0


def test_the_removed_documents_404s_are_kept(demo_archive) -> None:
    assert len(gone_answers(demo_archive)) == 2


def test_a_404_keeps_the_body_the_server_sent(demo_archive) -> None:
    with Archive(demo_archive) as archive:
        body = archive.capture_body(gone_answers(demo_archive)[0]["raw_sha256"])
    assert body and b"404" in body


def test_a_404_keeps_its_status_line(demo_archive) -> None:
    head = unpack_head(gone_answers(demo_archive)[0]["response_head"])
    assert head.split("\r\n")[0] == "HTTP/1.1 404 Not Found"


def test_a_404_keeps_the_servers_date_header(demo_archive) -> None:
    _, headers = split_head(unpack_head(gone_answers(demo_archive)[0]["response_head"]))
    assert any(name == "Date" for name, _ in headers)


def test_the_request_head_names_the_crawler(demo_archive) -> None:
    _, headers = split_head(unpack_head(gone_answers(demo_archive)[0]["request_head"]))
    assert dict(headers)["User-Agent"].startswith("govarchive/")


def test_answers_keep_the_servers_address(demo_archive) -> None:
    peers = rows(demo_archive, "SELECT DISTINCT peer FROM fetches WHERE status IS NOT NULL")
    assert [row[0] for row in peers] == ["127.0.0.1"]


def test_attachment_fetches_point_at_the_stored_file(demo_archive) -> None:
    fetched = rows(
        demo_archive, "SELECT raw_sha256 FROM fetches WHERE kind = 'attachment' AND status = 200"
    )
    stored = {row[0] for row in rows(demo_archive, "SELECT sha256 FROM attachments")}
    assert fetched and {row[0] for row in fetched} <= stored


def test_attachments_are_not_kept_twice(demo_archive) -> None:
    assert (
        rows(
            demo_archive,
            "SELECT count(*) FROM raw_pages WHERE sha256 IN (SELECT sha256 FROM attachments)",
        )[0][0]
        == 0
    )


def test_a_crawl_earlier_than_the_archives_last_run_exits_2(
    demo_archive, demo_registry, tmp_path
) -> None:
    copy = copy_archive(demo_archive, tmp_path)
    done = run_cli(
        "crawl", "--sites", str(demo_registry), "--db", str(copy), "--now",
        "2020-01-01T02:00:00+08:00", check=False,
    )  # fmt: skip
    assert (done.returncode, "earlier than run" in done.stderr) == (2, True)


def test_a_refused_crawl_says_so_in_one_line(demo_archive, demo_registry, tmp_path) -> None:
    copy = copy_archive(demo_archive, tmp_path)
    done = run_cli(
        "crawl", "--sites", str(demo_registry), "--db", str(copy), "--now",
        "2020-01-01T02:00:00+08:00", check=False,
    )  # fmt: skip
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_refused_crawl_writes_nothing(demo_archive, demo_registry, tmp_path) -> None:
    copy = copy_archive(demo_archive, tmp_path)
    before = rows(copy, "SELECT count(*) FROM runs")[0][0]
    run_cli(
        "crawl", "--sites", str(demo_registry), "--db", str(copy), "--now",
        "2020-01-01T02:00:00+08:00", check=False,
    )  # fmt: skip
    assert rows(copy, "SELECT count(*) FROM runs")[0][0] == before


def test_the_demo_run_twice_writes_events_in_time_order(demo_archive_twice) -> None:
    from archive.clock import parse_iso

    events = rows(demo_archive_twice, "SELECT at FROM document_events ORDER BY id")
    stamps = [parse_iso(row[0]) for row in events]
    assert stamps == sorted(stamps)


def image_fetches(db) -> list:
    return rows(db, "SELECT * FROM fetches WHERE kind = 'image'")


def test_a_content_image_is_captured(demo_archive) -> None:
    assert [row["status"] for row in image_fetches(demo_archive)] == [200]


def test_a_captured_image_is_not_fetched_again(demo_archive) -> None:
    assert len(image_fetches(demo_archive)) == 1


def test_a_captured_image_is_kept_as_a_file(demo_archive) -> None:
    with Archive(demo_archive) as archive:
        body = archive.capture_body(image_fetches(demo_archive)[0]["raw_sha256"])
    assert body.startswith(b"\x89PNG")


def test_page_chrome_images_are_not_captured(demo_archive) -> None:
    assert not any("qrcode" in row["url"] for row in image_fetches(demo_archive))


def test_robots_txt_is_kept_each_night_for_each_site(demo_archive) -> None:
    runs = rows(demo_archive, "SELECT count(*) FROM runs")[0][0]
    sites = rows(demo_archive, "SELECT count(*) FROM sites")[0][0]
    assert count(demo_archive, "kind = 'robots' AND raw_sha256 IS NOT NULL") == runs * sites


def test_a_kept_robots_txt_is_the_servers_text(demo_archive) -> None:
    sha = rows(demo_archive, "SELECT raw_sha256 FROM fetches WHERE kind = 'robots'")[0][0]
    with Archive(demo_archive) as archive:
        assert archive.capture_body(sha).lower().startswith(b"user-agent")
