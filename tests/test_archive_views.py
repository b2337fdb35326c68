"""archive.views: the archivist's pages, through a real Datasette on the demo archive."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET

import pytest
from conftest import db_rows, first_row

from archive.feeds import FEED_KINDS
from archive.file_views import _header_name
from archive.tokenizer import match_expression

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def demo_db(demo_archive):
    return demo_archive


one = first_row


def test_document_page_shows_the_title(demo_db, get) -> None:
    doc_id, title = one(demo_db, "SELECT id, title FROM documents ORDER BY id LIMIT 1")
    assert f'<h1 id="title">{title}</h1>' in get(f"/archive/-/document/{doc_id}").text


@pytest.mark.parametrize(
    "label", ["发文机关", "成文日期", "发布日期", "索引号", "文号", "主题分类"]
)
def test_document_page_metadata_card(demo_db, get, label: str) -> None:
    doc_id = one(demo_db, "SELECT id FROM documents WHERE doc_no <> '' ORDER BY id LIMIT 1")[0]
    assert f"<th>{label}</th>" in get(f"/archive/-/document/{doc_id}").text


def test_document_page_body_is_html_not_escaped_tags(demo_db, get) -> None:
    doc_id = one(demo_db, "SELECT id FROM documents ORDER BY id LIMIT 1")[0]
    page = get(f"/archive/-/document/{doc_id}").text
    assert "<p" in page.split('id="body">', 1)[1] and "&lt;p" not in page


def test_document_page_shows_the_edit_inline(demo_db, get) -> None:
    doc_id = one(demo_db, "SELECT id FROM documents WHERE version_count > 1")[0]
    assert (
        "<ins>（2025年4月修订：补充整改时限为2025年6月底前。）</ins>"
        in get(f"/archive/-/document/{doc_id}").text
    )


def test_gone_document_page_lists_its_events(demo_db, get) -> None:
    doc_id = one(demo_db, "SELECT id FROM documents WHERE status = 'gone'")[0]
    page = get(f"/archive/-/document/{doc_id}").text
    events = [e.split("<", 1)[0] for e in page.split('<b class="event ')[1:]]
    assert [e.split(">", 1)[1] for e in events] == ["new", "missing", "gone"]


def test_unknown_document_is_404(get) -> None:
    assert get("/archive/-/document/999999").status_code == 404


def test_attachment_served_from_the_archive(demo_db, get) -> None:
    sha = one(demo_db, "SELECT sha256 FROM attachments WHERE sha256 IS NOT NULL LIMIT 1")[0]
    assert hashlib.sha256(get(f"/archive/-/attachment/{sha}").content).hexdigest() == sha


def test_attachment_has_its_type(demo_db, get) -> None:
    sha, mime = one(demo_db, "SELECT sha256, mime_type FROM attachments WHERE sha256 IS NOT NULL")
    assert get(f"/archive/-/attachment/{sha}").headers["content-type"].startswith(mime)


def test_attachment_keeps_its_original_name(demo_db, get) -> None:
    sha = one(demo_db, "SELECT sha256 FROM attachments WHERE sha256 IS NOT NULL")[0]
    assert "filename*=UTF-8''" in get(f"/archive/-/attachment/{sha}").headers["content-disposition"]


def test_a_downloaded_attachment_keeps_its_files_extension(demo_db, get) -> None:
    from urllib.parse import unquote

    sha, url = one(demo_db, "SELECT sha256, url FROM attachments WHERE url LIKE '%.docx'")
    disposition = get(f"/archive/-/attachment/{sha}").headers["content-disposition"]
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]).endswith(".docx")


@pytest.mark.parametrize(
    ("name", "url", "mime", "saved"),
    [
        ("附件1：实施方案", "http://county.example/W0.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "附件1：实施方案.docx"),
        ("附件.pdf", "http://county.example/a.pdf", "application/pdf", "附件.pdf"),
        ("附件", "http://county.example/downfile.jsp?id=3", "application/pdf", "附件.pdf"),
        ("附件", "http://county.example/downfile.jsp?id=3", None, "附件"),
        ("预算表", "http://county.example/a.xls", "application/octet-stream", "预算表.xls"),
    ],
)  # fmt: skip
def test_download_names_carry_the_type(name: str, url: str, mime: str | None, saved: str) -> None:
    from archive.file_views import download_name

    assert download_name(name, url, mime) == saved


def test_a_pdfs_page_count_is_read_from_its_file(demo_db, get) -> None:
    import pypdfium2

    sha, pages = one(
        demo_db, "SELECT sha256, pages FROM attachments WHERE mime_type = 'application/pdf'"
    )
    assert pages == len(pypdfium2.PdfDocument(get(f"/archive/-/attachment/{sha}").content))


def test_the_document_page_gives_a_pdfs_page_count(demo_db, get) -> None:
    doc_id, pages = one(
        demo_db, "SELECT document_id, pages FROM attachments WHERE mime_type = 'application/pdf'"
    )
    word = "page" if pages == 1 else "pages"
    assert f"{pages} {word} · text" in get(f"/archive/-/document/{doc_id}").text


def test_the_document_json_gives_a_pdfs_page_count(demo_db, get) -> None:
    doc_id, pages = one(
        demo_db, "SELECT document_id, pages FROM attachments WHERE mime_type = 'application/pdf'"
    )
    listed = get(f"/archive/-/document/{doc_id}.json").json()["attachments"]
    assert [a["pages"] for a in listed if a["mime_type"] == "application/pdf"] == [pages]


def test_a_docx_shows_no_page_count(demo_db, get) -> None:
    doc_id = one(
        demo_db, "SELECT document_id FROM attachments WHERE mime_type LIKE '%wordprocessing%'"
    )[0]
    page = get(f"/archive/-/document/{doc_id}").text
    docx = next(item for item in page.split("<li>") if "wordprocessing" in item)
    assert ("page ·" in docx, "pages ·" in docx) == (False, False)


def test_unknown_attachment_is_404(get) -> None:
    assert get(f"/archive/-/attachment/{'0' * 64}").status_code == 404


def test_attachment_path_from_request_refused(get) -> None:
    answer = get("/archive/-/attachment/..%2F..%2Fetc%2Fpasswd")
    assert (answer.status_code != 200, "root:" in answer.text) == (True, False)


def test_attachment_name_loses_bidi_controls() -> None:
    assert _header_name("报告\u202efdp.exe") == "报告fdp.exe"


def test_raw_capture_is_sandboxed(demo_db, get) -> None:
    sha = one(demo_db, "SELECT raw_sha256 FROM documents LIMIT 1")[0]
    assert get(f"/archive/-/raw/{sha}").headers["content-security-policy"].startswith("sandbox")


def test_raw_capture_is_decompressed(demo_db, get) -> None:
    sha = one(demo_db, "SELECT raw_sha256 FROM documents LIMIT 1")[0]
    assert get(f"/archive/-/raw/{sha}").text.lstrip().lower().startswith("<!doctype html")


def test_search_highlights_matches(get) -> None:
    assert "<mark>执法</mark>" in get("/archive/-/search?q=执法").text


def test_search_links_results_to_document_pages(get) -> None:
    assert 'href="/archive/-/document/' in get("/archive/-/search?q=法治政府").text


def test_search_orders_by_relevance(demo_db, get) -> None:
    page = get("/archive/-/search?q=执法").text
    first = int(page.split('href="/archive/-/document/', 1)[1].split('"', 1)[0])
    best = one(
        demo_db,
        "SELECT rowid FROM documents_fts WHERE documents_fts MATCH '\"执法\"' ORDER BY rank LIMIT 1",
    )
    assert first == best[0]


def test_search_query_terms_are_phrases() -> None:
    assert match_expression('法治 "政府') == '"法治" "政府"'


def test_documents_table_titles_link_to_document_pages(get) -> None:
    assert 'href="/archive/-/document/' in get("/archive/documents", follow=True).text


def test_documents_table_opens_on_readable_columns(get) -> None:
    location = get("/archive/documents").headers["location"]
    assert location.endswith(
        "?_col=title&_col=issuer&_col=doc_date&_col=site&_col=status&_col=last_changed"
    )


def test_a_shared_filter_link_opens_on_the_readable_columns(get) -> None:
    location = get("/archive/documents?status=gone").headers["location"]
    assert location.startswith("/archive/documents?status=gone&_col=title&_col=issuer")


def test_a_link_that_chose_its_columns_is_not_redirected(get) -> None:
    assert get("/archive/documents?status=gone&_col=url").status_code == 200


def test_datasettes_csv_starts_with_a_byte_order_mark(get) -> None:
    assert get("/archive/documents.csv?_size=2").content.startswith("\ufeff".encode())


def test_datasettes_csv_keeps_its_header_after_the_mark(get) -> None:
    text = get("/archive/documents.csv?_size=2").content.decode("utf-8-sig")
    assert text.startswith("id,")


def test_documents_table_with_a_query_is_not_redirected(get) -> None:
    assert get("/archive/documents?_search=执法").status_code == 200


@pytest.mark.parametrize(
    ("path", "events"),
    [
        ("/archive/-/feed/new.atom", "new"),
        ("/archive/-/feed/changed.atom", "changed"),
        ("/archive/-/feed/gone.atom", "gone"),
        ("/archive/-/feed/delisted.atom", "delisted"),
        ("/archive/-/feed/demo-wangcang/gone.atom", "gone"),
    ],
)
def test_feed_is_atom_with_one_entry_per_event(demo_db, get, path: str, events: str) -> None:
    site = path.split("/feed/", 1)[1].split("/")[0] if path.count("/") > 4 else None
    sql = "SELECT count(*) FROM document_events e JOIN documents d ON d.id = e.document_id"
    sql += " WHERE e.event = ?" + (" AND d.site = ?" if site else "")
    expected = one(demo_db, sql, events, *([site] if site else []))[0]
    root = ET.fromstring(get(path).content)
    assert (root.tag, len(root.findall(f"{ATOM}entry"))) == (f"{ATOM}feed", min(expected, 100))


def test_feed_entries_link_to_document_pages(get) -> None:
    root = ET.fromstring(get("/archive/-/feed/changed.atom").content)
    links = [e.find(f"{ATOM}link").get("href") for e in root.findall(f"{ATOM}entry")]
    assert links and all("/archive/-/document/" in link for link in links)


def test_feed_entries_have_required_atom_elements(get) -> None:
    root = ET.fromstring(get("/archive/-/feed/new.atom").content)
    entry = root.find(f"{ATOM}entry")
    assert all(entry.find(f"{ATOM}{name}") is not None for name in ("id", "title", "updated"))


def test_unknown_feed_is_404(get) -> None:
    assert get("/archive/-/feed/everything.atom").status_code == 404


def test_a_mistyped_page_of_the_archive_is_404(get) -> None:
    assert get("/archive/-/feedz").status_code == 404


def test_a_mistyped_page_names_the_pages_there_are(get) -> None:
    assert "/archive/-/feed/KIND.atom" in get("/archive/-/feedz").text


def test_a_mistyped_page_is_not_read_as_a_table(get) -> None:
    assert "no such table" not in get("/archive/-/feedz").text


def test_a_feed_of_an_unknown_site_is_404(get) -> None:
    assert get("/archive/-/feed/nosuchsite/gone.atom").status_code == 404


def test_a_feed_of_an_unknown_site_names_the_sites_there_are(get) -> None:
    assert "demo-wangcang" in get("/archive/-/feed/nosuchsite/gone.atom").text


def test_an_empty_feed_is_dated_by_the_last_run(demo_db, get) -> None:
    root = ET.fromstring(get("/archive/-/feed/demo-yiyuan/gone.atom").content)
    last_run = one(demo_db, "SELECT max(finished_at) FROM runs")[0]
    assert (len(root.findall(f"{ATOM}entry")), root.find(f"{ATOM}updated").text) == (0, last_run)


@pytest.mark.parametrize("kind", list(FEED_KINDS))
def test_feed_reader_accepts_the_feed(get, kind: str) -> None:
    import feedparser

    parsed = feedparser.parse(get(f"/archive/-/feed/{kind}.atom").content)
    assert (parsed.bozo, parsed.version) == (False, "atom10")


LONG_SEARCH = "%E6%89%A7" * 1001  # 执 × 1001, URL-encoded


@pytest.mark.parametrize(
    "path", [f"/archive/documents?_search={LONG_SEARCH}", f"/archive/-/search?q={LONG_SEARCH}"]
)
def test_an_over_long_search_is_refused(get, path: str) -> None:
    response = get(path)
    assert (response.status_code, "too long" in response.text) == (400, True)


def test_a_search_of_a_thousand_characters_runs(get) -> None:
    assert get(f"/archive/documents.json?_search={LONG_SEARCH[9:]}").status_code == 200


def test_an_oversized_match_in_sql_is_an_error_not_a_crash(get) -> None:
    sql = "select+count(*)+from+documents_fts+where+documents_fts+match+:q"
    huge = "%22" + "%E6%89%A7" * 3000 + "%FF" + "%E6%B3%95" * 3000 + "%22"
    refused = get(f"/archive.json?sql={sql}&q={huge}")
    after = get("/archive/documents.json?_search=%E6%B3%95%E6%B2%BB")
    assert (refused.status_code, after.status_code) == (400, 200)


SEARCH = "/archive/documents.json?_search=%E6%B3%95%E6%B2%BB"


def test_a_table_search_is_not_counted(get) -> None:
    assert get(SEARCH).json()["filtered_table_rows_count"] is None


def test_a_table_search_is_not_faceted(get) -> None:
    assert get(SEARCH).json()["facet_results"] == {}


def test_a_table_search_still_returns_its_rows(get) -> None:
    assert len(get(SEARCH).json()["rows"]) > 0


def test_a_table_search_can_ask_for_its_count(get) -> None:
    assert get(SEARCH + "&_nocount=&_nofacet=").json()["filtered_table_rows_count"] > 0


def test_a_table_search_lists_the_newest_archived_first(get) -> None:
    ids = [row["id"] for row in get(SEARCH + "&_shape=objects").json()["rows"]]
    assert ids == sorted(ids, reverse=True)


def test_a_table_search_keeps_an_order_it_asks_for(get) -> None:
    ids = [row["id"] for row in get(SEARCH + "&_sort=id&_shape=objects").json()["rows"]]
    assert ids == sorted(ids)


def test_a_search_page_says_it_is_not_counted(get) -> None:
    assert "not counted" in get("/archive/documents?_search=%E6%B3%95%E6%B2%BB").text


def test_the_unfiltered_documents_page_is_still_counted(get) -> None:
    assert get("/archive/documents.json").json()["filtered_table_rows_count"] > 0


@pytest.fixture(scope="module")
def figure(demo_db) -> tuple[int, str]:
    """The document whose text shows a chart, and the chart's capture hash."""
    sha = one(demo_db, "SELECT raw_sha256 FROM fetches WHERE kind = 'image'")[0]
    doc_id = one(demo_db, "SELECT id FROM documents WHERE body_html LIKE '%<img%'")[0]
    return doc_id, sha


