"""Reading a label's stored answers (``LabelAnswer``), and marking them stale.

A label is read far more often than it changes. Its public answers (the API representation, the
public page in each language, the SVG badge in each language) are rendered once after each change
by ``labels/answers.py`` and stored; a read is then one indexed query and the transparency log's
part. An answer is served only while it is current: not marked stale, rendered
by this code's ``FORMAT``, and not past ``fresh_until`` (the label then shows as expired).
Otherwise the caller renders the answer live, as it always could.

The transparency log's part cannot be stored: every answer gives inclusion proofs to the
checkpoint current when it is read (CONTRACTS §5), and the checkpoint moves with every entry
anyone appends. Stored bodies hold ``LOG_SLOT`` in its place, as their renderer writes it; a read
fills it from the label's stored entries and the log's head, read in the same query as the
answers, and one more query of the nodes of the proofs, for any number of labels.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import json_script
from rest_framework.renderers import JSONRenderer

from audits.transparency.checkpoints import entries_logs
from audits.transparency.selectors import head_columns, head_of

from .models import Label, LabelAnswer

# Raise when what the renderer writes changes: rows of an older format are rendered afresh
# (``manage.py label_answers``) and, until then, answered live.
FORMAT = 1
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
    log_entries: list[tuple[int, bytes]]
    log_head: tuple[int, bytes]  # the log's size and root, read in the same query


def stored_answers(labels: QuerySet[Label], column: str) -> list[StoredAnswer] | None:
    """The stored ``column`` of these labels, in the queryset's order, in one query; None when
    there is no label or any answer is not current (the caller then renders live)."""
    rows = list(
        labels.annotate(**head_columns()).values_list(
            "answer__stale",
            "answer__format",
            "answer__fresh_until",
            "answer__etag_line",
            "answer__log_entries",
            f"answer__{column}",
            "log_size",
            "log_frontier",
        )
    )
    now = timezone.now()
    if not rows or any(
        stale is not False or format != FORMAT or (fresh_until is not None and fresh_until <= now)
        for stale, format, fresh_until, *_rest in rows
    ):
        return None
    return [
        StoredAnswer(
            body=body.encode(),
            etag_line=etag_line,
            fresh_until=fresh_until,
            log_entries=[(index, base64.b64decode(entry)) for index, entry in entries],
            log_head=head_of(size, frontier),
        )
        for _stale, _format, fresh_until, etag_line, entries, body, size, frontier in rows
    ]


def stored_answer(labels: QuerySet[Label], column: str) -> StoredAnswer | None:
    found = stored_answers(labels, column)
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
    (a row is made for a new label). Returns the ids, for the render after the commit."""
    ids = sorted(set(label_ids))
    LabelAnswer.objects.bulk_create([LabelAnswer(label_id=pk) for pk in ids], ignore_conflicts=True)
    LabelAnswer.objects.filter(label_id__in=ids, stale=False).update(stale=True)
    return ids


def answers_mark_stale_for_body(body_id: int) -> int:
    """A body's signing key was made, rotated or revoked: the public page's signature check of
    every label of the body may read differently. The sweep renders them again."""
    return LabelAnswer.objects.filter(
        stale=False, label__certificate__certification_body_id=body_id
    ).update(stale=True)
