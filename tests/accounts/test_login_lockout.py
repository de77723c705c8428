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


def test_behind_a_proxy_each_client_address_is_locked_apart(person, settings) -> None:
    """Every request arrives from the proxy's address: the lock follows the client's, as the
    proxy gives it, so an attacker cannot lock the owner out from elsewhere."""
    settings.API_NUM_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.AXES_FAILURE_LIMIT = 2
    proxy = "10.0.0.2"
    attacker = APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
    for _ in range(3):
        _token(attacker, person.username, "wrong")
    assert _token(attacker, person.username, PASSWORD).status_code == 429

    owner = APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert _token(owner, person.username, PASSWORD).status_code == 200


def test_without_proxies_a_forwarded_for_header_does_not_escape_the_lock(person, settings) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    for n in range(3):
        spoofing = APIClient(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        _token(spoofing, person.username, "wrong")
    again = APIClient(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert _token(again, person.username, PASSWORD).status_code == 429
