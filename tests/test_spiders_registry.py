"""spiders.registry: sites as data, validated with messages naming site, key and expectation."""

from __future__ import annotations

import pytest

from spiders.registry import RegistryError, load_registry

MINIMAL = "- {name: example, title: 某某县人民政府, family: trs, start_urls: [https://www.example.gov.cn/zwgk/gzbg/]}\n"


def write(tmp_path, text: str):
    path = tmp_path / "sites.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_trs_entry_loads(tmp_path) -> None:
    assert load_registry(write(tmp_path, MINIMAL))[0].name == "example"


def test_allowed_domains_default_to_start_url_hosts(tmp_path) -> None:
    assert load_registry(write(tmp_path, MINIMAL))[0].allowed_domains == ["www.example.gov.cn"]


def test_polite_defaults(tmp_path) -> None:
    site = load_registry(write(tmp_path, MINIMAL))[0]
    assert (site.delay, site.concurrency, site.obey_robots) == (2.0, 1, True)


def test_named_schedule_resolves_to_cron(tmp_path) -> None:
    site = load_registry(write(tmp_path, MINIMAL.replace("}", ", schedule: weekly}")))[0]
    assert site.cron == "0 3 * * 0"


def test_bundled_registry_loads() -> None:
    assert len(load_registry()) >= 10


def test_bundled_registry_covers_seed_jurisdictions() -> None:
    names = {s.jurisdiction for s in load_registry()}
    assert {
        "四川省广元市旺苍县",
        "重庆市开州区",
        "山东省淄博市沂源县中庄镇",
        "四川省广安市华蓥市双河街道",
    } <= names


def test_bundled_registry_marks_unverified_entries() -> None:
    assert all(not s.verified for s in load_registry())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            MINIMAL.replace("family: trs", "family: wordpress"),
            "site 'example': key 'family': expected one of trs, hanweb, generic, json, gkmlpt",
        ),
        (MINIMAL.replace("title: 某某县人民政府, ", ""), "site 'example': key 'title'"),
        (
            MINIMAL.replace("[https://www.example.gov.cn/zwgk/gzbg/]", "[ftp://x]"),
            "key 'start_urls': expected http(s) URLs",
        ),
        (MINIMAL.replace("}", ", delay: -1}"), "key 'delay'"),
        (MINIMAL.replace("}", ", schedule: 'every tuesday'}"), "key 'schedule'"),
        (MINIMAL.replace("}", ", level: galaxy}"), "key 'level'"),
        (MINIMAL.replace("}", ", colour: red}"), "key 'colour'"),
        (MINIMAL.replace("}", ", options: {webid: 3}}"), "key 'options.webid'"),
        (
            MINIMAL.replace("family: trs", "family: json").replace(
                "}", ", options: {page_url: '/p/2'}}"
            ),
            "key 'options.page_url': expected a URL template containing {page}",
        ),
        (
            MINIMAL.replace("family: trs", "family: json").replace("}", ", options: {items: [a]}}"),
            "key 'options.items': expected a dotted path",
        ),
        (
            MINIMAL.replace("family: trs", "family: json").replace(
                "}", ", options: {per_page: -5}}"
            ),
            "key 'options.per_page': expected a whole number",
        ),
        (
            MINIMAL.replace("family: trs", "family: gkmlpt").replace("}", ", options: {sid: abc}}"),
            "key 'options.sid': expected the gkmlpt site id",
        ),
        (MINIMAL + MINIMAL, "site 'example': key 'name': expected a unique name"),
        (MINIMAL.replace("name: example", "name: 'Bad Name'"), "key 'name'"),
        ("sites: {a: 1}", "expected a list of sites"),
        ("- [unclosed", "not valid YAML"),
    ],
)
def test_invalid_entries_name_site_and_key(tmp_path, text: str, message: str) -> None:
    with pytest.raises(RegistryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_registry(write(tmp_path, text))


def test_missing_file(tmp_path) -> None:
    with pytest.raises(RegistryError, match="cannot read site registry"):
        load_registry(tmp_path / "nope.yaml")


def test_the_schemas_families_are_the_spiders() -> None:
    from spiders import FAMILY_SPIDERS
    from spiders.registry import SCHEMA

    assert SCHEMA["$defs"]["site"]["properties"]["family"]["enum"] == list(FAMILY_SPIDERS)


def test_the_bundled_registry_is_valid_under_the_schema_file_as_editors_read_it() -> None:
    import yaml
    from jsonschema import Draft202012Validator

    from spiders.registry import SCHEMA, default_registry_path

    data = yaml.safe_load(default_registry_path().read_text(encoding="utf-8"))
    assert list(Draft202012Validator(SCHEMA).iter_errors(data)) == []


def test_the_schema_file_is_a_valid_json_schema() -> None:
    from jsonschema import Draft202012Validator

    from spiders.registry import SCHEMA

    Draft202012Validator.check_schema(SCHEMA)


def test_a_page_count_written_as_a_fraction_is_refused(tmp_path) -> None:
    with pytest.raises(RegistryError, match="key 'max_pages': expected a whole number"):
        load_registry(write(tmp_path, MINIMAL.replace("}", ", max_pages: 5.0}")))


def test_a_start_url_given_alone_is_a_list_of_one(tmp_path) -> None:
    text = MINIMAL.replace(
        "[https://www.example.gov.cn/zwgk/gzbg/]", "https://www.example.gov.cn/a/"
    )
    assert load_registry(write(tmp_path, text))[0].start_urls == ["https://www.example.gov.cn/a/"]


def test_a_bad_name_is_reported_before_anything_else(tmp_path) -> None:
    text = MINIMAL.replace("name: example", "name: 'Bad Name'").replace(
        "title: 某某县人民政府, ", ""
    )
    with pytest.raises(RegistryError, match="key 'name'"):
        load_registry(write(tmp_path, text))


def test_an_unknown_option_names_the_familys_options(tmp_path) -> None:
    text = MINIMAL.replace("}", ", options: {webid: 3}}")
    with pytest.raises(
        RegistryError, match=r"an option of family trs \(dynamic_page_url, static_pages\)"
    ):
        load_registry(write(tmp_path, text))


def test_an_option_given_as_nothing_is_no_option(tmp_path) -> None:
    text = MINIMAL.replace("family: trs", "family: gkmlpt").replace("}", ", options: {sid: null}}")
    assert load_registry(write(tmp_path, text))[0].options.get("sid") is None


def test_the_schedule_message_names_every_named_schedule() -> None:
    from spiders.registry import NAMED_SCHEDULES, SCHEMA

    expected = SCHEMA["$defs"]["site"]["properties"]["schedule"]["x-expected"]
    assert all(name in expected for name in NAMED_SCHEDULES)


def test_unknown_keys_that_are_not_strings_are_named(tmp_path) -> None:
    with pytest.raises(RegistryError, match="key '1'"):
        load_registry(write(tmp_path, MINIMAL.replace("}", ", 1: a, colour: red}")))
