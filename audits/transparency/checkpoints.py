"""The log's own Ed25519 key and its signed checkpoints (C2SP tlog-checkpoint in a signed note).

The key is the platform's, separate from the bodies' signing keys: `TRANSPARENCY_LOG_KEY` holds
its 32-byte private seed (base64); the embedded default derives one from the secret key, and
production mode refuses to start without it. A checkpoint is signed when it is first read at a
size (Ed25519 is deterministic: the same size always gives the same note) and kept per process.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Iterable, Sequence
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import note
from .selectors import (
    SubjectEntry,
    log_entries_for_subjects,
    log_entries_proved,
    log_head,
    log_root,
)


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


def checkpoint_signed(
    size: int | None = None, head: tuple[int, bytes] | None = None
) -> tuple[int, str]:
    """The signed checkpoint of the tree at ``size`` (default: now), and that size; ``head`` is
    the current size and root when the caller has read them already."""
    if head is not None:
        size, root = head
    elif size is None:
        size, root = log_head()
    else:
        root = log_root(size)
    return size, _signed(log_origin(), size, root, log_private_key())


def log_document(note: str, entries: Iterable[SubjectEntry]) -> dict[str, Any]:
    """CONTRACTS §5's log.json: the signed checkpoint and entries with their proofs to it."""
    return {
        "checkpoint": note,
        "entries": [
            {
                "index": item.index,
                "entry": base64.b64encode(item.entry).decode(),
                "inclusionProof": [base64.b64encode(h).decode() for h in item.inclusion_proof],
            }
            for item in entries
        ],
    }


def subjects_log(subjects: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The log.json of each subject (label serial), all to one current checkpoint: the answers
    that carry them stay self-consistent however long they are cached. Four queries in all."""
    subjects = list(subjects)
    size, note = checkpoint_signed()
    found = log_entries_for_subjects(subjects, size)
    return {subject: log_document(note, found.get(subject, [])) for subject in subjects}


def entries_logs(
    groups: Sequence[Sequence[tuple[int, bytes, Sequence[bytes]]]],
    head: tuple[int, bytes] | None = None,
) -> list[dict[str, Any]]:
    """The log.json of each group of entries already read (a label's stored entries, with the
    settled part of their proofs), all to one current checkpoint, as ``subjects_log`` gives
    them: at most one query of the proofs' other nodes, and one of the head unless the caller
    read it (``head``)."""
    size, note = checkpoint_signed(head=head)
    proved = iter(log_entries_proved([entry for group in groups for entry in group], size))
    return [
        log_document(note, [next(proved) for index, *_rest in group if index < size])
        for group in groups
    ]
