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
from audits.transparency.verify import checkpoint_latest, entries_proved

from .models import AuditEntry, AuditHead
from .verify import ChainBroken

ANCHOR_KIND = "audits:chain:head"
# Rows a verifier or an export reads at a time: the round trips vanish beside the work per row.
FETCH_ROWS = 10_000
# Entries of a page of the fast walk (`chain_pages`): about 1 MB, which the server joins and the
# walk splits and hashes while it is still in the processor's cache. Measured over 1,000,000
# entries, pages of 1,000 to 3,000 entries walked in 0.92-0.99 s (medians of 5), of 10,000 in
# about 1.07 s (docs/benchmarks.md).
PAGE_ENTRIES = 2_500


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


def chain_pages(
    *, up_to: int, after: int = 0, size: int | None = None
) -> Generator[list[bytes], None, None]:
    """The bytes of entries after+1..up_to in order, a page (a range of `size` numbers) at a
    time, and nothing else: what the fast walk reads. A missing entry shows as a broken link.

    On PostgreSQL one COPY streams the pages, each page one value: its entries joined by a
    newline, which RFC 8785 JSON never holds raw (it escapes control characters). One value of
    1 MB costs the server and psycopg much less than 2,500 rows of 400 bytes, and the stream
    keeps the server reading while the walk hashes. Each page comes with the number of its
    rows: a page that does not split into as many entries as it has rows, and as its range of
    numbers holds, raises ChainBroken (two entries packed into one row, with the second row
    deleted, would otherwise read exactly like the chain)."""
    size = size or PAGE_ENTRIES
    if up_to <= after:
        return
    if connection.vendor != "postgresql":
        yield from _pages_fetched(after=after, up_to=up_to, size=size)
        return
    connection.ensure_connection()
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(_PAGES_SQL, {"after": after, "up_to": up_to, "size": size}) as copy,
    ):
        copy.set_types(["bytea", "int8"])
        pages = copy.rows()
        try:
            for start, (joined, rows) in zip(range(after, up_to, size), pages, strict=True):
                entries = joined.split(b"\n") if joined is not None else []
                if not len(entries) == rows == min(start + size, up_to) - start:
                    raise ChainBroken(start + 1, "its page does not split into its rows")
                yield entries
        finally:
            # Read to the end rather than let psycopg cancel the COPY: inside a transaction a
            # cancel aborts it, and a late one could reach the connection's next statement.
            for _ in pages:
                pass


# Each page's entries joined in the order of the subquery (an ORDER BY inside the aggregate would
# sort every page again), the pages in the order generate_series makes them (an ORDER BY p would
# sort the joined pages). Either order is what PostgreSQL does, not what it promises: an entry
# out of place would only show as a broken link, and the walk over the stored hashes, which
# reads row by row in order, then decides.
_PAGES_SQL = """COPY (
    SELECT page.joined, page.rows
    FROM generate_series(%(after)s::bigint, %(up_to)s - 1, %(size)s) AS p
    CROSS JOIN LATERAL (
        SELECT string_agg(body, decode('0a', 'hex')) AS joined, count(*) AS rows FROM (
            SELECT body FROM audits_auditentry
            WHERE seq > p AND seq <= least(p + %(size)s, %(up_to)s) ORDER BY seq
        ) AS entries
    ) AS page
) TO STDOUT (FORMAT BINARY)"""


def _pages_fetched(*, after: int, up_to: int, size: int) -> Generator[list[bytes], None, None]:
    sql = "SELECT body FROM audits_auditentry WHERE seq > %s AND seq <= %s ORDER BY seq"
    with connection.cursor() as cursor:
        for start in range(after, up_to, size):
            cursor.execute(sql, [start, min(start + size, up_to)])
            yield [bytes(body) for (body,) in cursor.fetchall()]


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
    """Each chain head anchored in the transparency log: seq → (log index, hash).

    An anchor is used only once proved to be the log's: its bytes hash to the stored leaf, and
    that leaf's inclusion proof leads to the root of the log's latest signed checkpoint (whose
    signature is checked). Otherwise LogBroken: an anchor's row edited in the database would
    else vouch for a rewritten chain. Anchors appended after that checkpoint are the next run's.
    """
    checkpoint = checkpoint_latest()
    rows = [
        (index, bytes(entry))
        for index, entry in LogEntry.objects.filter(kind=ANCHOR_KIND, index__lt=checkpoint.size)
        .order_by("index")
        .values_list("index", "entry")
    ]
    entries_proved(rows, checkpoint)
    anchors = {}
    for index, entry in rows:
        payload = json.loads(entry)
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
