"""Portal pages for marketplace administrators: endpoints (the secret shown once), the delivery
log, manual redelivery and test sends; another marketplace's objects are 404."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from labels.webhooks.crypto import secret_decrypt
from labels.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.factories import make_gtin
from tests.labels.webhooks.conftest import deliveries_of, standard_webhooks_verify
from tests.second_factor import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_a_marketplace_admin_adds_an_endpoint_and_sees_the_secret_once(
    client_as,
    marketplace,
    marketplace_admin,
    receiver,
) -> None:
    client = client_as(marketplace_admin)
    gtin = make_gtin(4242)

    response = client.post(
        reverse("webhooks:endpoint_create"),
        {
            "marketplace": marketplace.pk,
            "url": receiver.url,
            "description": "Shop sync",
            "event_types": ["suspended", "revoked"],
            "gtins": f"{gtin.lstrip('0')}\n",
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.marketplace, endpoint.url, endpoint.event_types, endpoint.gtins) == (
        marketplace,
        receiver.url,
        ["suspended", "revoked"],
        [gtin],
    )
    assert endpoint.created_by == marketplace_admin
    [secret] = re.findall(r"whsec_[A-Za-z0-9+/=]+", response.content.decode())
    assert len(secret) == len("whsec_") + 44  # base64 of 32 bytes
    # Stored encrypted, readable by the sender only.
    assert secret.encode() not in bytes(endpoint.secret_encrypted)
    assert secret_decrypt(endpoint.secret_encrypted) == secret
    # Never shown again.
    for url in (
        reverse("webhooks:endpoint_list"),
        reverse("webhooks:endpoint_detail", args=[endpoint.pk]),
        reverse("webhooks:endpoint_edit", args=[endpoint.pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200
        assert "whsec_" not in page.content.decode()


def test_an_invalid_endpoint_is_refused_with_reasons(
    client_as, marketplace, marketplace_admin, settings
) -> None:
    settings.WEBHOOK_ALLOW_HTTP = False
    response = client_as(marketplace_admin).post(
        reverse("webhooks:endpoint_create"),
        {
            "marketplace": marketplace.pk,
            "url": "http://shop.example.com/hooks",
            "event_types": [],
            "gtins": "6901234567890",
        },
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["url"] == ["Webhook URLs must use https."]
    assert "event_types" in errors
    assert errors["gtins"] == ["6901234567890: The GTIN check digit is wrong."]
    assert not WebhookEndpoint.objects.exists()


def test_edit_an_endpoint(client_as, marketplace_admin, register) -> None:
    endpoint = register("http://127.0.0.1:9/old").endpoint

    response = client_as(marketplace_admin).post(
        reverse("webhooks:endpoint_edit", args=[endpoint.pk]),
        {"url": "http://127.0.0.1:9/new", "event_types": ["revoked"], "gtins": ""},
    )

    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.event_types, endpoint.gtins, endpoint.is_active) == (
        "http://127.0.0.1:9/new",
        ["revoked"],
        [],
        False,
    )


def test_non_marketplace_people_cannot_add_endpoints(client_as, world, marketplace) -> None:
    for person in (world.enterprise_admin, world.body_admin, world.platform_admin):
        client = client_as(person)
        assert client.get(reverse("webhooks:endpoint_list")).status_code == 404
        response = client.post(
            reverse("webhooks:endpoint_create"),
            {
                "marketplace": marketplace.pk,
                "url": "http://127.0.0.1:9/hooks",
                "event_types": ["revoked"],
            },
        )
        assert response.status_code == 404
    assert not WebhookEndpoint.objects.exists()


def test_another_marketplace_sees_nothing_of_ours(
    client_as,
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
    before = (WebhookEndpoint.objects.values().get(), WebhookDelivery.objects.values().get())
    client = client_as(other_marketplace_admin)

    assert endpoint.url not in client.get(reverse("webhooks:endpoint_list")).content.decode()
    for name in ("endpoint_detail", "endpoint_edit"):
        assert client.get(reverse(f"webhooks:{name}", args=[endpoint.pk])).status_code == 404
    for name in ("endpoint_edit", "endpoint_test", "endpoint_delete"):
        response = client.post(
            reverse(f"webhooks:{name}", args=[endpoint.pk]),
            {"url": "http://127.0.0.1:9/stolen", "event_types": ["issued"]},
        )
        assert response.status_code == 404
    assert client.get(reverse("webhooks:delivery_detail", args=[delivery.pk])).status_code == 404
    assert (
        client.post(reverse("webhooks:delivery_redeliver", args=[delivery.pk])).status_code == 404
    )

    assert (
        WebhookEndpoint.objects.values().get(),
        WebhookDelivery.objects.values().get(),
    ) == before


def test_the_delivery_log_shows_response_codes_and_attempts(
    client_as,
    marketplace_admin,
    register,
    label,
    change_status,
    receiver,
    committed,
) -> None:
    endpoint = register(receiver.url).endpoint
    receiver.responses = [500]
    with committed():
        change_status(label, "suspend")
    [delivery] = deliveries_of(endpoint)
    client = client_as(marketplace_admin)

    log = client.get(reverse("webhooks:endpoint_detail", args=[endpoint.pk]))
    detail = client.get(reverse("webhooks:delivery_detail", args=[delivery.pk]))

    assert log.status_code == detail.status_code == 200
    assert label.serial in log.content.decode()
    assert "Failed, will retry" in log.content.decode()
    assert str(delivery.event_id) in detail.content.decode()
    assert ">500<" in detail.content.decode()
    filtered = client.get(
        reverse("webhooks:endpoint_detail", args=[endpoint.pk]), {"status": "succeeded"}
    )
    assert list(filtered.context["page"].object_list) == []


def test_manual_redelivery_sends_the_same_message_again(
    client_as,
    marketplace_admin,
    register,
    label,
    change_status,
    receiver,
    committed,
) -> None:
    registered = register(receiver.url)
    with committed():
        change_status(label, "suspend")
    [delivery] = deliveries_of(registered.endpoint)
    assert delivery.status == DeliveryStatus.SUCCEEDED

    with committed():
        response = client_as(marketplace_admin).post(
            reverse("webhooks:delivery_redeliver", args=[delivery.pk])
        )

    assert response.status_code == 302
    first, second = receiver.requests
    assert second.headers["webhook-id"] == first.headers["webhook-id"] == str(delivery.event_id)
    assert second.body == first.body
    assert standard_webhooks_verify(registered.secret, second.headers, second.body)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 2)
    assert delivery.redelivered_at is not None
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 2


def test_redelivery_restarts_an_abandoned_delivery(
    client_as,
    marketplace_admin,
    register,
    label,
    change_status,
    receiver,
    django_capture_on_commit_callbacks,
    committed,
) -> None:
    registered = register(receiver.url)
    with django_capture_on_commit_callbacks(execute=False):
        change_status(label, "suspend")
    [delivery] = deliveries_of(registered.endpoint)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.ABANDONED)

    with committed():
        client_as(marketplace_admin).post(
            reverse("webhooks:delivery_redeliver", args=[delivery.pk])
        )

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 1


def test_send_a_test_event(
    client_as, marketplace, marketplace_admin, register, receiver, committed
) -> None:
    registered = register(receiver.url)

    with committed():
        response = client_as(marketplace_admin).post(
            reverse("webhooks:endpoint_test", args=[registered.endpoint.pk])
        )

    [delivery] = deliveries_of(registered.endpoint)
    assert response.status_code == 302
    assert response["Location"] == reverse("webhooks:delivery_detail", args=[delivery.pk])
    [request] = receiver.requests
    assert standard_webhooks_verify(registered.secret, request.headers, request.body)
    assert request.event["type"] == "cn.carbonlabel.webhook.test"
    assert request.event["specversion"] == "1.0"
    assert request.event["data"]["marketplace"] == marketplace.name
    assert delivery.event_type == "test"
    assert delivery.label is None
    assert delivery.status == DeliveryStatus.SUCCEEDED


def test_a_disabled_endpoint_gets_no_test_event(client_as, marketplace_admin, register) -> None:
    endpoint = register("http://127.0.0.1:9/hooks").endpoint
    endpoint.is_active = False
    endpoint.save()

    response = client_as(marketplace_admin).post(
        reverse("webhooks:endpoint_test", args=[endpoint.pk]), follow=True
    )

    assert "Activate the endpoint before sending it a test event." in response.content.decode()
    assert deliveries_of(endpoint) == []


def test_delete_an_endpoint(client_as, marketplace_admin, register) -> None:
    endpoint = register("http://127.0.0.1:9/hooks").endpoint

    response = client_as(marketplace_admin).post(
        reverse("webhooks:endpoint_delete", args=[endpoint.pk])
    )

    assert response.status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_every_page_renders_in_both_languages(
    world,
    marketplace_admin,
    register,
    label,
    change_status,
    receiver,
    committed,
) -> None:
    endpoint = register(receiver.url).endpoint
    with committed():
        change_status(label, "suspend")
        change_status(label, "restore", reason="Surveillance done.")
    delivery = deliveries_of(endpoint)[0]
    pages = {
        marketplace_admin: [
            reverse("webhooks:endpoint_list"),
            reverse("webhooks:endpoint_create"),
            reverse("webhooks:endpoint_detail", args=[endpoint.pk]),
            reverse("webhooks:endpoint_edit", args=[endpoint.pk]),
            reverse("webhooks:delivery_detail", args=[delivery.pk]),
        ],
        world.enterprise_admin: [reverse("webhooks:label_push", args=[label.serial])],
    }
    for language in ("zh-hans", "en"):
        for person, urls in pages.items():
            client = Client(HTTP_ACCEPT_LANGUAGE=language)
            sign_in(client, person)
            for url in urls:
                response = client.get(url)
                assert response.status_code == 200, (language, url)
                assert "style=" not in response.content.decode()  # CSP: no inline styles
