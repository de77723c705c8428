"""POST {base}/auth/token (OAuth 2.0 client credentials with HTTP Basic), bearer tokens on the
actions, HTTPS only, and `manage.py pact_client_create` (CONTRACTS §7)."""

import hashlib
import importlib
import runpy
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import override_settings
from django.urls import clear_url_caches
from django.utils import timezone

import config
import config.urls
from pact.models import AccessToken, InboundEvent, PartnerClient
from tests.pact import openapi
from tests.pact.conftest import Pact, Partner, basic, cloud_event

INVALID_CLIENT = {"error": "invalid_client", "error_description": "Authentication failed."}


# --- the token endpoint -------------------------------------------------------------------


def test_valid_credentials_get_a_bearer_token_that_is_stored_only_as_a_hash(
    pact: Pact,
    partner: Partner,
) -> None:
    response = pact.token(basic(partner.client.client_id, partner.secret))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    assert response["Pragma"] == "no-cache"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    stored = AccessToken.objects.get()
    assert stored.client == partner.client
    assert stored.token_hash == hashlib.sha256(body["access_token"].encode()).hexdigest()
    assert body["access_token"] not in stored.token_hash
    lifetime = stored.expires_at - stored.created_at
    assert lifetime == timedelta(seconds=3600)


def test_the_token_lifetime_is_a_setting(pact: Pact, partner: Partner, settings) -> None:
    settings.PACT_TOKEN_SECONDS = 60

    response = pact.token(basic(partner.client.client_id, partner.secret))

    assert response.json()["expires_in"] == 60
    stored = AccessToken.objects.get()
    assert stored.expires_at - stored.created_at == timedelta(seconds=60)


@pytest.mark.parametrize(
    "authorization",
    [
        "wrong secret",
        "unknown client",
        "no header",
        "not basic",
        "not base64",
        "no colon",
    ],
)
def test_wrong_credentials_are_400_invalid_client_and_issue_nothing(
    pact: Pact,
    partner: Partner,
    authorization: str,
) -> None:
    header = {
        "wrong secret": basic(partner.client.client_id, partner.secret + "x"),
        "unknown client": basic("pact-nobody", partner.secret),
        "no header": None,
        "not basic": f"Bearer {partner.secret}",
        "not base64": "Basic ***",
        "no colon": "Basic " + "YWJj",
    }[authorization]

    response = pact.token(header)

    assert response.status_code == 400
    assert response.json() == INVALID_CLIENT
    assert AccessToken.objects.count() == 0


def test_a_deactivated_client_cannot_get_a_token(pact: Pact, partner: Partner) -> None:
    PartnerClient.objects.filter(pk=partner.client.pk).update(is_active=False)

    response = pact.token(basic(partner.client.client_id, partner.secret))

    assert (response.status_code, response.json()) == (400, INVALID_CLIENT)


def test_another_grant_type_is_unsupported_grant_type(pact: Pact, partner: Partner) -> None:
    response = pact.token(
        basic(partner.client.client_id, partner.secret),
        {"grant_type": "password", "username": "x", "password": "y"},
    )

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
    assert AccessToken.objects.count() == 0


def test_a_missing_grant_type_is_invalid_request(pact: Pact, partner: Partner) -> None:
    response = pact.token(basic(partner.client.client_id, partner.secret), {})

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_the_token_endpoint_takes_post_only(pact: Pact, partner: Partner) -> None:
    response = pact.http.get(
        pact.url("token"),
        secure=True,
        headers={"Authorization": basic(partner.client.client_id, partner.secret)},
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_a_new_token_clears_the_clients_expired_ones(pact: Pact, partner: Partner) -> None:
    AccessToken.objects.create(
        token_hash="0" * 64, client=partner.client, expires_at=timezone.now() - timedelta(seconds=1)
    )

    pact.token(basic(partner.client.client_id, partner.secret))

    assert AccessToken.objects.filter(token_hash="0" * 64).count() == 0
    assert AccessToken.objects.count() == 1


# --- bearer tokens on the actions ---------------------------------------------------------


@pytest.mark.parametrize("spec", [2, 3])
def test_an_expired_token_is_401_token_expired(signed_in: Pact, spec: int) -> None:
    AccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = signed_in.footprints(spec)

    assert response.status_code == 401
    body = response.json()
    assert body == {"code": "TokenExpired", "message": body["message"]}
    openapi.assert_valid(spec, "Error", body)


@pytest.mark.parametrize("spec", [2, 3])
@pytest.mark.parametrize("token", ["invalid-access-token", ""])
def test_an_unknown_or_missing_token_is_400_bad_request(
    pact: Pact,
    partner: Partner,
    spec: int,
    token: str,
) -> None:
    response = pact.footprints(spec, token=token)

    assert response.status_code == 400
    body = openapi.assert_response(spec, f"/{spec}/footprints", "get", response)
    assert body["code"] == "BadRequest"
    assert "data" not in body


def test_the_token_of_a_deactivated_client_stops_working(signed_in: Pact, partner: Partner) -> None:
    PartnerClient.objects.filter(pk=partner.client.pk).update(is_active=False)

    response = signed_in.footprints(3)

    assert (response.status_code, response.json()["code"]) == (400, "BadRequest")


# --- HTTPS only ---------------------------------------------------------------------------


def test_the_token_endpoint_refuses_plain_http_without_issuing_a_token(
    pact: Pact,
    partner: Partner,
) -> None:
    response = pact.token(basic(partner.client.client_id, partner.secret), secure=False)

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "The token endpoint is served over HTTPS only.",
    }
    assert AccessToken.objects.count() == 0


