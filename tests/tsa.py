"""A local PKI for the tests, made by OpenSSL: an RFC 3161 time-stamping authority
(``openssl ts -reply``) behind a small HTTP handler on 127.0.0.1, with a CA and a TSA
certificate made for it by ``openssl req``; and a domain identity (a CA and a certificate
for a domain, with its key). No outside service is asked."""

from __future__ import annotations

import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CONFIG = """
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""
EXTENSIONS = """
[ tsa_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


KEY_ARGS = {
    "ec": ("ec", "-pkeyopt", "ec_paramgen_curve:P-256"),
    "rsa": ("rsa:2048",),
}
DOMAIN_EXTENSIONS = """
[ domain_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:{domain}
"""


def domain_identity(folder: Path, domain: str) -> tuple[Path, Path, Path]:
    """A CA and a certificate for ``domain`` signed by it (EC P-256), made in ``folder``:
    (the chain, leaf first; the leaf's key; the CA's certificate)."""
    _openssl("req", "-x509", "-newkey", *KEY_ARGS["ec"], "-nodes", "-keyout", "dca.key",
             "-out", "dca.pem", "-days", "3650", "-subj", "/CN=govarchive test domain CA",
             cwd=folder)  # fmt: skip
    _openssl("req", "-newkey", *KEY_ARGS["ec"], "-nodes", "-keyout", "domain.key",
             "-out", "domain.csr", "-subj", f"/CN={domain}", cwd=folder)  # fmt: skip
    (folder / "domain.cnf").write_text(DOMAIN_EXTENSIONS.format(domain=domain), encoding="ascii")
    _openssl("x509", "-req", "-in", "domain.csr", "-CA", "dca.pem", "-CAkey", "dca.key",
             "-CAcreateserial", "-out", "domain.pem", "-days", "90", "-extfile", "domain.cnf",
             "-extensions", "domain_ext", cwd=folder)  # fmt: skip
    chain = folder / "domain-chain.pem"
    chain.write_bytes((folder / "domain.pem").read_bytes() + (folder / "dca.pem").read_bytes())
    return chain, folder / "domain.key", folder / "dca.pem"


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


class LocalTSA:
    """``with LocalTSA() as tsa``: ``tsa.url`` answers time-stamp queries, ``tsa.ca`` is
    the CA certificate that verifies them; ``tsa.answered`` counts the tokens issued."""

    def __init__(self, key: str = "ec") -> None:
        """``key``: the TSA's key type, ``ec`` (P-256) or ``rsa`` (2048 bits; the
        rfc3161ng library that wacz-signing verifies with reads RSA signatures only)."""
        self.key_args = KEY_ARGS[key]
        self._tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self._tmp.name)
        self.ca = self.dir / "ca.pem"
        self.chain = self.dir / "chain.pem"  # the TSA's certificate, then its CA's
        self.answered = 0
        self._lock = threading.Lock()
        self._make_certificates()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsr"

    def _make_certificates(self) -> None:
        d = self.dir
        _openssl("req", "-x509", "-newkey", *self.key_args, "-nodes", "-keyout", "ca.key",
                 "-out", "ca.pem", "-days", "3650", "-subj", "/CN=govarchive test TSA CA",
                 cwd=d)  # fmt: skip
        (d / "ext.cnf").write_text(EXTENSIONS, encoding="ascii")
        _openssl("req", "-newkey", *self.key_args, "-nodes", "-keyout", "tsa.key",
                 "-out", "tsa.csr", "-subj", "/CN=govarchive test TSA", cwd=d)  # fmt: skip
        _openssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", "tsa.pem", "-days", "3650", "-extfile", "ext.cnf",
                 "-extensions", "tsa_ext", cwd=d)  # fmt: skip
        self.chain.write_bytes((d / "tsa.pem").read_bytes() + self.ca.read_bytes())
        (d / "serial").write_text("01\n", encoding="ascii")
        (d / "tsa.cnf").write_text(CONFIG.format(dir=d), encoding="ascii")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                query = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                reply = tsa.reply(query)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def reply(self, query: bytes) -> bytes:
        with self._lock:
            (self.dir / "query.tsq").write_bytes(query)
            _openssl("ts", "-reply", "-config", "tsa.cnf", "-queryfile", "query.tsq",
                     "-out", "reply.tsr", cwd=self.dir)  # fmt: skip
            self.answered += 1
            return (self.dir / "reply.tsr").read_bytes()

    def __enter__(self) -> LocalTSA:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._tmp.cleanup()
