"""archive.version_views and archive.citation: a version's permalink page and its JSON twin,
and an archived capture shown under a provenance banner, through a real Datasette on the
demo archive."""

from __future__ import annotations

import json

import pytest
from conftest import first_row

one = first_row


@pytest.fixture(scope="module")
def edited(demo_archive) -> tuple[int, str]:
    """The edited document's id and its second version's capture hash."""
    row = one(
        demo_archive,
        "SELECT document_id, raw_sha256 FROM versions WHERE version = 2 ORDER BY id LIMIT 1",
    )
    return row[0], row[1]


@pytest.fixture(scope="module")
def facts(get, edited) -> dict:
    return get(f"/archive/-/document/{edited[0]}/v/2.json").json()


@pytest.fixture(scope="module")
def version_html(get, edited) -> str:
    return get(f"/archive/-/document/{edited[0]}/v/2").text


def test_the_json_names_the_version(facts) -> None:
    assert (facts["version"], facts["versions"]) == (2, 2)


def test_the_json_holds_the_versions_clean_text(facts) -> None:
    assert "2025年4月修订" in facts["body_text"]


def test_the_first_version_holds_the_text_before_the_edit(get, edited) -> None:
    first = get(f"/archive/-/document/{edited[0]}/v/1.json").json()
    assert "2025年4月修订" not in first["body_text"]


def test_the_json_gives_the_capture_time_in_utc(facts) -> None:
    assert facts["captured_at_utc"].endswith("Z")


def test_the_utc_time_is_the_same_instant_as_the_china_time(facts) -> None:
    from datetime import datetime

    china = datetime.fromisoformat(facts["captured_at"])
    utc = datetime.fromisoformat(facts["captured_at_utc"].replace("Z", "+00:00"))
    assert china == utc


def test_the_json_gives_the_http_status(facts) -> None:
    assert facts["http_status"] == 200


def test_the_json_gives_the_captures_sha256(facts, edited) -> None:
    assert facts["capture_sha256"] == edited[1]


def test_the_json_names_the_checkpoint_that_sealed_it(demo_archive, facts) -> None:
    head = one(demo_archive, "SELECT head FROM checkpoints WHERE id = ?", facts["checkpoint"]["id"])
    assert facts["checkpoint"]["head"] == head[0]


def test_the_sealing_checkpoint_is_the_end_of_the_versions_run(facts) -> None:
    assert facts["checkpoint"]["run_id"] == facts["run_id"]


def test_the_plain_citation_names_the_url_and_hash(facts) -> None:
    text = facts["cite"]["text"]
    assert (facts["url"] in text, facts["capture_sha256"] in text) == (True, True)


def test_the_plain_citation_ends_with_the_permalink(facts) -> None:
    assert facts["cite"]["text"].endswith(facts["permalink"])


def test_the_csl_json_is_an_archived_webpage(facts) -> None:
    csl = facts["cite"]["csl"]
    assert (csl["type"], csl["archive_location"]) == ("webpage", facts["permalink"])


def test_the_csl_json_author_is_the_issuer(facts) -> None:
    assert facts["cite"]["csl"]["author"] == [{"literal": facts["issuer"]}]


def test_the_page_shows_the_cite_block(version_html, facts) -> None:
    assert facts["cite"]["csl"]["id"] in version_html


def test_the_page_shows_the_captures_sha256(version_html, facts) -> None:
    assert f"<code>{facts['capture_sha256']}</code>" in version_html


def test_the_page_loads_nothing_from_outside(get, edited) -> None:
    policy = get(f"/archive/-/document/{edited[0]}/v/2").headers["content-security-policy"]
    assert policy.startswith("default-src 'none'")


def test_a_version_that_does_not_exist_is_404(get, edited) -> None:
    assert get(f"/archive/-/document/{edited[0]}/v/9").status_code == 404


def test_the_document_page_links_each_version_to_its_permalink(get, edited) -> None:
    html = get(f"/archive/-/document/{edited[0]}").text
    assert f'href="/archive/-/document/{edited[0]}/v/1"' in html


def test_the_capture_page_banners_the_capture(get, edited) -> None:
    html = get(f"/archive/-/capture/{edited[1]}").text
    assert "Archived copy — not the live page" in html.split("<iframe", 1)[0]


def test_the_capture_page_names_where_it_was_captured(get, edited, facts) -> None:
    html = get(f"/archive/-/capture/{edited[1]}").text
    assert facts["url"] in html.split("<iframe", 1)[0]


def test_the_capture_page_links_the_version(get, edited) -> None:
    html = get(f"/archive/-/capture/{edited[1]}").text
    assert f'href="/archive/-/document/{edited[0]}/v/2"' in html


def test_the_capture_is_framed_sandboxed(get, edited) -> None:
    html = get(f"/archive/-/capture/{edited[1]}").text
    assert f'<iframe class="capture" sandbox src="/archive/-/raw/{edited[1]}"' in html


def test_an_unknown_capture_is_404(get) -> None:
    assert get(f"/archive/-/capture/{'0' * 64}").status_code == 404


def test_json_is_json(get, edited) -> None:
    response = get(f"/archive/-/document/{edited[0]}/v/1.json")
    assert json.loads(response.text)["version"] == 1


def test_the_capture_page_has_a_json_twin(get, edited) -> None:
    data = get(f"/archive/-/capture/{edited[1]}.json").json()
    assert [v["version"] for v in data["versions"]] == [2]


def test_the_capture_json_links_the_capture_itself(get, edited) -> None:
    data = get(f"/archive/-/capture/{edited[1]}.json").json()
    assert data["capture"].endswith(f"/archive/-/raw/{edited[1]}")