@pytest.mark.parametrize("spec", [2, 3])
def test_the_actions_refuse_plain_http_with_403_and_no_data(
    signed_in: Pact, label, spec: int
) -> None:
    from pact.identifiers import footprint_id

    listed = signed_in.footprints(spec, secure=False)
    single = signed_in.footprint(spec, str(footprint_id(label.serial)), secure=False)
    event = signed_in.post_event(spec, cloud_event(spec, "published", {"pfIds": []}), secure=False)

    for response in (listed, single, event):
        assert response.status_code == 403
        assert response.json() == {
            "code": "AccessDenied",
            "message": "This endpoint is served over HTTPS only.",
        }
    assert InboundEvent.objects.count() == 0


def _settings_with(monkeypatch, **environment: str) -> dict:
    """config/settings.py as it reads `environment` (run afresh, apart from the live settings)."""
    monkeypatch.delenv("API_NUM_PROXIES", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(Path(config.__file__).parent / "settings.py"))


def test_a_tls_terminating_proxy_counts_as_https(
    signed_in: Pact, label, settings, monkeypatch
) -> None:
    """The proxy in docker/compose.yaml (API_NUM_PROXIES=1) sends X-Forwarded-Proto."""
    behind_a_proxy = _settings_with(monkeypatch, API_NUM_PROXIES="1")
    settings.SECURE_PROXY_SSL_HEADER = behind_a_proxy["SECURE_PROXY_SSL_HEADER"]

    response = signed_in.footprints(3, secure=False, headers={"X-Forwarded-Proto": "https"})

    assert response.status_code == 200
    assert len(response.json()["data"]) == 1


def test_without_a_proxy_x_forwarded_proto_is_not_believed(
    signed_in: Pact, label, settings, monkeypatch
) -> None:
    alone = _settings_with(monkeypatch)
    settings.SECURE_PROXY_SSL_HEADER = alone["SECURE_PROXY_SSL_HEADER"]

    response = signed_in.footprints(3, secure=False, headers={"X-Forwarded-Proto": "https"})

    assert response.status_code == 403
    assert response.json() == {
        "code": "AccessDenied",
        "message": "This endpoint is served over HTTPS only.",
    }


def test_plain_http_can_be_allowed_for_local_experiments(signed_in: Pact, label, settings) -> None:
    settings.PACT_ALLOW_HTTP = True

    response = signed_in.footprints(3, secure=False)

    assert response.status_code == 200


# --- the base path ------------------------------------------------------------------------


@pytest.fixture
def urls_with_pact_base_path() -> Iterator[None]:
    """The root URLconf built again under another PACT_BASE_PATH (it is read on import), and
    built as it was afterwards."""
    login = admin.site.login
    with override_settings(PACT_BASE_PATH="/"):
        importlib.reload(config.urls)
        clear_url_caches()
        yield
    importlib.reload(config.urls)
    # Each import of config.urls wraps the admin's sign-in: keep one wrapping, as at start-up.
    admin.site.login = login  # type: ignore[method-assign]
    clear_url_caches()


def test_the_pact_host_can_be_served_at_the_root(
    urls_with_pact_base_path, pact: Pact, partner: Partner, label
) -> None:
    assert pact.url("token") == "/auth/token"
    assert pact.url("footprints-3") == "/3/footprints"

    response = pact.token(basic(partner.client.client_id, partner.secret))
    assert response.status_code == 200, response.content
    pact.access_token = response.json()["access_token"]

    for spec in (2, 3):
        listed = pact.footprints(spec)
        assert listed.status_code == 200, listed.content
        assert len(listed.json()["data"]) == 1
    assert pact.http.get("/pact/3/footprints", secure=True).status_code == 404


# --- the management command ---------------------------------------------------------------


def test_pact_client_create_prints_credentials_that_work(world, pact: Pact) -> None:
    out = StringIO()

    call_command(
        "pact_client_create",
        "Buyer Co.",
        "--data-owner",
        world.enterprise.uscc,
        "--organisation",
        world.other_enterprise.uscc,
        "--events-url",
        "https://buyer.example/pact/3/events",
        stdout=out,
    )

    lines = dict(line.split(": ", 1) for line in out.getvalue().splitlines() if ": " in line)
    client = PartnerClient.objects.get(client_id=lines["client_id"])
    assert client.name == "Buyer Co."
    assert client.organisation == world.other_enterprise
    assert list(client.data_owners.all()) == [world.enterprise]
    assert client.outbound_events_url == "https://buyer.example/pact/3/events"
    assert client.secret_hash == hashlib.sha256(lines["client_secret"].encode()).hexdigest()
    response = pact.token(basic(lines["client_id"], lines["client_secret"]))
    assert response.status_code == 200
