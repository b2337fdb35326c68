"""RFC 3161 time-stamps of the hash chain's checkpoints (``archive.ledger``).

A checkpoint's head says what the archive held; a time-stamping authority (TSA) outside
the archive signs that this head existed at a time, so the archive's owner cannot have
written it later, nor rewritten the chain before it without the token showing it. The
data stamped is the head as printed (64 hex characters, ASCII): anyone can check a token
with ``openssl ts -verify -data head.txt -in token.tsr -CAfile tsa-ca.pem``.

Tokens are kept in ``timestamps`` (append-only), beside the checkpoint they stamp; a TSA
that does not answer is recorded as an error and changes nothing else.
"""

from __future__ import annotations

import hashlib
import urllib.request
from dataclasses import dataclass
from typing import Any

from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from archive import rows

TIMEOUT_SECONDS = 30
QUERY_TYPE = "application/timestamp-query"
MAX_REPLY_BYTES = 1 << 20


class TimestampError(Exception):
    """The TSA did not grant a valid token for the data."""


def request_token(tsa_url: str, head: str, timeout: float = TIMEOUT_SECONDS) -> bytes:
    """Ask the TSA at ``tsa_url`` to stamp ``head`` (its ASCII text); the DER time-stamp
    response, checked to be granted, over this head, with this request's nonce."""
    return request_data_token(tsa_url, head.encode("ascii"), timeout)


def request_data_token(tsa_url: str, data: bytes, timeout: float = TIMEOUT_SECONDS) -> bytes:
    """Ask the TSA to stamp ``data`` (``request_token``, for any bytes)."""
    request = TimestampRequestBuilder(
        data=data, hash_algorithm=HashAlgorithm.SHA256, nonce=True, cert_req=True
    ).build()
    post = urllib.request.Request(
        tsa_url, data=request.as_bytes(), headers={"Content-Type": QUERY_TYPE}, method="POST"
    )
    try:
        with urllib.request.urlopen(post, timeout=timeout) as answer:  # noqa: S310 - the owner's TSA
            body = answer.read(MAX_REPLY_BYTES + 1)
    except OSError as exc:
        raise TimestampError(f"the TSA did not answer: {exc}") from exc
    if len(body) > MAX_REPLY_BYTES:
        raise TimestampError("the TSA's answer is too large")
    token = _decode(body)
    if token.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TimestampError(f"the TSA refused: status {token.status}")
    if token.tst_info.nonce != request.nonce:
        raise TimestampError("the TSA's answer is for another request (nonce)")
    _check_imprint(token, data)
    return body


def _decode(body: bytes) -> Any:
    try:
        return decode_timestamp_response(body)
    except ValueError as exc:
        raise TimestampError(f"not a time-stamp response: {exc}") from exc


def _check_imprint(token: Any, data: bytes) -> None:
    if token.tst_info.message_imprint.message != hashlib.sha256(data).digest():
        raise TimestampError("the token stamps other data than this head")


@dataclass(frozen=True)
class Stamp:
    """A checked token: when the TSA says the head existed."""

    gen_time: str
    serial: int


def check_token(token_der: bytes, head: str, tsa_pem: bytes | None = None) -> Stamp:
    """A stored token checked against the head it should stamp, and, given the TSA's
    certificate (or its CA's, or its chain) as PEM, its signature; TimestampError when it
    does not hold."""
    return check_data_token(token_der, head.encode("ascii"), tsa_pem)


def check_data_token(token_der: bytes, data: bytes, tsa_pem: bytes | None = None) -> Stamp:
    """``check_token`` for any bytes."""
    token = _decode(token_der)
    _check_imprint(token, data)
    if tsa_pem is not None:
        from cryptography import x509

        certificates = x509.load_pem_x509_certificates(tsa_pem)
        builder = VerifierBuilder()
        for certificate in certificates:
            builder = builder.add_root_certificate(certificate)
        try:
            builder.build().verify(token, hashlib.sha256(data).digest())
        except VerificationError as exc:
            raise TimestampError(f"the token's signature does not verify: {exc}") from exc
    return Stamp(token.tst_info.gen_time.isoformat(), int(token.tst_info.serial_number))


def stamp_checkpoint(archive: Any, checkpoint_id: int, tsa_url: str) -> dict[str, Any]:
    """Ask the TSA to stamp a checkpoint's head and record the answer (a token, or why
    there is none) in ``timestamps``; the row written."""
    head = archive.conn.execute(
        "SELECT head FROM checkpoints WHERE id = ?", (checkpoint_id,)
    ).fetchone()[0]
    row: dict[str, Any] = {
        "checkpoint_id": checkpoint_id,
        "tsa_url": tsa_url,
        "requested_at": archive.clock(),
        "gen_time": None,
        "token": None,
        "error": None,
    }
    try:
        row["token"] = request_token(tsa_url, head)
        row["gen_time"] = check_token(row["token"], head).gen_time
    except TimestampError as exc:
        row["error"] = str(exc)
    with archive.transaction():
        row["id"] = rows.insert(archive.db, "timestamps", dict(row))
    return row
