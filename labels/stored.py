"""Reading a label's stored answers (``LabelAnswer``), and marking them stale.

A label is read far more often than it changes. Its public answers (the API representation, the
public page in each language, the SVG badge in each language) are rendered once after each change
by ``labels/answers.py`` and stored; a read is then one indexed query and the transparency log's
part. An answer is served only while it is current: not marked stale, rendered
by this code's ``FORMAT``, and not past ``fresh_until`` (the label then shows as expired).
Otherwise the caller renders the answer live, as it always could.

The transparency log's part cannot be stored whole: every answer gives inclusion proofs to the
checkpoint current when it is read (CONTRACTS §5), and the checkpoint moves with every entry
anyone appends. Stored bodies hold ``LOG_SLOT`` in its place, as their renderer writes it; a read
fills it from the label's stored entries and the log's head, read in the same query as the
answers. Most of a proof never changes (its lowest hashes, inside the largest complete subtree
that holds the leaf: ``merkle.settled_height``), so the renderer stores that part with each
entry, and a read fetches only the upper nodes, which every proof shares and each process keeps
(``NODE_MEMORY``): usually no query at all, at most one for any number of labels.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.html import json_script
from rest_framework.renderers import JSONRenderer

from audits.transparency.checkpoints import entries_logs
from audits.transparency.merkle import HASH_SIZE
from audits.transparency.models import LogHead
from audits.transparency.selectors import head_of
from certification.models import Certificate
from config.sql import prepared_cursor

from .models import Label, LabelAnswer

# Raise when what the renderer writes changes: rows of an older format are rendered afresh
# (``manage.py label_answers``) and, until then, answered live.
FORMAT = 4
# Where the log's part goes: a NUL cannot occur in any stored text (PostgreSQL refuses it).
LOG_SLOT = "\x00transparency-log\x00"
LOG_SCRIPT_ID = "label-log"
PAGE_COLUMNS = {"zh-hans": "page_zh", "en": "page_en"}
BADGE_COLUMNS = {"zh": "badge_zh", "en": "badge_en"}

_JSON = JSONRenderer()  # the label API's renderer: the filled answer is the live one, byte for byte
API_SLOT = _JSON.render(LOG_SLOT)
PAGE_SLOT = json_script(LOG_SLOT, LOG_SCRIPT_ID).encode()


@dataclass(frozen=True)
class StoredAnswer:
    body: bytes  # LOG_SLOT where the log's part goes
    etag_line: str
    fresh_until: datetime | None
    # Each of the label's log entries: its index, its bytes and the settled part of its proof.
    log_entries: list[tuple[int, bytes, list[bytes]]]
    log_head: tuple[int, bytes]  # the log's size and root, read in the same query


def _current(row: Sequence[Any], now: datetime) -> StoredAnswer | None:
    stale, format, fresh_until, etag_line, entries, body, size, frontier = row
    if fresh_until is not None and timezone.is_naive(fresh_until):  # SQLite keeps UTC, naive
        fresh_until = timezone.make_aware(fresh_until, UTC)
    if stale is not False or format != FORMAT or (fresh_until and fresh_until <= now):
        return None
    if isinstance(entries, str):  # read without the ORM, which decodes JSON itself
        entries = json.loads(entries)
    return StoredAnswer(
        body=body.encode(),
        etag_line=etag_line,
        fresh_until=fresh_until,
        log_entries=[
            (index, base64.b64decode(entry), _hashes(base64.b64decode(settled)))
            for index, entry, settled in entries
        ],
        log_head=head_of(size, frontier),
    )


def _hashes(joined: bytes) -> list[bytes]:
    return [joined[i : i + HASH_SIZE] for i in range(0, len(joined), HASH_SIZE)]


# The single lookups in plain SQL: the hot path of every label read, where building the ORM's
# query took as long as PostgreSQL took to answer it, and planning it longer than that
# (prepared once per connection: config/sql.py). A label without an answer row yet reads
# NULLs (LEFT JOIN), which are not current.
# Table names come from the models, the column is checked against COLUMNS.
# What ``_current`` reads of a label's answer and the log's head, and the joins that give them.
_ANSWER_COLUMNS = (
    "a.stale, a.format, a.fresh_until, a.etag_line, a.log_entries, a.{column}, h.size, h.frontier"
)
_ANSWER_JOINS = (
    f" LEFT JOIN {LabelAnswer._meta.db_table} a ON a.label_id = l.id"
    f" LEFT JOIN {LogHead._meta.db_table} h ON h.id = 1"
)
_SELECT = f"SELECT {_ANSWER_COLUMNS} FROM {Label._meta.db_table} l{_ANSWER_JOINS}"  # noqa: S608
LOOKUPS = {
    "serial": " WHERE l.serial = %s",
    "certificate": (
        f" JOIN {Certificate._meta.db_table} c ON c.id = l.certificate_id WHERE c.number = %s"
        " AND l.variant_id IS NULL ORDER BY l.certificate_version DESC LIMIT 1"
    ),
    "gtin": " WHERE l.gtin = %s ORDER BY l.issued_at DESC, l.id DESC",
}
COLUMNS = frozenset({"api", *PAGE_COLUMNS.values(), *BADGE_COLUMNS.values()})


def stored_lookup(kind: str, value: str, column: str) -> list[StoredAnswer] | None:
    """The stored ``column`` of the labels of one lookup (``LOOKUPS``: by serial, the current
    label of a certificate number's representative product, every label of a GTIN, newest
    first), in one query without
    the ORM; None when there is no label or any answer is not current (the caller then renders
    live)."""
    if column not in COLUMNS:
        raise ValueError(column)
    with prepared_cursor() as cursor:
        cursor.execute(_SELECT.format(column=column) + LOOKUPS[kind], [value])
        rows = cursor.fetchall()
    now = timezone.now()
    answers = [answer for answer in (_current(row, now) for row in rows) if answer is not None]
    return answers if rows and len(answers) == len(rows) else None


# The batch: the labels named by each kind of key asked (serials, certificate numbers, GTINs),
# one query per kind, each by its own index. A kind's values are one parameter (an array on
# PostgreSQL, JSON on SQLite), so one statement per kind serves any batch.
_IN = {"postgresql": "= ANY(%s::text[])", "sqlite": "IN (SELECT value FROM json_each(%s))"}
BATCH_KINDS = {"serial": "l.serial", "certificateNumber": "c.number", "gtin": "l.gtin"}


# A certificate number names the current version of each product's label under it: the
# representative's and, for a family, each variant's (not the versions an editorial re-issue
# superseded). The single lookup answers the representative's.
_CURRENT_UNDER_CERTIFICATE = (
    f" AND NOT EXISTS (SELECT 1 FROM {Label._meta.db_table} n"  # noqa: S608
    " WHERE n.certificate_id = l.certificate_id AND n.certificate_version > l.certificate_version"
    " AND COALESCE(n.variant_id, 0) = COALESCE(l.variant_id, 0))"
)


def _batch_statement(kind: str, vendor: str) -> str:
    columns = _ANSWER_COLUMNS.format(column="api")
    current = _CURRENT_UNDER_CERTIFICATE if kind == "certificateNumber" else ""
    return (
        f"SELECT l.id, l.issued_at, l.serial, c.number, l.gtin, {columns}"  # noqa: S608
        f" FROM {Label._meta.db_table} l"
        f" JOIN {Certificate._meta.db_table} c ON c.id = l.certificate_id{_ANSWER_JOINS}"
        f" WHERE {BATCH_KINDS[kind]} {_IN[vendor]}{current}"
    )


def stored_batch(
    wanted: Mapping[str, Iterable[str]],
) -> list[tuple[tuple[str, str, str], StoredAnswer | None]]:
    """Every label named by ``wanted`` (values by kind of key, as in ``BATCH_KINDS``), once,
    newest first: its serial, certificate number and GTIN, and its stored API answer, or None
    where that is not current (the caller renders that label live). One query per kind asked."""
    vendor = connection.vendor
    found: dict[int, Sequence[Any]] = {}
    with prepared_cursor() as cursor:
        for kind, values in wanted.items():
            array = sorted(set(values))
            if not array:
                continue
            cursor.execute(
                _batch_statement(kind, vendor),
                [array if vendor == "postgresql" else json.dumps(array)],
            )
            found.update((row[0], row) for row in cursor.fetchall())
    now = timezone.now()
    rows = sorted(found.values(), key=lambda row: (row[1], row[0]), reverse=True)
    return [((row[2], row[3], row[4]), _current(row[5:], now)) for row in rows]


def fresh_until(answers: Sequence[StoredAnswer]) -> datetime | None:
    """When the first of these answers stops being current by itself (its label expires)."""
    return min((a.fresh_until for a in answers if a.fresh_until is not None), default=None)


def stored_answer(serial: str, column: str) -> StoredAnswer | None:
    found = stored_lookup("serial", serial, column)
    return found[0] if found else None


def with_logs(answers: Sequence[StoredAnswer], page: bool = False) -> list[bytes]:
    """Each answer's body with its log.json in place, all to one current checkpoint."""
    documents = entries_logs(
        [answer.log_entries for answer in answers], head=max(a.log_head for a in answers)
    )
    return [
        answer.body.replace(PAGE_SLOT if page else API_SLOT, _log_text(document, page), 1)
        for answer, document in zip(answers, documents, strict=True)
    ]


