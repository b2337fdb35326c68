"""archive.wacz, archive.signing and archive.packages: the demo archive as a signed WACZ and
one document's evidence package, checked by ``govarchive verify --wacz`` and by
Webrecorder's own validator (``wacz validate``, from ``make replay``)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, copy_archive, run_cli

from archive import Archive
from archive.signing import archive_key, key_path, sign_hash, verify_signed

WACZ_CLI = ROOT / ".venv-replay" / "bin" / "wacz"


@pytest.fixture(scope="module")
def archive_copy(demo_archive, tmp_path_factory) -> Path:
    """A copy of the demo archive (a package signs with a key made beside the archive)."""
    return copy_archive(demo_archive, tmp_path_factory.mktemp("wacz"))


@pytest.fixture(scope="module")
def whole(archive_copy) -> Path:
    out = archive_copy.parent / "archive.wacz"
    run_cli("export", "--db", str(archive_copy), "--format", "wacz", "--output", str(out))
    return out


@pytest.fixture(scope="module")
def gone(archive_copy) -> tuple[int, str]:
    with Archive(archive_copy) as archive:
        row = archive.conn.execute("SELECT id, url FROM documents WHERE status = 'gone'").fetchone()
    return row[0], row[1]


@pytest.fixture(scope="module")
def evidence(archive_copy, gone) -> Path:
    out = archive_copy.parent / "gone.wacz"
    run_cli("evidence", gone[1], "--db", str(archive_copy), "--output", str(out))
    return out


def validate(path: Path) -> subprocess.CompletedProcess:
    if not WACZ_CLI.exists():
        raise AssertionError(f"{WACZ_CLI} is missing: `make replay` installs it")
    return subprocess.run(
        [str(WACZ_CLI), "validate", "-f", str(path)], capture_output=True, text=True, timeout=120
    )


def names(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as wacz:
        return set(wacz.namelist())


def member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as wacz:
        return wacz.read(name)


def rewritten(path: Path, name: str, change) -> Path:
    """A copy of a package with one member changed by ``change``."""
    copy = path.with_name(f"changed-{name.replace('/', '-')}-{path.name}")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(copy, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, change(data) if info.filename == name else data)
    return copy


def test_the_wacz_has_the_layout_of_wacz_1_1_1(whole) -> None:
    assert names(whole) == {
        "archive/data.warc.gz", "indexes/index.cdx", "pages/pages.jsonl",
        "datapackage.json", "datapackage-digest.json",
    }  # fmt: skip


def test_the_warc_is_stored_uncompressed_in_the_zip(whole) -> None:
    with zipfile.ZipFile(whole) as wacz:
        assert wacz.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED


def test_the_datapackage_says_its_version(whole) -> None:
    assert json.loads(member(whole, "datapackage.json"))["wacz_version"] == "1.1.1"


def test_webrecorders_validator_passes_the_archive(whole) -> None:
    done = validate(whole)
    assert (done.returncode, "Validation succeeded" in done.stdout) == (0, True), done.stdout


def test_webrecorders_validator_passes_the_evidence_package(evidence) -> None:
    done = validate(evidence)
    assert (done.returncode, "Validation succeeded" in done.stdout) == (0, True), done.stdout


def test_govarchive_verifies_the_archive(whole, archive_copy) -> None:
    done = run_cli("verify", "--wacz", str(whole), "--db", str(archive_copy), check=False)
    assert (done.returncode, f"({archive_copy}'s)" in done.stdout) == (0, True)


def test_a_changed_warc_is_caught(whole) -> None:
    def flip(data: bytes) -> bytes:
        return data[:100] + bytes([data[100] ^ 1]) + data[101:]

    done = run_cli(
        "verify", "--wacz", str(rewritten(whole, "archive/data.warc.gz", flip)), check=False
    )
    assert (done.returncode, "does not match its SHA-256" in done.stdout) == (1, True)


def test_a_changed_datapackage_is_caught(whole) -> None:
    def retitle(data: bytes) -> bytes:
        return data.replace(b'"title": "govarchive', b'"title": "forged')

    changed = rewritten(whole, "datapackage.json", retitle)
    done = run_cli("verify", "--wacz", str(changed), check=False)
    assert (done.returncode, "does not match datapackage-digest.json" in done.stdout) == (1, True)


def test_a_resigned_package_names_the_other_key(whole, archive_copy, tmp_path) -> None:
    other = tmp_path / "other.db"
    digest = json.loads(member(whole, "datapackage-digest.json"))
    signed = sign_hash(archive_key(other), digest["hash"], digest["signedData"]["created"], "x")

    def resign(data: bytes) -> bytes:
        return json.dumps({**digest, "signedData": signed}).encode()

    changed = rewritten(whole, "datapackage-digest.json", resign)
    done = run_cli("verify", "--wacz", str(changed), "--db", str(archive_copy), check=False)
    assert (done.returncode, "not " in done.stdout and "'s (" in done.stdout) == (1, True)


def test_the_signature_verifies(whole) -> None:
    assert verify_signed(json.loads(member(whole, "datapackage-digest.json"))["signedData"])


def test_a_signature_of_another_hash_does_not_verify(whole) -> None:
    signed = json.loads(member(whole, "datapackage-digest.json"))["signedData"]
    assert not verify_signed({**signed, "hash": "sha256:" + "0" * 64})


def test_the_signature_is_p1363_as_webcrypto_makes_it(whole) -> None:
    import base64

    signed = json.loads(member(whole, "datapackage-digest.json"))["signedData"]
    assert len(base64.b64decode(signed["signature"])) == 96


def test_the_signing_key_is_readable_by_its_owner_only(whole, archive_copy) -> None:
    assert stat.S_IMODE(os.stat(key_path(archive_copy)).st_mode) == 0o600


def test_the_index_leaves_out_the_verdicts(whole) -> None:
    assert b'"mime": "application/json"' not in member(whole, "indexes/index.cdx").split(b"urn:")[0]


def test_the_index_leaves_out_304_answers(whole) -> None:
    assert b'"status": "304"' not in member(whole, "indexes/index.cdx")


def test_pages_list_each_document_capture(whole, archive_copy) -> None:
    pages = member(whole, "pages/pages.jsonl").decode().splitlines()
    with Archive(archive_copy) as archive:
        documents = archive.conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    assert len(pages) - 1 >= documents


def test_the_evidence_holds_the_removals_404s(evidence, gone) -> None:
    index = member(evidence, "indexes/index.cdx").decode().splitlines()
    statuses = [
        json.loads(line.split(" ", 2)[2]).get("status") for line in index if gone[1] in line
    ]
    assert statuses.count("404") == 2


def test_the_evidence_holds_a_listing_page_that_showed_it(evidence, gone) -> None:
    from warcio.archiveiterator import ArchiveIterator

    file_name = gone[1].rsplit("/", 1)[1].encode()
    with zipfile.ZipFile(evidence) as wacz, wacz.open("archive/data.warc.gz") as stream:
        bodies = [
            r.content_stream().read()
            for r in ArchiveIterator(stream)
            if r.rec_type == "response" and "index" in r.rec_headers.get_header("WARC-Target-URI")
        ]
    assert any(file_name in body for body in bodies)


def test_the_evidence_holds_its_events(evidence) -> None:
    from warcio.archiveiterator import ArchiveIterator

    with zipfile.ZipFile(evidence) as wacz, wacz.open("archive/data.warc.gz") as stream:
        events = [json.loads(r.content_stream().read())["event"]
                  for r in ArchiveIterator(stream) if r.rec_type == "metadata"]  # fmt: skip
    assert events == ["new", "missing", "gone"]


def test_the_evidence_opens_on_its_summary(evidence, gone) -> None:
    pages = member(evidence, "pages/pages.jsonl").decode().splitlines()
    assert json.loads(pages[1])["url"].endswith(f":{gone[0]}")


def test_the_summary_names_the_chain_head(evidence, archive_copy) -> None:
    with Archive(archive_copy) as archive:
        head = archive.conn.execute("SELECT head FROM checkpoints ORDER BY id DESC").fetchone()[0]
    assert head in gzip_text(evidence)


def gzip_text(path: Path) -> str:
    import gzip

    return gzip.decompress(member(path, "archive/data.warc.gz")).decode("utf-8", "replace")


def test_an_unknown_document_exits_2(archive_copy, tmp_path) -> None:
    done = run_cli(
        "evidence", "999999", "--db", str(archive_copy), "--output", str(tmp_path / "x.wacz"),
        check=False,
    )  # fmt: skip
    assert (done.returncode, "no document" in done.stderr) == (2, True)


def test_a_wacz_export_needs_an_output_file(archive_copy) -> None:
    done = run_cli("export", "--db", str(archive_copy), "--format", "wacz", check=False)
    assert done.returncode == 2


DOMAIN = "archive.example.org"


@pytest.fixture(scope="module")
def domain_signed(archive_copy, tmp_path_factory):
    """The archive exported as a WACZ signed with a domain identity (a certificate for
    DOMAIN from a local CA) and time-stamped by a local TSA: (package, domain CA, TSA)."""
    from tsa import LocalTSA, domain_identity

    folder = tmp_path_factory.mktemp("domain")
    chain, key, ca = domain_identity(folder, DOMAIN)
    out = folder / "signed.wacz"
    with LocalTSA("rsa") as authority:
        run_cli(
            "export", "--db", str(archive_copy), "--format", "wacz", "--output", str(out),
            "--sign-domain", DOMAIN, "--domain-cert", str(chain), "--domain-key", str(key),
            "--tsa", authority.url, "--tsa-chain", str(authority.chain),
        )  # fmt: skip
        tsa_ca = folder / "tsa-ca.pem"
        tsa_ca.write_bytes(authority.ca.read_bytes())
    return out, ca, tsa_ca


def fingerprint_of(pem: Path) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    return x509.load_pem_x509_certificate(pem.read_bytes()).fingerprint(hashes.SHA256()).hex()


def test_govarchive_verifies_a_domain_signature(domain_signed) -> None:
    done = run_cli("verify", "--wacz", str(domain_signed[0]), check=False)
    assert (done.returncode, f"signed for {DOMAIN}" in done.stdout) == (0, True)


def test_the_domain_signature_names_its_roots(domain_signed) -> None:
    done = run_cli("verify", "--wacz", str(domain_signed[0]), check=False)
    assert fingerprint_of(domain_signed[1]) in done.stdout


def test_wacz_signings_verifier_verifies_the_domain_signature(domain_signed) -> None:
    package, domain_ca, tsa_ca = domain_signed
    python = ROOT / ".venv-replay" / "bin" / "python"
    env = {
        **os.environ,
        "CERT_ROOTS": fingerprint_of(domain_ca),
        "TS_ROOTS": fingerprint_of(tsa_ca),
    }
    done = subprocess.run(
        [str(python), "-c", "import sys; from wacz_signing.signer import verify_wacz;"
         " print(verify_wacz(sys.argv[1])['observer'])", str(package)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.stdout.strip() == f"['{DOMAIN}']", done.stderr[-2000:]


def test_a_certificate_for_another_domain_is_named(domain_signed) -> None:
    digest = json.loads(member(domain_signed[0], "datapackage-digest.json"))

    def other_domain(data: bytes) -> bytes:
        return json.dumps(
            {**digest, "signedData": {**digest["signedData"], "domain": "x.org"}}
        ).encode()

    changed = rewritten(domain_signed[0], "datapackage-digest.json", other_domain)
    done = run_cli("verify", "--wacz", str(changed), check=False)
    assert (done.returncode, "the certificate is not for 'x.org'" in done.stdout) == (1, True)


def test_a_domain_identity_needs_all_its_options(archive_copy, tmp_path) -> None:
    done = run_cli(
        "export", "--db", str(archive_copy), "--format", "wacz", "--output",
        str(tmp_path / "x.wacz"), "--sign-domain", DOMAIN, check=False,
    )  # fmt: skip
    assert (done.returncode, "together" in done.stderr) == (2, True)


def test_a_malformed_datapackage_is_named_not_a_crash(whole) -> None:
    changed = rewritten(whole, "datapackage.json", lambda data: b'{"resources": [{"no": 1}]}')
    done = run_cli("verify", "--wacz", str(changed), check=False)
    assert (done.returncode, "is malformed" in done.stdout) == (1, True)


def test_a_hostile_member_name_is_printed_without_its_escape(whole) -> None:
    copy = whole.with_name("extra.wacz")
    copy.write_bytes(whole.read_bytes())
    with zipfile.ZipFile(copy, "a") as wacz:
        wacz.writestr("pages/\x1b]52;c;Y2FsYw==\x07x.jsonl", b"{}")
    done = run_cli("verify", "--wacz", str(copy), check=False)
    assert (done.returncode, "\x1b" in done.stdout, "is not listed" in done.stdout) == (
        1, False, True,
    )  # fmt: skip
