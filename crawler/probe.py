"""``govarchive probe URL``: from a site's home page to a registry entry, politely.

Within a small request budget (robots.txt obeyed, the site's delay, at most
``MAX_REQUESTS``), the probe reads the page it is given, guesses the CMS family from general
markers (with the evidence for each guess), finds the 信息公开 entry and its columns by
their names and addresses, reads the first list page of each column, parses one document of
each, and writes a registry entry with the columns that yielded documents, plus a report of
what it saw and could not decide (as YAML comments, so the whole output can be pasted).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit

import yaml
from lxml import etree

from crawler.polite import PoliteClient, may_fetch, same_site
from crawler.render import looks_like_challenge
from parsers import parse_page
from parsers.decode import decode_html
from parsers.labels import compact
from parsers.listing import (
    ListItem,
    looks_like_document,
    parse_dataproxy,
    parse_json_list,
    parse_list_page,
)
from parsers.selectors import TITLE_SEPARATORS
from parsers.urls import canonical_url

MAX_REQUESTS = 30
MAX_COLUMNS = 6
# Link text naming a 信息公开 entry (followed once to find its columns) …
ENTRY_WORDS = re.compile(r"政府信息公开|信息公开|政务公开")
# … and link text or addresses naming the columns worth archiving.
COLUMN_WORDS = re.compile(
    r"法定主动公开|政策文件|政府文件|规范性文件|部门文件|通知公告|公告公示|规划计划|"
    r"工作报告|政府工作报告|政策解读|人事信息|财政预决算|重点领域"
)
COLUMN_PATH = re.compile(r"/(?:xxgk|zwgk|gkml|zfxxgk|gkmlpt)(?:/|$)|/col/col\d+/", re.I)
# Markers of each CMS family, with what each shows. The provincial 集约化 platforms are read
# by the generic family (their lists are static pages, or JSON behind a data URL).
FAMILY_MARKERS: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "gkmlpt": ((re.compile(r"/gkmlpt/"), "gkmlpt addresses"),),
    "hanweb": (
        (re.compile(r"/col/col\d+/index\.html"), "col/colNNN/index.html columns"),
        (re.compile(r"dataproxy\.jsp"), "jpage dataproxy.jsp"),
        (re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html"), "art_N_N.html documents"),
    ),
    "generic": (
        (
            re.compile(r"/c\d{5,}/\d{6}/\d+\.shtml"),
            "Gansu 集约化 /cNNNNNN/YYYYMM/N.shtml documents",
        ),
        (
            re.compile(r"\bwebsiteId\s*=.*\bchannelId\s*=", re.S),
            "Jiangxi 集约化 websiteId/channelId",
        ),
    ),
    "trs": (
        (re.compile(r"createPageHTML"), "createPageHTML pager"),
        (re.compile(r"/t\d{8}_\d+\.s?html?"), "tYYYYMMDD_N.html documents"),
        (re.compile(r"TRS_(?:Editor|UEDITOR)"), "TRS_Editor content"),
    ),
}


@dataclass
class ColumnReport:
    """What one candidate column gave."""

    url: str
    name: str
    items: int = 0
    first: dict[str, Any] | None = None
    note: str | None = None
    kept: bool = True  # in the entry (a column of another family is reported, not kept)


@dataclass
class ProbeReport:
    """Everything a probe found, and the registry entry it makes."""

    url: str
    site_title: str = ""
    family: str = "generic"
    evidence: dict[str, list[str]] = field(default_factory=dict)
    columns: list[ColumnReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    requests: int = 0
    challenge: bool = False

    @property
    def yielding(self) -> list[ColumnReport]:
        return [c for c in self.columns if c.items and c.kept]

    def entry(self, name: str | None = None, delay: float | None = None) -> dict[str, Any]:
        """The registry entry: the columns that yielded documents, their hosts allowed."""
        hosts = sorted({urlsplit(c.url).hostname or "" for c in self.yielding} - {""})
        entry: dict[str, Any] = {
            "name": name or slug(self.url),
            "title": self.site_title or slug(self.url),
            "family": self.family,
            "start_urls": [c.url for c in self.yielding],
        }
        if len(hosts) > 1 or (hosts and hosts[0] != urlsplit(self.url).hostname):
            entry["allowed_domains"] = sorted({*hosts, urlsplit(self.url).hostname or ""} - {""})
        if delay is not None:
            entry["delay"] = delay
        if self.challenge:
            entry["render"] = "browser"
        entry["home_url"] = self.url
        entry["verified"] = False
        entry["notes"] = f"written by govarchive probe on {date.today().isoformat()}"
        return entry


def slug(url: str) -> str:
    """A registry name from a host: www.wangcang.gov.cn -> wangcang."""
    host = urlsplit(url).hostname or "site"
    labels = [p for p in re.split(r"[.:]", host) if p not in ("www", "gov", "cn", "com", "org")]
    name = "-".join(labels).lower() or "site"
    name = re.sub(r"[^a-z0-9_-]+", "-", name).strip("-")
    return name if name and name[0].isalpha() else f"site-{name}"


def guess_family(pages: list[tuple[str, str]]) -> tuple[str, dict[str, list[str]]]:
    """The CMS family most markers point to across (url, html) pages, and the evidence."""
    evidence: dict[str, list[str]] = {}
    for family, markers in FAMILY_MARKERS.items():
        for pattern, what in markers:
            if any(pattern.search(url) or pattern.search(text) for url, text in pages):
                evidence.setdefault(family, []).append(what)
    if not evidence:
        return "generic", evidence
    # Most markers wins; on a tie the platform markers (generic's) are the more specific.
    best = max(evidence, key=lambda f: (len(evidence[f]), f == "generic"))
    return best, evidence


def _links(text: str, base: str) -> list[tuple[str, str]]:
    """(absolute URL, link text) of every http(s) link on a page, in order."""
    try:
        root = etree.fromstring(text, etree.HTMLParser(no_network=True)) if text.strip() else None
    except (etree.XMLSyntaxError, ValueError):
        root = None
    out = []
    for link in root.iter("a") if root is not None else []:
        href = (link.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        url = urljoin(base, href)
        if urlsplit(url).scheme in ("http", "https"):
            label = compact(link.get("title") or "".join(link.itertext()))
            out.append((url, label))
    return out


def _site_title(text: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", text, re.S | re.I)
    if not match:
        return ""
    parts = [p.strip() for p in TITLE_SEPARATORS.split(match.group(1)) if p.strip()]
    return compact(parts[-1]) if parts else ""


def _list_items(body: bytes, url: str) -> list[ListItem]:
    """A column page's document links, read as a static list or as Hanweb inline records
    (whichever finds more: the family is decided after the columns are read)."""
    static = parse_list_page(body, url, family="generic").items
    inline = parse_dataproxy(body, url).items
    return inline if len(inline) > len(static) else static


def probe(url: str, user_agent: str, delay: float = 2.0, budget: int = MAX_REQUESTS) -> ProbeReport:
    """Read a site from ``url`` within ``budget`` requests; see the module docstring."""
    client = PoliteClient(user_agent, delay, budget, allow=may_fetch(url))
    report = ProbeReport(url)
    first = client.get(url)
    if first is None or first[0] != 200:
        _did_not_answer(report, first)
    else:
        _read_site(client, report, first)
    if not report.yielding:
        report.notes.append("no column yielded document links: give start_urls by hand")
    report.requests = client.used
    return report


def _did_not_answer(report: ProbeReport, first: tuple[int, bytes, str] | None) -> None:
    status = "robots.txt disallows it" if first is None else f"HTTP {first[0]}"
    report.notes.append(f"the page did not answer: {status}")
    if first is not None and first[0] == 412:
        report.challenge = True
        report.notes.append("412 is how JavaScript challenges answer: try render: browser")


def _read_site(client: PoliteClient, report: ProbeReport, first: tuple[int, bytes, str]) -> None:
    """The home page's columns (and its 信息公开 entry's), read; the family decided."""
    _, body, final = first
    text, _ = decode_html(body)
    if looks_like_challenge(body):
        report.challenge = True
        report.notes.append("the page is a script that sets a cookie and reloads: a JavaScript"
                            " challenge (try render: browser)")  # fmt: skip
    report.site_title = _site_title(text)
    pages = [(final, text)]
    links = [(u, t) for u, t in _links(text, final) if same_site(u, final)]
    candidates = _column_candidates(links)
    for entry_url, _ in [(u, t) for u, t in links if ENTRY_WORDS.search(t)][:2]:
        fetched = client.get(entry_url)
        if fetched and fetched[0] == 200:
            entry_text, _ = decode_html(fetched[1])
            pages.append((fetched[2], entry_text))
            more = [(u, t) for u, t in _links(entry_text, fetched[2]) if same_site(u, final)]
            candidates += _column_candidates(more)
    gkmlpt_index = next(
        (u for u in [final, *(u for u, _ in links)] if GKMLPT_INDEX.search(urlsplit(u).path)), None
    )
    if gkmlpt_index is not None:
        report.columns += _gkmlpt_columns(client, gkmlpt_index)
        pages.append((gkmlpt_index, ""))
    seen: set[str] = set()
    for column_url, name in candidates:
        key = canonical_url(column_url)
        if key in seen or len(report.columns) >= MAX_COLUMNS:
            continue
        seen.add(key)
        column, column_page = _probe_column(client, column_url, name)
        report.columns.append(column)
        if column_page is not None:
            pages.append(column_page)
    _decide_family(report, pages + [(u, "") for u, _ in links])


def _decide_family(report: ProbeReport, pages: list[tuple[str, str]]) -> None:
    """The family the markers point to; gkmlpt when its platform's columns yielded (the
    entry then keeps only those: the others would not be read through its API)."""
    report.family, report.evidence = guess_family(pages)
    if any(c.items for c in report.columns if GKMLPT_INDEX.search(urlsplit(c.url).path)):
        report.family = "gkmlpt"
        for column in report.columns:
            if not GKMLPT_INDEX.search(urlsplit(column.url).path):
                column.kept = False
                column.note = "left out: the entry's columns are the gkmlpt platform's"


# A column's name is short; a longer link text is a document's title.
MAX_COLUMN_NAME = 15


def _column_candidates(links: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Links named like 信息公开 columns first, then links whose address looks like one;
    never a link that looks like a document (its address or a title-length text)."""
    columns = [(u, t) for u, t in links if len(t) <= MAX_COLUMN_NAME and not looks_like_document(u)]
    named = [(u, t) for u, t in columns if COLUMN_WORDS.search(t)]
    addressed = [
        (u, t) for u, t in columns if COLUMN_PATH.search(urlsplit(u).path) and (u, t) not in named
    ]
    return named + addressed


