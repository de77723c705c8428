"""Rendering a label's stored answers (``LabelAnswer``) once after it changes.

Every service that creates or changes a label calls ``labels_changed`` in its transaction (no
signals: models stay thin). The label's stored answers are then marked stale in that transaction,
so no reader is served them after it commits, and a task renders them afresh once it has
committed; the HTTP cache in front, if any, is told to drop its copies (``proxy``). The render
locks the row first and reads the label after, so it always renders the latest committed state;
a change marks its rows even when they are already stale, so its write holds their lock until it
commits: a render due for an earlier change waits for it and renders it, and a render under way
is followed by the change's own task. A lost task leaves the stale flag, which the sweep finds
(``answers_refresh``).

The answers are the live views' own output: the API representation (``label_representation``),
the public page (``page.page_context`` and its template, as an anonymous visitor gets it, in
each language) and the SVG badge; tests hold a stored answer equal to the live one byte for byte.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable

from celery import shared_task
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from audits.transparency.models import LogEntry
from audits.transparency.selectors import log_settled_proofs, log_size

from . import proxy, stored
from .apis import badge_of, etag_line, label_representation
from .models import Label, LabelAnswer, LabelStatus
from .page import page_context

SWEEP_BATCH = 500
OUTDATED = Q(stale=True) | ~Q(format=stored.FORMAT)


def labels_changed(labels: Iterable[Label]) -> None:
    """Called in the transaction that creates or changes these labels."""
    labels = list(labels)
    ids = stored.answers_mark_stale(label.pk for label in labels)
    proxy.labels_banned(labels)
    transaction.on_commit(lambda: answers_render_task.delay(ids), robust=True)


def signing_keys_changed(body_id: int) -> None:
    """Called in the transaction that makes, rotates or revokes one of a body's keys."""
    stored.answers_mark_stale_for_body(body_id)
    proxy.all_banned()
    transaction.on_commit(lambda: answers_refresh.delay(), robust=True)


@shared_task(name="labels.answers.render", acks_late=True)
def answers_render_task(label_ids: list[int]) -> int:
    return answers_render(label_ids)


def answers_render(label_ids: Iterable[int]) -> int:
    """Render the stale answers among these labels; returns how many were rendered."""
    rendered = 0
    for label_id in label_ids:
        with transaction.atomic():
            rows = LabelAnswer.objects.select_for_update().filter(OUTDATED, label_id=label_id)
            row = rows.first()
            if row is None:
                continue  # rendered since it was marked
            label = Label.objects.select_related(
                "certificate__enterprise", "certificate__certification_body"
            ).get(pk=label_id)
            _render_into(row, label)
            row.save()
            rendered += 1
    return rendered


@shared_task(name="labels.answers.refresh")
def answers_refresh() -> int:
    """Render every stale answer, a batch at a time: after a key change, after a release that
    raised ``stored.FORMAT``, and for render tasks that were lost."""
    total = 0
    while True:
        ids = list(
            LabelAnswer.objects.filter(OUTDATED)
            .order_by("label_id")
            .values_list("label_id", flat=True)[:SWEEP_BATCH]
        )
        done = answers_render(ids)
        total += done
        if len(ids) < SWEEP_BATCH or not done:
            return total


def _render_into(row: LabelAnswer, label: Label) -> None:
    entries = list(
        LogEntry.objects.filter(subject=label.serial)
        .order_by("index")
        .values_list("index", "entry")
    )
    settled = log_settled_proofs([index for index, _entry in entries], log_size())
    row.log_entries = [
        [index, _base64(bytes(entry)), _base64(settled.get(index, b""))] for index, entry in entries
    ]
    row.api = stored.api_json(label_representation(label, stored.LOG_SLOT)).decode()
    for language, column in stored.PAGE_COLUMNS.items():
        setattr(row, column, _page(label, language))
    for language, column in stored.BADGE_COLUMNS.items():
        setattr(row, column, badge_of(label, language).decode())
    row.etag_line = etag_line(label)
    live = label.status in (LabelStatus.VALID, LabelStatus.SUSPENDED)
    row.fresh_until = label.valid_until if live else None
    row.format = stored.FORMAT
    row.rendered_at = timezone.now()
    row.stale = False


def _base64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _page(label: Label, language: str) -> str:
    """The public page as an anonymous visitor gets it, with ``LOG_SLOT`` for the log.json."""
    request = RequestFactory().get(
        reverse("labels:public_page", args=[label.serial]),
        secure=True,
        HTTP_HOST=settings.LABEL_PUBLIC_HOST,
    )
    request.user = AnonymousUser()
    with translation.override(language):
        request.LANGUAGE_CODE = language
        context = page_context(label)
        context["transparency_log"] = stored.LOG_SLOT
        return render_to_string("labels/public_page.html", context, request=request)
