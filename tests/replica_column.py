"""A TRS replica column whose documents a test edits, unlists, removes, redirects or
breaks night by night, then crawls with the real ``govarchive crawl`` (child process).

``ColumnWorld.night(n)`` publishes the current state and crawls at ``T0 + n days``; the
test then reads the archive's ``document_events``. Each document plays one role, so one
multi-night story checks many transitions with few crawls.
"""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
import ssl
from dataclasses import replace
from pathlib import Path

import yaml
from conftest import run_cli

from crawler.demo.documents import DemoDocument, day_one
from crawler.demo.server import ReplicaServer, ReplicaSite
from crawler.demo.site import TRS_COLUMN, Page, build_trs, trs_path

T0 = dt.datetime(2025, 4, 1, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
MAINTENANCE_HTML = (
    "<html><head><title>系统维护</title></head><body><div class='box'>"
    "<p>系统维护中，请稍后访问。</p></div></body></html>"
)


def crawl_time(night: int) -> str:
    return (T0 + dt.timedelta(days=night)).isoformat()


def self_signed_context(folder: Path) -> ssl.SSLContext:
    """A TLS server context for 127.0.0.1 with a certificate made here (Scrapy does not
    verify certificates, as browsers of government sites often must not)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


class ColumnWorld:
    """The TRS demo column (16 documents, 7 a page), served on 127.0.0.1, changed by tests."""

    def __init__(self, folder: Path, revisit_days: float = 1, tls: bool = False) -> None:
        self.folder = folder
        self.docs: list[DemoDocument] = [d for d in day_one() if d.site == "trs"]
        self.site = ReplicaSite({})
        self.server = ReplicaServer(self.site)
        self.tls_server = ReplicaServer(self.site, tls=self_signed_context(folder)) if tls else None
        self.db = folder / "archive.db"
        self.registry = folder / "sites.yaml"
        self.revisit_days = revisit_days
        self.unlisted: set[str] = set()  # not in the listing
        self.removed: set[str] = set()  # its URL answers 404 (listed unless also unlisted)
        self.https_links: set[str] = set()  # listed as https:// links to the TLS twin
        self.session_links = False  # ;jsessionid=… on every list link
        # (name, token length): ?name=<a new random token> on every list link each night
        self.query_session: tuple[str, int] | None = None
        self.list_override: dict[str, bytes] = {}  # list path -> page body
        self.detail_override: dict[str, bytes] = {}  # document key -> page body
        self.extra_pages: dict[str, Page] = {}
        self.ignore_params: list[str] = []  # the registry entry's ignore_params

    # --- the world --------------------------------------------------------------------
    def __enter__(self) -> ColumnWorld:
        self.server.start()
        if self.tls_server is not None:
            self.tls_server.start()
        self.write_registry()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
        if self.tls_server is not None:
            self.tls_server.stop()

    def doc(self, index: int) -> DemoDocument:
        return self.docs[index]

    def url(self, doc: DemoDocument, scheme_server: ReplicaServer | None = None) -> str:
        return f"{(scheme_server or self.server).url}{trs_path(doc)}"

    def edit(self, index: int, sentence: str) -> None:
        doc = self.docs[index]
        self.docs[index] = replace(doc, body=[*doc.body[:-1], doc.body[-1] + sentence])

    def path(self, doc: DemoDocument) -> str:
        return trs_path(doc)

    def publish(self) -> None:
        listed = [d for d in self.docs if d.key not in self.unlisted]
        pages = build_trs(self.docs)
        for path in [p for p in pages if p.startswith(TRS_COLUMN) and "/20" not in p]:
            del pages[path]
        for path, page in build_trs(listed).items():
            if path.startswith(TRS_COLUMN) and "/20" not in path:
                pages[path] = Page(self._rewrite_list(page.body))
        for doc in self.docs:
            if doc.key in self.removed:
                pages.pop(trs_path(doc), None)
        for path, body in self.list_override.items():
            pages[path] = Page(body)
        for doc in self.docs:
            if doc.key in self.detail_override:
                pages[trs_path(doc)] = Page(self.detail_override[doc.key])
        pages.update(self.extra_pages)
        self.site.replace(pages)

    def _rewrite_list(self, body: bytes) -> bytes:
        html = body.decode("utf-8")
        for doc in self.docs:
            relative = f'href=".{trs_path(doc)[len(TRS_COLUMN) - 1 :]}"'
            if doc.key in self.https_links and self.tls_server is not None:
                html = html.replace(relative, f'href="{self.url(doc, self.tls_server)}"')
            elif self.session_links:
                html = html.replace(relative, relative[:-1] + ';jsessionid=A1B2C3D4E5"')
            elif self.query_session is not None:
                name, length = self.query_session
                token = secrets.token_hex(length)[:length]
                html = html.replace(relative, relative[:-1] + f'?{name}={token}"')
        return html.encode("utf-8")

    def write_registry(self) -> None:
        entry = {
            "name": "column",
            "title": "旺苍县人民政府（测试）",
            "family": "trs",
            "start_urls": [f"{self.server.url}{TRS_COLUMN}index.html"],
            "home_url": f"{self.server.url}/",
            "delay": 0,
            "revisit_days": self.revisit_days,
        }
        if self.tls_server is not None:
            entry["allowed_origins"] = [self.tls_server.url]
        if self.ignore_params:
            entry["ignore_params"] = list(self.ignore_params)
        self.registry.write_text(
            yaml.safe_dump({"sites": [entry]}, allow_unicode=True), encoding="utf-8"
        )

    # --- nights -------------------------------------------------------------------------
    def night(self, night: int, *extra: str) -> None:
        """Publish the current state and crawl it at ``T0 + night`` days."""
        self.publish()
        run_cli(
            "crawl", "--sites", str(self.registry), "--db", str(self.db),
            "--now", crawl_time(night), *extra,
        )  # fmt: skip

    # --- reading the archive ------------------------------------------------------------
    def query(self, sql: str, *params: object) -> list[sqlite3.Row]:
        conn = sqlite3.connect(self.db)
        conn.row_factory = sqlite3.Row
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def events(self, index: int) -> list[str]:
        """The event names of document ``index``, oldest first (found by its title)."""
        return [
            row["event"]
            for row in self.query(
                "SELECT e.event FROM document_events e JOIN documents d ON d.id = e.document_id"
                " WHERE d.title = ? ORDER BY e.id",
                self.docs[index].title,
            )
        ]

    def status(self, index: int) -> str:
        return self.query("SELECT status FROM documents WHERE title = ?", self.docs[index].title)[
            0
        ]["status"]

    def event_count(self, *names: str) -> int:
        marks = ", ".join("?" * len(names))
        return self.query(
            f"SELECT count(*) n FROM document_events WHERE event IN ({marks})", *names
        )[0]["n"]
