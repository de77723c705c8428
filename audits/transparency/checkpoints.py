"""The log's own Ed25519 key and its signed checkpoints (C2SP tlog-checkpoint in a signed note).

The key is the platform's, separate from the bodies' signing keys: `TRANSPARENCY_LOG_KEY` holds
its 32-byte private seed (base64); the embedded default derives one from the secret key, and
production mode refuses to start without it. A checkpoint is signed when it is first read at a
size (Ed25519 is deterministic: the same size always gives the same note) and kept per process.
"""

from __future__ import annotations

import base64
import functools

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import note
from .selectors import log_root, log_size


def log_origin() -> str:
    """The checkpoint's origin line and the key's name: ``<public host>/log``."""
    return f"{settings.LABEL_PUBLIC_HOST}/log"


@functools.cache
def _private_key(configured: str, secret: str) -> Ed25519PrivateKey:
    if configured:
        try:
            seed = base64.b64decode(configured, validate=True)
        except ValueError as error:
            raise ImproperlyConfigured("TRANSPARENCY_LOG_KEY is not base64") from error
        if len(seed) != 32:
            raise ImproperlyConfigured("TRANSPARENCY_LOG_KEY is a 32-byte seed in base64")
    else:
        # Embedded default only (settings refuse this in production): derive from SECRET_KEY.
        seed = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"carbonlabel transparency log"
        ).derive(secret.encode())
    return Ed25519PrivateKey.from_private_bytes(seed)


def log_private_key() -> Ed25519PrivateKey:
    return _private_key(settings.TRANSPARENCY_LOG_KEY, settings.SECRET_KEY)


def log_verifier_key() -> str:
    """The C2SP note verifier key that /log/key publishes."""
    return note.verifier_key(log_origin(), log_private_key().public_key())


@functools.lru_cache(maxsize=64)
def _signed(origin: str, size: int, root: bytes, key: Ed25519PrivateKey) -> str:
    return note.sign(note.checkpoint_text(origin, size, root), origin, key)


def checkpoint_signed(size: int | None = None) -> tuple[int, str]:
    """The signed checkpoint of the tree at ``size`` (default: now), and that size."""
    size = log_size() if size is None else size
    return size, _signed(log_origin(), size, log_root(size), log_private_key())
