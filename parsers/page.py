"""``parse_page``: one government page (bytes or text) to a clean ``Record``.

Stages: decode → parse → drop non-content tags → find the content container → read
labelled metadata around it → title → remove chrome inside the content → body lines
trimmed of repeated title, 文号 and trailers → dates → attachments → sanitised HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree

from parsers.content import find_content, strip_chrome
from parsers.dates import date_line_value, parse_date, parse_datetime, signature_date
from parsers.decode import decode_html
from parsers.density import ends_in_data_table
from parsers.elements import class_and_id
from parsers.head_metadata import inline_scripts, meta_tags, script_index_no
from parsers.head_metadata import pubdate_meta as pubdate_meta_of
from parsers.labels import LABEL_WITH_COLON, compact
from parsers.metadata import (
    AFTER,
    BEFORE,
    CONTENT_HEAD,
    Found,
    best,
    find_labelled,
    unlabelled_text,
)
from parsers.record import Attachment, Record
from parsers.sanitize import sanitize
from parsers.selectors import (
    ATTACHMENT_HREF,
    CHROME_LINE,
    DOC_NO_LINE,
    DROP_TAGS,
    EMPTY_NOTICE,
    LEAD_NOISE_LINE,
    LETTERHEAD_LINE,
    TRAILER_START,
)
from parsers.signatures import SIGNER, head_signature_date, issuer_of
from parsers.text import element_lines, lines_around, plain_lines, remove_internal_marks
from parsers.title import find_title, head_titles

# "附件：", "附件2：", "1." before an attachment's name on a download line.
ATTACHMENT_LINE_PREFIX = re.compile(r"^(?:附件\d*[:：]?)?(?:\d+[.、．])?")
# Lines of the content's head searched for a metadata block inside the container.
CONTENT_HEAD_LINES = 10


# Plain lxml elements (no lxml.html classes: faster to walk); comments dropped at parse.
# huge_tree: libxml2 otherwise stops silently at 256 levels of nesting (300 unclosed <font>
# tags keep 125 paragraphs) and at 10 MB text nodes; inputs are already bounded by
# DOWNLOAD_MAXSIZE, so the whole page is read instead of a silently cut record.
HTML_PARSER = etree.HTMLParser(
    remove_comments=True, remove_pis=True, no_network=True, huge_tree=True
)


# Work per page is capped: a page of this many tags (opening and closing; about half as many
# elements) is refused before parsing. 1,000,000 tiny elements in 8 MB cost 790 MB and 18 s
# in a worker; the largest real pages (tables of thousands of rows) stay far below this.
MAX_TAGS = 400_000


class PageLimitError(ValueError):
    """A page over a parsing limit: ``reason`` is what the fetch records."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason

    def __reduce__(self) -> tuple:  # raised in parse workers: must survive pickling
        return (PageLimitError, (self.reason, str(self).partition(": ")[2]))


def parse_tree(text: str) -> etree._Element:
    text = remove_internal_marks(text.replace("\x00", ""))
    # lxml refuses str input that carries an XML encoding declaration.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    root = None
    if text.strip():
        try:
            root = etree.fromstring(text, HTML_PARSER)
        except (etree.ParserError, etree.XMLSyntaxError, ValueError):
            root = None
    if root is None:
        root = etree.fromstring("<html><body></body></html>", HTML_PARSER)
    return root


def drop_non_content(root: etree._Element) -> None:
    etree.strip_elements(
        root, *DROP_TAGS, etree.Comment, etree.ProcessingInstruction, with_tail=False
    )


def _is_title_lines(lines: list[str], title_key: str) -> int:
    """How many leading lines spell the title (0 if they don't)."""
    joined = ""
    for n, line in enumerate(lines[:4], start=1):
        joined += compact(line)
        if joined == title_key:
            return n
        if not title_key.startswith(joined):
            return 0
    return 0


def _agency_names_line(line: str) -> bool:
    """A line of one or more agency names and nothing else (a joint document's letterhead)."""
    names = line.split()
    return bool(names) and all(SIGNER.match(name) for name in names)


def _joint_letterhead(lines: list[str], title_key: str, doc_no_key: str) -> int:
    """How many leading lines are a 联合发文 letterhead: agency names (one or more a line,
    without 文件) standing right before the repeated title or the 文号; 0 if none."""
    n = 0
    while n < min(len(lines), 8) and _agency_names_line(lines[n]):
        n += 1
    if n == 0 or n >= len(lines):
        return 0
    following = compact(lines[n])
    if (title_key and _is_title_lines(lines[n:], title_key)) or (
        following == doc_no_key or DOC_NO_LINE.match(following)
    ):
        return n
    return 0


