"""The fault tests run real processes (tests/fixtures/processes.py) on PostgreSQL, whose
sessions they terminate, and on a Redis of their own, which they stop. Their workers give up on
a task a killed worker held sooner than production does, and their sweeps do at once what they
leave to the queued task in production."""

import pytest

from tests.fixtures.processes import require_postgresql

# What the workers are told: a task a killed worker held goes back to the queue after this long.
VISIBILITY_TIMEOUT_SECONDS = 10


@pytest.fixture(scope="module", autouse=True)
def _postgresql() -> None:
    require_postgresql(
        "the fault tests terminate PostgreSQL backends and share the test database with "
        "worker processes"
    )


@pytest.fixture
def process_environment(process_environment: dict[str, str]) -> dict[str, str]:
    return {
        **process_environment,
        "BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_SECONDS),
        # A sweep here does at once what it leaves two minutes to the queued task in production.
        "TASK_SWEEP_GRACE_SECONDS": "0",
    }
