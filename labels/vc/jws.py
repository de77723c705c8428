"""Compact JWS with Ed25519 (RFC 7515, RFC 8037) and Ed25519 JWKs.

The optional JOSE form of a label, for tools that read JWS rather than Data Integrity. New tokens
use the fully specified ``alg: "Ed25519"`` (RFC 9864); ``EdDSA`` is still accepted on input because
older signers emit it. Built on ``cryptography`` directly: a full JOSE library is not needed for one
algorithm and would widen what a third-party verifier must install.
"""

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

ALGORITHM = "Ed25519"
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
ACCEPTED_ALGORITHMS = frozenset({"Ed25519", "EdDSA"})


class InvalidJwsError(ValueError):
    """A token is not a valid compact JWS signed by the expected key."""


def base64url_encode(data: bytes) -> str:
    """Base64url without padding, as JOSE writes every binary value."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def base64url_decode(text: str) -> bytes:
    """Decode unpadded base64url, refusing padding and characters outside its alphabet.

    ``base64.b64decode`` with ``altchars`` still accepts ``+`` and ``/``, so one value would have
    several spellings; the alphabet is checked first to keep a single one.
    """
    if not isinstance(text, str) or not _BASE64URL.fullmatch(text):
        raise ValueError("not unpadded base64url")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except binascii.Error as error:
        raise ValueError(f"invalid base64url: {error}") from error


def jwk_from_public_key(public_key: Ed25519PublicKey, kid: str | None = None) -> dict[str, str]:
    """Return the public JWK of an Ed25519 key, for ``/.well-known/jwks.json``."""
    jwk = {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": base64url_encode(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)),
    }
    if kid is not None:
        jwk["kid"] = kid
    return jwk


def public_key_from_jwk(jwk: Mapping[str, Any]) -> Ed25519PublicKey:
    """Read an Ed25519 public key from an OKP JWK."""
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
        raise ValueError("expected an OKP Ed25519 JWK")
    return Ed25519PublicKey.from_public_bytes(base64url_decode(jwk["x"]))


def private_key_from_jwk(jwk: Mapping[str, Any]) -> Ed25519PrivateKey:
    """Read an Ed25519 private key from an OKP JWK, checking that ``x`` matches ``d``."""
    if not isinstance(jwk.get("d"), str):
        raise ValueError("the JWK holds no private key")
    private_key = Ed25519PrivateKey.from_private_bytes(base64url_decode(jwk["d"]))
    expected = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    if public_key_from_jwk(jwk).public_bytes(Encoding.Raw, PublicFormat.Raw) != expected:
        raise ValueError("the JWK's public key does not match its private key")
    return private_key


def private_key_to_jwk(private_key: Ed25519PrivateKey) -> dict[str, str]:
    """Return the private JWK of an Ed25519 key (``d`` and ``x``)."""
    jwk = jwk_from_public_key(private_key.public_key())
    seed = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return {**jwk, "d": base64url_encode(seed)}


def sign_compact(
    payload: bytes, private_key: Ed25519PrivateKey, header: Mapping[str, Any] | None = None
) -> str:
    """Sign ``payload`` as a compact JWS. ``header`` defaults to ``{"alg": "Ed25519"}``."""
    protected = dict(header) if header is not None else {"alg": ALGORITHM}
    if protected.get("alg") not in ACCEPTED_ALGORITHMS:
        raise ValueError("the protected header must name alg Ed25519 (or EdDSA)")
    header_json = json.dumps(protected, separators=(",", ":"), ensure_ascii=False)
    signing_input = f"{base64url_encode(header_json.encode())}.{base64url_encode(payload)}"
    signature = private_key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{base64url_encode(signature)}"


def verify_compact(token: str, public_key: Ed25519PublicKey) -> tuple[dict[str, Any], bytes]:
    """Verify a compact JWS and return its protected header and payload.

    Refuses any ``crit`` header: an extension this code does not understand could change what the
    signature means (RFC 7515 §4.1.11).
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidJwsError("a compact JWS has three parts")
    try:
        header = json.loads(base64url_decode(parts[0]))
        payload = base64url_decode(parts[1])
        signature = base64url_decode(parts[2])
    except ValueError as error:
        raise InvalidJwsError(str(error)) from error
    if not isinstance(header, dict) or header.get("alg") not in ACCEPTED_ALGORITHMS:
        raise InvalidJwsError("unsupported or missing alg")
    if "crit" in header:
        raise InvalidJwsError("critical header extensions are not supported")
    try:
        public_key.verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
    except InvalidSignature as error:
        raise InvalidJwsError("signature does not verify") from error
    return header, payload