def test_document_page_shows_the_archived_image(get, figure) -> None:
    doc_id, sha = figure
    assert f'src="/archive/-/image/{sha}"' in get(f"/archive/-/document/{doc_id}").text


def test_document_page_never_links_the_live_image(get, figure) -> None:
    body = get(f"/archive/-/document/{figure[0]}").text.split('id="body">', 1)[1]
    assert "chart.png" not in body


def test_document_page_loads_nothing_from_outside(get, figure) -> None:
    policy = get(f"/archive/-/document/{figure[0]}").headers["content-security-policy"]
    assert policy.startswith("default-src 'none'") and "img-src 'self'" in policy


def test_the_archived_image_is_its_captured_bytes(get, figure) -> None:
    answer = get(f"/archive/-/image/{figure[1]}")
    assert hashlib.sha256(answer.content).hexdigest() == figure[1]


def test_the_archived_image_has_its_type(get, figure) -> None:
    assert get(f"/archive/-/image/{figure[1]}").headers["content-type"] == "image/png"


def test_an_attachment_is_not_served_as_an_image(get, demo_db) -> None:
    sha = one(demo_db, "SELECT sha256 FROM attachments WHERE sha256 IS NOT NULL")[0]
    assert get(f"/archive/-/image/{sha}").status_code == 404


