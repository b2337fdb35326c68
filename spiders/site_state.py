"""``SiteState``: what a spider knows of its site before it crawls.

Read from the archive by a crawl on the archive's machine; for a crawl on another machine
(``crawler.distributed``), read by whoever queued the job and carried in it, so the worker needs
no archive: the same known documents, attachments, column history and former URLs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from archive import Archive
from archive.attachments import KnownAttachment
from archive.store import ColumnHistory, KnownDocument


@dataclass(slots=True)
class SiteState:
    """The archive's view of one site, as a spider needs it."""

    known: dict[str, KnownDocument] = field(default_factory=dict)
    # document URL -> attachment URL -> its name and validators
    known_attachments: dict[str, dict[str, KnownAttachment]] = field(default_factory=dict)
    known_images: set[str] = field(default_factory=set)
    history: dict[str, ColumnHistory] = field(default_factory=dict)
    former_urls: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, archive: Archive, site: str) -> SiteState:
        return cls(
            known=archive.known_documents(site),
            known_attachments=archive.known_attachments(site),
            known_images=archive.known_image_urls(site),
            history=archive.column_history(site),
            former_urls=archive.former_urls(site),
        )

    @classmethod
    def read_file(cls, db_path: str | os.PathLike[str], site: str) -> SiteState:
        with Archive(db_path) as archive:
            return cls.read(archive, site)
