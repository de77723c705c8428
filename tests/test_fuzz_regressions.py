"""Inputs that a fuzzing run (schemathesis and hand-made requests) answered 500. Each must be a
4xx with a machine-readable body, and change nothing."""

import base64
import json
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.apikeys import api_key_create
from accounts.models import Membership, Organisation, User
from accounts.roles import ApiScope, OrganisationKind, Role
from audits.models import BlacklistEntry, TeamMember
from certification.models import Application, Status
from pact import services as pact_services
from tests.conftest import World

TOO_LARGE = 10**25  # past a 64-bit integer
DEEP_ARRAY = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 100_000 + b"1" + b"}" * 100_000


def _is_problem(response) -> bool:
    return response["Content-Type"].startswith(("application/problem+json", "application/json"))


# --- PUT /api/v1/applications/{id}/team/ with ids past the database's integers ------------


@pytest.mark.parametrize(
    "payload",
    [
        lambda w: {"members": [w.reviewer.pk, TOO_LARGE], "lead": w.reviewer.pk},
        lambda w: {"members": [w.reviewer.pk, -TOO_LARGE], "lead": w.reviewer.pk},
        lambda w: {"members": [w.reviewer.pk], "lead": TOO_LARGE},
    ],
)
def test_team_assign_with_a_huge_id_is_a_400(
    world: World, application_at: Callable[..., Application], api_as, payload
) -> None:
    application = application_at(Status.ACCEPTED)
    team_before = list(TeamMember.objects.filter(application=application).values())
    response = api_as(world.body_admin).put(
        reverse("api-team", args=[application.pk]), payload(world), format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert list(TeamMember.objects.filter(application=application).values()) == team_before


def test_a_member_named_twice_sits_on_the_team_once(
    world: World, application_at: Callable[..., Application], api_as
) -> None:
    application = application_at(Status.ACCEPTED)
    reviewer = world.reviewer.pk
    response = api_as(world.body_admin).put(
        reverse("api-team", args=[application.pk]),
        {"members": [reviewer, reviewer], "lead": reviewer},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert [item["user_id"] for item in response.json()] == [reviewer]
    seats = TeamMember.objects.filter(application=application)
    assert list(seats.values_list("user_id", "is_lead")) == [(reviewer, True)]


# --- a marketplace's API key on the endpoints made for people -----------------------------


@pytest.fixture
def key_api(world: World) -> APIClient:
    marketplace = Organisation.objects.create(kind=OrganisationKind.MARKETPLACE, name="Mall")
    admin = User.objects.create_user(username="mall-admin", password="x-unused-password-1")
    Membership.objects.create(user=admin, organisation=marketplace, role=Role.MARKETPLACE_ADMIN)
    _api_key, key = api_key_create(
        actor=admin, organisation=marketplace, name="shop", scopes=list(ApiScope.values)
    )
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.credentials(HTTP_X_API_KEY=key)
    return api


@pytest.mark.parametrize(
    ("method", "name", "args"),
    [
        ("get", "api-applications", []),
        ("get", "api-products", []),
        ("get", "api-notifications", []),
        ("post", "api-notification-read", [1]),
        ("get", "api-application", ["app"]),
        ("get", "api-events", ["app"]),
        ("get", "api-dossier", ["app"]),
        ("post", "api-transitions", ["app"]),
        ("get", "api-blacklist", []),
        ("get", "api-categories", []),
        ("get", "api-emission-factors", []),
    ],
)
def test_an_api_key_on_a_persons_endpoint_is_refused(
    world: World,
    application_at: Callable[..., Application],
    key_api: APIClient,
    method: str,
    name: str,
    args: list,
) -> None:
    """A key reaches the label and webhook APIs only; elsewhere it is a clear 403."""
    application = application_at(Status.SUBMITTED)
    args = [application.pk if arg == "app" else arg for arg in args]
    response = getattr(key_api, method)(reverse(name, args=args), {}, format="json")
    assert response.status_code == 403, response.content
    assert _is_problem(response)
    assert "label and webhook APIs" in response.json()["detail"]


def test_an_api_key_cannot_add_to_the_blacklist(world: World, key_api: APIClient) -> None:
    response = key_api.post(
        reverse("api-blacklist"),
        {
            "organisation": world.other_enterprise.pk,
            "reason": "r",
            "source_document": "d",
            "effective_from": "2026-01-01",
        },
        format="json",
    )
    assert response.status_code == 403, response.content
    assert not BlacklistEntry.objects.exists()


# --- /portal/applications/{id}/dossier/v{number}/changes/ past the database's integers --------


@pytest.mark.parametrize("number", [0, 2**31, 2**63, TOO_LARGE])
def test_dossier_changes_of_a_version_number_outside_the_integers_is_a_404(
    world: World, application_at: Callable[..., Application], number: int
) -> None:
    application = application_at(Status.AWAITING_ENTERPRISE)  # versions 1 and 2
    url = reverse("certification:dossier_diff", kwargs={"pk": application.pk, "number": 2})
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.enterprise_admin)

    assert client.get(url).status_code == 200
    assert client.get(url.replace("/v2/", f"/v{number}/")).status_code == 404
    assert client.get(url.replace("/v2/", f"/v{2**31 - 1}/")).status_code == 404  # none yet


# --- POST /vc-api/credentials/verify nested too deep for the JSON parser ------------------


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT])
def test_verify_api_with_json_nested_too_deep_is_a_400(db, body: bytes) -> None:
    response = Client().post(
        "/vc-api/credentials/verify", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert _is_problem(response)


@pytest.mark.parametrize("text", [DEEP_ARRAY.decode(), DEEP_OBJECT.decode()])
def test_verify_api_with_a_credential_string_nested_too_deep_is_malformed(db, text: str) -> None:
    response = Client().post(
        "/vc-api/credentials/verify",
        {"verifiableCredential": text},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["reason"] == "MALFORMED"
    assert response.json()["verified"] is False


# --- the PACT host ------------------------------------------------------------------------


@pytest.fixture
def pact_client(world: World, settings) -> Client:
    """A partner holding an access token, over HTTPS."""
    settings.PACT_ALLOW_HTTP = False
    partner, secret = pact_services.partner_client_create(
        name="Fuzz", data_owners=[world.enterprise]
    )
    http = Client()
    basic = base64.b64encode(f"{partner.client_id}:{secret}".encode()).decode()
    response = http.post(
        reverse("pact:token"),
        {"grant_type": "client_credentials"},
        secure=True,
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200, response.content
    http.defaults["HTTP_AUTHORIZATION"] = f"Bearer {response.json()['access_token']}"
    return http


@pytest.mark.parametrize("spec", [2, 3])
@pytest.mark.parametrize(
    "query",
    [
        {"limit": "\u00b2"},  # "²".isdigit() is true, int("²") is not
        {"offset": "\u00b2"},
        {"offset": str(TOO_LARGE)},
        {"offset": str(2**63)},
        {"limit": "9" * 5000},  # past int()'s digit limit
    ],
)
def test_pact_paging_that_is_not_a_usable_number_is_a_400(
    pact_client: Client, spec: int, query: dict
) -> None:
    response = pact_client.get(reverse(f"pact:footprints-{spec}"), query, secure=True)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "BadRequest"


@pytest.mark.parametrize(
    "query",
    [
        {"validAfter": "9999-12-31T23:59:59-23:59"},
        {"validOn": "0001-01-01T00:00+23:59"},
    ],
)
def test_pact_date_past_the_calendar_in_utc_is_a_400(pact_client: Client, query: dict) -> None:
    response = pact_client.get(reverse("pact:footprints-3"), query, secure=True)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "BadRequest"


@pytest.mark.parametrize("spec", [2, 3])
@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT])
def test_pact_event_nested_too_deep_is_a_400(pact_client: Client, spec: int, body: bytes) -> None:
    response = pact_client.post(
        reverse(f"pact:events-{spec}"),
        data=body,
        content_type="application/cloudevents+json; charset=UTF-8",
        secure=True,
    )
    assert response.status_code == 400, response.content
    assert json.loads(response.content)["code"] == "BadRequest"
