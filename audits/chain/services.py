"""Appending to the audit chain: `chain_append` is the one writer.

It runs inside the caller's transaction, so a step that rolls back leaves no entry, and it locks
the chain's head row, so appends are serialised: each entry names the hash of the one the
previous writer committed.

Lock order (what keeps two steps from waiting on each other in a circle):
1. the step's own rows (the application, the certificate, the labels...), nested services
   included: a step appends its own entry after calling the services it builds on;
2. the chain's head (`chain_append`);
3. the transparency log's head (`log_append`), when the step also writes to the log.
The hourly anchor (`chain_anchor`) never locks the chain's head: it reads the last committed
entry and appends it to the log.

An entry's bytes are ``JCS({"event": {...}, "prev": "<hex>", "seq": n})``. Keys sort, so every
entry ends with ``,"prev":"<hex>","seq":n}``: a verifier checks the link and the order without
parsing JSON (`verify.py`). The bytes come from the ``rfc8785`` library itself, as do the
transparency log's: labels' faster encoder (`labels.vc.jcs`) gives the same bytes, but audits sits
below labels.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import rfc8785
from django.db import transaction
from django.utils import timezone

from audits.transparency import services as transparency

from .models import ZERO_HASH, AuditEntry, AuditHead
from .selectors import ANCHOR_KIND, chain_last_anchor


@dataclass(frozen=True)
class ChainEvent:
    """What one entry records; ids are plain integers (the entry outlives any row)."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    actor_id: int | None = None
    application_id: int | None = None
    certificate_id: int | None = None
    body_id: int | None = None
    time: datetime | None = None


def chain_append(
    kind: str,
    data: dict[str, Any] | None = None,
    *,
    actor=None,
    application_id: int | None = None,
    certificate_id: int | None = None,
    body_id: int | None = None,
) -> AuditEntry:
    """Append one event; the entry. Inside the caller's transaction, after its row locks."""
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    event = ChainEvent(
        kind=kind,
        data=data or {},
        actor_id=actor_id,
        application_id=application_id,
        certificate_id=certificate_id,
        body_id=body_id,
    )
    return chain_append_many([event])[0]


def chain_append_many(events: Sequence[ChainEvent]) -> list[AuditEntry]:
    """Append events in order under one lock (the bulk path: a benchmark, a batch of labels)."""
    if not events:
        return []
    with transaction.atomic():
        head = _head_for_update()
        seq = head.seq
        previous = bytes(head.hash)
        now = timezone.now()
        entries = []
        for event in events:
            seq += 1
            body = entry_bytes(event, now=now, prev=previous, seq=seq)
            digest = hashlib.sha256(body).digest()
            entries.append(
                AuditEntry(
                    seq=seq,
                    kind=event.kind,
                    actor_id=event.actor_id,
                    application_id=event.application_id,
                    certificate_id=event.certificate_id,
                    body_id=event.body_id,
                    created_at=event.time or now,
                    body=body,
                    hash=digest,
                )
            )
            previous = digest
        AuditEntry.objects.bulk_create(entries)
        head.seq = seq
        head.hash = previous
        head.updated_at = now
        head.save(update_fields=["seq", "hash", "updated_at"])
    return entries


def entry_bytes(event: ChainEvent, *, now: datetime, prev: bytes, seq: int) -> bytes:
    """The RFC 8785 bytes of one entry, as hashed and stored."""
    return rfc8785.dumps(
        {
            "event": {
                "kind": event.kind,
                "time": _time(event.time or now),
                "actor": event.actor_id,
                "application": event.application_id,
                "certificate": event.certificate_id,
                "body": event.body_id,
                "data": event.data,
            },
            "prev": prev.hex(),
            "seq": seq,
        }
    )


def _head_for_update() -> AuditHead:
    # Why a lock on one row: the next entry's number and the hash it links to must be those the
    # previous append committed; a second writer waits here until the first commits.
    head = AuditHead.objects.select_for_update(no_key=True).filter(pk=1).first()
    if head is None:
        # The migration creates the row; a database flushed by a test starts without it.
        AuditHead.objects.get_or_create(pk=1, defaults={"hash": ZERO_HASH})
        head = AuditHead.objects.select_for_update(no_key=True).get(pk=1)
    return head


def _time(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# --- The hourly anchor ----------------------------------------------------------------------


def chain_anchor() -> int | None:
    """Append the chain's head to the transparency log when it moved since the last anchor;
    the log index, or None when there was nothing new.

    Reads the last committed entry without locking the chain's head (the lock order above), so
    an anchor never waits for, nor holds up, a domain step. Two runs at once cannot both append
    the same head: the log's head lock serialises them and the second re-reads the last anchor.
    """
    last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
    if last is None:
        return None
    seq, digest = last
    with transaction.atomic():
        transparency.log_head_lock()
        anchored = chain_last_anchor()
        if anchored is not None and anchored[0] >= seq:
            return None
        return transparency.log_append(
            ANCHOR_KIND,
            {"seq": seq, "hash": bytes(digest).hex(), "time": _time(timezone.now())},
            subject="audit-chain",
        )