def test_an_image_not_archived_loses_its_source() -> None:
    from archive.views import archived_images

    html = archived_images(
        '<p><img src="http://www.example.gov.cn/x.png" alt="图"></p>', {}, "archive"
    )
    assert (
        html == '<p><img src="" data-not-archived="http://www.example.gov.cn/x.png" alt="图"></p>'
    )


def test_a_document_id_too_large_for_sqlite_is_404(get) -> None:
    assert get(f"/archive/-/document/{'9' * 30}").status_code == 404


def test_a_version_number_too_large_for_sqlite_is_404(get) -> None:
    assert get(f"/archive/-/document/1/v/{'9' * 30}.json").status_code == 404


@pytest.mark.parametrize("path", ["/archive/-/search?q=%00", "/-/search?q=a%00b"])
def test_a_search_with_a_nul_is_400(get, path: str) -> None:
    assert get(path).status_code == 400


def test_the_document_events_table_is_browsable(demo_db, get) -> None:
    doc_id = one(demo_db, "SELECT id FROM documents WHERE status = 'gone'")[0]
    rows = get(f"/archive/document_events.json?document_id={doc_id}&_shape=array").json()
    assert [row["event"] for row in rows] == ["new", "missing", "gone"]


def test_a_documents_lifecycle_query_answers(demo_db, get) -> None:
    url = one(demo_db, "SELECT url FROM documents WHERE status = 'gone'")[0]
    rows = get(f"/archive/document_lifecycle.json?url={url}&_shape=array").json()
    assert [row["event"] for row in rows] == ["new", "missing", "gone"]


