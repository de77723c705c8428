"""Supervision task: Celery beat runs the same sweep as `manage.py supervision_sweep`."""

from celery import shared_task
from django.utils import timezone

# The complaints' tasks, registered with the worker when it loads this module (beat sends the
# sweep by name; the decision queues the e-mail).
from .complaints.tasks import complaint_outcome_email_send, complaint_outcome_emails_sweep
from .supervision.sweep import supervision_sweep as sweep

__all__ = ["complaint_outcome_email_send", "complaint_outcome_emails_sweep", "supervision_sweep"]


# The registered name predates this app: queued messages and beat schedules use it.
@shared_task(name="audits.tasks.supervision_sweep", acks_late=True)
def supervision_sweep() -> int:
    return len(sweep(as_of=timezone.localdate()))
