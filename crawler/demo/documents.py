"""The demo site's documents, built from the five seed reports in ``seeds/``.

Each seed is published whole, each of its numbered sections (一、二、…) again as an
excerpt, and three notices carry generated PDF/DOCX attachments: 32 documents on day one
spread over a TRS-style and a Hanweb-style site. The "next day" state edits one
document, removes one and publishes one more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from importlib import resources

SEEDS: tuple[dict[str, str], ...] = (
    {
        "file": "000_9abd37e7701c0530.txt",
        "title": "旺苍县2023年度法治政府建设工作情况报告",
        "issuer": "旺苍县人民政府",
        "site": "trs",
        "doc_no": "旺府〔2024〕3号",
    },
    {
        "file": "001_3c1d665bfff2c0a5.txt",
        "title": "双河街道2023年度法治政府建设情况报告",
        "issuer": "华蓥市双河街道办事处",
        "site": "trs",
        "doc_no": "双河办〔2024〕5号",
    },
    {
        "file": "002_1522abed237a65e5.txt",
        "title": "开州区2024年法治政府建设情况报告",
        "issuer": "重庆市开州区人民政府",
        "site": "trs",
        "doc_no": "开州府〔2025〕8号",
    },
    {
        "file": "003_0b7a354fb4ac3f12.txt",
        "title": "中共沂源县中庄镇委员会关于2022年度法治政府建设工作的报告",
        "issuer": "沂源县中庄镇人民政府",
        "site": "hanweb",
        "doc_no": "",
        "index_no": "1137032300422372XD/2023-None",
        "doc_date": "2023-02-01",
    },
    {
        "file": "004_ff14a83dfe9dc22c.txt",
        "title": "2023年度法治政府建设工作要点",
        "issuer": "沂源县司法局",
        "site": "hanweb",
        "doc_no": "沂司发〔2023〕12号",
    },
)
# Section headings: 一、 二、 … at the start of a line.
SECTION_HEADING = re.compile(r"^[一二三四五六七八九十]+、")
# The seed 003 file is a noisy page's text: its document starts after the split title.
SEED_003_BODY_START = "县委、县政府"
FIRST_DATE = date(2025, 3, 28)


@dataclass
class DemoDocument:
    """One document of the demo sites (``body`` lines are the clean text)."""

    key: str
    site: str  # "trs" or "hanweb"
    title: str
    issuer: str
    doc_no: str
    index_no: str
    doc_date: str
    publish_date: str
    body: list[str]
    topic: str = "政务公开\\法治政府建设"
    noisy_header: bool = False
    attachments: list[tuple[str, str]] = field(default_factory=list)  # (kind, name)
    seed_file: str | None = None
    # A bar chart shown in the text (its caption and values); the TRS site serves it.
    figure: tuple[str, list[int]] | None = None


def seed_text(name: str) -> str:
    return (resources.files("crawler.demo") / "seeds" / name).read_text(encoding="utf-8")


def seed_body(seed: dict[str, str]) -> list[str]:
    """The clean lines of a seed document."""
    lines = [line.strip() for line in seed_text(seed["file"]).splitlines()]
    if seed["file"].startswith("003_"):
        start = next(n for n, line in enumerate(lines) if line.startswith(SEED_003_BODY_START))
        lines = lines[start:]
    if lines and lines[0] == seed["title"]:
        lines = lines[1:]
    return [line for line in lines if line]


def sections(lines: list[str]) -> list[tuple[str, list[str]]]:
    """(heading, lines) for each 一、二、… section."""
    out: list[tuple[str, list[str]]] = []
    for line in lines:
        if SECTION_HEADING.match(line):
            out.append((SECTION_HEADING.sub("", line).strip("，,。 "), [line]))
        elif out:
            out[-1][1].append(line)
    return out


def day_one() -> list[DemoDocument]:
    """The 32 documents online on the demo's first day, newest first."""
    docs: list[DemoDocument] = []
    counter = 0

    def next_date() -> str:
        nonlocal counter
        counter += 1
        return (FIRST_DATE - timedelta(days=3 * counter)).isoformat()

    for n, seed in enumerate(SEEDS):
        body = seed_body(seed)
        published = seed.get("doc_date") or next_date()
        docs.append(
            DemoDocument(
                key=f"seed{n}",
                site=seed["site"],
                title=seed["title"],
                issuer=seed["issuer"],
                doc_no=seed["doc_no"],
                index_no=seed.get("index_no")
                or f"DEMO-{seed['site'].upper()}/{published[:4]}-{n + 1:05d}",
                doc_date=seed.get("doc_date") or published,
                publish_date=published,
                body=body,
                noisy_header=seed["file"].startswith("003_"),
                seed_file=seed["file"],
            )
        )
        for m, (heading, part) in enumerate(sections(body), start=1):
            when = next_date()
            docs.append(
                DemoDocument(
                    key=f"seed{n}-part{m}",
                    site=seed["site"],
                    title=f"{seed['title']}（{heading}）",
                    issuer=seed["issuer"],
                    doc_no="",
                    index_no=f"DEMO-{seed['site'].upper()}/{when[:4]}-{n + 1:02d}{m:03d}",
                    doc_date=when,
                    publish_date=when,
                    body=part,
                )
            )
    notices = (
        (
            "trs",
            "旺苍县人民政府办公室关于印发《旺苍县法治政府建设工作台账》的通知",
            "旺苍县人民政府办公室",
            "旺府办发〔2025〕11号",
            [("pdf", "旺苍县法治政府建设工作台账"), ("docx", "任务分工表")],
        ),
        (
            "hanweb",
            "沂源县司法局关于公开征求《法治政府建设考核办法》意见的通知",
            "沂源县司法局",
            "沂司发〔2025〕4号",
            [("docx", "法治政府建设考核办法（征求意见稿）")],
        ),
        (
            "trs",
            "开州区人民政府关于2024年度行政复议和应诉工作情况的通报",
            "重庆市开州区人民政府",
            "开州府发〔2025〕2号",
            [("pdf", "行政复议和应诉案件统计表")],
        ),
    )
    for n, (site, title, issuer, doc_no, attachments) in enumerate(notices, start=1):
        when = next_date()
        docs.append(
            DemoDocument(
                key=f"notice{n}",
                site=site,
                title=title,
                issuer=issuer,
                doc_no=doc_no,
                index_no=f"DEMO-{site.upper()}/{when[:4]}-9{n:04d}",
                doc_date=when,
                publish_date=when,
                body=[
                    "各乡镇人民政府、街道办事处，县级各部门：",
                    f"现将{title.split('《')[-1].split('》')[0] if '《' in title else '有关情况'}印发给你们，"
                    "请结合实际认真贯彻执行。执行中遇到的问题，请及时向县司法局反映。",
                    f"附件：{'、'.join(name for _, name in attachments)}",
                    issuer,
                    _cn_date(when),
                    "（此件公开发布）",
                ],
                attachments=list(attachments),
                figure=FIGURES.get(n),
            )
        )
    return sorted(docs, key=lambda d: d.publish_date, reverse=True)


