"""The clean record a parser makes of one government page: typed, JSON-serialisable."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields
from typing import Any

# C0 controls other than tab and newline, DEL and C1 controls: never text a page shows, and
# in a terminal they are commands (ESC ] 52 writes the clipboard, ESC [ 2J clears the screen).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(value: str) -> str:
    """Text without control characters (tab and newline kept; CR and others dropped)."""
    return _CONTROLS.sub("", value)


@dataclass(slots=True)
class Attachment:
    """A document file linked from the content (PDF, DOCX, …)."""

    name: str
    url: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "url": self.url}


@dataclass(slots=True)
class Record:
    """What a 信息公开 page says, with page chrome removed.

    A field the page does not have is ``None``; a label present with an empty value is ``""``.
    Dates are ISO strings: ``doc_date`` ``YYYY-MM-DD``; ``publish_date`` a date or
    ``YYYY-MM-DD HH:MM[:SS]``.
    """

    url: str = ""
    title: str | None = None
    doc_date: str | None = None
    publish_date: str | None = None
    issuer: str | None = None
    index_no: str | None = None
    doc_no: str | None = None
    topic: str | None = None
    validity: str | None = None
    keywords: str | None = None
    body_text: str = ""
    body_html: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    template: str = "generic"
    encoding: str | None = None
    # The 来源 the page displays, when it has one (``issuer`` may differ: see parse_page).
    source: str | None = None

    def __post_init__(self) -> None:
        """Every text field without control characters (``strip_controls``): an archived
        title is never a terminal command, an XML error or a hidden difference."""
        for name in _TEXT_FIELDS:
            value = getattr(self, name)
            if value:
                setattr(self, name, strip_controls(value))
        for attachment in self.attachments:
            attachment.name = strip_controls(attachment.name)

    def to_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in _FIELD_NAMES}
        data["attachments"] = [a.to_dict() for a in self.attachments]
        return data

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["attachments"] = [
            a if isinstance(a, Attachment) else Attachment(name=a["name"], url=a["url"])
            for a in data.get("attachments") or []
        ]
        return cls(**values)


# Fields that describe the document itself: what the content hash covers and what
# versions compare. ``body_html``, ``template`` and ``encoding`` are how it was shown or
# parsed, not what it says; ``source`` repeats a displayed label (the issuer is hashed).
CONTENT_FIELDS: tuple[str, ...] = (
    "title",
    "doc_date",
    "publish_date",
    "issuer",
    "index_no",
    "doc_no",
    "topic",
    "validity",
    "keywords",
    "body_text",
    "attachments",
)


_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Record))

_TEXT_FIELDS: tuple[str, ...] = (
    "title", "doc_date", "publish_date", "issuer", "index_no", "doc_no", "topic", "validity",
    "keywords", "body_text", "body_html", "source",
)  # fmt: skip
