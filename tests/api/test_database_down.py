"""With the database unreachable, the API answers 503 problem+json and the portal a plain 503
page, never a 500.

The driver refuses every new cursor, as when the server has gone away (a library boundary).
"""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from certification.models import Status
from tests.second_factor import sign_in

pytestmark = pytest.mark.django_db


@contextmanager
def database_down(monkeypatch) -> Iterator[None]:
    def refuse(*args, **kwargs):
        database = connection.Database  # type: ignore[attr-defined]  # the driver module: not in the stubs
        raise database.OperationalError("server closed the connection unexpectedly")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "create_cursor", refuse)
        yield


def _assert_problem_503(response) -> None:
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["code"]) == (503, "database_unavailable")
    assert int(response["Retry-After"]) > 0


def test_the_api_answers_503_problem_json_to_a_session(monkeypatch, enterprise_admin) -> None:
    client = APIClient(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, enterprise_admin)

    with database_down(monkeypatch):
        response = client.get("/api/v1/applications/")

    _assert_problem_503(response)


def test_the_api_answers_503_problem_json_to_a_token(monkeypatch, enterprise_admin) -> None:
    token = Token.objects.create(user=enterprise_admin)
    client = APIClient(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {token.key}")

    with database_down(monkeypatch):
        response = client.post("/api/v1/applications/", {}, format="json")

    _assert_problem_503(response)


def test_the_portal_answers_a_plain_503_page(monkeypatch, enterprise_admin) -> None:
    client = Client(raise_request_exception=False)
    sign_in(client, enterprise_admin)

    with database_down(monkeypatch):
        response = client.get("/portal/")

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert int(response["Retry-After"]) > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side cursors: PostgreSQL")
def test_a_session_cut_while_a_server_side_cursor_closes_is_a_503_too(
    monkeypatch, world, application_at
) -> None:
    """Django wraps the driver's errors, except where it closes a server-side cursor (the
    `.iterator()` of a transition's dashboard update): the driver's own error is a 503 too."""
    import psycopg

    draft = application_at(Status.DRAFT)
    token = Token.objects.create(user=world.enterprise_admin)
    client = APIClient(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {token.key}")

    def cut(self, *args, **kwargs):
        raise psycopg.errors.AdminShutdown("terminating connection due to administrator command")

    monkeypatch.setattr(psycopg.ServerCursor, "close", cut)
    response = client.post(
        f"/api/v1/applications/{draft.pk}/transitions/", {"action": "submit"}, format="json"
    )
    monkeypatch.undo()

    _assert_problem_503(response)
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT  # the step was rolled back whole
