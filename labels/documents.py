"""The certificate PDF of a label, rendered by a task: services queue it when a label's facts
change, the download renders it in place when it is missing, and the sweep in `tasks.py` catches
up on renders that were lost. It reads models and rendering only, never the services, so the
services can queue it without an import cycle."""

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from .answers import labels_changed
from .models import CertificateDocument, Label


# Named as when it lived in labels/tasks.py: queued messages and the fault tests name it so.
@shared_task(name="labels.tasks.certificate_render", acks_late=True)
def certificate_render(label_id: int) -> bool:
    """Render the certificate PDF unless the stored one already shows the same content."""
    from .facts import label_facts
    from .rendering.certificate import certificate_pdf, content_fingerprint

    label = Label.objects.select_related("certificate").get(pk=label_id)
    version = label.content_version
    facts = label_facts(label)
    fingerprint = content_fingerprint(facts)
    existing = CertificateDocument.objects.filter(label=label).first()
    if existing and existing.fingerprint == fingerprint and _stored(existing):
        _mark_fresh(label_id, version)
        return False
    pdf = certificate_pdf(facts)
    try:
        with transaction.atomic():
            # Under the label's lock, the facts must still be those drawn: a change since
            # queued its own render, whose newer PDF this older one must not replace.
            current = (
                Label.objects.select_for_update(no_key=True)
                .filter(pk=label_id)
                .values_list("content_version", flat=True)
                .first()
            )
            if current != version:
                return False
            document = CertificateDocument.objects.select_for_update(no_key=True).filter(
                label=label
            ).first() or CertificateDocument(label=label)
            if document.pk and document.fingerprint == fingerprint and _stored(document):
                # The same task delivered twice (a worker presumed lost): the other delivery,
                # which held the lock first, recorded this very PDF.
                _mark_fresh(label_id, version)
                return False
            old_name = document.file.name if document.file else None
            document.fingerprint = fingerprint
            document.file.save(f"{label.serial}.pdf", ContentFile(pdf), save=False)
            first = document.pk is None
            document.save()
            _mark_fresh(label_id, version)
            if first:  # the public page now links the certificate
                labels_changed([label])
    except IntegrityError:
        # The same task delivered twice (a worker presumed lost) rendered the first PDF of this
        # label at the same time and recorded it first: its document stands, this file goes.
        if document.file.name:
            document.file.storage.delete(document.file.name)
        return False
    if old_name and old_name != document.file.name:
        document.file.storage.delete(old_name)
    return True


def _stored(document: CertificateDocument) -> bool:
    # A database restored beside newer files (an object store keeps its own history) may name
    # a PDF since replaced and deleted: that one is drawn again.
    name = document.file.name  # what bool(document.file) tests
    if not name:
        return False
    return document.file.storage.exists(name)


def _mark_fresh(label_id: int, version: int) -> None:
    # Only if nothing changed since the facts were read: a change in between bumped the
    # version, and the flag stays for the next render.
    Label.objects.filter(pk=label_id, content_version=version).update(document_stale=False)