# Notice number -> the chart its text shows.
FIGURES: dict[int, tuple[str, list[int]]] = {
    3: ("2024年行政复议案件办理情况（受理、审结、纠错）", [90, 75, 20]),
}


# The documents the "next day" changes.
EDITED_KEY = "seed0-part2"
REMOVED_KEY = "seed1-part3"
NEW_DOC_TITLE = "旺苍县人民政府关于2025年度法治政府建设重点工作的通知"


def day_two(documents: list[DemoDocument]) -> list[DemoDocument]:
    """The next day: one document edited, one removed, one new."""
    out: list[DemoDocument] = []
    for doc in documents:
        if doc.key == REMOVED_KEY:
            continue
        if doc.key == EDITED_KEY:
            doc = replace(
                doc,
                body=[
                    *doc.body[:-1],
                    doc.body[-1] + "（2025年4月修订：补充整改时限为2025年6月底前。）",
                ],
            )
        out.append(doc)
    when = (FIRST_DATE + timedelta(days=1)).isoformat()
    out.insert(
        0,
        DemoDocument(
            key="new1",
            site="trs",
            title=NEW_DOC_TITLE,
            issuer="旺苍县人民政府",
            doc_no="旺府发〔2025〕15号",
            index_no=f"DEMO-TRS/{when[:4]}-99001",
            doc_date=when,
            publish_date=when,
            body=[
                "各乡镇人民政府，县级各部门：",
                "为深入推进依法行政，加快建设法治政府，现就2025年度法治政府建设重点工作通知如下。",
                "一、全面落实行政规范性文件合法性审核机制，审核率达到100%。",
                "二、深化行政执法“三项制度”，推行“综合查一次”联合执法。",
                "三、加强行政复议规范化建设，行政复议案件按期办结率100%。",
                "旺苍县人民政府",
                _cn_date(when),
            ],
        ),
    )
    return out


def _cn_date(iso: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{y}年{m}月{d}日"
