"""A worker killed with SIGKILL in the middle of label issuance or of a certificate PDF render:
the task it held is run again (by the worker's parent when only its pool child died, by another
worker once the broker's visibility timeout has passed when the whole worker died), and nothing
is done twice: one label per certificate, one current PDF per label, one e-mail per
notification.

To kill a worker at a known point of a task, the test holds a row lock the task needs: the task
is then certainly in flight, waiting inside its database transaction, when the kill comes."""

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from certification import services
from certification.models import Certificate, Status
from labels import services as label_services
from labels.documents import certificate_render
from labels.models import CertificateDocument, Label, LabelEvent
from tests.conftest import build_application
from tests.fixtures.effects import labels_done, mail_counts, notification_counts
from tests.fixtures.processes import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.faults, pytest.mark.django_db(transaction=True)]

APPROVALS = 3
LABEL_ISSUE = "labels.tasks.label_issue"
RENDER = "labels.tasks.certificate_render"
# From the SIGKILL of a whole worker to everything done by another one: the broker's visibility
# timeout (10 s for these workers), its next look for such tasks, a worker start and the work.
WHOLE_WORKER_RECOVERY_SECONDS = 90
# From the SIGKILL of a pool child to everything done: its parent puts the task back at once.
CHILD_RECOVERY_SECONDS = 60
# A worker picking up its first task, on a busy CI machine.
PICK_UP_SECONDS = 60


def _approve(world, count: int = APPROVALS) -> list[Certificate]:
    certificates = []
    for _ in range(count):
        application = build_application(world, Status.DECISION)
        services.application_transition(
            actor=world.decision_maker,
            application_id=application.pk,
            action="approve",
            comment="Meets CNCA-CFP-00:2025.",
        )
        certificates.append(Certificate.objects.get(application=application))
    return certificates


def _waiting_on_me() -> int:
    """Database sessions waiting for a lock this session holds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE NOT granted "
            "AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
        )
        return cursor.fetchone()[0]


def _waiting_sessions() -> int:
    """Sessions of this database waiting for a lock, behind this one or behind each other."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(DISTINCT l.pid) FROM pg_locks l JOIN pg_stat_activity a "
            "ON a.pid = l.pid WHERE NOT l.granted AND a.datname = current_database()"
        )
        return cursor.fetchone()[0]


def _assert_nothing_twice(certificates: list[Certificate], mail_dir) -> None:
    for certificate in certificates:
        labels = Label.objects.filter(certificate=certificate)
        assert labels.count() == 1, certificate
        label = labels.get()
        assert LabelEvent.objects.filter(label=label, action="issued").count() == 1
        document = CertificateDocument.objects.get(label=label)
        with document.file.open("rb") as pdf:
            assert pdf.read(5) == b"%PDF-"
    expected = notification_counts()
    assert expected, "the approvals notified no one"
    assert mail_counts(mail_dir) == expected


def test_whole_worker_killed_during_label_issuance(world, celery_processes, mail_dir) -> None:
    certificates = _approve(world)  # queued; no worker yet
    held = certificates[0]
    with transaction.atomic():
        Certificate.objects.select_for_update().get(pk=held.pk)
        first = celery_processes("worker")
        wait_for(_waiting_on_me, "the worker to wait inside label issuance", PICK_UP_SECONDS)
        assert first.count(LABEL_ISSUE, "received") >= 1
        first.kill()
        killed_at = time.monotonic()
    # The lock is gone with the transaction; the killed worker's session ends with it, unused.

    second = celery_processes("worker")
    wait_for(
        lambda: labels_done(certificates),
        "another worker to issue every label after the kill",
        WHOLE_WORKER_RECOVERY_SECONDS - (time.monotonic() - killed_at),
    )
    assert Label.objects.filter(certificate=held).exists()
    # The task the killed worker held came back from the broker, not from a sweep.
    assert second.count(LABEL_ISSUE, "received") >= 1
    _assert_nothing_twice(certificates, mail_dir)


def test_whole_worker_killed_during_pdf_render(world, celery_processes, mail_dir) -> None:
    certificates = _approve(world)
    # Labels issued here; their renders wait in the broker for a worker.
    labels = [label_services.label_issue(certificate_id=c.pk) for c in certificates]
    held = labels[0]
    with transaction.atomic():
        Label.objects.select_for_update().get(pk=held.pk)
        first = celery_processes("worker")
        # The render has drawn the PDF and waits to record it.
        wait_for(_waiting_on_me, "the worker to wait inside a PDF render", PICK_UP_SECONDS)
        assert first.count(RENDER, "received") >= 1
        first.kill()
        killed_at = time.monotonic()

    second = celery_processes("worker")
    wait_for(
        lambda: labels_done(certificates),
        "another worker to render every PDF after the kill",
        WHOLE_WORKER_RECOVERY_SECONDS - (time.monotonic() - killed_at),
    )
    assert second.count(RENDER, "received") >= 1
    assert not Label.objects.get(pk=held.pk).document_stale
    _assert_nothing_twice(certificates, mail_dir)


def test_pool_child_killed_during_label_issuance(world, celery_processes, mail_dir) -> None:
    certificates = _approve(world)
    held = certificates[0]
    with transaction.atomic():
        Certificate.objects.select_for_update().get(pk=held.pk)
        worker = celery_processes("worker", "--pool=prefork")
        wait_for(_waiting_on_me, "the worker to wait inside label issuance", PICK_UP_SECONDS)
        (child,) = worker.children()
        os.kill(child, signal.SIGKILL)
        killed_at = time.monotonic()
        # The parent notices, and puts the task back in the queue for a new child.
        wait_for(
            lambda: "WorkerLostError" in worker.text(),
            "the worker to notice its child's death",
            CHILD_RECOVERY_SECONDS,
        )

    wait_for(
        lambda: labels_done(certificates),
        "the worker to issue every label after its child was killed",
        CHILD_RECOVERY_SECONDS - (time.monotonic() - killed_at),
    )
    assert worker.process.poll() is None  # the worker itself lives on
    assert worker.count(LABEL_ISSUE, "received") == APPROVALS + 1  # one of them twice
    _assert_nothing_twice(certificates, mail_dir)


def test_one_render_delivered_twice_at_once_records_one_pdf(world, worker_media) -> None:
    """A task redelivered while its first delivery still runs (a worker presumed lost): both
    draw the PDF, one records it, the other steps aside and leaves no file behind."""
    (certificate,) = _approve(world, 1)
    label = label_services.label_issue(certificate_id=certificate.pk)
    CertificateDocument.objects.filter(label=label).delete()  # as before its first render
    for path in worker_media.rglob("*.pdf"):
        path.unlink()
    results: list[object] = []

    def render() -> None:
        try:
            results.append(certificate_render(label.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=render) for _ in range(2)]
    with transaction.atomic():
        Label.objects.select_for_update().get(pk=label.pk)
        for thread in threads:
            thread.start()
        wait_for(lambda: _waiting_sessions() == 2, "both renders to wait", PICK_UP_SECONDS)
    for thread in threads:
        thread.join(timeout=PICK_UP_SECONDS)

    assert sorted(results, key=str) == [False, True]
    document = CertificateDocument.objects.get(label=label)
    assert document.file.name is not None
    assert [path.name for path in worker_media.rglob("*.pdf")] == [Path(document.file.name).name]
    assert not Label.objects.get(pk=label.pk).document_stale
