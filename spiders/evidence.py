"""What a site's answer is evidence of: the part of the spider an archive of public record
is judged by.

``AnswerEvidence`` is mixed into ``spiders.base.GovSpider``. It reads each answer (its
status, redirects, parsed page) and asks ``archive.evidence``, where every such rule lives,
what it is; then turns each answer that is not simply the document into the item that says
what it was: a not-found or withdrawal page, a redirect to the home page or a column,
another page served at a known document's URL (``missing``, held by the pipeline until the
listing's verdict); a maintenance or empty page (a failed fetch, never evidence of absence,
its body kept as what the server said); every redirect hop and every failure, by its
exception type, as a fetch with its reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archive.evidence import (
    ABSENT,
    error_answer,
    landing_answer,
    page_answer,
    redirect_answer,
)
from archive.store import KnownDocument
from crawler.compression import ContentEncodingError, DecompressionRefused
from crawler.items import AttachmentItem, FetchItem, MissingItem
from crawler.redirects import RedirectRefused, fetch_fields
from parsers.filenames import attachment_name
from parsers.page_state import (
    has_content,
    page_state,
    same_document,
    served_instead,
    visible_text,
)
from parsers.sanitize import content_images
from parsers.urls import canonical_url
from spiders.registry import Site
from spiders.responses import charset, failure_reason
from spiders.walk import ColumnWalk, record_failure


class AnswerEvidence:
    """The spider's answers as evidence (see the module docstring); needs the spider's
    site, what the archive knows, and its column walks."""

    site: Site
    known: dict[str, KnownDocument]
    listed: set[str]
    walks: dict[str, ColumnWalk]
    full_walk: bool
    robots_answers: list[dict[str, Any]]

    def _walk_of(self, response_or_request: Any) -> ColumnWalk:
        column = response_or_request.meta["column"]
        return self.walks.setdefault(column, ColumnWalk(column, full=self.full_walk))

    def not_a_document(
        self, response: Response, record: Any, kind: str, doc_url: str
    ) -> FetchItem | MissingItem | None:
        """What a parsed answer is when it is not the document: a not-found or withdrawal
        page (missing), a maintenance page, an empty page, or another page served at a known
        document's URL (missing); None for the document itself."""
        known = self.known.get(doc_url)
        expected = (response.meta.get("list_title"), known.title if known else None)
        head = known.body_head if known else None
        state = page_state(record, self._page_text(response, record), expected, head)
        answer = page_answer(
            state,
            known=known is not None,
            known_has_text=bool(head),
            has_words=has_content(record, pictures=False),
            has_pictures=bool(content_images(record.body_html)),
            served_instead=lambda: (
                known is not None
                and served_instead(
                    response.body, response.url, record, known.title, self.site.title, head
                )
            ),
        )
        if answer is None:
            return None
        if answer.kind == ABSENT:
            return self.missing(response, kind, doc_url, answer.reason)
        return self.fetch_item(response, kind, error=answer.reason, keep_raw=True)

    def left_the_web(self, response: Response) -> FetchItem | None:
        """A page rendered in Chromium whose script navigated where the browser may not go
        (``crawler.render.origin_guard``) ends on Chromium's own error page
        (``chrome-error://…``): a fetch of the URL asked for, failed as
        ``navigation-refused``, and nothing of the page archived. None for a web page."""
        if response.url.startswith(("http://", "https://")):
            return None
        kind = response.meta.get("kind", "detail")
        url = response.request.url if response.request is not None else response.url
        if kind == "list":
            record_failure(self._walk_of(response), url, "navigation-refused")
        return FetchItem(self.site.name, url, kind, error="navigation-refused")

    def landed_elsewhere(
        self, response: Response, record: Any, kind: str, doc_url: str
    ) -> MissingItem | None:
        """A known document's URL redirected to another archived document that is not it
        (``parsers.page_state.same_document``): a removal answer, never a move. A redirect to a
        URL the archive does not hold stays a move (a redesign moves documents to new URLs
        under a template that may read their titles differently: judged strictly, each
        would become missing, then gone); several documents landing on one page are
        settled by the recorder (``redirect-to-shared-page``)."""
        known = self.known.get(doc_url)
        if known is None or not response.meta.get("redirect_urls"):
            return None
        landing = canonical_url(response.url)
        answer = redirect_answer(
            landing != doc_url and landing in self.known,
            same_document(record, known.title, known.body_head),
        )
        return None if answer is None else self.missing(response, kind, doc_url, answer.reason)

    def _page_text(self, response: Response, record: Any) -> str | None:
        """The page's visible text, read only for a record with no words of its own."""
        if has_content(record, pictures=False):
            return None
        return visible_text(response.body, charset(response))

    def redirect_landing(self, response: Response) -> str | None:
        """Where a redirected document request landed, when that is not a document: the
        site's home page or one of its column pages."""
        if not response.meta.get("redirect_urls"):
            return None
        columns = {canonical_url(u) for u in self.site.start_urls}
        for walk in self.walks.values():
            columns.update(canonical_url(u) for u in walk.visited)
        home = canonical_url(self.site.home_url) if self.site.home_url else None
        answer = landing_answer(canonical_url(response.url), columns, home)
        return None if answer is None else answer.reason

    def missing(self, response: Response, kind: str, doc_url: str, reason: str) -> MissingItem:
        fetch = self.fetch_item(response, kind, error=reason, keep_raw=True)
        return MissingItem(self.site.name, doc_url, reason, fetch=fetch)

    def delisting_evidence(self) -> dict[str, Any]:
        return {
            "columns": sorted(self.walks),
            "links": sum(len(w.links) for w in self.walks.values()),
            "list_pages": sum(w.pages for w in self.walks.values()),
            "full_walk": self.full_walk,
        }

    def redirect_fetches(self, response_or_meta: Any) -> Iterator[FetchItem]:
        """The 3xx hops that led to this response (kept by crawler.redirects), as fetches;
        first, any robots.txt answer not yet recorded (every callback and errback starts
        here, and robots.txt is fetched outside them: ``RobotsCaptureMiddleware``)."""
        while self.robots_answers:
            fields = self.robots_answers.pop(0)
            yield FetchItem(self.site.name, kind="robots", keep_raw=True, **fields)
        meta = getattr(response_or_meta, "meta", response_or_meta)
        kind = meta.get("kind", "detail")
        for hop in meta.get("redirect_fetches", ()):
            yield FetchItem(self.site.name, kind=kind, **hop)

    def on_error(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        kind = request.meta.get("kind", "detail")
        reason, status = failure_reason(failure)
        if isinstance(failure.value, RedirectRefused):
            yield from self.refused_redirect(failure.value, request)
            return
        yield from self.redirect_fetches(request)
        chain = request.meta.get("redirect_urls") or []
        if kind == "list":
            record_failure(self._walk_of(request), request.url, reason)
        absent = error_answer(kind, status, reason, redirected=bool(chain))
        if absent is not None:
            doc_url = request.meta.get("doc_url") or canonical_url(request.url)
            fetch = self.failed_fetch(failure, request, kind, status, absent.reason)
            yield MissingItem(self.site.name, doc_url, absent.reason, fetch=fetch)
            return
        yield self.failed_fetch(failure, request, kind, status, reason)
        if kind == "attachment":
            yield AttachmentItem(
                site=self.site.name,
                document_url=request.meta["document_url"],
                url=request.url,
                name=attachment_name(request.meta.get("name"), request.url),
                error=reason,
                status=status,
            )

    def failed_fetch(
        self, failure: Failure, request: Request, kind: str, status: int | None, reason: str
    ) -> FetchItem:
        """A failed request as a fetch: an HTTP error answer (404, 410, 5xx), or an answer
        whose body does not decode (``bad-encoding``, ``truncated``: the body as received),
        with its status line, headers and body, kept as evidence of what the server said; a
        compression bomb (``too-large-decompressed``) with its status line and headers, its
        body not kept; a failure with no answer (a timeout, a refused connection) with its
        reason alone."""
        answer = getattr(failure.value, "response", None)
        if isinstance(failure.value, (HttpError, ContentEncodingError)) and answer is not None:
            fields = fetch_fields(request, answer)
            return FetchItem(self.site.name, kind=kind, error=reason, keep_raw=True, **fields)
        if isinstance(failure.value, DecompressionRefused):
            fields = {**fetch_fields(request, failure.value.response), "body": None}
            return FetchItem(self.site.name, kind=kind, error=reason, **fields)
        return FetchItem(self.site.name, request.url, kind, status=status, error=reason)

    def refused_redirect(self, refused: RedirectRefused, request: Request) -> Iterator[Any]:
        """A redirect not followed: every hop a fetch, and the reason recorded against the
        chain's first URL (nothing is followed)."""
        kind = request.meta.get("kind", "detail")
        yield from self.redirect_fetches({"kind": kind, "redirect_fetches": refused.fetches})
        yield FetchItem(
            self.site.name, refused.first_url, kind, status=refused.status, error=refused.reason
        )
        if kind == "list":
            record_failure(self._walk_of(request), refused.first_url, refused.reason)

    def fetch_item(
        self, response: Response, kind: str, error: str | None = None, keep_raw: bool = False
    ) -> FetchItem:
        fields = fetch_fields(response.request, response)
        return FetchItem(self.site.name, kind=kind, error=error, keep_raw=keep_raw, **fields)
