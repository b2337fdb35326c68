"""What travels through Redis between workers and ``govarchive ingest``: JSON, never pickle.

Whoever can write to Redis must not be able to run code on a worker or on the archive
machine, so nothing read from Redis names a class or a function to call. A message is a JSON
object; the dataclasses it carries (crawl items, a site's report, a site's state) are
rebuilt by their declared field types (``decode(FetchItem, data)``), and an item's type is
one of a closed list (``ITEM_TYPES``). Bytes travel as base64, and bytes larger than
``BLOB_BYTES`` travel beside the message, in chunks of at most ``BLOB_BYTES`` under their
own key (``BlobStore``), so no Redis command carries a 50 MB attachment.

An envelope says whose message it is: the archive (its UUID), the run, the site, the
attempt (each start of a site's job counts one) and the message's place in that attempt's
stream (``seq``, from 1), which lets the ingest skip what it has recorded already and see a
gap.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any

from archive.attachments import KnownAttachment
from archive.store import ColumnHistory, KnownDocument, WalkRecord
from crawler.items import (
    AttachmentItem,
    DocumentItem,
    FetchItem,
    ListPageItem,
    MissingItem,
    SeenItem,
)
from crawler.recorder import HeldMissing, SiteReport
from spiders.registry import Site
from spiders.site_state import SiteState

FORMAT = 1
# Bytes above this size travel as a blob, in chunks of this size.
BLOB_BYTES = 1 << 20
ITEM_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (FetchItem, DocumentItem, AttachmentItem, SeenItem, MissingItem, ListPageItem)
}
KINDS = ("open", "item", "close")
# The dataclasses a message may carry, for the checks below (nested ones are reached by type).
CARRIED = (
    Site, SiteState, SiteReport, HeldMissing, KnownDocument, KnownAttachment, ColumnHistory,
    WalkRecord,
)  # fmt: skip


class MessageError(ValueError):
    """A message that is not one of ours: refused, never acted on."""


PutBlob = Callable[[bytes], dict[str, Any]]
GetBlob = Callable[[dict[str, Any]], bytes]


# --- dataclasses to JSON and back, by declared type ------------------------------------------
@cache
def _field_types(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def encode(value: Any, put_blob: PutBlob | None = None) -> Any:
    """``value`` as JSON-ready data: dataclasses as objects, sets and tuples as arrays,
    bytes as base64 (or, above ``BLOB_BYTES`` and with ``put_blob``, a blob reference)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: encode(getattr(value, name), put_blob) for name in _field_types(type(value))}
    if isinstance(value, bytes):
        if put_blob is not None and len(value) > BLOB_BYTES:
            return put_blob(value)
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {str(k): encode(v, put_blob) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [encode(v, put_blob) for v in value]
        return sorted(items, key=json.dumps) if isinstance(value, (set, frozenset)) else items
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot send a {type(value).__name__} through the queue")


def decode(kind: Any, data: Any, get_blob: GetBlob | None = None) -> Any:
    """Rebuild a value of type ``kind`` from ``encode``'s output; anything else is refused
    with ``MessageError``."""
    if kind is Any:
        return data
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        return _decode_union(kind, data, get_blob)
    if dataclasses.is_dataclass(kind):
        return _decode_dataclass(kind, data, get_blob)
    if kind is bytes:
        return _decode_bytes(data, get_blob)
    if origin in (list, set, frozenset, tuple):
        return _decode_sequence(kind, data, get_blob)
    if origin is dict:
        if not isinstance(data, dict):
            raise MessageError(f"expected an object for {kind}")
        args = typing.get_args(kind)
        value_type = args[1] if args else Any
        return {str(k): decode(value_type, v, get_blob) for k, v in data.items()}
    return _decode_scalar(kind, data)


def _decode_union(kind: Any, data: Any, get_blob: GetBlob | None) -> Any:
    args = typing.get_args(kind)
    if data is None and type(None) in args:
        return None
    options = [a for a in args if a is not type(None)]
    if len(options) != 1:
        raise MessageError(f"ambiguous type {kind}")
    return decode(options[0], data, get_blob)


def _decode_dataclass(kind: Any, data: Any, get_blob: GetBlob | None) -> Any:
    if not isinstance(data, dict):
        raise MessageError(f"{kind.__name__}: expected an object")
    fields = _field_types(kind)
    unknown = set(data) - set(fields)
    if unknown:
        raise MessageError(f"{kind.__name__}: unknown fields {sorted(unknown)[:5]}")
    try:
        return kind(**{k: decode(fields[k], v, get_blob) for k, v in data.items()})
    except TypeError as error:
        raise MessageError(f"{kind.__name__}: {error}") from None


def _decode_bytes(data: Any, get_blob: GetBlob | None) -> bytes:
    if isinstance(data, dict) and get_blob is not None:
        return get_blob(data)
    if not isinstance(data, str):
        raise MessageError("expected base64 text")
    try:
        return base64.b64decode(data, validate=True)
    except ValueError:
        raise MessageError("bad base64") from None


def _decode_sequence(kind: Any, data: Any, get_blob: GetBlob | None) -> Any:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if not isinstance(data, list):
        raise MessageError(f"expected an array for {kind}")
    if origin is not tuple:
        inner = args[0] if args else Any
        return origin(decode(inner, v, get_blob) for v in data)
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(decode(args[0], v, get_blob) for v in data)
    if len(args) != len(data):
        raise MessageError(f"expected {len(args)} values for {kind}")
    return tuple(decode(a, v, get_blob) for a, v in zip(args, data, strict=True))


def _decode_scalar(kind: Any, data: Any) -> Any:
    if kind is type(None):
        if data is not None:
            raise MessageError("expected null")
        return None
    if kind not in (str, int, float, bool):
        raise MessageError(f"cannot read a {kind}")
    if kind is float and isinstance(data, int) and not isinstance(data, bool):
        return float(data)
    if not isinstance(data, kind) or (kind is int and isinstance(data, bool)):
        raise MessageError(f"expected {kind.__name__}, got {type(data).__name__}")
    return data


# --- envelopes -------------------------------------------------------------------------------
@dataclasses.dataclass(slots=True)
class Envelope:
    """One message of a site's crawl: whose it is, where it stands, and what it carries."""

    archive: str
    run: int
    site: str
    attempt: int
    seq: int
    kind: str  # open | item | close
    payload: Any = None  # open: (site row, now); item: an item; close: a SiteReport
    lost: int = 0  # close: items this attempt could not push


def pack(envelope: Envelope, put_blob: PutBlob | None = None) -> bytes:
    """The envelope as the bytes pushed to Redis."""
    body: dict[str, Any] = {
        "format": FORMAT,
        "archive": envelope.archive,
        "run": envelope.run,
        "site": envelope.site,
        "attempt": envelope.attempt,
        "seq": envelope.seq,
        "kind": envelope.kind,
    }
    payload = envelope.payload
    if envelope.kind == "item":
        body["type"] = type(payload).__name__
        if body["type"] not in ITEM_TYPES:
            raise TypeError(f"not a crawl item: {body['type']}")
    elif envelope.kind == "close":
        body["lost"] = envelope.lost
    body["payload"] = encode(payload, put_blob)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def unpack(raw: bytes, get_blob: GetBlob | None = None) -> Envelope:
    """An envelope read from Redis; ``MessageError`` for anything that is not one."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise MessageError("not a JSON message (a pickled or foreign payload?)") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise MessageError("not a govarchive message")
    kind = body.get("kind")
    if kind not in KINDS:
        raise MessageError(f"unknown message kind {kind!r}")
    head = {
        "archive": decode(str, body.get("archive")),
        "run": decode(int, body.get("run")),
        "site": decode(str, body.get("site")),
        "attempt": decode(int, body.get("attempt")),
        "seq": decode(int, body.get("seq")),
    }
    raw_payload = body.get("payload")
    if kind == "item":
        item_type = ITEM_TYPES.get(str(body.get("type")))
        if item_type is None:
            raise MessageError(f"unknown item type {body.get('type')!r}")
        payload = decode(item_type, raw_payload, get_blob)
    elif kind == "close":
        payload = decode(SiteReport, raw_payload, get_blob)
    else:
        payload = decode(tuple[dict[str, Any], str | None], raw_payload)
    lost = decode(int, body.get("lost", 0))
    return Envelope(kind=kind, payload=payload, lost=lost, **head)


def blob_refs(raw: bytes) -> list[str]:
    """The blob keys a packed message refers to (to delete once it is recorded)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if set(value) == {"blob", "size", "chunks"} and isinstance(value["blob"], str):
                found.append(value["blob"])
                return
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    try:
        walk(json.loads(raw).get("payload"))
    except (ValueError, AttributeError):
        return []
    return found
