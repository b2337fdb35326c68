"""The archive's signing key and anonymous signatures, as Webrecorder's "WACZ Signing and
Verification" recommendation describes them: an ECDSA key pair the archive creates and
keeps, a signature of a package's hash, and the public key shipped beside it.

The key lives beside the archive (``<archive>.signing-key.pem``, PKCS#8, readable by its
owner only) and is made on first use. A signature is ECDSA P-384 with SHA-256 over the
hash's text, encoded as WebCrypto encodes it (r and s, 48 bytes each, base64), so a browser
can check it; the public key is base64 DER (SubjectPublicKeyInfo). An anonymous signature
proves the package was not changed since the key signed it; that the key is the archive's
is for its owner to publish (``govarchive verify --wacz`` prints the key's fingerprint).
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

CURVE = ec.SECP384R1()
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