GKMLPT_INDEX = re.compile(r"/gkmlpt/index(?:\.html?)?$")
_TREE = re.compile(r"\bTREE\s*[:=]\s*\[")


def _gkmlpt_tree(text: str) -> list[tuple[int, str]]:
    """The leaf categories (id, name) of a gkmlpt index page's ``window._CONFIG.TREE``."""
    match = _TREE.search(text)
    if not match:
        return []
    start, depth = match.end() - 1, 0
    for end in range(start, min(len(text), start + 2_000_000)):
        depth += {"[": 1, "]": -1}.get(text[end], 0)
        if depth == 0:
            break
    try:
        tree = json.loads(text[start : end + 1])
    except ValueError:
        return []
    leaves: list[tuple[int, str]] = []
    stack = list(reversed(tree if isinstance(tree, list) else []))
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        children = node.get("children") or []
        if children:
            stack.extend(reversed(children))
        elif str(node.get("id", "")).isdigit():
            leaves.append((int(node["id"]), str(node.get("name", ""))))
    return leaves


def _gkmlpt_columns(client: PoliteClient, index_url: str) -> list[ColumnReport]:
    """gkmlpt columns: the index page's leaf categories (named like 信息公开 columns first),
    each read through the platform's API."""
    from spiders.gkmlpt import FIELDS, SID, api_url

    fetched = client.get(index_url)
    if fetched is None or fetched[0] != 200:
        return []
    text, _ = decode_html(fetched[1])
    sid = SID.search(text)
    leaves = _gkmlpt_tree(text)
    if sid is None or not leaves:
        return [ColumnReport(index_url, "gkmlpt", note="no SID or category tree on the index page")]
    leaves.sort(key=lambda leaf: not COLUMN_WORDS.search(leaf[1]))
    columns = []
    for category, name in leaves[:MAX_COLUMNS]:
        column_url = f"{fetched[2].split('#', 1)[0]}#{category}"
        column = ColumnReport(column_url, name)
        answer = client.get(api_url(column_url, sid.group(1)) or "")
        if answer is None or answer[0] != 200:
            column.note = "its API page did not answer"
        else:
            items = parse_json_list(answer[1], answer[2], FIELDS).items
            column.items = len(items)
            if items:
                column.first = _first_document(client, items[0])
        columns.append(column)
    return columns


