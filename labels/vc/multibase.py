"""Multibase base58btc and Ed25519 Multikey encodings.

A ``z``-prefixed base58btc string is how Data Integrity carries signatures (``proofValue``) and how
DID documents and ``did:key`` carry keys (``publicKeyMultibase``). Keys are prefixed with their
multicodec so that a decoder can tell an Ed25519 public key (0xed01) from a secret key (0x8026).
"""

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

BASE58BTC_PREFIX = "z"
# Multicodec varints: ed25519-pub 0xed -> b"\xed\x01", ed25519-priv 0x1300 -> b"\x80\x26".
ED25519_PUBLIC_CODEC = b"\xed\x01"
ED25519_SECRET_CODEC = b"\x80\x26"
ED25519_KEY_LENGTH = 32


class MultibaseError(ValueError):
    """A value is not the multibase or multikey encoding it claims to be."""


def base58btc_encode(data: bytes) -> str:
    """Encode bytes as multibase base58btc (``z`` prefix)."""
    return BASE58BTC_PREFIX + base58.b58encode(data).decode("ascii")


def base58btc_decode(text: str) -> bytes:
    """Decode a multibase base58btc string; any other multibase prefix is refused."""
    if not isinstance(text, str) or not text.startswith(BASE58BTC_PREFIX) or len(text) < 2:
        raise MultibaseError("expected a multibase base58btc value starting with 'z'")
    try:
        return _b58decode(text[1:])
    except ValueError as error:
        raise MultibaseError(f"invalid base58btc: {error}") from error


_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_VALUES = {character: index for index, character in enumerate(_B58_ALPHABET)}
# Each ASCII byte to its base58 digit value, and every other byte to 0xFF.
_B58_DIGITS = bytes(_B58_VALUES.get(chr(byte), 0xFF) for byte in range(256))
_B58_INVALID = b"\xff"


def _lane_steps(size: int) -> tuple[tuple[int, int, int], ...]:
    """For ``size`` (a power of two) digits held one per byte of an integer, the steps that merge
    neighbouring lanes: (half-lane width in bits, mask of the high half-lanes, 2^width - 58^k)."""
    steps = []
    width = 8
    while width < size * 8:
        digits = width // 8
        mask = int.from_bytes((b"\xff" * digits + bytes(digits)) * (size // (2 * digits)), "big")
        steps.append((width, mask, (1 << width) - 58**digits))
        width *= 2
    return tuple(steps)


# Signatures are 86 to 88 digits and keys 48; longer text takes the digit-by-digit loop.
_LANE_STEPS = {1 << power: _lane_steps(1 << power) for power in range(8)}


def _b58decode(text: str) -> bytes:
    """Bitcoin base58 decoding, as ``base58.b58decode`` does it (but refusing the trailing
    whitespace that it strips).

    Every proof verification decodes a signature, so this sits on the hot path. One
    ``bytes.translate`` looks the digits up, one per byte; read as a big-endian integer they are
    base-256 digits, which a few whole-integer operations turn into base 58 (up to 128 digits).
    Step by step, lanes of 2k digits (2w bits, w = 8k) whose high half H and low half L hold
    base-58 values read H·2^w + L; subtracting H·(2^w - 58^k) in every lane at once leaves
    H·58^k + L < 58^2k ≤ 2^2w, so no lane borrows from or spills into the next.
    """
    try:
        digits = text.encode("ascii").translate(_B58_DIGITS)
    except UnicodeEncodeError:
        digits = _B58_INVALID
    if _B58_INVALID in digits:
        invalid = next(character for character in text if character not in _B58_VALUES)
        raise ValueError(f"invalid character {invalid!r}")
    steps = _LANE_STEPS.get(1 << (len(digits) - 1).bit_length()) if digits else ()
    if steps is not None:
        number = int.from_bytes(digits, "big")  # leading zero digits change nothing
        for width, high, difference in steps:
            number -= ((number & high) >> width) * difference
    else:
        number = 0
        for digit in digits:
            number = number * 58 + digit
    leading_zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * leading_zeros + body


def _decode_key(text: str, codec: bytes) -> bytes:
    data = base58btc_decode(text)
    if not data.startswith(codec) or len(data) != len(codec) + ED25519_KEY_LENGTH:
        raise MultibaseError(f"expected multicodec {codec.hex()} and a 32-byte Ed25519 key")
    return data[len(codec) :]


def public_key_to_multikey(public_key: Ed25519PublicKey) -> str:
    """Encode an Ed25519 public key as a Multikey ``publicKeyMultibase`` (``z6Mk…``)."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base58btc_encode(ED25519_PUBLIC_CODEC + raw)


def multikey_to_public_key(text: str) -> Ed25519PublicKey:
    """Decode a ``z6Mk…`` Multikey into an Ed25519 public key."""
    return Ed25519PublicKey.from_public_bytes(_decode_key(text, ED25519_PUBLIC_CODEC))


def private_key_to_multikey(private_key: Ed25519PrivateKey) -> str:
    """Encode an Ed25519 private key (its 32-byte seed) as a ``secretKeyMultibase`` value."""
    raw = private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base58btc_encode(ED25519_SECRET_CODEC + raw)


def multikey_to_private_key(text: str) -> Ed25519PrivateKey:
    """Decode a ``secretKeyMultibase`` value (multicodec 0x8026) into an Ed25519 private key."""
    return Ed25519PrivateKey.from_private_bytes(_decode_key(text, ED25519_SECRET_CODEC))
