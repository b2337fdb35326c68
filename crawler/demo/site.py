"""The demo sites' pages, built in memory for one "day" of the demo.

Two replica sites in the page styles of real CMS families seen in ../shared/corpus:

* ``trs`` — a county portal on TRS WCM: column ``/zwgk/fzzfjs/index.html``,
  ``index_1.html``… paginated by ``createPageHTML``; details at
  ``/zwgk/fzzfjs/202503/t20250325_10001.html`` with a 信息公开 metadata table.
* ``hanweb`` — a county portal on Hanweb 大汉: column ``/col/col42016/index.html`` with
  its first records inline, the rest from ``/module/web/jpage/dataproxy.jsp``; details
  at ``/art/2025/3/25/art_42016_2000001.html``; attachments via ``downfile.jsp``.

Both carry realistic chrome (breadcrumbs, 字号 大中小, 打印, 关闭窗口, 分享到, 扫一扫,
related links, footers with 网站标识码 and ICP); the Hanweb seed-003 page reproduces that
seed's noisy Shandong-style header.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from importlib import resources
from string import Template

from crawler.demo.attachments import make_chart_png, make_docx, make_pdf
from crawler.demo.documents import DemoDocument

SITE_TITLES = {"trs": "旺苍县人民政府（演示）", "hanweb": "沂源县人民政府（演示）"}
TRS_COLUMN = "/zwgk/fzzfjs/"
TRS_PER_PAGE = 7
HANWEB_COLUMN_ID = "42016"
HANWEB_WEBID = "37"
HANWEB_UNIT_ID = "255021"
HANWEB_PER_PAGE = 4
# Records a Hanweb column page carries inline (one group: 3 pages).
HANWEB_INLINE = HANWEB_PER_PAGE * 3
REGENERATED = "2025-04-01 03:00:00"  # what the PubDate/Maketime meta says: not a document date


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"


def _template(name: str) -> Template:
    text = (resources.files("crawler.demo") / "templates" / name).read_text(encoding="utf-8")
    return Template(text)


def _paragraphs(lines: list[str]) -> str:
    return "\n".join(f'<p style="text-indent:2em;">{escape(line)}</p>' for line in lines)


def _cn_date(iso: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{y}年{m}月{d}日"


def doc_serial(doc: DemoDocument) -> int:
    """A stable number for a document's URL."""
    return 10000 + int(hashlib.sha1(doc.key.encode()).hexdigest()[:8], 16) % 89_990_000


def trs_path(doc: DemoDocument) -> str:
    ymd = doc.publish_date.replace("-", "")
    return f"{TRS_COLUMN}{ymd[:6]}/t{ymd}_{doc_serial(doc)}.html"


def hanweb_path(doc: DemoDocument) -> str:
    y, m, d = (int(x) for x in doc.publish_date.split("-"))
    return f"/art/{y}/{m}/{d}/art_{HANWEB_COLUMN_ID}_{2000000 + doc_serial(doc)}.html"


def _related_links(
    docs: list[DemoDocument], doc: DemoDocument, path_of: Callable[[DemoDocument], str]
) -> str:
    """The 相关链接 list of a detail page: the site's newest other documents."""
    return "".join(
        f'<li><a href="{path_of(d)}">{escape(d.title)}</a></li>' for d in docs[:3] if d is not doc
    )


def attachment_files(doc: DemoDocument) -> list[tuple[str, str, bytes, str]]:
    """(name, file name, bytes, MIME type) for each attachment of a document."""
    out = []
    for n, (kind, name) in enumerate(doc.attachments, start=1):
        lines = [f"{doc.title}", f"附件{n}：{name}", *doc.body[:2]]
        stem = f"{'P' if kind == 'pdf' else 'W'}0{doc.publish_date.replace('-', '')}{doc_serial(doc)}{n}"
        if kind == "pdf":
            out.append((name, f"{stem}.pdf", make_pdf(name, lines), "application/pdf"))
        else:
            mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            out.append((name, f"{stem}.docx", make_docx(lines), mime))
    return out