def _log_text(document: dict[str, Any], page: bool) -> bytes:
    if page:
        return json_script(document, LOG_SCRIPT_ID).encode()
    return _JSON.render(document)


def api_json(value: Any) -> bytes:
    return _JSON.render(value)


def answers_mark_stale(label_ids: Iterable[int]) -> list[int]:
    """In the transaction that changes these labels: their stored answers are no longer served
    (a row is made for a new label). Returns the ids, for the render after the commit.

    Every row is written, even one already stale: the write holds its lock until the change
    commits, so a render still due for an earlier change (which locks the row before it reads
    the label) waits and then renders this change, instead of rendering the state before it
    and marking the row current."""
    ids = sorted(set(label_ids))
    LabelAnswer.objects.bulk_create([LabelAnswer(label_id=pk) for pk in ids], ignore_conflicts=True)
    LabelAnswer.objects.filter(label_id__in=ids).update(stale=True)
    return ids


def answers_mark_stale_for_body(body_id: int) -> int:
    """A body's signing key was made, rotated or revoked: the public page's signature check of
    every label of the body may read differently. The sweep renders them again. Rows already
    stale are written too, for the lock (``answers_mark_stale``)."""
    return LabelAnswer.objects.filter(label__certificate__certification_body_id=body_id).update(
        stale=True
    )
