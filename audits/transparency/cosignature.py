"""C2SP tlog-cosignature (``cosignature/v1``, Ed25519): a witness's signature line on a checkpoint.

- Key ID: the first 4 bytes of SHA-256(name ‖ "\\n" ‖ 0x04 ‖ 32-byte Ed25519 public key); 0x04
  keeps a cosigner key apart from a note signer key (0x01) even when the bytes are the same.
- Signed message: ``cosignature/v1\\ntime <POSIX seconds>\\n`` followed by the whole checkpoint
  text (its final newline included, no signature lines).
- Signature line: ``— <name> base64(key ID ‖ 8-byte big-endian timestamp ‖ 64-byte signature)``.
- Verifier key: ``<name>+<8 hex key ID>+<base64(0x04 ‖ public key)>``.
- Private key (the form of Go's note package, with the 0x04 type):
  ``PRIVATE+KEY+<name>+<8 hex key ID>+<base64(0x04 ‖ 32-byte seed)>``.

Needs only ``cryptography`` and the standard library, like note.py, so that a third party can
check a witness's cosignature with it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .note import SIGNATURE_PREFIX, NoteError, key_parts

COSIGNATURE_V1 = 0x04
HEADER = "cosignature/v1"
PRIVATE_PREFIX = "PRIVATE+KEY+"
MAX_TIMESTAMP = 2**63 - 1


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _seed(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def _check_name(name: str) -> None:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise NoteError("a cosigner name is non-empty, without spaces or '+'")


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([COSIGNATURE_V1]) + _raw(public_key))
    return digest.digest()[:4]


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """The vkey a witness publishes for its cosignatures."""
    _check_name(name)
    encoded = base64.b64encode(bytes([COSIGNATURE_V1]) + _raw(public_key)).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def parse_verifier_key(text: str) -> tuple[str, bytes, Ed25519PublicKey]:
    """The name, key ID and public key of a cosigner vkey; its key ID is checked."""
    return _parse_key(text.strip(), what="verifier key")


def private_key_text(name: str, private_key: Ed25519PrivateKey) -> str:
    _check_name(name)
    encoded = base64.b64encode(bytes([COSIGNATURE_V1]) + _seed(private_key)).decode()
    return f"{PRIVATE_PREFIX}{name}+{key_id(name, private_key.public_key()).hex()}+{encoded}"


def parse_private_key(text: str) -> tuple[str, Ed25519PrivateKey]:
    """The name and key of ``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x04 ‖ seed)>``."""
    text = text.strip()
    if not text.startswith(PRIVATE_PREFIX):
        raise NoteError("a cosigner private key starts with PRIVATE+KEY+")
    name, _claimed, seed = _parse_key(text[len(PRIVATE_PREFIX) :], what="private key")
    return name, seed


def _parse_key(text: str, *, what: str):
    name, claimed, raw = key_parts(text, what=f"cosigner {what}", key_type=COSIGNATURE_V1)
    if what == "private key":
        private_key = Ed25519PrivateKey.from_private_bytes(raw)
        if key_id(name, private_key.public_key()) != claimed:
            raise NoteError("the key ID does not match the key")
        return name, claimed, private_key
    public_key = Ed25519PublicKey.from_public_bytes(raw)
    if key_id(name, public_key) != claimed:
        raise NoteError("the key ID does not match the key")
    return name, claimed, public_key


def signed_message(checkpoint_text: str, timestamp: int) -> bytes:
    """What a cosigner signs: the header line, the time line, then the checkpoint's text."""
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError("a cosignature's timestamp is between 0 and 2^63 - 1")
    return f"{HEADER}\ntime {timestamp}\n{checkpoint_text}".encode()


def cosign(checkpoint_text: str, name: str, private_key: Ed25519PrivateKey, timestamp: int) -> str:
    """The signature line (with its newline) a witness adds to the checkpoint's note."""
    _check_name(name)
    signature = private_key.sign(signed_message(checkpoint_text, timestamp))
    stamp = key_id(name, private_key.public_key()) + struct.pack(">Q", timestamp) + signature
    return f"{SIGNATURE_PREFIX}{name} {base64.b64encode(stamp).decode()}\n"


def open_cosignature(note: str, vkey: str) -> int:
    """The timestamp of the cosignature by ``vkey`` on ``note``; NoteError if there is none or it
    does not verify."""
    name, claimed, public_key = parse_verifier_key(vkey)
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise NoteError("no signature block")
    text, block = note[: split + 1], note[split + 2 :]
    for line in block[:-1].split("\n"):
        fields = line.removeprefix(SIGNATURE_PREFIX).split(" ")
        if not line.startswith(SIGNATURE_PREFIX) or len(fields) != 2:
            raise NoteError("a signature line is '— <name> <base64>'")
        try:
            stamp = base64.b64decode(fields[1], validate=True)
        except binascii.Error as error:
            raise NoteError("a signature is base64") from error
        if fields[0] != name or stamp[:4] != claimed:
            continue  # the log's own signature, or another witness's
        if len(stamp) != 4 + 8 + 64:
            raise NoteError("an Ed25519 cosignature holds 4 + 8 + 64 bytes")
        (timestamp,) = struct.unpack(">Q", stamp[4:12])
        try:
            public_key.verify(stamp[12:], signed_message(text, timestamp))
        except InvalidSignature as error:
            raise NoteError("the cosignature does not verify") from error
        return timestamp
    raise NoteError("the note carries no cosignature by this key")
