"""Several machines' worth of processes on one database (through PgBouncer) and one Redis: two
web processes (each its own gunicorn, as behind a load balancer), two Celery workers and beat.

Requests are spread over both web processes. A person signed in on one is signed in on the
other (sessions live in the database), and a rate limit or a lockout counts the calls made to
both (counts live in Redis, lockouts in the database). Every task effect happens once: one
label, one current PDF, one e-mail per notification, one webhook delivery per event, whichever
worker runs a task and however the sweeps, which here leave nothing to the queued task first,
race it; and beat sends each periodic sweep once per period, to one worker."""

import time
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from accounts.roles import Role
from certification.models import Certificate, Notification, Status
from labels.models import CertificateDocument, Label, LabelEvent, LabelStatus
from labels.webhooks.models import DeliveryStatus, WebhookDelivery
from tests.conftest import build_application
from tests.factories import MarketplaceFactory, member_of
from tests.fixtures.effects import labels_done, mail_counts, notification_counts
from tests.fixtures.processes import WebProcess, wait_for
from tests.fixtures.web_client import WebClient, web_password
from tests.second_factor import api_token, totp_code, totp_enrol

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

APPROVALS = 4
SUSPENSIONS = 2
LOOKUPS_PER_DAY = 5  # anonymous label lookups per address, for these processes
LOCKOUT_AFTER = 3  # wrong passwords
# From the approvals (or the suspensions) to every effect recorded, by two workers starting
# their first renders (WeasyPrint's import) on a busy CI machine.
WORK_SECONDS = 120
SCHEDULE: dict[str, dict[str, Any]] = settings.CELERY_BEAT_SCHEDULE


@pytest.fixture
def process_environment(process_environment, production_environment, pgbouncer):
    """Every process in production mode, through PgBouncer, with limits a test reaches."""
    return {
        **process_environment,
        **production_environment,
        "DATABASE_URL": pgbouncer.url,
        "DATABASE_POOLER": "pgbouncer",
        # Every sweep races the task queued at commit for the same work.
        "TASK_SWEEP_GRACE_SECONDS": "0",
        "WEBHOOK_ALLOW_HTTP": "true",  # the receiver listens on 127.0.0.1
        "API_RATE_LABELS_ANON": f"{LOOKUPS_PER_DAY}/day",
        "AXES_FAILURE_LIMIT": str(LOCKOUT_AFTER),
    }


def alternately(a: WebProcess, b: WebProcess, count: int) -> list[WebProcess]:
    """A, B, A, B…: `count` requests spread over both web processes."""
    return [(a, b)[number % 2] for number in range(count)]


@pytest.fixture
def two_webs(web_processes) -> list[WebProcess]:
    webs = [web_processes(wait=False), web_processes(wait=False)]
    for web in webs:
        web.wait_ready()
    return webs


