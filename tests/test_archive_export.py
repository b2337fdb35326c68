"""archive.export and `govarchive export`: rows of each kind, --since as any event, CSV
for Excel, and WARC records read back byte for byte."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import run_cli

from archive import Archive


def export(demo_archive, *args: str, check: bool = True):
    return run_cli("export", "--db", str(demo_archive), *args, check=check)


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line]


def test_csv_starts_with_a_bom(demo_archive, tmp_path) -> None:
    out = tmp_path / "d.csv"
    export(demo_archive, "--format", "csv", "--output", str(out))
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_csv_reads_back_as_chinese(demo_archive, tmp_path) -> None:
    out = tmp_path / "d.csv"
    export(demo_archive, "--format", "csv", "--output", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert any("法治政府" in row["title"] for row in rows)


def test_since_includes_a_document_gone_that_day(demo_archive) -> None:
    with Archive(demo_archive) as archive:
        gone_at = archive.conn.execute(
            "SELECT gone_at FROM documents WHERE status = 'gone'"
        ).fetchone()[0]
    rows = jsonl(export(demo_archive, "--since", gone_at[:10]).stdout)
    assert [r["status"] for r in rows] == ["gone"]


def test_changed_only_leaves_out_the_gone_document(demo_archive) -> None:
    with Archive(demo_archive) as archive:
        day2 = archive.conn.execute("SELECT min(at) FROM document_events WHERE event = 'changed'")
        since = day2.fetchone()[0]
    rows = jsonl(export(demo_archive, "--since", since, "--changed-only").stdout)
    assert sorted(r["version_count"] for r in rows) == [1, 2]  # the new one and the edited one


def test_bad_since_exits_2(demo_archive) -> None:
    done = export(demo_archive, "--since", "yesterday", check=False)
    assert (done.returncode, "--since" in done.stderr) == (2, True)


@pytest.mark.parametrize(
    ("what", "column"),
    [("versions", "version"), ("events", "event"), ("attachments", "sha256")],
)
def test_export_each_kind(demo_archive, what: str, column: str) -> None:
    rows = jsonl(export(demo_archive, "--what", what).stdout)
    assert rows and all(column in row for row in rows)


def test_events_export_has_every_event(demo_archive) -> None:
    with Archive(demo_archive) as archive:
        total = archive.conn.execute("SELECT count(*) FROM document_events").fetchone()[0]
    assert len(jsonl(export(demo_archive, "--what", "events").stdout)) == total


def test_the_documents_export_carries_attachment_text(demo_archive) -> None:
    with Archive(demo_archive) as archive:
        doc_id, text = archive.conn.execute(
            "SELECT id, attachment_text FROM documents WHERE attachment_text IS NOT NULL LIMIT 1"
        ).fetchone()
    rows = {r["id"]: r for r in jsonl(export(demo_archive).stdout)}
    assert rows[doc_id]["attachment_text"] == text


def test_the_attachments_export_gives_each_files_stored_path(demo_archive) -> None:
    rows = jsonl(export(demo_archive, "--what", "attachments").stdout)
    files = demo_archive.parent / f"{demo_archive.name}.files"
    stored = [r for r in rows if r["sha256"]]
    assert stored and all((files / r["stored_path"]).is_file() for r in stored)
