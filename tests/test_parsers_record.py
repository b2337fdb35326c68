"""parsers.record: a record's text never carries control characters (terminal commands,
XML errors, invisible differences), whatever the page held."""

from __future__ import annotations

from parsers import parse_page
from parsers.record import Attachment, Record, strip_controls

OSC52 = "\x1b]52;c;Y2FsYw==\x07"  # a terminal's "write the clipboard"
PAGE = f"""<html><head><meta charset="utf-8"><title>标题{OSC52}</title></head><body>
<h1>关于印发\x1b[2J工作方案的通知</h1>
<table><tr><td>发布机构：</td><td>某县\x07人民政府</td></tr></table>
<div class="TRS_Editor"><p>各乡镇人民政府：</p><p>现将方案印发给你们，请认真贯彻执行。{OSC52}</p>
<p>某县人民政府</p><p>2025年3月1日</p></div></body></html>""".encode()


def test_a_parsed_title_has_no_escape() -> None:
    assert "\x1b" not in (parse_page(PAGE, "http://www.example.gov.cn/1.html").title or "")


def test_a_parsed_body_has_no_bell() -> None:
    assert "\x07" not in parse_page(PAGE, "http://www.example.gov.cn/1.html").body_text


def test_the_bodys_text_stays() -> None:
    assert "请认真贯彻执行" in parse_page(PAGE, "http://www.example.gov.cn/1.html").body_text


def test_a_stored_record_read_back_loses_its_controls() -> None:
    record = Record.from_dict({"url": "u", "title": "a\x1b[2Jb", "attachments": []})
    assert record.title == "a[2Jb"  # the escape gone, the rest harmless text


def test_an_attachment_name_loses_its_controls() -> None:
    record = Record(
        url="u", attachments=[Attachment(name="附件\x9b1", url="http://www.example.gov.cn/1.pdf")]
    )
    assert record.attachments[0].name == "附件1"


def test_tab_and_newline_are_text() -> None:
    assert strip_controls("a\tb\nc\rd\x00e") == "a\tb\ncde"