def build_trs(docs: list[DemoDocument]) -> dict[str, Page]:
    pages: dict[str, Page] = {}
    site_title = SITE_TITLES["trs"]
    mine = [d for d in docs if d.site == "trs"]
    count = max(1, -(-len(mine) // TRS_PER_PAGE))
    for n in range(count):
        chunk = mine[n * TRS_PER_PAGE : (n + 1) * TRS_PER_PAGE]
        items = "\n".join(
            f'      <li><a href=".{trs_path(d)[len(TRS_COLUMN) - 1 :]}" target="_blank" title="{escape(d.title)}">'
            f'{escape(d.title)}</a><span class="date">{d.publish_date}</span></li>'
            for d in chunk
        )
        html = _template("trs_list.html").substitute(
            site_title=site_title, items=items, count_page=count, current_page=n
        )
        name = "index.html" if n == 0 else f"index_{n}.html"
        pages[f"{TRS_COLUMN}{name}"] = Page(html.encode("utf-8"))
    pages[TRS_COLUMN] = pages[f"{TRS_COLUMN}index.html"]
    for doc in mine:
        path = trs_path(doc)
        folder = path.rsplit("/", 1)[0]
        links = []
        for name, filename, data, mime in attachment_files(doc):
            pages[f"{folder}/{filename}"] = Page(data, mime)
            links.append(
                f'<p>附件：<a href="./{filename}" OLDSRC="{filename}">{escape(name)}</a></p>'
            )
        body_html = _paragraphs(doc.body)
        if doc.figure is not None:
            caption, values = doc.figure
            image = f"W0{doc.publish_date.replace('-', '')}{doc_serial(doc)}chart.png"
            pages[f"{folder}/{image}"] = Page(make_chart_png(values), "image/png")
            body_html += (
                f'\n<p style="text-align:center;"><img src="./{image}" alt="{escape(caption)}"'
                f' border="0"></p>\n<p style="text-align:center;">{escape(caption)}</p>'
            )
        related = _related_links(mine, doc, trs_path)
        html = _template("trs_detail.html").substitute(
            site_title=site_title,
            title=escape(doc.title),
            issuer=escape(doc.issuer),
            index_no=escape(doc.index_no),
            topic=escape(doc.topic),
            doc_date_cn=_cn_date(doc.doc_date),
            doc_no=escape(doc.doc_no),
            publish_date=doc.publish_date,
            regenerated=REGENERATED,
            body_html=body_html,
            attachments_html="\n".join(links),
            related=related,
        )
        pages[path] = Page(html.encode("utf-8"))
    return pages


def _hanweb_record(doc: DemoDocument) -> str:
    return (
        f'<record><![CDATA[<li><a href="{hanweb_path(doc)}" target="_blank" title="{escape(doc.title)}">'
        f'{escape(doc.title)}</a><b readlabel="{doc.publish_date}">{doc.publish_date}</b></li>]]></record>'
    )


def hanweb_dataproxy(docs: list[DemoDocument], start: int, end: int) -> Page:
    """The XML a Hanweb dataproxy.jsp answers for records ``start``..``end`` (1-based)."""
    mine = [d for d in docs if d.site == "hanweb"]
    chunk = mine[max(0, start - 1) : max(0, end)]
    pages = -(-len(mine) // HANWEB_PER_PAGE)
    xml = (
        f"<datastore><totalrecord>{len(mine)}</totalrecord><totalpage>{pages}</totalpage>"
        f"<recordset>{''.join(_hanweb_record(d) for d in chunk)}</recordset></datastore>"
    )
    return Page(xml.encode("utf-8"), "text/xml; charset=utf-8")


def _hanweb_header(doc: DemoDocument, site_title: str) -> str:
    if doc.noisy_header:
        # The Shandong-style header of seed 003: site name, metadata rows, title, 字号, 打印.
        return f"""  <div class="site-name">{escape(doc.issuer)}</div>
  <table class="xxgk_table">
    <tr><td>标题:</td><td colspan="3">{escape(doc.title)}</td></tr>
    <tr><td>索引号:</td><td>{escape(doc.index_no)}</td><td>文号:</td><td>{escape(doc.doc_no)}</td></tr>
    <tr><td>发文日期:</td><td>{doc.doc_date}</td><td>发布机构:</td><td>{escape(doc.issuer)}</td></tr>
  </table>
  <h1 class="art-title">{escape(doc.title)}</h1>
  <div class="art-info">发布日期:{doc.publish_date}
    <ul class="tools"><li>字号: <a>大</a> <a>中</a> <a>小</a></li><li>|</li><li><a href="javascript:window.print()">打印</a></li></ul>
  </div>"""
    return f"""  <div class="sp_title">{escape(doc.title)}</div>
  <div class="sp_time"><font>时间：{doc.publish_date} 09:30</font> <font>来源：{escape(doc.issuer)}</font>
    <font>字号：<a class="on default">默认</a> <a class="small">小</a> <a class="big">大</a></font></div>
  <table class="xxgk"><tr><td>索引号: {escape(doc.index_no)}</td><td>文件编号: {escape(doc.doc_no)}</td><td>发布机构: {escape(doc.issuer)}</td></tr>
    <tr><td>成文日期: {doc.doc_date}</td><td>主题分类: {escape(doc.topic)}</td><td>公开方式: 主动公开</td></tr></table>"""


def build_hanweb(docs: list[DemoDocument]) -> dict[str, Page]:
    pages: dict[str, Page] = {}
    site_title = SITE_TITLES["hanweb"]
    mine = [d for d in docs if d.site == "hanweb"]
    html = _template("hanweb_column.html").substitute(
        site_title=site_title,
        column_id=HANWEB_COLUMN_ID,
        webid=HANWEB_WEBID,
        unit_id=HANWEB_UNIT_ID,
        webname=site_title,
        perpage=HANWEB_PER_PAGE,
        total=len(mine),
        records="\n".join(_hanweb_record(d) for d in mine[:HANWEB_INLINE]),
    )
    pages[f"/col/col{HANWEB_COLUMN_ID}/index.html"] = Page(html.encode("utf-8"))
    for doc in mine:
        links = []
        for name, filename, data, mime in attachment_files(doc):
            pages[f"/module/download/downfile.jsp?classid=0&filename={filename}"] = Page(data, mime)
            links.append(
                f'<p>附件：<a href="/module/download/downfile.jsp?classid=0&amp;filename={filename}">'
                f"{escape(name)}</a></p>"
            )
        title_lines = ""
        if doc.noisy_header and "关于" in doc.title:
            # The content repeats the title split in two lines, as seed 003's page does.
            head, _, rest = doc.title.partition("关于")
            title_lines = f"<p>{escape(head)}</p>\n<p>关于{escape(rest)}</p>\n<p>&nbsp;</p>\n"
        related = _related_links(mine, doc, hanweb_path)
        html = _template("hanweb_detail.html").substitute(
            site_title=site_title,
            title=escape(doc.title),
            column_id=HANWEB_COLUMN_ID,
            regenerated=REGENERATED,
            header_html=_hanweb_header(doc, site_title),
            body_html=title_lines + _paragraphs(doc.body),
            attachments_html="\n".join(links),
            related=related,
        )
        pages[hanweb_path(doc)] = Page(html.encode("utf-8"))
    return pages


def robots_txt() -> Page:
    return Page(b"User-agent: *\nDisallow: /private/\n", "text/plain; charset=utf-8")
