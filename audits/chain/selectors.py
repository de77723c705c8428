"""Reading the audit chain: the regulator's filtered list, the rows a verifier streams, and the
heads anchored in the transparency log."""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
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


def entry_rows(filters: EntryFilters, columns: Sequence[str], *, page: int) -> Iterator[tuple]:
    """The matching entries' `columns` (seq first), oldest first, `page` rows per query by
    keyset on seq. Each query stands alone: nothing (no cursor, no transaction) stays open
    between pages, so a long export holds one page in memory, and behind a transaction-mode
    pooler every page may run on another server session."""
    entries = entry_list(filters).values_list("seq", *columns)
    after = None
    while True:
        rows = list((entries if after is None else entries.filter(seq__gt=after))[:page])
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1][0]


def _start_of(day: date, *, days: int = 0) -> datetime:
    moment = datetime.combine(day, time.min) + timedelta(days=days)
    return timezone.make_aware(moment)


def chain_head() -> tuple[int, bytes]:
    """The head row's sequence number and hash (what the next append links to)."""
    row = AuditHead.objects.filter(pk=1).values_list("seq", "hash").first()
    return (row[0], bytes(row[1])) if row else (0, bytes(32))


def chain_rows(
    *, columns: str = "seq, body, hash", fetch: int = FETCH_ROWS
) -> Generator[tuple, None, None]:
    """Every entry's columns (seq first) in order, streamed a page at a time by keyset (each
    page one range of the primary key), never a model instance per row. On PostgreSQL the
    bytea columns travel in binary: decoding them from hex would cost more than hashing them."""
    sql = f"SELECT {columns} FROM audits_auditentry WHERE seq > %s ORDER BY seq LIMIT %s"  # noqa: S608 (our own column names)
    after = -(2**63)
    with _cursor() as (cursor, execute):
        while True:
            execute(sql, [after, fetch])
            rows = cursor.fetchall()
            if not rows:
                return
            yield from rows
            after = rows[-1][0]


def chain_bodies(
    *, up_to: int, after: int = 0, fetch: int = FETCH_ROWS
) -> Generator[bytes, None, None]:
    """The bytes of entries after+1..up_to in order, and nothing else: what the fast walk
    reads. Pages are ranges of numbers, so a missing entry shows as a broken link."""
    sql = "SELECT body FROM audits_auditentry WHERE seq > %s AND seq <= %s ORDER BY seq"
    with _cursor() as (cursor, execute):
        for after in range(after, up_to, fetch):  # noqa: B020 (each page starts further on)
            execute(sql, [after, min(after + fetch, up_to)])
            for (body,) in cursor.fetchall():
                yield body


@contextmanager
def _cursor():
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        import psycopg  # only on PostgreSQL

        cursor = psycopg.Cursor(connection.connection)
        with cursor:
            yield cursor, lambda sql, params: cursor.execute(sql, params, binary=True)
    else:
        with connection.cursor() as django_cursor:
            yield django_cursor, django_cursor.execute


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
