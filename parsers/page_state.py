"""What a parsed page is: the document, a not-found or withdrawal page (``MISSING``), a
maintenance page (``TRANSIENT``), an empty one, or another page served at a known
document's URL (a home or column page; a redirect's landing that is or is not the document
moved). Pure functions of a ``Record``, the page and what the archive knows; the spiders'
evidence (``spiders.evidence``) asks them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher

from parsers.decode import decode_html
from parsers.labels import compact, has_text
from parsers.listing import extract_items
from parsers.page import drop_non_content, parse_tree
from parsers.record import Record
from parsers.sanitize import content_images
from parsers.selectors import MAINTENANCE_PAGE, SOFT_404, WEBSITE_SUFFIX

# A soft-404 page says so in few words; a long document that mentions 页面不存在 is kept.
SOFT_404_MAX_CHARS = 300

DOCUMENT = "document"
MISSING = "missing"  # a not-found or withdrawal page: the document is not there
TRANSIENT = "transient"  # a maintenance or overload page: says nothing about the document
EMPTY = "empty"  # nothing at all: no title, metadata, text or attachment


# A page showing this many of a document's labelled fields carries the site's document
# template filled in for it (成文日期, 发布日期, 发布机构, 索引号, 文号).
TEMPLATE_FIELDS = 2


def _is_the_document(
    record: Record, expected_titles: Iterable[str | None], archived_body_head: str | None
) -> bool:
    """A short page using the words of a maintenance page is still the document when it is
    one: its title is the one its listing (or archive) gives it, and either that title
    itself speaks of maintenance (关于系统升级维护的公告) or the page carries the document's
    own labelled fields, the site's template filled in for it (关于暂停办理不动产登记业务的通知,
    whose text asks people to 请稍后再试). Never when an archived version of the document
    opens with other text: a maintenance message put in the template where a known
    document was is no edit of it."""
    title = compact(record.title or "")
    keys = [compact(expected or "").rstrip(".…") for expected in expected_titles]
    if not any(len(key) >= 6 and title.startswith(key) for key in keys):
        return False
    head = compact(archived_body_head or "")[:BODY_HEAD_CHARS]
    if head and head not in compact(record.body_text):
        return False
    if MAINTENANCE_PAGE.search(title):
        return True
    fields = (record.doc_date, record.publish_date, record.issuer, record.index_no, record.doc_no)
    return sum(bool(f) for f in fields) >= TEMPLATE_FIELDS


def has_content(record: Record, pictures: bool = True) -> bool:
    """Text, an attachment, document metadata or (with ``pictures``) a picture in the
    content (a document published as pictures): more than a title."""
    metadata = (record.doc_date, record.issuer, record.index_no, record.doc_no)
    return (
        has_text(record.body_text)
        or bool(record.attachments)
        or any(metadata)
        or (pictures and bool(content_images(record.body_html)))
    )


def page_state(
    record: Record,
    page_text: str | None = None,
    expected_titles: Iterable[str | None] = (),
    archived_body_head: str | None = None,
) -> str:
    """``DOCUMENT``, ``MISSING``, ``TRANSIENT`` or ``EMPTY`` (see the constants).

    Error vocabularies are read only on short pages: a long document that mentions 页面不存在
    or 系统维护 is a document. ``page_text`` (``visible_text`` of the page) is read when the
    record has no text of its own: an error message too short to be content (该信息已撤销)
    is dropped by the parser but still says what the page is. ``expected_titles`` (the
    listing's link text, the archived title) and ``archived_body_head`` (the archived
    body's first characters): a short notice in maintenance words that is the document
    they name stays a document (``_is_the_document``), not an error page.
    """
    content = has_content(record)
    # A picture says nothing of what the page is: a not-found page often shows one ("404"
    # drawn), so a record with no words of its own is judged by the page's visible text.
    own = has_content(record, pictures=False)
    text = record.body_text if own or page_text is None else page_text
    if len(compact(text)) < SOFT_404_MAX_CHARS:
        probe = f"{record.title or ''}\n{text[:400]}"
        if MAINTENANCE_PAGE.search(probe):
            if _is_the_document(record, expected_titles, archived_body_head):
                return DOCUMENT
            return TRANSIENT
        if SOFT_404.search(probe):
            return MISSING
    return DOCUMENT if content or record.title else EMPTY


def visible_text(page: bytes | str, http_charset: str | None = None) -> str:
    """The page's visible text (title and body, scripts and styles dropped), one line per
    text node: what a person sees on a short error page."""
    text, _ = decode_html(page, http_charset)
    root = parse_tree(text)
    drop_non_content(root)
    return "\n".join(t.strip() for t in root.itertext() if t.strip())


# A page holding this many links that look like document URLs is a listing, not a document.
LISTING_LINKS = 10
# Titles less alike than this (difflib's ratio) are not one document's title edited.
TITLE_LIKENESS = 0.5
# The archived body's first characters: found in a new answer, it is still the document.
BODY_HEAD_CHARS = 30
_QUALIFIER = re.compile(r"[（(][^（()）]*[)）]$")


def served_instead(
    page: bytes | str,
    url: str,
    record: Record,
    archived_title: str | None,
    site_title: str,
    archived_body_head: str | None = None,
) -> bool:
    """Whether a known document's URL answered with some other page: a catch-all home or
    column page served with 200 where the document was. Only when the title is unlike the
    archived one (an edited title stays alike) and the archived text does not open the new
    body (a redesign that loses the title keeps the text); then a page titled with the
    site's own name is the home page, even one quoting the document's first sentence in a
    今日关注 block, and a page without the archived text that is a listing (many document
    links) is a column page."""
    old, new = compact(archived_title or ""), compact(record.title or "")
    if not old or SequenceMatcher(None, old, new).ratio() >= TITLE_LIKENESS:
        return False
    head = compact(archived_body_head or "")[:BODY_HEAD_CHARS]
    body = compact(record.body_text)
    known_text = len(head) >= BODY_HEAD_CHARS // 2
    if known_text and body.startswith(head):
        return False  # the document's text opens the page: a redesign that lost the title
    # The site's name as the registry gives it, without a qualifier in brackets (（演示）).
    site_key = _QUALIFIER.sub("", WEBSITE_SUFFIX.sub("", compact(site_title)))
    if new and site_key and WEBSITE_SUFFIX.sub("", new) in (site_key, f"{site_key}门户"):
        return True  # the home page, even one quoting the document in a 今日关注 block
    if known_text and head in body:
        return False
    text, _ = decode_html(page)
    return len(extract_items(parse_tree(text), url, "generic")) >= LISTING_LINKS


def same_document(
    record: Record, archived_title: str | None, archived_body_head: str | None
) -> bool:
    """Whether a page a document's URL redirected to is that document (moved), judged by
    its title and its text alike: the title like the archived one, and the archived text's
    opening found in the new body (when the archive holds one). A redirect to another
    document, however like it in layout, is not a move."""
    old, new = compact(archived_title or ""), compact(record.title or "")
    if not old or not new or SequenceMatcher(None, old, new).ratio() < TITLE_LIKENESS:
        return False
    head = compact(archived_body_head or "")[:BODY_HEAD_CHARS]
    return len(head) < BODY_HEAD_CHARS // 2 or head in compact(record.body_text)


def looks_missing(record: Record) -> bool:
    """A "page not found" or withdrawal page dressed as 200 (soft 404)."""
    return page_state(record) == MISSING
