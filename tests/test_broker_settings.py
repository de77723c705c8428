"""The broker settings the fault tests rely on, and what they imply for tasks that wait."""

from django.conf import settings

from config.celery import app
from pact import conf as pact_conf
from pact.tasks import pact_request_answer


def test_a_killed_worker_s_tasks_come_back_within_the_visibility_timeout() -> None:
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert options["visibility_timeout"] == settings.BROKER_VISIBILITY_TIMEOUT
    assert settings.BROKER_VISIBILITY_TIMEOUT < 3600  # kombu's default strands them for an hour
    # Workers look for them often enough, and every time they look.
    assert options["unacked_restore_interval"] <= settings.BROKER_VISIBILITY_TIMEOUT // 5
    assert options["unacked_restore_throttle"] == 1
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost


def test_no_retry_waits_in_a_worker_longer_than_the_visibility_timeout() -> None:
    # A longer wait would be delivered again while the first worker still holds it.
    assert pact_request_answer.retry_backoff_max <= settings.BROKER_VISIBILITY_TIMEOUT // 2
    for task in app.tasks.values():
        assert (task.default_retry_delay or 0) < settings.BROKER_VISIBILITY_TIMEOUT // 2, task


def test_pact_retries_still_outlast_the_delivery_window() -> None:
    average_wait = pact_request_answer.retry_backoff_max / 2  # full jitter
    window = pact_conf.delivery_window().total_seconds()
    assert pact_request_answer.max_retries * average_wait >= window


def test_beat_sends_again_what_the_broker_refused() -> None:
    assert settings.CELERY_BEAT_SCHEDULER == "config.beat:CatchingUpScheduler"
