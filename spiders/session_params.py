"""Query parameters that carry a visit, not a document: a site whose list links say
``?sid=<random>`` each night links every document at a new URL each night, and keyed as
linked, each night's copies would be new documents and the night before's delisted.

``SessionParams`` holds one site's such parameters: those its registry entry names
(``ignore_params``) and those it learns from the listing: a parameter is learned when at
least ``LEARN_AFTER`` links of one list page each differ from a known document's URL in
that parameter's value alone, both values at least ``MIN_VALUE_CHARS`` long (a token, not
an ``id=12``), and the rest of the URL names that one known document only (or is itself
a known document's URL, keyed without the parameter on an earlier night). A link is then
the known document whose URL differs from it only in such parameters, or, new, its URL
without them. Pure data, no Scrapy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from parsers.urls import canonical_url

LEARN_AFTER = 2
MIN_VALUE_CHARS = 8


def query_pairs(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def without(url: str, names: Iterable[str]) -> str:
    """``url`` without the query parameters ``names`` (compared lower-case)."""
    drop = {n.lower() for n in names}
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if k.lower() not in drop]
    if len(kept) == len(pairs):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept)))


class SessionParams:
    """One site's session parameters and the known document URLs they map links to."""

    def __init__(self, declared: Iterable[str], known_urls: Iterable[str]) -> None:
        self.names: set[str] = {n.lower() for n in declared}
        self.learned: set[str] = set()
        self.known = list(known_urls)
        self.known_set = set(self.known)
        self._by_stripped: dict[str, str | None] | None = None
        self._by_name: dict[tuple[str, str], str | None] | None = None

    def _single_name_index(self) -> dict[tuple[str, str], str | None]:
        """(parameter, URL without it) -> the one known URL it names (None: several)."""
        if self._by_name is None:
            self._by_name = {}
            for url in (u for u in self.known if urlsplit(u).query):
                for name, _ in query_pairs(url):
                    key = (name.lower(), without(url, [name]))
                    self._by_name[key] = None if key in self._by_name else url
        return self._by_name

    def learn(self, links: list[str]) -> None:
        """Learn from one list page's links (canonical URLs)."""
        if not self.known:
            return
        index = self._single_name_index()
        votes: Counter[str] = Counter()
        for link in links:
            for name, value in query_pairs(link):
                name = name.lower()
                if name in self.names or len(value) < MIN_VALUE_CHARS:
                    continue
                bare = canonical_url(without(link, [name]))
                if bare in self.known_set:
                    # A document keyed without it (a night that had learned it already).
                    votes[name] += 1
                    continue
                known = index.get((name, without(link, [name])))
                if known is None or known == link:
                    continue
                old = dict((k.lower(), v) for k, v in query_pairs(known)).get(name, "")
                if len(old) >= MIN_VALUE_CHARS:
                    votes[name] += 1
        found = {name for name, count in votes.items() if count >= LEARN_AFTER}
        if found:
            self.names |= found
            self.learned |= found
            self._by_stripped = None

    def strip(self, url: str) -> str:
        """``url`` without the session parameters (canonical again when it had any)."""
        if not self.names:
            return url
        stripped = without(url, self.names)
        return url if stripped == url else canonical_url(stripped)

    def resolve(self, url: str) -> str | None:
        """The known document URL that ``url`` differs from only in session parameters,
        or None."""
        if not self.names:
            return None
        if self._by_stripped is None:
            self._by_stripped = {}
            for known in self.known:
                key = self.strip(known)
                self._by_stripped[key] = None if key in self._by_stripped else known
        return self._by_stripped.get(self.strip(url))
