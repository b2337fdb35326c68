"""parsers.filenames: attachment names in every encoding servers use."""

from __future__ import annotations

from urllib.parse import quote

from parsers.filenames import attachment_name, name_from_disposition, name_from_url

NAME = "附件1：任务分工表.docx"


def test_rfc5987_filename_star() -> None:
    header = f"attachment; filename*=UTF-8''{quote(NAME)}".encode()
    assert name_from_disposition(header) == NAME


def test_raw_utf8_bytes_in_filename() -> None:
    assert name_from_disposition(b'attachment; filename="' + NAME.encode("utf-8") + b'"') == NAME


def test_raw_gbk_bytes_in_filename() -> None:
    assert name_from_disposition(b'attachment; filename="' + NAME.encode("gbk") + b'"') == NAME


def test_percent_encoded_gbk_in_filename() -> None:
    header = b"attachment; filename=" + quote(NAME.encode("gbk")).encode()
    assert name_from_disposition(header) == NAME


def test_filename_star_wins_over_filename() -> None:
    header = f"attachment; filename=\"fallback.docx\"; filename*=UTF-8''{quote(NAME)}".encode()
    assert name_from_disposition(header) == NAME


def test_percent_encoded_utf8_url() -> None:
    assert name_from_url("http://example.gov.cn/files/" + quote(NAME)) == NAME


def test_percent_encoded_gbk_url() -> None:
    assert name_from_url("http://example.gov.cn/files/" + quote(NAME.encode("gbk"))) == NAME


def test_hanweb_downfile_query_name() -> None:
    url = "http://example.gov.cn/module/download/downfile.jsp?classid=0&filename=" + quote(NAME)
    assert name_from_url(url) == NAME


def test_link_text_preferred() -> None:
    assert (
        attachment_name("任务分工表", "http://x/W0123.docx", b'attachment; filename="W0123.docx"')
        == "任务分工表"
    )


def test_server_name_when_link_text_is_empty() -> None:
    assert (
        attachment_name(
            "", "http://x/download?id=5", b'attachment; filename="' + NAME.encode("gbk") + b'"'
        )
        == NAME
    )
