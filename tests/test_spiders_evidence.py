"""spiders.evidence: what an answer is evidence of. The answers themselves are exercised
through the spiders' callbacks (test_spiders_callbacks) and whole crawls (test_false_evidence);
here, the rule for a site's home page."""

from __future__ import annotations

import pytest

from spiders.evidence import HOME_PATH, MISSING_STATUSES


@pytest.mark.parametrize(
    "path", ["/", "/index.html", "/index.htm", "/default.aspx", "/main.jsp", "/HOME.SHTML"]
)
def test_a_sites_root_page_is_its_home(path: str) -> None:
    assert HOME_PATH.match(path)


@pytest.mark.parametrize("path", ["/zwgk/index.html", "/index_1.html", "/home/notice.html"])
def test_a_column_or_document_is_not_the_home_page(path: str) -> None:
    assert not HOME_PATH.match(path)


def test_only_not_found_and_gone_are_answers_of_absence() -> None:
    assert MISSING_STATUSES == (404, 410)
