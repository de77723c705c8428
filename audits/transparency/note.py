"""C2SP signed notes, note verifier keys and tlog checkpoints, with Ed25519 (CONTRACTS §5).

- signed-note: the text (UTF-8, ending in a newline), a blank line, then one line per signature,
  ``— <key name> <base64(key ID ‖ signature)>``; the signature covers the text's bytes.
- Key ID: the first 4 bytes of SHA-256(name ‖ "\\n" ‖ 0x01 ‖ 32-byte Ed25519 public key).
- Note verifier key: ``<name>+<8 hex digits of the key ID>+<base64(0x01 ‖ public key)>``.
- tlog-checkpoint: the text is ``<origin>\\n<tree size>\\n<base64 root hash>\\n``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space


class NoteError(ValueError):
    """A note, key or checkpoint that is malformed or does not verify."""


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _check_name(name: str) -> None:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise NoteError("a key name is non-empty, without spaces or '+'")


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + _raw(public_key)).digest()[:4]


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    _check_name(name)
    encoded = base64.b64encode(bytes([ED25519]) + _raw(public_key)).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def key_parts(text: str, *, what: str, key_type: int) -> tuple[str, bytes, bytes]:
    """The name, the claimed key ID and the 32 key bytes of ``<name>+<8 hex digits of the key
    ID>+<base64(key type ‖ key)>``, the shape of C2SP's note keys; `what` names it in errors."""
    parts = text.split("+", 2)  # the base64 may hold "+" too
    if len(parts) != 3 or len(parts[1]) != 8:
        raise NoteError(f"a {what} is <name>+<8 hex>+<base64>")
    name, hex_id, encoded = parts
    _check_name(name)
    try:
        raw = base64.b64decode(encoded, validate=True)
        claimed = bytes.fromhex(hex_id)
    except (binascii.Error, ValueError) as error:
        raise NoteError(f"a {what} is <name>+<8 hex>+<base64>") from error
    if len(raw) != 33 or raw[0] != key_type:
        raise NoteError(f"not a {what} of key type 0x{key_type:02x}")
    return name, claimed, raw[1:]


def parse_verifier_key(text: str) -> tuple[str, bytes, Ed25519PublicKey]:
    """The name, key ID and public key of a verifier key; its key ID is checked."""
    name, claimed, raw = key_parts(text.strip(), what="Ed25519 verifier key", key_type=ED25519)
    public_key = Ed25519PublicKey.from_public_bytes(raw)
    if key_id(name, public_key) != claimed:
        raise NoteError("the key ID does not match the key")
    return name, claimed, public_key


def _check_text(text: str) -> None:
    if not text.endswith("\n") or "\n\n" in text:
        raise NoteError("a note's text ends with a newline and has no blank line")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("a note's text has no control characters but newlines")


def sign(text: str, name: str, private_key: Ed25519PrivateKey) -> str:
    """The signed note: ``text``, a blank line and the signature line."""
    _check_text(text)
    _check_name(name)
    signature = private_key.sign(text.encode())
    stamp = base64.b64encode(key_id(name, private_key.public_key()) + signature).decode()
    return f"{text}\n{SIGNATURE_PREFIX}{name} {stamp}\n"


def open_note(note: str, key: str) -> str:
    """The text of ``note`` if ``key`` (a verifier key) signed it; else NoteError."""
    name, claimed, public_key = parse_verifier_key(key)
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise NoteError("no signature block")
    text, block = note[: split + 1], note[split + 2 :]
    _check_text(text)
    for line in block[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("a signature line starts with an em dash and a space")
        fields = line[len(SIGNATURE_PREFIX) :].split(" ")
        if len(fields) != 2:
            raise NoteError("a signature line is '— <name> <base64>'")
        try:
            stamp = base64.b64decode(fields[1], validate=True)
        except binascii.Error as error:
            raise NoteError("a signature is base64") from error
        if fields[0] != name or stamp[:4] != claimed:
            continue  # another signer's line (a witness's cosignature, say)
        if len(stamp) != 68:
            raise NoteError("an Ed25519 signature line holds 4 + 64 bytes")
        try:
            public_key.verify(stamp[4:], text.encode())
        except InvalidSignature as error:
            raise NoteError("the signature does not verify") from error
        return text
    raise NoteError("the note is not signed by this key")


def checkpoint_text(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def parse_checkpoint(text: str) -> tuple[str, int, bytes]:
    """The origin, tree size and root hash of a checkpoint's text (extension lines ignored)."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or not lines[0]:
        raise NoteError("a checkpoint is origin, size and root hash, one a line")
    size_text, root_text = lines[1], lines[2]
    if (
        not size_text.isascii()
        or not size_text.isdigit()
        or (size_text.startswith("0") and size_text != "0")
    ):
        raise NoteError("a checkpoint's size is a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error as error:
        raise NoteError("a checkpoint's root hash is base64") from error
    if len(root) != 32:
        raise NoteError("a checkpoint's root hash is 32 bytes")
    return lines[0], int(size_text), root
