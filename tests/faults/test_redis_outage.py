"""Redis (broker and cache) stopped during 50 transitions made through the API: every call
answers as it would with Redis up (the rate limits count per process, the tasks that could not
be queued after commit are logged), nothing is lost (the notification rows and the certificates
awaiting their labels are the durable record of the work, which the sweeps catch up on once Redis
is back) and nothing is done twice (one e-mail per notification, one label per certificate)."""

import time

import pytest
from rest_framework.test import APIClient

from certification.models import (
    ApplicationEvent,
    Certificate,
    CertificateStatus,
    Notification,
    Status,
)
from certification.tasks import notification_emails_sweep
from labels.models import CertificateDocument, Label
from labels.tasks import certificate_documents_refresh, labels_issue_pending
from tests.conftest import build_application
from tests.fixtures.effects import mail_counts, notification_counts
from tests.fixtures.processes import wait_for
from tests.second_factor import sign_in

pytestmark = [pytest.mark.integration, pytest.mark.faults, pytest.mark.django_db(transaction=True)]

TRANSITIONS = 50
APPROVALS = 10  # every fifth transition: a label to issue and a PDF to render
OUTAGE = range(15, 35)  # the transitions made while Redis is stopped
# From Redis back and the sweeps' next run (beat sends them every 2 to 5 minutes) to every
# e-mail sent and every label issued and rendered: the worker reconnects (its back-off reaches
# tens of seconds after a long outage) and catches up.
RECOVERY_SECONDS = 120


def _client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    sign_in(client, user)
    return client


def test_redis_stopped_during_50_transitions(
    world, private_redis, celery_processes, mail_dir
) -> None:
    enterprise = _client(world.enterprise_admin)
    decision_maker = _client(world.decision_maker)
    steps = []
    for number in range(TRANSITIONS):
        if number % (TRANSITIONS // APPROVALS) == 0:
            application = build_application(world, Status.DECISION)
            steps.append((decision_maker, application, "approve", "Meets CNCA-CFP-00:2025."))
        else:
            application = build_application(world, Status.DRAFT)
            steps.append((enterprise, application, "submit", ""))
    celery_processes("worker")

    answers = []
    for number, (client, application, action, comment) in enumerate(steps):
        if number == OUTAGE.start:
            private_redis.stop()
        if number == OUTAGE.stop:
            private_redis.start()
            back_at = time.monotonic()
        response = client.post(
            f"/api/v1/applications/{application.pk}/transitions/",
            {"action": action, "comment": comment},
            format="json",
        )
        answers.append(response.status_code)

    assert answers == [200] * TRANSITIONS
    for _client_used, application, action, _comment in steps:
        application.refresh_from_db()
        assert application.status == (Status.APPROVED if action == "approve" else Status.SUBMITTED)
        assert ApplicationEvent.objects.filter(application=application, action=action).count() == 1

    # What was committed while Redis was down reached no worker: only the rows remember it.
    during_outage = [steps[number][1] for number in OUTAGE]
    stranded = Notification.objects.filter(application__in=during_outage)
    assert stranded.exists()
    assert not stranded.filter(email_sent_at__isnull=False).exists()
    assert Certificate.objects.filter(
        application__in=during_outage, status=CertificateStatus.PENDING_LABEL
    ).exists()

    # Beat's next runs of the sweeps (config/settings.py CELERY_BEAT_SCHEDULE).
    for sweep in (notification_emails_sweep, labels_issue_pending, certificate_documents_refresh):
        sweep.delay()

    certificates = Certificate.objects.filter(application__in=[step[1] for step in steps])
    assert certificates.count() == APPROVALS

    def caught_up() -> bool:
        labels = Label.objects.filter(certificate__in=certificates)
        return (
            not Notification.objects.filter(email_sent_at__isnull=True).exists()
            and not certificates.exclude(status=CertificateStatus.VALID).exists()
            and labels.count() == APPROVALS
            and CertificateDocument.objects.filter(label__in=labels).count() == APPROVALS
        )

    wait_for(
        caught_up,
        "every e-mail sent and every label issued after Redis came back",
        RECOVERY_SECONDS - (time.monotonic() - back_at),
    )
    for certificate in certificates:
        assert Label.objects.filter(certificate=certificate).count() == 1
    assert mail_counts(mail_dir) == notification_counts()
