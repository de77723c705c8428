"""What the HTTP cache in front (``config/http_cache.py``) may keep of the label reads, which
most of the traffic is, and what a label change bans.

A label read is tagged with what it is about: ``label:<serial>``, ``gtin:<gtin>`` or
``cert:<number>``, and ``all``. The cache keeps tagged answers for ``LABEL_PROXY_SECONDS`` at
most and never past the label's ``validUntil``: the public page for a visitor without a
session, the badge for anyone, and the lookups, asked without a key or with one. A lookup asked
with a key is kept for that key alone and tagged ``key:<prefix>`` too: revoking the key bans its
answers (``accounts/apikeys.py``).

The cache is told when a label changes, from the one place every label change passes
(``answers.labels_changed``): once the change commits, the answers tagged with the label's
serial, GTIN and certificate number are banned; a signing key change bans every label answer.

The cache answers from its copy without asking the platform, so a kept answer counts towards
no rate limit (``API_RATE_LABELS_ANON``, the key's rate) and does not move a key's "last used":
the limits guard the platform, which a kept answer does not reach.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.http import HttpResponse

from accounts.apikeys import ApiKeyUser, key_cache_tag
from certification.models import Certificate
from config import http_cache

from .models import Label

ALL = "all"
KINDS = {"serial": "label", "gtin": "gtin", "certificate": "cert"}


def tag(kind: str, value: str) -> str | None:
    """The tag of a lookup (``kind`` as in ``stored.LOOKUPS``), or None for a value no tag can
    hold (such an answer is not shared)."""
    return f"{KINDS[kind]}:{value}" if value and http_cache.TAG_VALUE.fullmatch(value) else None


def shared(
    response: HttpResponse,
    tags_asked: Iterable[str | None],
    fresh_until: datetime | None,
    caller: object = None,
) -> None:
    """Mark ``response`` as one the cache may keep, tagged with ``tags_asked`` and ``all``. Asked
    with an API key (``caller`` is its user), the cache keeps it for that key alone, tagged with
    the key, whose revocation bans it; a person's answers are never kept."""
    tags = [ALL, *tags_asked]
    if isinstance(caller, ApiKeyUser):
        tags.append(key_cache_tag(caller.api_key))
    elif caller is not None and getattr(caller, "is_authenticated", False):
        return
    http_cache.shared(response, tags, fresh_until)


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


def labels_banned(labels: Iterable[Label]) -> None:
    """Called in the transaction that changes these labels: the ban goes once it commits."""
    if http_cache.enabled():  # label_tags reads the certificates' numbers
        http_cache.banned(label_tags(labels))


def all_banned() -> None:
    """Called in the transaction that changes a signing key: every label's page may read
    differently."""
    http_cache.banned([ALL])
