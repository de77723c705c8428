"""Sweeps catch up on the runs an outage made them miss, instead of waiting for their next
period: a beat that was down runs an overdue sweep as soon as it starts (the last run is kept in
the database), and a run beat could not send because Redis was down is sent as soon as Redis is
back (config/beat.py). Shown with the hourly supervision sweep, in a real beat and worker."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from tests.fixtures.processes import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.faults, pytest.mark.django_db(transaction=True)]

SWEEP = "audits.tasks.supervision_sweep"
ENTRY = "supervision-sweep"  # its name in CELERY_BEAT_SCHEDULE, every hour
# From beat's start, or from Redis back, to the sweep done by the worker: a beat tick (5 s at
# most), the worker's reconnection after the outage, the sweep itself.
CATCH_UP_SECONDS = 90
# Beat noticing a change of the schedule in the database, and failing to send.
NOTICE_SECONDS = 60


def _overdue() -> None:
    """The sweep last ran two hours ago (its period is one hour)."""
    every_hour, _ = IntervalSchedule.objects.get_or_create(
        every=3600, period=IntervalSchedule.SECONDS
    )
    task, _ = PeriodicTask.objects.get_or_create(
        name=ENTRY, defaults={"task": SWEEP, "interval": every_hour}
    )
    task.last_run_at = timezone.now() - timedelta(hours=2)
    task.save()  # also tells a running beat that the schedule changed


def test_an_overdue_sweep_runs_when_beat_starts_and_after_a_redis_outage(
    world, private_redis, celery_processes
) -> None:
    worker = celery_processes("worker")
    _overdue()

    started_at = time.monotonic()
    beat = celery_processes("beat")
    wait_for(
        lambda: worker.count(SWEEP, "succeeded") == 1,
        "the overdue sweep to run when beat starts",
        CATCH_UP_SECONDS - (time.monotonic() - started_at),
    )

    # Redis goes down; the sweep falls due; beat cannot send it.
    private_redis.stop()
    _overdue()
    wait_for(
        lambda: f"Couldn't apply scheduled task {ENTRY}" in beat.text(),
        "beat to try to send the sweep while Redis is down",
        NOTICE_SECONDS,
    )
    private_redis.start()
    back_at = time.monotonic()
    wait_for(
        lambda: worker.count(SWEEP, "succeeded") == 2,
        "the missed sweep to run once Redis is back, not an hour later",
        CATCH_UP_SECONDS - (time.monotonic() - back_at),
    )
    assert "missed while the broker was down" in beat.text()
    # Once: the run the outage missed, and no second one for the same period.
    assert worker.count(SWEEP, "received") == 2
