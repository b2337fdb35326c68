"""Document URLs as archive keys: one canonical spelling per document.

A government CMS writes the same link many ways: with a fragment, a session id
(``;jsessionid=…``, ``?JSESSIONID=…``), an explicit default port, a host in capitals,
query arguments in another order. Keyed as joined, each spelling would be a new document
and the old one a false removal. ``canonical_url`` is the one place that decides what a
key looks like; ``same_path_key`` ignores scheme and port, so a site moving from http to
https is recognised as the same documents moved, not as mass deletion.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query arguments that carry a session, never a document's identity (compared lower-case).
SESSION_QUERY_KEYS: frozenset[str] = frozenset(
    {"jsessionid", "phpsessid", "aspsessionid", "sessionid", "sid_session", "cfid", "cftoken"}
)
# A session id in the path: ``/art_1_2.html;jsessionid=0A1B2C`` (any case).
SESSION_PATH_PARAM = re.compile(r";(?:jsessionid|phpsessid|sessionid)=[^/?#;]*", re.I)
DEFAULT_PORTS: dict[str, int] = {"http": 80, "https": 443}


@lru_cache(maxsize=16384)
def canonical_url(url: str) -> str:
    """The archive's key for a document URL (a crawl asks for one URL's key several
    times: as a link, a request, a response and an item; the answers are cached).

    Fragment dropped, scheme and host lower-cased, default port removed, session ids
    removed from path and query, query arguments sorted and percent-encoding normalised
    (w3lib's ``canonicalize_url``, as Scrapy's request fingerprints use).
    """
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in DEFAULT_PORTS:
        return url
    path = SESSION_PATH_PARAM.sub("", parts.path)
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(key.lower() in SESSION_QUERY_KEYS for key, _ in pairs):
        query = urlencode([(k, v) for k, v in pairs if k.lower() not in SESSION_QUERY_KEYS])
    netloc = parts.netloc.lower()
    host, _, port = netloc.rpartition(":")
    if host and port.isdigit() and int(port) == DEFAULT_PORTS[parts.scheme.lower()]:
        netloc = host
    rebuilt = urlunsplit((parts.scheme.lower(), netloc, path or "/", query, ""))
    return canonicalize_url(rebuilt, keep_fragments=False)


def same_path_key(url: str) -> str:
    """Host, path and query without scheme or port: equal for a document moved between
    http and https (or between ports) of the same host."""
    parts = urlsplit(canonical_url(url))
    host = (parts.hostname or "").lower()
    return f"{host}{parts.path}" + (f"?{parts.query}" if parts.query else "")
