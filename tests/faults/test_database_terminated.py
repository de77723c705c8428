"""Database sessions terminated under load: gunicorn serves API reads and transitions from
several client threads while the test terminates every session of the database, again and
again. A request whose session is cut answers 503 problem+json with Retry-After (never 500), a
transition so cut is either done once or not at all, and the next request on the same process
finds a new session (CONN_HEALTH_CHECKS) and succeeds."""

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from certification.models import ApplicationEvent, Status
from tests.conftest import build_application
from tests.fixtures.processes import WebProcess, wait_for
from tests.fixtures.web_client import Answer, WebClient

pytestmark = [pytest.mark.integration, pytest.mark.faults, pytest.mark.django_db(transaction=True)]

CLIENTS = 4
SUBMITS_PER_CLIENT = 5
TERMINATIONS = 5
REQUESTS_BETWEEN_TERMINATIONS = 2  # per client
# From a termination to the first request answered 200: the next request after the one cut.
RECOVERY_SECONDS = 10
LOAD_SECONDS = 120  # the whole load, on a busy CI machine


@pytest.fixture
def web(web_processes) -> WebProcess:
    """gunicorn in production mode on the test database: two processes of two threads, each
    thread keeping its database session between requests (CONN_MAX_AGE)."""
    return web_processes(workers=2, threads=2)


def _request(web: WebProcess, method: str, path: str, token: str = "", data=None) -> Answer:
    headers = {"Authorization": f"Token {token}"} if token else {}
    return WebClient().request(web, method, path, data=data, headers=headers)


@dataclass
class Load:
    """One client thread: reads and submits, each submit retried until it is answered."""

    web: WebProcess
    token: str
    application_ids: list[int]
    answers: list[tuple[str, Answer]] = field(default_factory=list)
    error: BaseException | None = None

    def run(self, stop: threading.Event, deadline: float) -> None:
        try:
            pending = list(self.application_ids)
            while pending or not stop.is_set():
                self._call("read", "GET", "/api/v1/applications/")
                if pending:
                    application_id = pending[0]
                    path = f"/api/v1/applications/{application_id}/transitions/"
                    answer = self._call("submit", "POST", path, {"action": "submit"})
                    if answer.status != 503:
                        pending.pop(0)
                if time.monotonic() > deadline:
                    return
        except BaseException as error:  # reported by the test
            self.error = error

    def _call(self, kind: str, method: str, path: str, data=None) -> Answer:
        answer = _request(self.web, method, path, self.token, data)
        self.answers.append((kind, answer))
        return answer


def _terminate_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()) AS terminated"
        )
        return cursor.fetchone()[0]


def test_database_sessions_terminated_under_load(world, web) -> None:
    token = Token.objects.create(user=world.enterprise_admin).key
    loads = [
        Load(
            web,
            token,
            [build_application(world, Status.DRAFT).pk for _ in range(SUBMITS_PER_CLIENT)],
        )
        for _ in range(CLIENTS)
    ]
    stop = threading.Event()
    deadline = time.monotonic() + LOAD_SECONDS
    threads = [threading.Thread(target=load.run, args=(stop, deadline)) for load in loads]
    for thread in threads:
        thread.start()

    terminated = 0
    try:
        for _ in range(TERMINATIONS):
            # Each client answered twice since the last cut: the request after one it lost
            # is over before the next cut, so the test can tell that it succeeded.
            marks = [len(load.answers) for load in loads]

            def caught_up(marks: list[int] = marks) -> bool:
                return all(
                    len(load.answers) >= mark + REQUESTS_BETWEEN_TERMINATIONS
                    for load, mark in zip(loads, marks, strict=True)
                )

            wait_for(
                caught_up,
                "requests between terminations",
                LOAD_SECONDS,
            )
            terminated += _terminate_sessions()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=LOAD_SECONDS)
    assert all(load.error is None for load in loads), [load.error for load in loads]
    assert terminated > 0  # the load's sessions were there to be cut

    statuses = Counter(answer.status for load in loads for _, answer in load.answers)
    assert set(statuses) <= {200, 409, 503}, statuses
    for load in loads:
        previous = last_submit = None
        for kind, answer in load.answers:
            if answer.status == 503:
                problem = json.loads(answer.body)
                assert answer.headers["content-type"] == "application/problem+json"
                assert problem["code"] == "database_unavailable"
                assert answer.headers["retry-after"] == "30"
                # Only the request whose session was cut: the next one gets a new session.
                assert previous is None or previous.status != 503
            if answer.status == 409:
                # A submit cut after its commit: done once, and its retry says so clearly.
                assert kind == "submit"
                assert last_submit is not None and last_submit.status == 503
            previous = answer
            if kind == "submit":
                last_submit = answer

    # Nothing lost, nothing done twice: every application submitted exactly once.
    for load in loads:
        for application_id in load.application_ids:
            events = ApplicationEvent.objects.filter(application_id=application_id)
            assert events.filter(action="submit").count() == 1
            assert events.get(action="submit").to_status == Status.SUBMITTED

    # After a last termination, the very next request is served on a new session.
    _terminate_sessions()
    cut_at = time.monotonic()
    answer = _request(web, "GET", "/api/v1/applications/", token)
    assert answer.status == 200
    assert time.monotonic() - cut_at < RECOVERY_SECONDS
