"""Label tasks: take ids, re-read state, idempotent."""

from celery import shared_task
from django.conf import settings

from . import services, statuslists
from .documents import certificate_render
from .models import Label, StatusList


@shared_task(acks_late=True, max_retries=5, default_retry_delay=10)
def label_issue(certificate_id: int) -> int:
    return services.label_issue(certificate_id=certificate_id).pk


@shared_task
def certificate_documents_refresh() -> int:
    """Re-render every PDF whose label changed and whose render task was lost (the broker was
    down, a worker died): the `document_stale` flag is the durable record of that work."""
    from datetime import timedelta

    from django.utils import timezone

    cutoff = timezone.now() - timedelta(seconds=settings.TASK_SWEEP_GRACE_SECONDS)
    stale = Label.objects.filter(document_stale=True, status_changed_at__lt=cutoff).values_list(
        "pk", flat=True
    )
    return sum(certificate_render(pk) or 1 for pk in list(stale[:200]))


@shared_task
def labels_expire() -> int:
    return services.labels_expire_due()


@shared_task
def status_lists_refresh() -> int:
    """Re-sign lists before their validUntil, so a quiet list never goes stale."""
    count = 0
    for status_list in StatusList.objects.select_related("body"):
        statuslists.current_credential(status_list)
        count += 1
    return count


@shared_task
def labels_issue_pending() -> int:
    """Issue labels that an approval queued but no worker issued (the broker was down when the
    approval committed): the certificate row itself is the durable record of the work."""
    from datetime import timedelta

    from django.utils import timezone

    from certification.errors import Blacklisted
    from certification.models import Certificate, CertificateStatus

    cutoff = timezone.now() - timedelta(seconds=settings.TASK_SWEEP_GRACE_SECONDS)
    pending = Certificate.objects.filter(
        status=CertificateStatus.PENDING_LABEL, created_at__lt=cutoff
    ).values_list("pk", flat=True)
    issued = 0
    for pk in list(pending[:200]):
        try:
            services.label_issue(certificate_id=pk)
        except Blacklisted:
            continue  # a listed body's approval waits for its delisting
        issued += 1
    return issued
