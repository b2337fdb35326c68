"""parsers.bundles on RAR and 7z: RAR 4 and RAR 5 archives the project writes
(``crawler.demo.bundles``, members stored) and LZMA-compressed 7z archives written by
libarchive, each read back member by member through libarchive; hostile ones (a
compression bomb, "../" names, damaged headers, nesting) end as recorded errors or refused
members, never an exception. The ZIP cases are in test_parsers_formats.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import libarchive
import pytest

from crawler.demo.attachments import make_docx, make_pdf
from crawler.demo.bundles import make_7z, make_rar4, make_rar5
from parsers import bundles
from parsers.attachments import read_attachment, sniff_mime

PARAGRAPHS = ["关于公布2025年度行政处罚结果的通知", "各乡镇人民政府：", "现将结果予以公布。"]
TABLE_TEXT = "项目,预算数（万元）\n教育,3400\n".encode("gbk")


WRITERS = {"rar4": make_rar4, "rar5": make_rar5, "7z": make_7z}
MEMBERS = {
    "附件1/处罚结果.pdf": make_pdf("处罚结果", PARAGRAPHS[:1]),
    "附件2.docx": make_docx(PARAGRAPHS[1:]),
    "附件3 预算表.txt": TABLE_TEXT,
}


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@pytest.mark.parametrize("kind", WRITERS)
def test_each_member_is_read_under_its_name(kind: str) -> None:
    bundle = WRITERS[kind](MEMBERS)
    assert lines(read_attachment(bundle, None, f"附件.{kind[:3]}").text) == [
        "== 附件1/处罚结果.pdf ==", "处罚结果", PARAGRAPHS[0],
        "== 附件2.docx ==", *PARAGRAPHS[1:],
        "== 附件3 预算表.txt ==", "项目,预算数（万元）", "教育,3400",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "mime"),
    [("rar4", "application/vnd.rar"), ("rar5", "application/vnd.rar"),
     ("7z", "application/x-7z-compressed")],
)  # fmt: skip
def test_a_bundle_is_typed_by_its_bytes_whatever_its_name(kind: str, mime: str) -> None:
    assert sniff_mime(WRITERS[kind](MEMBERS), "application/octet-stream", "download.do") == mime


@pytest.mark.parametrize("kind", ["rar4", "rar5"])
def test_chinese_names_survive_a_bare_c_locale(kind: str, tmp_path) -> None:
    """A cron job under LC_ALL=C: libarchive would drop every non-ASCII name."""
    path = tmp_path / "bundle.rar"
    path.write_bytes(WRITERS[kind]({"附件/表1.txt": "表一".encode()}))
    script = (
        "import sys; from parsers.attachments import read_attachment;"
        "print(read_attachment(open(sys.argv[1], 'rb').read(), None, 'a.rar').text)"
    )
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "utf-8"}
    shown = subprocess.run(
        [sys.executable, "-c", script, str(path)], env=env, capture_output=True, check=True
    ).stdout.decode()
    assert lines(shown) == ["== 附件/表1.txt ==", "表一"]


@pytest.mark.parametrize("kind", WRITERS)
def test_a_member_outside_the_bundle_is_refused(kind: str) -> None:
    bundle = WRITERS[kind]({"../../etc/cron.d/x.txt": b"* * * * * root sh", "ok.txt": b"fine"})
    assert lines(read_attachment(bundle, None, "a").text) == [
        "== ../../etc/cron.d/x.txt == (refused: a path outside the bundle)",
        "== ok.txt ==",
        "fine",
    ]


def test_a_windows_style_escape_is_refused_too() -> None:
    """RAR 4 writes folders with backslashes: "..\\..\\x" climbs as well."""
    bundle = make_rar4({"..\\..\\x.txt": b"escape"})
    assert "refused" in (read_attachment(bundle, None, "a.rar").text or "")


def test_a_7z_bomb_is_refused_without_unpacking_it_whole() -> None:
    bomb = make_7z({"zeros.txt": b"\0" * (20 * 1024 * 1024)})
    read = read_attachment(bomb, None, "bomb.7z")
    assert (read.text, "a bomb" in (read.error or "")) == (None, True)


def test_a_bomb_is_refused_within_its_bound(monkeypatch) -> None:
    """No more than the bound is ever held: the reader stops at it."""
    seen: list[int] = []
    real = bundles._reader

    def counting(entry, kind):
        read = real(entry, kind)

        def wrapped(limit: int) -> bytes:
            seen.append(limit)
            return read(limit)

        return wrapped

    monkeypatch.setattr(bundles, "_reader", counting)
    bomb = make_7z({"zeros.txt": b"\0" * (20 * 1024 * 1024)})
    read_attachment(bomb, None, "bomb.7z")
    assert seen == [bundles.MAX_RATIO * len(bomb)]


def test_a_rar_of_too_many_files_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(bundles, "MAX_MEMBERS", 3)
    bundle = make_rar5({f"{n}.txt": b"x" for n in range(4)})
    assert "RAR of more than 3 files" in (read_attachment(bundle, None, "many.rar").error or "")


def test_a_damaged_member_is_named_and_the_rest_kept() -> None:
    bundle = bytearray(make_rar5({"a.txt": "第一份。".encode(), "b.txt": "第二份。".encode()}))
    second = bundle.index("第二份".encode())
    bundle[second] ^= 0xFF  # the stored CRC-32 no longer matches
    text = lines(read_attachment(bytes(bundle), None, "a.rar").text)
    assert text[:2] == ["== a.txt ==", "第一份。"]
    assert text[2].startswith("== b.txt == (unreadable:")


def test_a_truncated_rar_is_a_recorded_error() -> None:
    bundle = make_rar4(MEMBERS)[:40]
    read = read_attachment(bundle, None, "cut.rar")
    assert (read.text, (read.error or "").startswith("text-extraction:")) == (None, True)


def test_a_rar_inside_a_7z_is_read() -> None:
    inner = make_rar4({"内层.txt": "内层的文字。".encode()})
    outer = make_7z({"外层.rar": inner})
    assert lines(read_attachment(outer, None, "a.7z").text) == [
        "== 外层.rar ==",
        "== 内层.txt ==",
        "内层的文字。",
    ]


def test_bundles_nested_too_deep_are_not_read() -> None:
    inner = make_rar5({"a.txt": "深处的文字。".encode()})
    for level in range(bundles.MAX_DEPTH + 1):
        inner = make_rar5({f"level{level}.rar": inner})
    assert "深处" not in (read_attachment(inner, None, "nest.rar").text or "")


def test_links_in_a_bundle_are_not_followed(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("passwd").symlink_to("/etc/passwd")
    Path("note.txt").write_text("note.\n")
    out = bytearray()

    def write(block: bytes) -> int:
        out.extend(block)
        return len(block)

    with libarchive.custom_writer(write, "7zip") as archive:
        archive.add_files("passwd", "note.txt", symlink_mode="physical")
    assert lines(read_attachment(bytes(out), None, "a.7z").text) == ["== note.txt ==", "note."]


def test_a_name_holding_line_breaks_cannot_forge_a_members_heading() -> None:
    bundle = make_rar5({"a.txt\n== 决定书.pdf ==\n伪造.txt": "真实内容。".encode()})
    assert lines(read_attachment(bundle, None, "a.rar").text) == [
        "== a.txt == 决定书.pdf == 伪造.txt ==",
        "真实内容。",
    ]