def _attachment_line(line: str, names: set[str]) -> bool:
    """A line that only offers an attachment for download ("附件：1.xxx.pdf")."""
    key = ATTACHMENT_LINE_PREFIX.sub("", compact(line))
    key = re.sub(r"\.(?:pdf|docx?|wps|xlsx?|et|ofd|zip|rar)$", "", key, flags=re.I)
    return bool(key) and key in names


def trim_body(
    lines: list[str],
    title: str | None,
    doc_no: str | None,
    attachment_names: Iterable[str] = (),
) -> list[str]:
    """Drop the repeated title, 文号, metadata and chrome at the top; trailers, and download
    links standing after the document's end, at the bottom."""
    names = {re.sub(r"\.\w{2,4}$", "", compact(n)) for n in attachment_names if compact(n)}
    title_key = compact(title or "")
    doc_no_key = compact(doc_no or "")
    out = list(lines)
    while out:
        drop = _head_to_drop(out, title_key, doc_no_key)
        if not drop:
            break
        del out[:drop]
    for n, line in enumerate(out):
        if n >= max(1, len(out) // 3) and TRAILER_START.match(compact(line)):
            del out[n:]
            break
    while out and _tail_noise(out[-1], names):
        out.pop()
    return out


def _head_to_drop(out: list[str], title_key: str, doc_no_key: str) -> int:
    """How many lines at the top are not yet the document: a joint letterhead, the repeated
    title, the 文号, a chrome or notice line, a line of metadata pairs; 0 once it starts."""
    letterhead = _joint_letterhead(out, title_key, doc_no_key)
    if letterhead:
        return letterhead
    title_lines = _is_title_lines(out, title_key) if title_key else 0
    if title_lines:
        return title_lines
    first = compact(out[0])
    if doc_no_key and first == doc_no_key:
        return 1
    if (
        CHROME_LINE.match(first)
        or EMPTY_NOTICE.match(first)
        or LEAD_NOISE_LINE.match(first)
        or LETTERHEAD_LINE.match(first)
        or (":" in (date_line_value(first) or "") and len(out) > 1)
    ):
        return 1
    return 1 if len(first) < 80 and len(LABEL_WITH_COLON.findall(out[0])) >= 2 else 0


def _tail_noise(line: str, attachment_names: set[str]) -> bool:
    """A last line that is not the document's: chrome, a notice, nothing, a download link."""
    key = compact(line)
    return bool(
        CHROME_LINE.match(key)
        or EMPTY_NOTICE.match(key)
        or not key
        or _attachment_line(line, attachment_names)
    )


def _unlabelled_publish_date(before: list[str], title: str | None) -> str | None:
    """A date shown near the title without a label (an info bar "2024-07-02 08:16")."""
    title_key = compact(title or "")
    start = 0
    if title_key:
        for n, line in enumerate(before):
            if title_key in compact(line):
                start = n
    for line in before[start : start + 6] if start else before[-6:]:
        # A labelled date (成文日期：…) is that label's; only an unlabelled one is taken.
        text = unlabelled_text(line)
        if text and len(compact(text)) <= 60:
            value = parse_datetime(text)
            if value:
                return value
    return None


def _doc_no_line(lines: list[str]) -> str | None:
    """A 文号 standing alone near the top of the content."""
    for line in lines[:6]:
        key = compact(line)
        if DOC_NO_LINE.match(key):
            return key
    return None


def _doc_no_near_title(before: list[str], title: str | None) -> str | None:
    """A 文号 shown without a label beside or just under the title, above the content."""
    title_key = compact(title or "")
    if not title_key:
        return None
    at = max((n for n, line in enumerate(before) if title_key in compact(line)), default=None)
    if at is None:
        return None
    for line in before[at : at + 3]:
        key = compact(line).replace(title_key, "")
        if key[:1] in "（(【[" and key[-1:] in "）)】]":  # 标题（某政发〔2023〕12号）
            key = key[1:-1]
        if DOC_NO_LINE.match(key):
            return key
    return None


# Who runs the site, as a footer says it ("主办单位：某某县人民政府办公室", "主办：…").
def find_attachments(container: etree._Element | None, base_url: str) -> list[Attachment]:
    """Links to document files in the content and the block right after it."""
    if container is None:
        return []
    scopes = [container]
    sibling = container.getnext()
    for _ in range(2):
        if sibling is None:
            break
        scopes.append(sibling)
        sibling = sibling.getnext()
    seen: set[str] = set()
    found: list[Attachment] = []
    for scope in scopes:
        for link in scope.iter("a"):
            href = (link.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "#", "mailto:")):
                continue
            if not ATTACHMENT_HREF.search(href):
                continue
            url = urljoin(base_url, href)
            if url in seen:
                continue
            seen.add(url)
            name = " ".join(t.strip() for t in link.itertext() if t.strip())
            if not name:
                name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
            found.append(Attachment(name=name, url=url))
    return found


