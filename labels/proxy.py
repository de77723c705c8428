"""The HTTP cache in front of the platform (``LABEL_PROXY_URL``: Varnish with
``docker/varnish/default.vcl``), for the label reads that most of the traffic is.

A label read that anyone may share (the public page for a visitor without a session, the
badge, a lookup asked without a key) is tagged with what it is about: ``label:<serial>``,
``gtin:<gtin>`` or ``cert:<number>``, and ``all``. The proxy keeps tagged answers for
``LABEL_PROXY_SECONDS`` at most (``Surrogate-Control``, for this proxy only; browsers and other
caches follow ``Cache-Control`` as before) and never past the label's ``validUntil``.

It is told when a label changes, from the one place every label change passes
(``answers.labels_changed``): once the change commits, a task bans the answers tagged with the
label's serial, GTIN and certificate number, retried if the proxy cannot be reached, and the
same ban follows ``LABEL_PROXY_BAN_AGAIN_SECONDS`` later for a read that was under way at the
commit; a signing key change bans every label answer. Without ``LABEL_PROXY_URL`` nothing is
tagged or sent.

The proxy answers from its copy without asking the platform, so a kept answer is served to a
caller without a key beyond ``API_RATE_LABELS_ANON`` (it costs the platform nothing), and a kept
badge to any caller, whatever key it sends (the badge is public, ``Cache-Control: public``).
"""

from __future__ import annotations

import logging
import re
import urllib.request
from collections.abc import Iterable
from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone

from certification.models import Certificate

from .models import Label

logger = logging.getLogger(__name__)

ALL = "all"
BAN_HEADER = "X-Label-Ban"
TAGS_HEADER = "X-Label-Tags"
_TAG_VALUE = re.compile(r"[A-Za-z0-9._-]+")
KINDS = {"serial": "label", "gtin": "gtin", "certificate": "cert"}


def tag(kind: str, value: str) -> str | None:
    """The tag of a lookup (``kind`` as in ``stored.LOOKUPS``), or None for a value no tag can
    hold (such an answer is not shared)."""
    return f"{KINDS[kind]}:{value}" if value and _TAG_VALUE.fullmatch(value) else None


def shared(
    response: HttpResponse, tags_asked: Iterable[str | None], fresh_until: datetime | None
) -> None:
    """Mark ``response`` as one the proxy may keep, tagged with ``tags_asked``."""
    tags = [each for each in tags_asked if each]
    if not settings.LABEL_PROXY_URL or not tags or response.status_code != 200:
        return
    seconds = settings.LABEL_PROXY_SECONDS
    if fresh_until is not None:
        seconds = min(seconds, int((fresh_until - timezone.now()).total_seconds()))
    if seconds <= 0:
        return
    response[TAGS_HEADER] = ",".join([ALL, *tags])
    response["Surrogate-Control"] = f"max-age={seconds}"


def label_tags(labels: Iterable[Label]) -> list[str]:
    """What a change of these labels makes stale: their own answers, and the lookups by their
    GTIN and certificate number, which list them or may now name another label."""
    labels = list(labels)
    numbers = Certificate.objects.filter(
        pk__in={label.certificate_id for label in labels}
    ).values_list("number", flat=True)
    tags = {tag("certificate", number) for number in numbers}
    for label in labels:
        tags |= {tag("serial", label.serial), tag("gtin", label.gtin)}
    return sorted(each for each in tags if each)


def ban(tags: list[str]) -> None:
    """Tell the proxy to drop every answer tagged with any of ``tags``; raises if it cannot."""
    request = urllib.request.Request(  # noqa: S310 (the URL is the operator's setting)
        settings.LABEL_PROXY_URL, method="BAN", headers={BAN_HEADER: "|".join(tags)}
    )
    with urllib.request.urlopen(request, timeout=settings.LABEL_PROXY_TIMEOUT) as answer:  # noqa: S310
        answer.read()


@shared_task(
    name="labels.proxy.ban",
    autoretry_for=(OSError,),
    retry_backoff=1,
    retry_backoff_max=30,
    max_retries=8,
)
def ban_task(tags: list[str]) -> None:
    ban(tags)


def labels_banned(labels: Iterable[Label]) -> None:
    """Called in the transaction that changes these labels: the ban goes once it commits."""
    if not settings.LABEL_PROXY_URL:
        return
    tags = label_tags(labels)
    if tags:
        _after_commit(tags)


def all_banned() -> None:
    """Called in the transaction that changes a signing key: every label's page may read
    differently."""
    if settings.LABEL_PROXY_URL:
        _after_commit([ALL])


def _after_commit(tags: list[str]) -> None:
    """The ban once the change commits, and the same ban ``LABEL_PROXY_BAN_AGAIN_SECONDS``
    later: a read under way at the commit may bring the old answer to the cache after the first
    ban, and only a later ban removes it."""
    from django.db import transaction

    def send() -> None:
        ban_task.delay(tags)
        ban_task.apply_async(args=[tags], countdown=settings.LABEL_PROXY_BAN_AGAIN_SECONDS)

    transaction.on_commit(send, robust=True)