def test_sessions_rate_limits_and_lockouts_are_shared_by_the_web_processes(world, two_webs) -> None:
    a, b = two_webs

    # Signed in on A, signed in on B; signed out on B, signed out on A.
    browser = WebClient()
    signed_in = browser.sign_in(a, "ent_admin", web_password(world.enterprise_admin))
    assert signed_in.status == 302
    assert browser.get(b, "/api/v1/applications/").status == 200
    portal = browser.get(b, "/portal/")
    assert portal.status == 200
    assert f'data-testid="who">{world.enterprise_admin}<' in portal.body.decode()
    session = dict(browser.cookies)
    assert browser.submit(b, "/accounts/logout/", {}).status == 302
    assert WebClient(cookies=session).get(a, "/api/v1/applications/").status == 401

    # Anonymous lookups from one address, alternately on A and B, are refused after the
    # day's allowance, as from one process. (A new day between the first and the last call
    # would start a new count: then again, from another address.)
    for attempt in range(2):
        day = int(time.time() // 86400)
        address = {"X-Forwarded-For": f"203.0.113.{attempt + 1}"}
        statuses = [
            WebClient().get(web, "/api/v1/labels/CL-NO-SUCH-LABEL/", headers=address).status
            for web in alternately(a, b, LOOKUPS_PER_DAY + 2)
        ]
        if int(time.time() // 86400) == day:
            break
    assert statuses == [404] * LOOKUPS_PER_DAY + [429, 429]

    # Wrong passwords on A and B lock the sign-in out on both, the right one included.
    password = web_password(world.other_enterprise_user)
    wrong = [
        WebClient().submit(web, "/accounts/login/", {"login": "other_ent", "password": "wrong"})
        for web in alternately(a, b, LOCKOUT_AFTER)
    ]
    assert [answer.status for answer in wrong] == [200] * (LOCKOUT_AFTER - 1) + [429]
    for web in (a, b):
        assert WebClient().sign_in(web, "other_ent", password).status == 429


def _sweeps_overdue() -> None:
    """Every periodic task of the schedule last ran two periods ago: beat sends each at once."""
    now = timezone.now()
    for name, entry in SCHEDULE.items():
        seconds = int(entry["schedule"])
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=seconds, period=IntervalSchedule.SECONDS
        )
        PeriodicTask.objects.create(
            name=name,
            task=entry["task"],
            interval=interval,
            last_run_at=now - timedelta(seconds=2 * seconds),
        )


def _settled() -> bool:
    """No work left: every PDF current, every e-mail sent, every webhook delivered."""
    return (
        not Label.objects.filter(document_stale=True).exists()
        and CertificateDocument.objects.count() == Label.objects.count()
        and not Notification.objects.filter(email_sent_at__isnull=True).exists()
        and not WebhookDelivery.objects.exclude(status=DeliveryStatus.SUCCEEDED).exists()
    )


def test_two_workers_and_beat_do_every_effect_once(
    world, two_webs, celery_processes, receiver, mail_dir, worker_media
) -> None:
    a, b = two_webs
    applications = [build_application(world, Status.DECISION) for _ in range(APPROVALS)]
    marketplace_admin = member_of(MarketplaceFactory(), Role.MARKETPLACE_ADMIN)
    registered = WebClient().request(
        a,
        "POST",
        "/api/v1/webhooks/endpoints/",
        data={"url": receiver.url},
        headers={"Authorization": f"Token {api_token(marketplace_admin)}"},
    )
    assert registered.status == 201, registered.body

    # The decisions, spread over both web processes, while no worker runs: their tasks wait
    # in Redis, and the workers and beat's overdue sweeps then go for the same work at once.
    decision_maker = {"Authorization": f"Token {api_token(world.decision_maker)}"}
    for web, application in zip(alternately(a, b, APPROVALS), applications, strict=True):
        answer = WebClient().request(
            web,
            "POST",
            f"/api/v1/applications/{application.pk}/transitions/",
            data={"action": "approve", "comment": "Meets CNCA-CFP-00:2025."},
            headers=decision_maker,
        )
        assert answer.status == 200, answer.body
    _sweeps_overdue()
    processes = [
        celery_processes("worker", wait=False),
        celery_processes("worker", wait=False),
        celery_processes("beat", wait=False),
    ]
    for process in processes:
        process.wait_ready()
    workers, beat = processes[:2], processes[2]
    certificates = list(Certificate.objects.filter(application__in=applications))
    wait_for(
        lambda: labels_done(certificates) and _settled(),
        "every label issued, rendered, mailed and pushed",
        WORK_SECONDS,
    )

    # The body's administrator signs in on A and suspends labels on A and B in turn.
    totp_enrol(world.body_admin)
    browser = WebClient()
    password = web_password(world.body_admin)
    assert browser.sign_in(a, "body_admin", password, totp_code()).status == 302
    labels = list(Label.objects.filter(certificate__in=certificates).order_by("pk"))
    for web, label in zip(alternately(a, b, SUSPENSIONS), labels[:SUSPENSIONS], strict=True):
        answer = browser.submit(
            web,
            f"/portal/labels/{label.serial}/status/",
            {"action": "suspend", "reason": "Surveillance overdue."},
        )
        assert (answer.status, answer.location) == (302, f"/portal/labels/{label.serial}/")
    wait_for(_settled, "every suspension rendered, mailed and pushed", WORK_SECONDS)
    beat.stop()

    # One label per certificate, one event per change, one current PDF per label.
    assert Label.objects.count() == APPROVALS
    events = Counter(LabelEvent.objects.values_list("action", flat=True))
    assert events == {"issued": APPROVALS, "suspended": SUSPENSIONS}
    assert Label.objects.filter(status=LabelStatus.SUSPENDED).count() == SUSPENSIONS
    assert CertificateDocument.objects.count() == APPROVALS
    assert len(list(worker_media.rglob("*.pdf"))) == APPROVALS
    # One e-mail per notification.
    assert mail_counts(mail_dir) == notification_counts() != {}
    # One POST per webhook delivery, each delivered at its first attempt.
    deliveries = WebhookDelivery.objects.all()
    assert Counter(deliveries.values_list("event_type", flat=True)) == events
    assert set(deliveries.values_list("attempts", flat=True)) == {1}
    posted = Counter(request.headers["webhook-id"] for request in receiver.requests)
    assert posted == Counter(str(delivery.event_id) for delivery in deliveries)

    # Each periodic sweep beat sent reached one worker, once: no more runs than periods.
    def received(task: str) -> int:
        return sum(worker.count(task, "received") for worker in workers)

    wait_for(
        lambda: all(received(entry["task"]) >= beat.sent(name) for name, entry in SCHEDULE.items()),
        "the workers to receive the last sweeps beat sent",
        WORK_SECONDS,
    )
    for name, entry in SCHEDULE.items():
        assert beat.sent(name) >= 1, name
        assert received(entry["task"]) == beat.sent(name), name
