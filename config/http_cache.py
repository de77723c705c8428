"""The HTTP cache in front of the platform (``LABEL_PROXY_URL``: Varnish with
``docker/varnish/default.vcl``): how an answer is marked as one it may keep, and how it is told
to drop answers.

An answer it may keep carries ``X-Label-Tags`` (what it is about, comma-separated) and
``Surrogate-Control: max-age`` (for this cache only; browsers and other caches follow
``Cache-Control``). A ban names tags: the cache drops every answer tagged with any of them. Bans
are sent once the transaction that made them necessary commits, by a task that retries while
the cache is out of reach, and again ``LABEL_PROXY_BAN_AGAIN_SECONDS`` later for a read that
was under way at the commit. Without ``LABEL_PROXY_URL`` nothing is tagged or sent.

What is tagged with what is the callers' business: the label reads (``labels/proxy.py``) and
the API keys (``accounts/apikeys.py``).
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterable
from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone

BAN_HEADER = "X-Label-Ban"
TAGS_HEADER = "X-Label-Tags"
TAG_VALUE = re.compile(r"[A-Za-z0-9._-]+")  # what a tag's value may hold (the VCL checks it too)


def enabled() -> bool:
    return bool(settings.LABEL_PROXY_URL)


def shared(
    response: HttpResponse, tags_asked: Iterable[str | None], fresh_until: datetime | None
) -> None:
    """Mark ``response`` as one the cache may keep, tagged with ``tags_asked``; not if any of
    them is None (a value no tag can hold), nor a refusal, nor without a cache."""
    asked = list(tags_asked)
    tags = [tag for tag in asked if tag is not None]
    if not enabled() or not tags or len(tags) < len(asked) or response.status_code != 200:
        return
    seconds = settings.LABEL_PROXY_SECONDS
    if fresh_until is not None:
        seconds = min(seconds, int((fresh_until - timezone.now()).total_seconds()))
    if seconds <= 0:
        return
    response[TAGS_HEADER] = ",".join(tags)
    response["Surrogate-Control"] = f"max-age={seconds}"


def ban(tags: list[str]) -> None:
    """Tell the cache to drop every answer tagged with any of ``tags``; raises if it cannot."""
    request = urllib.request.Request(  # noqa: S310 (the URL is the operator's setting)
        settings.LABEL_PROXY_URL, method="BAN", headers={BAN_HEADER: "|".join(tags)}
    )
    with urllib.request.urlopen(request, timeout=settings.LABEL_PROXY_TIMEOUT) as answer:  # noqa: S310
        answer.read()


@shared_task(
    name="labels.proxy.ban",  # the name it was first deployed under: queued bans outlive upgrades
    autoretry_for=(OSError,),
    retry_backoff=1,
    retry_backoff_max=30,
    max_retries=8,
)
def ban_task(tags: list[str]) -> None:
    ban(tags)


def banned(tags: list[str]) -> None:
    """Called in the transaction that makes the answers tagged with ``tags`` wrong: the ban is
    sent once it commits, and again ``LABEL_PROXY_BAN_AGAIN_SECONDS`` later (a read under way at
    the commit may bring the old answer to the cache after the first ban)."""
    if not enabled() or not tags:
        return

    def send() -> None:
        ban_task.delay(tags)
        ban_task.apply_async(args=[tags], countdown=settings.LABEL_PROXY_BAN_AGAIN_SECONDS)

    transaction.on_commit(send, robust=True)
