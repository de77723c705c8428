"""W3C Bitstring Status List v1.0: one bit per label, published as a signed credential.

A label carries two entries, ``revocation`` and ``suspension``, each pointing at a bit in a list.
Indexes are drawn at random and every list holds at least 131,072 entries, so that a list reveals
neither how many labels a body issued nor which label a verifier is asking about.
"""

import gzip
import secrets
import zlib
from collections.abc import Collection, Iterator
from datetime import datetime, timedelta
from typing import Any

from .dates import format_date_time
from .jws import base64url_decode, base64url_encode

MINIMUM_LENGTH = 131_072
# A list fetched from elsewhere is decompressed under this cap so a GZIP bomb cannot exhaust memory.
MAXIMUM_LENGTH = 1 << 27
ENCODED_LIST_PREFIX = "u"
# zlib's default level reproduces the specification's example byte for byte.
COMPRESSION_LEVEL = 6
REVOCATION = "revocation"
SUSPENSION = "suspension"
CREDENTIALS_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
ENTRY_TYPE = "BitstringStatusListEntry"
LIST_TYPE = "BitstringStatusList"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"


class StatusListError(ValueError):
    """An encoded list is malformed, too short or too long, or an index is out of range."""


class StatusListFullError(StatusListError):
    """Every index of a list is already allocated."""


class Bitstring:
    """A fixed-length bitstring; index 0 is the most significant bit of byte 0."""

    __slots__ = ("_bytes",)

    def __init__(self, length: int = MINIMUM_LENGTH) -> None:
        if length < MINIMUM_LENGTH or length % 8 or length > MAXIMUM_LENGTH:
            raise StatusListError(
                f"a list holds a multiple of 8 bits between {MINIMUM_LENGTH} and {MAXIMUM_LENGTH}"
            )
        self._bytes = bytearray(length // 8)

    @classmethod
    def from_bytes(cls, data: bytes) -> "Bitstring":
        """Wrap raw bitstring bytes (not compressed, not encoded)."""
        bitstring = cls(len(data) * 8)
        bitstring._bytes[:] = data
        return bitstring

    @classmethod
    def decode(cls, encoded: str) -> "Bitstring":
        """Read an ``encodedList``: ``u`` + base64url (no padding) of GZIP of the bits."""
        if not isinstance(encoded, str) or not encoded.startswith(ENCODED_LIST_PREFIX):
            raise StatusListError("an encodedList is multibase base64url and starts with 'u'")
        try:
            compressed = base64url_decode(encoded[1:])
        except ValueError as error:
            raise StatusListError(str(error)) from error
        decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            data = decompressor.decompress(compressed, MAXIMUM_LENGTH // 8 + 1)
        except zlib.error as error:
            raise StatusListError(f"not GZIP data: {error}") from error
        if not decompressor.eof or decompressor.unused_data or decompressor.unconsumed_tail:
            raise StatusListError("the GZIP stream is truncated, too long or followed by data")
        return cls.from_bytes(data)

    def encode(self) -> str:
        """Return the ``encodedList`` form; ``mtime=0`` keeps the output reproducible."""
        compressed = gzip.compress(bytes(self._bytes), compresslevel=COMPRESSION_LEVEL, mtime=0)
        return ENCODED_LIST_PREFIX + base64url_encode(compressed)

    def to_bytes(self) -> bytes:
        """Return the raw bitstring, e.g. to store it between updates."""
        return bytes(self._bytes)

    def __len__(self) -> int:
        return len(self._bytes) * 8

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Bitstring) and self._bytes == other._bytes

    def _locate(self, index: int) -> tuple[int, int]:
        if not 0 <= index < len(self):
            raise StatusListError(f"index {index} is outside a list of {len(self)} entries")
        return index // 8, 0x80 >> (index % 8)

    def get(self, index: int) -> bool:
        byte, mask = self._locate(index)
        return bool(self._bytes[byte] & mask)

    def set(self, index: int, value: bool = True) -> None:
        byte, mask = self._locate(index)
        if value:
            self._bytes[byte] |= mask
        else:
            self._bytes[byte] &= ~mask & 0xFF

    def set_indexes(self) -> Iterator[int]:
        """Yield the index of every set bit, in increasing order."""
        for byte_index, byte in enumerate(self._bytes):
            if byte:
                for bit in range(8):
                    if byte & (0x80 >> bit):
                        yield byte_index * 8 + bit


def random_free_index(allocated: Collection[int], length: int = MINIMUM_LENGTH) -> int:
    """Draw an index not in ``allocated``, uniformly at random with ``secrets``.

    Sequential indexes would let anyone count a body's labels and date them by position. Drawing
    with rejection is fast while the list is sparse; a crowded list falls back to choosing among
    the free indexes directly.
    """
    if len(allocated) >= length:
        raise StatusListFullError(f"all {length} indexes are allocated")
    for _attempt in range(64):
        index = secrets.randbelow(length)
        if index not in allocated:
            return index
    taken = set(allocated)
    free = [index for index in range(length) if index not in taken]
    if not free:
        raise StatusListFullError(f"all {length} indexes are allocated")
    return secrets.choice(free)


def status_entry(*, list_url: str, index: int, status_purpose: str) -> dict[str, str]:
    """Build the ``BitstringStatusListEntry`` a label carries for one status purpose."""
    return {
        "id": f"{list_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": status_purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def build_status_list_credential(
    *,
    url: str,
    issuer: str,
    status_purpose: str,
    bitstring: Bitstring,
    valid_from: datetime,
    valid_until: datetime,
    ttl: timedelta,
) -> dict[str, Any]:
    """Build the unsigned ``BitstringStatusListCredential`` published at ``url``.

    ``ttl`` is written in milliseconds, as the specification defines it; serve the list with
    ``Cache-Control: max-age`` equal to ``ttl_seconds(credential)``.
    """
    if valid_until <= valid_from:
        raise ValueError("validUntil must come after validFrom")
    return {
        "@context": [CREDENTIALS_V2_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": format_date_time(valid_from),
        "validUntil": format_date_time(valid_until),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": LIST_TYPE,
            "statusPurpose": status_purpose,
            "encodedList": bitstring.encode(),
            "ttl": int(ttl / timedelta(milliseconds=1)),
        },
    }


def ttl_seconds(credential: dict[str, Any]) -> int:
    """Return a list credential's ``ttl`` in whole seconds, for ``Cache-Control: max-age``."""
    return int(credential["credentialSubject"]["ttl"]) // 1000