def test_a_document_page_has_a_json_twin(demo_db, get) -> None:
    doc_id = one(demo_db, "SELECT id FROM documents WHERE status = 'gone'")[0]
    data = get(f"/archive/-/document/{doc_id}.json").json()
    assert [e["event"] for e in data["events"]] == ["new", "missing", "gone"]


def test_the_json_twin_links_each_version(demo_db, get) -> None:
    doc_id = one(demo_db, "SELECT id FROM documents WHERE version_count > 1")[0]
    versions = get(f"/archive/-/document/{doc_id}.json").json()["versions"]
    assert versions[1]["permalink"].endswith(f"/archive/-/document/{doc_id}/v/2")


def test_the_json_twin_leaves_out_the_markup(demo_db, get) -> None:
    doc_id = one(demo_db, "SELECT id FROM documents ORDER BY id")[0]
    assert "body_html" not in get(f"/archive/-/document/{doc_id}.json").json()["document"]


def test_search_has_a_json_twin(get) -> None:
    results = get("/archive/-/search.json?q=执法").json()["results"]
    assert results and all("<mark>" in r["snippet_html"] for r in results)


def test_search_over_every_archive_has_a_json_twin(get) -> None:
    assert get("/-/search.json?q=执法").json()["results"]


def test_canned_queries_show_a_line_per_clause() -> None:
    from archive.datasette_meta import readable_queries

    assert all("\nFROM " in q["sql"] for q in readable_queries().values())


