"""A transition's notification task runs in a real Celery worker process, through the real
Redis, after commit, and never when the transaction rolls back."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from accounts.models import User
from certification import services
from certification.models import Application, Notification
from config.celery import app as celery_app
from oversight.demo import seed_demo
from tests.fixtures.processes import database_url, real_broker, unavailable, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TASK_NAME = "certification.tasks.notification_emails_send"
WAIT_SECONDS = 60


@pytest.fixture(scope="module")
def redis_url() -> str:
    url = os.environ.get("INTEGRATION_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        unavailable(f"Redis at {url} is not reachable: {error}")
    return url


@pytest.fixture
def demo(transactional_db) -> tuple[User, list[Application]]:
    """Demo data, seeded while tasks still run in-process (before the worker fixture switches
    this process to the real broker), so the worker sees only what the test itself queues."""
    call_command("load_reference", verbosity=0)
    people = seed_demo()
    drafts = list(Application.objects.filter(status="draft").order_by("pk"))
    return people["ent-admin"], drafts


@pytest.fixture
def worker(demo, redis_url: str, tmp_path: Path):
    """Start `celery worker` as its own process on the test database and the real broker."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log_file = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": "filemail://",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            f"--logfile={log_file}",
            f"--hostname=itest-{os.getpid()}@%h",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        # This process sends through the real broker too, instead of running tasks eagerly.
        with real_broker(redis_url):
            wait_for(
                lambda: log_file.exists() and "ready." in log_file.read_text(),
                "the worker",
                WAIT_SECONDS,
            )
            yield {"log": log_file, "mail": mail_dir, "process": process}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _received(log_file: Path) -> int:
    return sum(
        1
        for line in log_file.read_text().splitlines()
        if f"Task {TASK_NAME}[" in line and line.rstrip().endswith("received")
    )


def test_notification_task_runs_in_the_worker_after_commit(demo, worker) -> None:
    enterprise_admin, applications = demo
    application = applications[0]

    services.application_transition(
        actor=enterprise_admin, application_id=application.pk, action="submit"
    )

    notifications = Notification.objects.filter(application=application)
    assert notifications.count() == 1  # the body administrator must act next
    wait_for(
        lambda: not notifications.filter(email_sent_at__isnull=True).exists(),
        "the worker to send the e-mail",
        WAIT_SECONDS,
    )
    sent = list(worker["mail"].iterdir())
    assert len(sent) == 1
    assert "body-admin@demo.carbonlabel.example" in sent[0].read_text()
    assert application.reference in sent[0].read_text()
    assert _received(worker["log"]) == 1


def test_no_task_when_the_transaction_rolls_back(demo, worker) -> None:
    enterprise_admin, applications = demo
    rolled_back, committed = applications[0], applications[1]

    with pytest.raises(RuntimeError), transaction.atomic():
        services.application_transition(
            actor=enterprise_admin, application_id=rolled_back.pk, action="submit"
        )
        raise RuntimeError("a later step of the same request failed")

    rolled_back.refresh_from_db()
    assert rolled_back.status == "draft"
    assert not Notification.objects.filter(application=rolled_back).exists()

    # A committed transition afterwards is the marker: once the worker has handled it, any
    # task queued by the rolled-back one would have been received before it.
    services.application_transition(
        actor=enterprise_admin, application_id=committed.pk, action="submit"
    )
    wait_for(
        lambda: (
            not Notification.objects.filter(
                application=committed, email_sent_at__isnull=True
            ).exists()
        ),
        "the marker e-mail",
        WAIT_SECONDS,
    )
    assert _received(worker["log"]) == 1
    assert len(list(worker["mail"].iterdir())) == 1
    assert redis.Redis.from_url(celery_app.conf.broker_url).llen("celery") == 0
