"""Supervision tasks: Celery beat runs the same sweep as `manage.py supervision_sweep`."""

from celery import shared_task
from django.utils import timezone

from .supervision.sweep import supervision_sweep as sweep


@shared_task(acks_late=True)
def supervision_sweep() -> int:
    return len(sweep(as_of=timezone.localdate()))
