"""The archive's signing key and anonymous signatures, as Webrecorder's "WACZ Signing and
Verification" recommendation describes them: an ECDSA key pair the archive creates and
keeps, a signature of a package's hash, and the public key shipped beside it.

The key lives beside the archive (``<archive>.signing-key.pem``, PKCS#8, readable by its
owner only) and is made on first use. A signature is ECDSA P-384 with SHA-256 over the
hash's text, encoded as WebCrypto encodes it (r and s, 48 bytes each, base64), so a browser
can check it; the public key is base64 DER (SubjectPublicKeyInfo). An anonymous signature
proves the package was not changed since the key signed it; that the key is the archive's
is for its owner to publish (``govarchive verify --wacz`` prints the key's fingerprint).

As an option, a package is signed with a domain identity instead (``DomainSigner``): the
private key of a TLS certificate for a domain the archive's owner controls, the
certificate chain beside the signature, and an RFC 3161 time-stamp of the signature from a
time-stamping authority, in the recommendation's second format (what Harvard LIL's
``wacz-signing`` and Webrecorder's ``authsign`` produce and verify).
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

CURVE = ec.SECP384R1()
# How far a signature's time-stamp may be from the package's creation time (the
# recommendation's "within 10 minutes").
STAMP_WINDOW = timedelta(minutes=10)
SCALAR_BYTES = 48  # P-384
SIGNATURE_VERSION = "0.1.0"


def key_path(db_path: str | os.PathLike[str]) -> Path:
    return Path(f"{os.fspath(db_path)}.signing-key.pem")


def archive_key(db_path: str | os.PathLike[str]) -> ec.EllipticCurvePrivateKey:
    """The archive's signing key, made (and written with mode 0600) on first use."""
    path = key_path(db_path)
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{path} is not an ECDSA key")
        return key
    key = ec.generate_private_key(CURVE)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "wb") as out:
        out.write(pem)
    return key


def public_key_b64(key: ec.EllipticCurvePrivateKey) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode("ascii")


def fingerprint(public_key: str) -> str:
    """SHA-256 of a base64 DER public key, hex: what an owner publishes to be checked."""
    return hashlib.sha256(base64.b64decode(public_key)).hexdigest()