def test_canned_queries_read_the_same_rows_on_their_lines(demo_db) -> None:
    import re
    import sqlite3

    from archive.datasette_meta import CANNED_QUERIES, readable_queries

    conn = sqlite3.connect(demo_db)
    url = one(demo_db, "SELECT url FROM documents LIMIT 1")[0]
    same = []
    for name, query in readable_queries().items():
        params = {p: url for p in re.findall(r":(\w+)", query["sql"])}
        one_line = conn.execute(CANNED_QUERIES[name]["sql"], params).fetchall()
        same.append(conn.execute(query["sql"], params).fetchall() == one_line)
    conn.close()
    assert all(same)


def test_a_snippet_does_not_repeat_the_title(get) -> None:
    import re

    results = get("/archive/-/search.json?q=法治").json()["results"]
    repeats = [
        r["title"]
        for r in results
        if re.sub(r"</?mark>", "", r["snippet_html"]).strip("…").startswith(r["title"][:10])
    ]
    assert (len(results) > 0, repeats) == (True, [])


def test_a_snippet_comes_from_the_body_where_it_matches(demo_db, get) -> None:
    results = get("/archive/-/search.json?q=法治").json()["results"]
    bodies = dict(
        db_rows(demo_db, "SELECT id, body_text FROM documents WHERE body_text LIKE '%法治%'")
    )
    from_body = [r for r in results if r["id"] in bodies]
    assert from_body and all(
        r["snippet_html"].replace("<mark>", "").replace("</mark>", "").strip("…")[:8]
        in bodies[r["id"]]
        for r in from_body
    )


def test_a_body_opening_with_its_title_is_quoted_past_it() -> None:
    from archive.search_views import _CLOSE, _OPEN, _past_title

    title = "关于开展行政执法专项检查的通知"
    body = f"{title}\n各乡镇人民政府：为进一步规范行政执法行为，现就开展专项检查有关事项通知如下。"
    snippet = _past_title(body, title, ["执法"])
    assert (title[:6] in snippet, f"{_OPEN}执法{_CLOSE}行为" in snippet) == (False, True)


def test_the_database_page_lists_documents_first(get) -> None:
    import re

    names = re.findall(r'<h3><a href="/archive/([a-z_]+)"', get("/archive").text)
    assert names[:3] == ["documents", "document_events", "versions"]


