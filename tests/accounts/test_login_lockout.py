"""After AXES_FAILURE_LIMIT wrong passwords for a username from one address, the token endpoint
answers 429 problem+json (with Retry-After) for the cool-off, even to the right password."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture
def person(enterprise_admin):
    enterprise_admin.set_password(PASSWORD)
    enterprise_admin.save()
    return enterprise_admin


def _token(client: APIClient, username: str, password: str):
    return client.post(
        reverse("api-token"), {"username": username, "password": password}, format="json"
    )


def test_the_token_endpoint_answers_429_once_locked_out(person, settings) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")

    failures = [_token(client, person.username, "wrong").status_code for _ in range(2)]
    locking = _token(client, person.username, "wrong")
    after = _token(client, person.username, "wrong")
    right = _token(client, person.username, PASSWORD)

    assert failures == [400, 400]
    for response in (locking, after, right):
        assert response.status_code == 429
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "locked_out"
        assert int(response["Retry-After"]) == 15 * 60
    assert not Token.objects.filter(user=person).exists()


def test_another_address_is_not_locked_out(person, settings) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    attacker = APIClient(REMOTE_ADDR="203.0.113.9")
    for _ in range(2):
        _token(attacker, person.username, "wrong")

    response = _token(APIClient(REMOTE_ADDR="198.51.100.7"), person.username, PASSWORD)

    assert response.status_code == 200
