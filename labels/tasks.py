"""Label tasks: take ids, re-read state, idempotent."""

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from . import services, statuslists
from .models import CertificateDocument, Label, StatusList


@shared_task(acks_late=True, max_retries=5, default_retry_delay=10)
def label_issue(certificate_id: int) -> int:
    return services.label_issue(certificate_id=certificate_id).pk


@shared_task(acks_late=True)
def certificate_render(label_id: int) -> bool:
    """Render the certificate PDF unless the stored one already shows the same content."""
    from .facts import label_facts
    from .rendering.certificate import certificate_pdf, content_fingerprint

    label = Label.objects.select_related("certificate").get(pk=label_id)
    version = label.content_version
    facts = label_facts(label)
    fingerprint = content_fingerprint(facts)
    document = CertificateDocument.objects.filter(label=label).first()
    if document and document.fingerprint == fingerprint and _stored(document):
        _mark_fresh(label_id, version)
        return False
    pdf = certificate_pdf(facts)
    try:
        with transaction.atomic():
            document = CertificateDocument.objects.select_for_update(no_key=True).filter(
                label=label
            ).first() or CertificateDocument(label=label)
            old_name = document.file.name if document.file else None
            document.fingerprint = fingerprint
            document.file.save(f"{label.serial}.pdf", ContentFile(pdf), save=False)
            document.save()
            _mark_fresh(label_id, version)
    except IntegrityError:
        # The same task delivered twice (a worker presumed lost) rendered the first PDF of this
        # label at the same time and recorded it first: its document stands, this file goes.
        document.file.storage.delete(document.file.name)
        return False
    if old_name and old_name != document.file.name:
        document.file.storage.delete(old_name)
    return True


def _stored(document: CertificateDocument) -> bool:
    # A database restored beside newer files (an object store keeps its own history) may name
    # a PDF since replaced and deleted: that one is drawn again.
    return bool(document.file) and document.file.storage.exists(document.file.name)


def _mark_fresh(label_id: int, version: int) -> None:
    # Only if nothing changed since the facts were read: a change in between bumped the
    # version, and the flag stays for the next render.
    Label.objects.filter(pk=label_id, content_version=version).update(document_stale=False)


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
