"""Reading the audit chain: the regulator's filtered list, the rows a verifier streams, and the
heads anchored in the transparency log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from audits.transparency.models import LogEntry

from .models import AuditEntry, AuditHead

ANCHOR_KIND = "audits:chain:head"
# Rows a verifier reads at a time: large enough that the round trips vanish beside the hashing.
FETCH_ROWS = 10_000


@dataclass(frozen=True)
class EntryFilters:
    kind: str = ""
    application_id: int | None = None
    certificate_id: int | None = None
    body_id: int | None = None
    since: date | None = None
    until: date | None = None


def entry_list(filters: EntryFilters) -> QuerySet[AuditEntry]:
    """The entries matching the regulator's filters, oldest first (the chain's own order)."""
    entries = AuditEntry.objects.order_by("seq")
    if filters.kind:
        entries = entries.filter(kind__startswith=filters.kind)
    for name in ("application_id", "certificate_id", "body_id"):
        value = getattr(filters, name)
        if value is not None:
            entries = entries.filter(**{name: value})
    if filters.since is not None:
        entries = entries.filter(created_at__gte=_start_of(filters.since))
    if filters.until is not None:
        entries = entries.filter(created_at__lt=_start_of(filters.until, days=1))
    return entries


def _start_of(day: date, *, days: int = 0) -> datetime:
    moment = datetime.combine(day, time.min) + timedelta(days=days)
    return timezone.make_aware(moment)


def chain_head() -> tuple[int, bytes]:
    """The head row's sequence number and hash (what the next append links to)."""
    row = AuditHead.objects.filter(pk=1).values_list("seq", "hash").first()
    return (row[0], bytes(row[1])) if row else (0, bytes(32))


def chain_rows(*, fetch: int = FETCH_ROWS) -> Iterator[tuple[int, bytes, bytes]]:
    """Every entry's (seq, body, hash) in order, streamed a page at a time by keyset (each
    page one range of the primary key), never a model instance per row. On PostgreSQL the
    bytea columns travel in binary: decoding them from hex would cost more than hashing them."""
    sql = "SELECT seq, body, hash FROM audits_auditentry WHERE seq > %s ORDER BY seq LIMIT %s"
    after = -(2**63)
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        import psycopg  # only on PostgreSQL

        cursor = psycopg.Cursor(connection.connection)
        execute = lambda: cursor.execute(sql, [after, fetch], binary=True)  # noqa: E731
    else:
        cursor = connection.cursor()
        execute = lambda: cursor.execute(sql, [after, fetch])  # noqa: E731
    with cursor:
        while True:
            execute()
            rows = cursor.fetchall()
            if not rows:
                return
            yield from rows
            after = rows[-1][0]


def chain_anchors() -> dict[int, tuple[int, bytes]]:
    """Each chain head anchored in the transparency log: seq → (log index, hash)."""
    anchors = {}
    for index, entry in (
        LogEntry.objects.filter(kind=ANCHOR_KIND).order_by("index").values_list("index", "entry")
    ):
        payload = json.loads(bytes(entry))
        anchors[int(payload["seq"])] = (index, bytes.fromhex(payload["hash"]))
    return anchors


def chain_last_anchor() -> tuple[int, bytes] | None:
    """The latest anchored head: (seq, hash), or None before the first anchor."""
    entry = (
        LogEntry.objects.filter(kind=ANCHOR_KIND)
        .order_by("-index")
        .values_list("entry", flat=True)
        .first()
    )
    if entry is None:
        return None
    payload = json.loads(bytes(entry))
    return int(payload["seq"]), bytes.fromhex(payload["hash"])