# What a fetched page is, as evidence about the document at its URL.
def _doc_date(
    found: list[Found], container: etree._Element | None, body_text: str, body_lines: list[str]
) -> str | None:
    """成文日期 as labelled, else the signature's date (at the end, unless the text ends in a
    data table whose dates are data; or under the title), else 生成日期."""
    doc_date = parse_date(best(found, "doc_date", allow_empty=False))
    if doc_date is not None:
        return doc_date
    signed = None if ends_in_data_table(container) else signature_date(body_text)
    signed = signed or head_signature_date(body_lines)
    return signed or parse_date(best(found, "created_date", allow_empty=False))


def _publish_date(
    found: list[Found],
    before: list[str],
    title: str | None,
    head_lines: list[str],
    pubdate_meta: str | None,
) -> str | None:
    """发布日期 as labelled, else a date shown near the title or atop the content, else the
    PubDate meta tag (often only the page's regeneration time, so last)."""
    publish_date = parse_datetime(best(found, "publish_date", allow_empty=False))
    if publish_date is None:
        publish_date = _unlabelled_publish_date(before, title)
    if publish_date is None:
        publish_date = next(
            (v for v in (date_line_value(line) for line in head_lines[:4]) if v), None
        )
    if publish_date is None and pubdate_meta:
        publish_date = parse_datetime(pubdate_meta)
    return publish_date


def parse_page(page: bytes | str, url: str, http_charset: str | None = None) -> Record:
    """Parse one page into a clean record. Pure: no network, no database."""
    text, codec = decode_html(page, http_charset)
    tags = text.count("<")
    if tags > MAX_TAGS:
        raise PageLimitError("too-many-elements", f"{tags} tags, limit {MAX_TAGS}")
    root = parse_tree(text)
    tags = meta_tags(root)
    pubdate_meta = pubdate_meta_of(tags)
    scripts = inline_scripts(root)  # before scripts leave the tree
    page_title, meta_titles = head_titles(root)
    drop_non_content(root)
    order = {node: n for n, node in enumerate(root.iter())}
    marked = class_and_id(root)
    template, container, hidden = find_content(root, order, marked)

    if container is not None:
        before, head_lines, after = lines_around(
            root, container, keep_empty_cells=True, part_limit=CONTENT_HEAD_LINES
        )
    else:
        before, head_lines, after = element_lines(root, keep_empty_cells=True), [], []
    found: list[Found] = [
        *find_labelled(before, BEFORE),
        *find_labelled(head_lines, CONTENT_HEAD),
        *find_labelled(after, AFTER),
    ]
    labelled_title = best(found, "title", allow_empty=False)
    title = find_title(root, labelled_title, container, order, page_title, meta_titles, marked)
    attachments = find_attachments(container, url)

    body_lines: list[str] = []
    doc_no = best(found, "doc_no")
    if container is not None:
        strip_chrome(container, hidden, marked)
        raw_lines = plain_lines(element_lines(container))
        if doc_no is None:
            doc_no = _doc_no_line(raw_lines) or _doc_no_near_title(before, title)
        body_lines = trim_body(raw_lines, title, doc_no, (a.name for a in attachments))
    body_text = "\n".join(body_lines)

    doc_date = _doc_date(found, container, body_text, body_lines)
    publish_date = _publish_date(found, before, title, head_lines, pubdate_meta)
    issuer, source = issuer_of(found, body_lines, page_title, [*before, *after], tags)
    index_no = best(found, "index_no")
    if index_no is None:
        index_no = script_index_no(scripts)
    # Last, as it rewrites the content's tree (no copy is made): nothing reads it after.
    body_html = sanitize(container, url, in_place=True) if container is not None else ""

    return Record(
        url=url,
        title=title,
        doc_date=doc_date,
        publish_date=publish_date,
        issuer=issuer,
        index_no=index_no,
        doc_no=doc_no,
        topic=best(found, "topic"),
        validity=best(found, "validity"),
        keywords=best(found, "keywords"),
        body_text=body_text,
        body_html=body_html,
        attachments=attachments,
        template=template,
        encoding=codec,
        source=source,
    )


__all__ = [
    "HTML_PARSER",
    "PageLimitError",
    "find_attachments",
    "parse_page",
    "parse_tree",
    "trim_body",
]