def sign_hash(
    key: ec.EllipticCurvePrivateKey, hash_text: str, created: str, software: str
) -> dict[str, Any]:
    """An anonymous ``signedData`` for ``hash_text`` (``sha256:…``)."""
    der = key.sign(hash_text.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    raw = r.to_bytes(SCALAR_BYTES, "big") + s.to_bytes(SCALAR_BYTES, "big")
    return {
        "hash": hash_text,
        "created": created,
        "software": software,
        "version": SIGNATURE_VERSION,
        "signature": base64.b64encode(raw).decode("ascii"),
        "publicKey": public_key_b64(key),
    }


def verify_signed(signed: dict[str, Any]) -> bool:
    """Whether an anonymous ``signedData``'s signature is its public key's over its hash
    (the signature as WebCrypto encodes it, or DER)."""
    try:
        public_key = serialization.load_der_public_key(base64.b64decode(signed["publicKey"]))
        signature = base64.b64decode(signed["signature"])
    except (KeyError, ValueError, TypeError):
        return False
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        return False
    size = (public_key.curve.key_size + 7) // 8
    if len(signature) == 2 * size:
        signature = encode_dss_signature(
            int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
        )
    try:
        public_key.verify(signature, str(signed["hash"]).encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class DomainSigner:
    """A domain identity: the domain, its certificate chain (leaf first, PEM), the leaf's
    private key, and the time-stamping authority (URL, certificate chain PEM)."""

    domain: str
    cert_chain: bytes
    key: Any
    tsa_url: str
    tsa_chain: bytes

    @classmethod
    def from_files(
        cls, domain: str, cert_chain: Path, key: Path, tsa_url: str, tsa_chain: Path
    ) -> DomainSigner:
        private = serialization.load_pem_private_key(key.read_bytes(), password=None)
        return cls(domain, cert_chain.read_bytes(), private, tsa_url, tsa_chain.read_bytes())


def sign_hash_domain(
    signer: DomainSigner, hash_text: str, created: str, software: str
) -> dict[str, Any]:
    """A domain-identity ``signedData``: the hash signed with the certificate's key, and
    that signature time-stamped by the TSA."""
    from archive.timestamps import request_data_token

    signature = base64.b64encode(_sign(signer.key, hash_text.encode("ascii"))).decode("ascii")
    token = request_data_token(signer.tsa_url, signature.encode("ascii"))
    return {
        "hash": hash_text,
        "created": created,
        "software": software,
        "version": SIGNATURE_VERSION,
        "signature": signature,
        "domain": signer.domain,
        "domainCert": signer.cert_chain.decode("ascii"),
        "timeSignature": base64.b64encode(token).decode("ascii"),
        "timestampCert": signer.tsa_chain.decode("ascii"),
    }


def _sign(key: Any, data: bytes) -> bytes:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    raise ValueError("the domain key must be ECDSA or RSA")


def _verify(public_key: Any, signature: bytes, data: bytes) -> bool:
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


def chain_of(pem_text: str) -> list[x509.Certificate]:
    """The certificates of a PEM chain, each checked to be signed by the next (an empty
    list when one is not)."""
    certificates = x509.load_pem_x509_certificates(pem_text.encode("ascii"))
    for certificate, issuer in zip(certificates, certificates[1:], strict=False):
        if not _verify_certificate(certificate, issuer.public_key()):
            return []
    return certificates


def _verify_certificate(certificate: x509.Certificate, issuer_key: Any) -> bool:
    algorithm = certificate.signature_hash_algorithm
    try:
        if isinstance(issuer_key, ec.EllipticCurvePublicKey) and algorithm is not None:
            issuer_key.verify(
                certificate.signature, certificate.tbs_certificate_bytes, ec.ECDSA(algorithm)
            )
        elif isinstance(issuer_key, rsa.RSAPublicKey) and algorithm is not None:
            issuer_key.verify(
                certificate.signature,
                certificate.tbs_certificate_bytes,
                padding.PKCS1v15(),
                algorithm,
            )
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


def certificate_fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def verify_domain_signed(signed: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """A domain-identity ``signedData`` checked: the signature is the leaf certificate's
    over the hash, each certificate of both chains is signed by the next, the domain is
    the certificate's, the time-stamp is the TSA's over the signature, within
    ``STAMP_WINDOW`` after the creation time, and inside the certificate's validity.
    Returns (problems, facts: the roots' fingerprints and the time-stamp). Whether those
    roots are to be trusted is the reader's decision."""
    from archive.timestamps import TimestampError, check_data_token

    problems: list[str] = []
    facts: dict[str, str] = {}
    try:
        chain = chain_of(signed["domainCert"])
        tsa_chain = chain_of(signed["timestampCert"])
        signature = base64.b64decode(signed["signature"])
        token = base64.b64decode(signed["timeSignature"])
        created = datetime.strptime(signed["created"], "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=timezone.utc
        )
    except (KeyError, ValueError, TypeError) as exc:
        return [f"the domain signature is malformed: {exc}"], facts
    if not chain or not tsa_chain:
        return ["a certificate chain does not hold (a certificate not signed by the next)"], facts
    leaf = chain[0]
    facts["domain_root"] = certificate_fingerprint(chain[-1])
    facts["timestamp_root"] = certificate_fingerprint(tsa_chain[-1])
    if not _verify(leaf.public_key(), signature, str(signed["hash"]).encode("ascii")):
        problems.append("the signature is not the domain certificate's over the hash")
    names = _dns_names(leaf)
    if signed.get("domain") not in names:
        problems.append(f"the certificate is not for {signed.get('domain')!r} ({', '.join(names)})")
    if not leaf.not_valid_before_utc <= created <= leaf.not_valid_after_utc:
        problems.append("the package was created outside the certificate's validity")
    try:
        stamp = check_data_token(
            token, signed["signature"].encode("ascii"), signed["timestampCert"].encode("ascii")
        )
    except TimestampError as exc:
        problems.append(f"the time-stamp does not hold: {exc}")
    else:
        facts["timestamp"] = stamp.gen_time
        stamped = datetime.fromisoformat(stamp.gen_time)
        if not created - timedelta(seconds=1) <= stamped <= created + STAMP_WINDOW:
            problems.append(f"the time-stamp {stamp.gen_time} is not within 10 minutes of creation")
    return problems, facts


def _dns_names(certificate: x509.Certificate) -> list[str]:
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return extension.value.get_values_for_type(x509.DNSName)