def _first_document(client: PoliteClient, item: ListItem) -> dict[str, Any] | None:
    document = client.get(item.url)
    if document is None or document[0] != 200:
        return None
    record = parse_page(document[1], document[2])
    return {
        "url": item.url, "title": record.title, "date": record.doc_date or record.publish_date,
        "issuer": record.issuer, "index_no": record.index_no,
    }  # fmt: skip


def _probe_column(
    client: PoliteClient, url: str, name: str
) -> tuple[ColumnReport, tuple[str, str] | None]:
    """A candidate column's first list page and its first document; the page for the
    family guess."""
    column = ColumnReport(url, name)
    fetched = client.get(url)
    if fetched is None or fetched[0] != 200:
        column.note = (
            "not fetched (budget or robots.txt)" if fetched is None else f"HTTP {fetched[0]}"
        )
        return column, None
    page = (fetched[2], decode_html(fetched[1])[0])
    items = _list_items(fetched[1], fetched[2])
    column.url = canonical_url(fetched[2])
    column.items = len(items)
    if not items:
        column.note = "no document links on its first page"
        return column, page
    column.first = _first_document(client, items[0])
    if column.first is None:
        column.note = "its first document did not answer"
    return column, page


def render(report: ProbeReport, entry: dict[str, Any]) -> str:
    """The entry as YAML (a one-item registry list) after the report as comments."""
    lines = [f"# govarchive probe {report.url} ({report.requests} requests)"]
    lines.append(f"# family: {report.family}")
    for family, evidence in report.evidence.items():
        lines.append(f"#   {family}: {', '.join(evidence)}")
    for column in report.columns:
        lines.append(
            f"# column {column.url} ({column.name or 'unnamed'}): {column.items} documents"
        )
        if column.first:
            first = column.first
            lines.append(f"#   first: {first['title']} | {first['date']} | {first['issuer']}"
                         f" | 索引号 {first['index_no'] or '-'}")  # fmt: skip
        if column.note:
            lines.append(f"#   {column.note}")
    lines += [f"# note: {note}" for note in report.notes]
    body = yaml.safe_dump([entry], allow_unicode=True, sort_keys=False, width=1000)
    return "\n".join(lines) + "\n" + body
