"""Supervision task: Celery beat runs the same sweep as `manage.py supervision_sweep`."""

from celery import shared_task
from django.utils import timezone

from .supervision.sweep import supervision_sweep as sweep


# The registered name predates this app: queued messages and beat schedules use it.
@shared_task(name="audits.tasks.supervision_sweep", acks_late=True)
def supervision_sweep() -> int:
    return len(sweep(as_of=timezone.localdate()))
