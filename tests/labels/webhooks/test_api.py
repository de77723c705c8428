"""The webhook API: endpoints and deliveries for marketplace administrators and for API keys
with the scope api:webhooks:manage; another marketplace's objects are 404, problem+json."""

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from accounts.apikeys import api_key_create
from accounts.roles import ApiScope
from labels.webhooks.models import DeliveryStatus, WebhookEndpoint
from tests.labels.webhooks.conftest import deliveries_of, standard_webhooks_verify

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/webhooks/endpoints/"
DELIVERIES = "/api/v1/webhooks/deliveries/"


@pytest.fixture
def api_as() -> Callable:
    def sign_in(user) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if user is not None:
            client.force_authenticate(user)
        return client

    return sign_in


@pytest.fixture
def key_client(marketplace, marketplace_admin) -> Callable[..., APIClient]:
    def make(*scopes: str) -> APIClient:
        _api_key, key = api_key_create(
            actor=marketplace_admin, organisation=marketplace, name="shop", scopes=list(scopes)
        )
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.credentials(HTTP_X_API_KEY=key)
        return client

    return make


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_create_list_and_delete_an_endpoint(
    api_as, marketplace, marketplace_admin, receiver
) -> None:
    api = api_as(marketplace_admin)

    created = api.post(
        ENDPOINTS,
        {"url": receiver.url, "event_types": ["revoked"], "gtins": ["6901234567892"]},
        format="json",
    )

    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert (
        body["marketplace"],
        body["url"],
        body["event_types"],
        body["gtins"],
        body["is_active"],
    ) == (marketplace.pk, receiver.url, ["revoked"], ["06901234567892"], True)
    listed = api.get(ENDPOINTS).json()
    assert [e["id"] for e in listed["results"]] == [body["id"]]
    assert "secret" not in listed["results"][0]
    assert "secret" not in api.get(f"{ENDPOINTS}{body['id']}/").json()

    assert api.delete(f"{ENDPOINTS}{body['id']}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_every_event_type_by_default(api_as, marketplace_admin) -> None:
    response = api_as(marketplace_admin).post(
        ENDPOINTS, {"url": "http://127.0.0.1:9/h"}, format="json"
    )

    assert response.json()["event_types"] == [
        "issued",
        "suspended",
        "restored",
        "revoked",
        "expired",
        "cancelled",
        "key_revoked",
    ]


def test_invalid_input_is_a_problem(api_as, marketplace_admin, settings) -> None:
    settings.WEBHOOK_ALLOW_HTTP = False
    response = api_as(marketplace_admin).post(
        ENDPOINTS,
        {"url": "http://shop.example.com/h", "event_types": ["issued"], "gtins": ["123"]},
        format="json",
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert errors["url"] == ["Webhook URLs must use https."]
    assert "gtins" in errors
    assert not WebhookEndpoint.objects.exists()


def test_non_marketplace_people_cannot_create_endpoints(api_as, world, marketplace) -> None:
    for person in (world.enterprise_admin, world.body_admin, world.platform_admin):
        response = api_as(person).post(
            ENDPOINTS, {"url": "http://127.0.0.1:9/h", "marketplace": marketplace.pk}, format="json"
        )
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
    assert not WebhookEndpoint.objects.exists()


def test_a_person_cannot_register_for_another_marketplace(
    api_as, marketplace_admin, other_marketplace
) -> None:
    response = api_as(marketplace_admin).post(
        ENDPOINTS,
        {"url": "http://127.0.0.1:9/h", "marketplace": other_marketplace.pk},
        format="json",
    )

    assert response.status_code == 400
    assert not WebhookEndpoint.objects.exists()


def test_another_marketplace_gets_404_for_our_objects(
    api_as,
    register,
    label,
    change_status,
    other_marketplace_admin,
    django_capture_on_commit_callbacks,
) -> None:
    endpoint = register("http://127.0.0.1:9/hooks").endpoint
    with django_capture_on_commit_callbacks(execute=False):
        change_status(label, "suspend")
    [delivery] = deliveries_of(endpoint)
    api = api_as(other_marketplace_admin)

    assert api.get(ENDPOINTS).json()["results"] == []
    assert api.get(DELIVERIES).json()["results"] == []
    for method, url in (
        ("get", f"{ENDPOINTS}{endpoint.pk}/"),
        ("patch", f"{ENDPOINTS}{endpoint.pk}/"),
        ("delete", f"{ENDPOINTS}{endpoint.pk}/"),
        ("post", f"{ENDPOINTS}{endpoint.pk}/test/"),
        ("get", f"{DELIVERIES}{delivery.pk}/"),
        ("post", f"{DELIVERIES}{delivery.pk}/redeliver/"),
    ):
        response = getattr(api, method)(url, {"is_active": False}, format="json")
        assert response.status_code == 404, (method, url)
        assert response["Content-Type"] == "application/problem+json"
    endpoint.refresh_from_db()
    assert endpoint.is_active
    assert len(deliveries_of(endpoint)) == 1
    assert deliveries_of(endpoint)[0].status == DeliveryStatus.PENDING


def test_list_deliveries_read_attempts_and_redeliver(
    api_as,
    marketplace_admin,
    register,
    label,
    change_status,
    receiver,
    committed,
) -> None:
    registered = register(receiver.url)
    receiver.responses = [500]
    with committed():
        change_status(label, "revoke")
    api = api_as(marketplace_admin)

    listed = api.get(DELIVERIES, {"endpoint": registered.endpoint.pk, "status": "failed"})
    [row] = listed.json()["results"]
    assert (
        row["event_type"],
        row["label"],
        row["status"],
        row["attempts"],
        row["last_status_code"],
        row["pushed"],
    ) == ("revoked", label.serial, "failed", 1, 500, False)
    detail = api.get(f"{DELIVERIES}{row['id']}/").json()
    assert detail["payload"]["type"] == "cn.carbonlabel.label.revoked"
    assert [a["status_code"] for a in detail["attempt_log"]] == [500]

    with committed():
        redelivered = api.post(f"{DELIVERIES}{row['id']}/redeliver/")

    assert redelivered.status_code == 202
    detail = api.get(f"{DELIVERIES}{row['id']}/").json()
    assert detail["status"] == "succeeded"
    assert [a["status_code"] for a in detail["attempt_log"]] == [500, 200]
    assert standard_webhooks_verify(
        registered.secret, receiver.requests[-1].headers, receiver.requests[-1].body
    )


def test_test_send_through_the_api(
    api_as, marketplace_admin, register, receiver, committed
) -> None:
    registered = register(receiver.url)

    with committed():
        response = api_as(marketplace_admin).post(f"{ENDPOINTS}{registered.endpoint.pk}/test/")

    assert response.status_code == 202
    assert response.json()["event_type"] == "test"
    [request] = receiver.requests
    assert request.event["type"] == "cn.carbonlabel.webhook.test"
    assert standard_webhooks_verify(registered.secret, request.headers, request.body)


def test_patch_an_endpoint(api_as, marketplace_admin, register) -> None:
    endpoint = register("http://127.0.0.1:9/hooks").endpoint

    response = api_as(marketplace_admin).patch(
        f"{ENDPOINTS}{endpoint.pk}/", {"is_active": False, "gtins": []}, format="json"
    )

    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.url == "http://127.0.0.1:9/hooks"


def test_an_api_key_with_the_webhooks_scope_manages_its_marketplace(
    key_client,
    marketplace,
    receiver,
) -> None:
    api = key_client(ApiScope.WEBHOOKS_MANAGE)

    created = api.post(ENDPOINTS, {"url": receiver.url}, format="json")

    assert created.status_code == 201, created.content
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.marketplace == marketplace
    assert endpoint.created_by is None
    assert [e["id"] for e in api.get(ENDPOINTS).json()["results"]] == [endpoint.pk]


def test_an_api_key_without_the_webhooks_scope_is_refused(key_client) -> None:
    api = key_client(ApiScope.LABELS_READ)

    for response in (
        api.get(ENDPOINTS),
        api.get(DELIVERIES),
        api.post(ENDPOINTS, {"url": "http://127.0.0.1:9/h"}, format="json"),
    ):
        assert response.status_code == 403
        assert response["Content-Type"] == "application/problem+json"
    assert not WebhookEndpoint.objects.exists()


def test_anonymous_calls_are_refused() -> None:
    response = APIClient().get(ENDPOINTS)

    assert response.status_code == 401
