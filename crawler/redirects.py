"""Redirects followed as Scrapy follows them, and recorded as evidence.

``RecordingRedirectMiddleware`` is Scrapy's ``RedirectMiddleware`` with three changes a
public-record archive needs:

* every 3xx hop of the spider's requests (list, detail, attachment, sitemap and check pages;
  other requests, such as robots.txt, are redirected as Scrapy redirects them) is kept in
  the request's meta (``redirect_fetches``) so the spider records
  it as a fetch, and the chain's URLs are Scrapy's own ``redirect_urls``;
* a redirect that must not be followed — no Location, a loop, more hops than
  ``REDIRECT_MAX_TIMES``, another host, port or scheme (``refusal``) — ends the request
  with ``RedirectRefused``, whose reason the spider records against the chain's first URL
  (a removed document's URL redirected to another site is evidence, not a crawl of it);
* a redirect target is never dropped as a duplicate (ten removed documents redirected to
  the same home page each get their answer) and is asked for without the validators
  (``If-None-Match``, ``If-Modified-Since``), which belong to the URL that issued them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from w3lib.url import safe_url_string

from archive.captures import request_head, response_head

REDIRECT_STATUSES = (301, 302, 303, 307, 308)
VALIDATORS = (b"If-None-Match", b"If-Modified-Since")


class RedirectRefused(IgnoreRequest):
    """A redirect not followed, and why (``reason``), with the chain's first URL, the
    refusing response's status and every hop's fetch (the refusing one last)."""

    def __init__(self, reason: str, first_url: str, status: int, fetches: list[dict]) -> None:
        super().__init__(f"{reason}: {first_url}")
        self.reason = reason
        self.first_url = first_url
        self.status = status
        self.fetches = fetches


def refusal(url: str, domains: list[str], ports: frozenset[int]) -> str | None:
    """Why the crawl must not fetch ``url`` (None: it may), judged on the URL as the
    downloader will parse it."""
    try:
        parts = urlsplit(safe_url_string(url))
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "bad-url"
    if parts.scheme not in ("http", "https"):
        return "refused-scheme"
    host = (parts.hostname or "").lower()
    if not any(host == d or host.endswith("." + d) for d in domains):
        return "offsite-redirect"
    if port not in ports:
        return "refused-port"
    return None


def fetch_fields(request: Request, response: Response) -> dict[str, Any]:
    """A response as the fields of the fetch the spider records (``FetchItem``): URL,
    status, body, content type, latency, and the exchange's heads and peer address. The
    latency is read from the request: a response reaches downloader middlewares before
    Scrapy ties it to its request.

    The request head is what Scrapy's downloader sends (the request's headers once every
    middleware has set them, and Host from the URL); header names are as Scrapy normalises
    them (``Content-Type``), values as sent and received, in order."""
    latency = request.meta.get("download_latency")
    content_type = response.headers.get(b"Content-Type")
    ip_address = getattr(response, "ip_address", None)
    return {
        "url": response.url,
        "status": response.status,
        "body": response.body,
        "content_type": content_type.decode("latin-1") if content_type else None,
        "elapsed_ms": None if latency is None else int(latency * 1000),
        "request_head": request_head(request.method, request.url, header_pairs(request.headers)),
        "response_head": response_head(
            getattr(response, "protocol", None), response.status, header_pairs(response.headers)
        ),
        "peer": str(ip_address) if ip_address is not None else None,
    }


def header_pairs(headers: Any) -> list[tuple[str, str]]:
    """Scrapy ``Headers`` as (name, value) pairs, one per value, in order."""
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


class RecordingRedirectMiddleware(RedirectMiddleware):
    """Scrapy's redirects, with every hop recorded and every refusal named."""

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if (
            response.status not in REDIRECT_STATUSES
            or request.meta.get("dont_redirect", False)
            or response.status in request.meta.get("handle_httpstatus_list", ())
        ):
            return response
        if "kind" not in request.meta:  # not a page of the site's (robots.txt): as Scrapy does
            return super().process_response(request, response)
        chain = [*request.meta.get("redirect_urls", []), request.url]
        fetches = [*request.meta.get("redirect_fetches", []), fetch_fields(request, response)]
        reason = self.refused(response, chain)
        if reason is not None:
            raise RedirectRefused(reason, chain[0], response.status, fetches)
        redirected = super().process_response(request, response)
        if not isinstance(redirected, Request):  # pragma: no cover - refused above
            return redirected
        redirected.meta["redirect_fetches"] = fetches
        redirected.dont_filter = True
        for name in VALIDATORS:
            redirected.headers.pop(name, None)
        return redirected

    def refused(self, response: Response, chain: list[str]) -> str | None:
        """Why this 3xx must not be followed (None: follow it)."""
        location = response.headers.get(b"Location")
        if not location:
            return "redirect-without-location"
        target = urljoin(response.url, safe_url_string(location.decode("latin-1").strip()))
        if target in chain:
            return "redirect-loop"
        if len(chain) > self.max_redirect_times:
            return "redirect-limit"
        spider = self.crawler.spider
        domains = getattr(spider, "allowed_domains", None)
        ports = getattr(spider, "allowed_ports", None)
        if domains is None or ports is None:
            return None
        return refusal(target, domains, ports)


class RobotsCaptureMiddleware:
    """robots.txt answers kept as evidence (what the site allowed the night it was crawled):
    Scrapy's robots.txt middleware fetches them outside any callback, so each answer is
    handed to the spider (``robots_answers``), which records it with its next items."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> RobotsCaptureMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("dont_obey_robotstxt") and urlsplit(request.url).path == "/robots.txt":
            answers = getattr(self.crawler.spider, "robots_answers", None)
            if answers is not None:
                answers.append(fetch_fields(request, response))
        return response
