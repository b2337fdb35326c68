"""parsers.attachments over every format governments publish: files made by real
LibreOffice from DOCX and CSV (.doc, .rtf, .odt, .xlsx, .xls, .ods; saved, and read by
LibreOffice again where the archive reads them with it), an OFD built to
GB/T 33190, plain text in GBK and UTF-16, and ZIP bundles, hostile ones included; each
read back to the text it was made from."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from crawler.demo.attachments import make_docx, make_ofd, make_pdf
from parsers import bundles
from parsers.attachments import read_attachment, sniff_mime

PARAGRAPHS = [
    "关于印发《旺苍县2025年法治政府建设工作要点》的通知",
    "各乡镇人民政府，县政府各部门：",
    "现将《工作要点》印发给你们，请认真贯彻执行。",
]
TABLE = [
    ["项目", "预算数（万元）", "执行数（万元）"],
    ["一般公共服务", "1200", "1187.5"],
    ["教育", "3400", "3396"],
]


FORMATS = Path(__file__).parent / "fixtures" / "formats"


@pytest.fixture(scope="module")
def made() -> dict[str, bytes]:
    """Each format, made from the same text and table: the DOCX here, the others by the
    real LibreOffice (saved in ``fixtures/formats``; ``make_formats.py`` there remakes them)."""
    files = {"docx": make_docx(PARAGRAPHS)}
    for kind in ("doc", "rtf", "odt"):
        files[kind] = (FORMATS / f"notice.{kind}").read_bytes()
    for kind in ("xlsx", "xls", "ods"):
        files[kind] = (FORMATS / f"budget.{kind}").read_bytes()
    return files


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def word_processed(made) -> dict[str, str | None]:
    """The text LibreOffice reads from each word processor file (each read starts it)."""
    files = {"doc": "通知.doc", "rtf": "通知.rtf", "odt": "通知.odt", "wps": "通知.wps"}
    return {
        kind: read_attachment(made["doc" if kind == "wps" else kind], None, name).text
        for kind, name in files.items()
    }


@pytest.mark.parametrize("kind", ["doc", "rtf", "odt"])
def test_a_word_processor_file_gives_its_paragraphs(word_processed, kind: str) -> None:
    assert lines(word_processed[kind]) == PARAGRAPHS


@pytest.mark.parametrize("kind", ["doc", "rtf"])
def test_a_word_processor_file_is_typed_by_its_bytes(made, kind: str) -> None:
    mime = sniff_mime(made[kind], None, "download.do")
    assert mime == {"doc": "application/msword", "rtf": "application/rtf"}[kind]


def test_a_wps_file_in_words_format_is_read(word_processed) -> None:
    assert lines(word_processed["wps"]) == PARAGRAPHS


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_a_spreadsheet_keeps_its_rows(made, kind: str) -> None:
    text = read_attachment(made[kind], None, f"预算.{kind}").text
    assert lines(text)[1:] == [" | ".join(row) for row in TABLE]


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_a_spreadsheet_names_its_sheet(made, kind: str) -> None:
    assert lines(read_attachment(made[kind], None, f"预算.{kind}").text)[0].startswith("[")


def test_an_xls_file_is_told_from_a_doc_by_its_bytes(made) -> None:
    assert sniff_mime(made["xls"], None, "download.do") == "application/vnd.ms-excel"


def test_a_wps_spreadsheet_is_read_as_xls(made) -> None:
    assert lines(read_attachment(made["xls"], None, "预算.et").text)[1] == " | ".join(TABLE[0])


def test_an_ofd_gives_each_pages_lines() -> None:
    ofd = make_ofd([PARAGRAPHS[:2], PARAGRAPHS[2:]])
    assert lines(read_attachment(ofd, None, "通知.ofd").text) == PARAGRAPHS


def test_an_ofd_naming_a_page_outside_the_package_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", '<OFD xmlns="http://www.ofdspec.org/2016"><DocBody>'
                         "<DocRoot>../../etc/Document.xml</DocRoot></DocBody></OFD>")  # fmt: skip
    read = read_attachment(buffer.getvalue(), None, "x.ofd")
    assert (read.text, "outside the package" in (read.error or "")) == (None, True)


@pytest.mark.parametrize("encoding", ["gbk", "utf-16", "utf-8"])
def test_plain_text_in_any_encoding(encoding: str) -> None:
    data = "\n".join(PARAGRAPHS * 3).encode(encoding)
    assert lines(read_attachment(data, None, "说明.txt").text) == PARAGRAPHS * 3


class GbkName(zipfile.ZipInfo):
    """A member named as Chinese Windows names them: GBK bytes, no UTF-8 flag."""

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's own name
        return self.filename.encode("gbk"), self.flag_bits


def zipped(members: dict[str, bytes], gbk_names: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            info = (GbkName if gbk_names else zipfile.ZipInfo)(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def test_a_bundle_reads_each_member_under_its_name() -> None:
    bundle = zipped(
        {"附件1.pdf": make_pdf("附件1", PARAGRAPHS[:1]), "附件2.docx": make_docx(PARAGRAPHS[1:])}
    )
    assert lines(read_attachment(bundle, None, "附件.zip").text) == [
        "== 附件1.pdf ==", "附件1", PARAGRAPHS[0], "== 附件2.docx ==", *PARAGRAPHS[1:],
    ]  # fmt: skip


def test_a_bundle_with_gbk_names_keeps_them() -> None:
    bundle = zipped({"附件1.docx": make_docx(PARAGRAPHS)}, gbk_names=True)
    assert lines(read_attachment(bundle, None, "附件.zip").text)[0] == "== 附件1.docx =="


def test_a_member_outside_the_bundle_is_refused() -> None:
    bundle = zipped({"../../etc/passwd.txt": b"root:x:0:0"})
    assert lines(read_attachment(bundle, None, "a.zip").text) == [
        "== ../../etc/passwd.txt == (refused: a path outside the bundle)"
    ]


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    bomb = zipped({"zeros.txt": b"\0" * (20 * 1024 * 1024)})
    read = read_attachment(bomb, None, "bomb.zip")
    assert (read.text, "zip bomb" in (read.error or "")) == (None, True)


def test_bundles_nested_too_deep_are_not_read() -> None:
    inner = zipped({"a.txt": "深处的文字。".encode()})
    for level in range(bundles.MAX_DEPTH + 1):
        inner = zipped({f"level{level}.zip": inner})
    assert "深处" not in (read_attachment(inner, None, "nest.zip").text or "")


def test_a_bundle_of_too_many_files_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(bundles, "MAX_MEMBERS", 3)
    bundle = zipped({f"{n}.txt": b"x" for n in range(4)})
    assert "ZIP of 4 files" in (read_attachment(bundle, None, "many.zip").error or "")


def test_without_libreoffice_a_doc_says_how_to_install_it(made, monkeypatch) -> None:
    from parsers import legacy_office

    monkeypatch.setattr(legacy_office, "soffice", lambda: None)
    error = read_attachment(made["doc"], None, "通知.doc").error or ""
    assert "make office" in error


def test_control_characters_in_a_files_text_are_dropped() -> None:
    data = "标题\x1b[2J\x1b]52;c;ZXZpbA==\x07正文\x01。".encode()
    assert read_attachment(data, None, "说明.txt").text == "标题[2J]52;c;ZXZpbA==正文。"
