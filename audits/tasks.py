"""Supervision tasks: Celery beat runs the same sweep as `manage.py supervision_sweep`; and the
hourly anchor of the audit chain's head in the transparency log."""

from celery import shared_task
from django.utils import timezone

from .chain.services import chain_anchor
from .supervision.sweep import supervision_sweep as sweep


@shared_task(acks_late=True)
def supervision_sweep() -> int:
    return len(sweep(as_of=timezone.localdate()))


@shared_task(acks_late=True)
def audit_chain_anchor() -> int | None:
    """Idempotent: appends only when the head moved since the last anchor."""
    return chain_anchor()
