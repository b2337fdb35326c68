"""Redirects followed as Scrapy follows them, every hop kept, every refusal named
(crawler/redirects.py), on Scrapy's own request and response objects."""

from __future__ import annotations

import pytest
from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler.redirects import RecordingRedirectMiddleware, RedirectRefused

SITE = "http://www.example.gov.cn"


class SiteSpider(Spider):
    name = "site"
    allowed_domains = ["example.gov.cn"]
    allowed_ports = frozenset({80, 443})


@pytest.fixture
def middleware() -> RecordingRedirectMiddleware:
    crawler = get_crawler(SiteSpider, {"REDIRECT_MAX_TIMES": 3})
    crawler.spider = SiteSpider()
    return RecordingRedirectMiddleware.from_crawler(crawler)


def redirect(url: str, location: str | None, status: int = 302) -> Response:
    headers = {"Location": location} if location is not None else {}
    return Response(url, status=status, headers=headers, body=b"moved")


def page(url: str, **kwargs) -> Request:
    """A request of the spider's own (its meta names the kind of page)."""
    meta = {"kind": "detail", **kwargs.pop("meta", {})}
    return Request(url, meta=meta, **kwargs)


def follow(middleware, request: Request, location: str, status: int = 302) -> Request:
    followed = middleware.process_response(request, redirect(request.url, location, status))
    assert isinstance(followed, Request)
    return followed


def refused(middleware, request: Request, location: str | None) -> RedirectRefused:
    with pytest.raises(RedirectRefused) as caught:
        middleware.process_response(request, redirect(request.url, location))
    return caught.value


def test_a_redirect_is_followed_to_its_location(middleware) -> None:
    followed = follow(middleware, page(f"{SITE}/a.html"), "/b.html")
    assert followed.url == f"{SITE}/b.html"


def test_the_chain_is_scrapys_redirect_urls(middleware) -> None:
    second = follow(middleware, follow(middleware, page(f"{SITE}/a.html"), "/b.html"), "/c.html")
    assert second.meta["redirect_urls"] == [f"{SITE}/a.html", f"{SITE}/b.html"]


def test_every_hop_is_kept_as_a_fetch(middleware) -> None:
    request = page(f"{SITE}/a.html", meta={"download_latency": 0.25})
    followed = follow(middleware, request, "/b.html", status=301)
    assert followed.meta["redirect_fetches"] == [
        {
            "url": f"{SITE}/a.html",
            "status": 301,
            "body": b"moved",
            "content_type": None,
            "elapsed_ms": 250,
            "request_head": "GET /a.html HTTP/1.1\r\nHost: www.example.gov.cn",
            "response_head": "HTTP/1.1 301 Moved Permanently\r\nLocation: /b.html",
            "peer": None,
        }
    ]


def test_a_hop_keeps_the_headers_it_was_asked_with(middleware) -> None:
    request = page(f"{SITE}/a.html", headers={"Accept-Language": "zh-CN"})
    followed = follow(middleware, request, "/b.html", status=301)
    assert "Accept-Language: zh-CN" in followed.meta["redirect_fetches"][0]["request_head"]


def test_a_redirect_target_is_never_filtered_as_a_duplicate(middleware) -> None:
    assert follow(middleware, page(f"{SITE}/a.html"), "/").dont_filter


def test_validators_stay_with_the_url_that_issued_them(middleware) -> None:
    request = page(f"{SITE}/a.html", headers={"If-None-Match": '"x"', "If-Modified-Since": "y"})
    followed = follow(middleware, request, "/b.html")
    assert (b"If-None-Match" in followed.headers, b"If-Modified-Since" in followed.headers) == (
        False,
        False,
    )


def test_other_headers_are_kept(middleware) -> None:
    request = page(f"{SITE}/a.html", headers={"Accept-Language": "zh-CN"})
    assert follow(middleware, request, "/b.html").headers[b"Accept-Language"] == b"zh-CN"


def test_a_post_answered_303_is_fetched_with_get(middleware) -> None:
    request = page(f"{SITE}/search", method="POST", body=b"q=1")
    assert follow(middleware, request, "/results", status=303).method == "GET"


def test_a_page_that_is_not_a_redirect_passes(middleware) -> None:
    response = Response(f"{SITE}/a.html", status=200, body=b"<html></html>")
    assert middleware.process_response(page(f"{SITE}/a.html"), response) is response


def test_a_loop_is_refused(middleware) -> None:
    second = follow(middleware, page(f"{SITE}/a.html"), "/b.html")
    assert refused(middleware, second, "/a.html").reason == "redirect-loop"


def test_a_refusal_names_the_chains_first_url(middleware) -> None:
    second = follow(middleware, page(f"{SITE}/a.html"), "/b.html")
    assert refused(middleware, second, "/a.html").first_url == f"{SITE}/a.html"


def test_a_refusal_carries_every_hop_the_refused_one_last(middleware) -> None:
    second = follow(middleware, page(f"{SITE}/a.html"), "/b.html")
    hops = refused(middleware, second, "/a.html").fetches
    assert [hop["url"] for hop in hops] == [f"{SITE}/a.html", f"{SITE}/b.html"]


def test_a_chain_longer_than_the_limit_is_refused(middleware) -> None:
    request = page(f"{SITE}/0.html")
    for n in range(1, 4):
        request = follow(middleware, request, f"/{n}.html")
    assert refused(middleware, request, "/4.html").reason == "redirect-limit"


def test_a_chain_at_the_limit_is_followed(middleware) -> None:
    request = page(f"{SITE}/0.html")
    for n in range(1, 4):
        request = follow(middleware, request, f"/{n}.html")
    assert request.url == f"{SITE}/3.html"


def test_a_redirect_without_location_is_refused(middleware) -> None:
    assert refused(middleware, page(f"{SITE}/a.html"), None).reason == "redirect-without-location"


def test_a_redirect_to_another_site_is_refused(middleware) -> None:
    reason = refused(middleware, page(f"{SITE}/a.html"), "http://other.example.com/").reason
    assert reason == "offsite-redirect"


def test_a_redirect_to_another_port_is_refused(middleware) -> None:
    reason = refused(middleware, page(f"{SITE}/a.html"), f"{SITE}:8080/").reason
    assert reason == "refused-port"


def test_a_redirect_to_another_scheme_is_refused(middleware) -> None:
    reason = refused(middleware, page(f"{SITE}/a.html"), "ftp://www.example.gov.cn/a").reason
    assert reason == "refused-scheme"


def test_a_redirect_to_a_subdomain_is_followed(middleware) -> None:
    followed = follow(middleware, page(f"{SITE}/a.html"), "http://xxgk.example.gov.cn/a.html")
    assert followed.url == "http://xxgk.example.gov.cn/a.html"


def test_a_request_that_asks_not_to_be_redirected_is_not(middleware) -> None:
    request = page(f"{SITE}/a.html", meta={"dont_redirect": True})
    response = redirect(request.url, "/b.html")
    assert middleware.process_response(request, response) is response


def test_robots_txt_is_redirected_as_scrapy_redirects_it(middleware) -> None:
    robots = Request(f"{SITE}/robots.txt")
    followed = middleware.process_response(
        robots, redirect(robots.url, "https://cdn.example.com/robots.txt")
    )
    assert followed.url == "https://cdn.example.com/robots.txt"


def test_a_request_that_is_not_the_sites_page_keeps_no_hops(middleware) -> None:
    robots = Request(f"{SITE}/robots.txt")
    followed = middleware.process_response(robots, redirect(robots.url, "/robots2.txt"))
    assert "redirect_fetches" not in followed.meta
