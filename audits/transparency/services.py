"""Appending to the transparency log (CONTRACTS §5).

`log_append` is the one writer. It runs inside the caller's transaction, so a step that rolls
back leaves no leaf, and it locks the log's head row, so appends are serialised: one writer at a
time, each extending the tree the previous one committed. Call it last in a transaction (after
the other rows the step locks): the head is then held only for the commit, and two steps never
wait for each other's locks in opposite order.

The entry is the RFC 8785 JSON of ``{"kind": kind, **entry}``. Kinds follow the audit event
names, ``<source>:<subject>:<action>``: ``labels:label:issued``, ``labels:label:<status
change>``, ``labels:key:created`` / ``retired`` / ``revoked``, and ``audits:chain:head`` (the
audit chain's head, appended by the chain itself).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import rfc8785
from django.db import transaction
from django.utils import timezone

from . import merkle
from .models import LogEntry, LogHead, LogNode, node_key

# The entry bundles of tlog-tiles prefix each entry with a 16-bit length.
MAX_ENTRY_BYTES = 0xFFFF


class EntryTooLarge(ValueError):
    pass


def log_append(kind: str, entry: dict[str, Any], *, subject: str = "") -> int:
    """Append one entry; its index. Inside the caller's transaction."""
    return log_append_many([(kind, entry, subject)])[0]


def log_append_many(items: Sequence[tuple[str, dict[str, Any], str]]) -> list[int]:
    """Append entries ``(kind, entry, subject)`` in order, under one lock; their indexes."""
    encoded = [
        (kind, rfc8785.dumps({"kind": kind, **entry}), subject) for kind, entry, subject in items
    ]
    return log_append_encoded(encoded)


def log_append_encoded(items: Sequence[tuple[str, bytes, str]]) -> list[int]:
    """Append entries whose bytes are already RFC 8785 JSON (the bulk path of a benchmark)."""
    for _kind, data, _subject in items:
        if len(data) > MAX_ENTRY_BYTES:
            raise EntryTooLarge(f"a log entry is at most {MAX_ENTRY_BYTES} bytes")
    if not items:
        return []
    with transaction.atomic():
        head = _head_for_update()
        start = head.size
        frontier = _split(bytes(head.frontier))
        created, frontier = merkle.append(
            start, frontier, (merkle.leaf_hash(data) for _kind, data, _subject in items)
        )
        now = timezone.now()
        LogEntry.objects.bulk_create(
            [
                LogEntry(
                    index=start + offset, kind=kind, subject=subject, entry=data, created_at=now
                )
                for offset, (kind, data, subject) in enumerate(items)
            ]
        )
        LogNode.objects.bulk_create(
            [LogNode(key=node_key(height, index), hash=value) for (height, index), value in created]
        )
        head.size = start + len(items)
        head.frontier = b"".join(frontier)
        head.updated_at = now
        head.save(update_fields=["size", "frontier", "updated_at"])
    return list(range(start, start + len(items)))


def log_head_lock() -> None:
    """Take the log's append lock now (a writer that must read the log before appending)."""
    _head_for_update()


def _head_for_update() -> LogHead:
    # Why a lock on one row: the next leaf's index and the frontier it extends must be those the
    # previous append committed; a second writer waits here until the first commits.
    head = LogHead.objects.select_for_update(no_key=True).filter(pk=1).first()
    if head is None:
        # The migration creates the row; a database flushed by a test starts without it.
        LogHead.objects.get_or_create(pk=1)
        head = LogHead.objects.select_for_update(no_key=True).get(pk=1)
    return head


def _split(frontier: bytes) -> list[bytes]:
    return [frontier[i : i + merkle.HASH_SIZE] for i in range(0, len(frontier), merkle.HASH_SIZE)]


# --- The entries about labels and keys (called from labels.services and labels.keys) ------


def _time(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def log_label_issued(label, *, reason_code: str, credential_sha256: str) -> int:
    """A label's issuance: what it certifies is pinned by the digest of its signed credential
    (SHA-256 of its RFC 8785 form; labels computes it, as it does for the chain's entry)."""
    credential = label.credential
    return log_append(
        "labels:label:issued",
        {
            "label": label.serial,
            "certificate": label.certificate.number,
            "certificateVersion": label.certificate_version,
            "issuer": label.issuer,
            "verificationMethod": credential.get("proof", {}).get("verificationMethod", ""),
            "credentialSha256": credential_sha256,
            "status": label.status,
            "reasonCode": reason_code,
            "time": _time(label.issued_at),
        },
        subject=label.serial,
    )


def log_label_status_changed(labels: Iterable, event: str, *, reason_code: str) -> list[int]:
    """Each label's status change, in one append (the reason's category, never free text)."""
    return log_append_many(
        [
            (
                f"labels:label:{event}",
                {
                    "label": label.serial,
                    "status": label.status,
                    "reasonCode": reason_code,
                    "time": _time(label.status_changed_at),
                },
                label.serial,
            )
            for label in labels
        ]
    )


def log_keys_retired(keys: Iterable, *, verification_method) -> list[int]:
    """Keys retired by a rotation: they keep verifying what they signed before."""
    return [
        log_key_event(key, "retired", verification_method=verification_method(key)) for key in keys
    ]


def log_key_event(key, action: str, *, verification_method: str) -> int:
    """A body's signing key created, retired or revoked."""
    moment = {"created": key.created_at, "revoked": key.revoked_at}.get(action) or timezone.now()
    return log_append(
        f"labels:key:{action}",
        {
            "verificationMethod": verification_method,
            "publicKeyMultibase": key.public_key_multibase,
            "time": _time(moment),
        },
        subject=verification_method,
    )