def test_the_database_page_still_lists_every_table(demo_db, get) -> None:
    import re

    names = set(re.findall(r'<h3><a href="/archive/([a-z_]+)"', get("/archive").text))
    assert {"fetches", "raw_pages", "chain", "checkpoints"} <= names


# --- feeds people subscribe to ---------------------------------------------------------
def entries(get, path: str) -> list:
    return ET.fromstring(get(path).content).findall(f"{ATOM}entry")


def document_ids(feed_entries: list) -> set[int]:
    return {int(e.find(f"{ATOM}link").get("href").rsplit("/", 1)[1]) for e in feed_entries}


def test_the_feed_index_links_every_kind(get) -> None:
    page = get("/archive/-/feeds").text
    assert all(f"/archive/-/feed/{k}.atom" in page for k in ("restored", "relisted", "gone"))


def test_the_feed_index_has_a_json_twin(get) -> None:
    kinds = [f["kind"] for f in get("/archive/-/feeds.json").json()["feeds"]]
    assert {"new", "changed", "gone", "restored", "relisted", "events"} <= set(kinds)


@pytest.mark.parametrize("kind", ["restored", "relisted"])
def test_restored_and_relisted_feeds_are_atom(get, kind: str) -> None:
    import feedparser

    assert feedparser.parse(get(f"/archive/-/feed/{kind}.atom").content).bozo == 0


def test_a_saved_search_feed_holds_only_documents_with_the_words(demo_db, get) -> None:
    found = document_ids(entries(get, "/archive/-/feed/events.atom?q=复议&event=new"))
    holding = {
        r[0]
        for r in db_rows(
            demo_db, "SELECT id FROM documents WHERE body_text LIKE '%复议%' OR title LIKE '%复议%'"
        )
    }
    assert found and found <= holding


def test_a_saved_search_feed_keeps_the_events_asked_for(get) -> None:
    terms = {
        e.find(f"{ATOM}category").get("term")
        for e in entries(get, "/archive/-/feed/events.atom?event=gone&event=new")
    }
    assert terms == {"gone", "new"}


def test_a_feed_of_several_sites_holds_only_theirs(demo_db, get) -> None:
    found = document_ids(entries(get, "/archive/-/feed/new.atom?site=demo-yiyuan"))
    yiyuan = {r[0] for r in db_rows(demo_db, "SELECT id FROM documents WHERE site = 'demo-yiyuan'")}
    assert found and found <= yiyuan


def test_an_issuer_with_a_like_wildcard_matches_it_literally(get) -> None:
    assert entries(get, "/archive/-/feed/events.atom?issuer=%25") == []


def test_a_feed_reader_gets_atoms_own_type(get) -> None:
    assert (
        get("/archive/-/feed/new.atom").headers["content-type"].startswith("application/atom+xml")
    )


def test_a_feed_names_its_stylesheet(get) -> None:
    assert (
        '<?xml-stylesheet type="text/xsl" href="/-/static-plugins/govarchive/feed.xsl"?>'
        in get("/archive/-/feed/new.atom").text
    )


def test_the_feed_stylesheet_is_served(get) -> None:
    assert get("/-/static-plugins/govarchive/feed.xsl").status_code == 200


def test_a_snippet_past_the_title_marks_the_match_where_it_is() -> None:
    # İ folds to two characters under str.lower(): positions must not shift.
    from archive.search_views import _CLOSE, _OPEN, _past_title

    title = "关于İİİİ开展执法检查的通知"
    body = f"{title}\nİİİİİİ各单位：为规范执法行为，现通知如下。"
    assert f"{_OPEN}执法{_CLOSE}行为" in _past_title(body, title, ["执法"])


def test_a_sites_template_directory_replaces_an_archive_page(demo_archive, tmp_path) -> None:
    """The archive's pages render through Datasette, so ``--template-dir`` restyles them."""
    import asyncio

    from datasette.app import Datasette

    (tmp_path / "govarchive-feeds.html").write_text(
        "<p>本馆订阅 {{ db }}: {{ kinds|length }} feeds</p>", encoding="utf-8"
    )
    datasette = Datasette(files=[str(demo_archive)], template_dir=str(tmp_path))

    async def fetch() -> str:
        await datasette.invoke_startup()
        return (await datasette.client.get(f"/{demo_archive.stem}/-/feeds")).text

    assert asyncio.run(fetch()) == f"<p>本馆订阅 {demo_archive.stem}: 7 feeds</p>"
