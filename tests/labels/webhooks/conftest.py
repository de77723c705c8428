"""Fixtures for the webhook tests: marketplaces and their administrators, issued labels, and an
independent Standard Webhooks verifier. The local receiver (`receiver`) is shared:
tests/fixtures/webhook_receiver.py."""

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Organisation, User
from accounts.roles import Role
from labels import services
from labels.models import Label
from labels.webhooks.models import EventType, WebhookDelivery, WebhookEndpoint
from labels.webhooks.services import webhook_endpoint_create
from tests.conftest import World
from tests.factories import MarketplaceFactory, member_of
from tests.second_factor import sign_in

PUBLIC_HOST = "labels.example.cn"


@pytest.fixture(autouse=True)
def _webhook_settings(settings, monkeypatch) -> None:
    """The public host in its production form; plain http to 127.0.0.1 allowed (the local
    receiver); TIME_ZONE pinned to UTC as in tests/labels (a label issued before 08:00 Beijing
    time is otherwise not yet valid). The certificate PDF, rendered after every label change,
    is not what these tests are about: its on-commit render is switched off."""
    settings.LABEL_PUBLIC_HOST = PUBLIC_HOST
    settings.LABEL_PUBLIC_SCHEME = "https"
    settings.TIME_ZONE = "UTC"
    settings.WEBHOOK_ALLOW_HTTP = True
    monkeypatch.setattr("labels.services._after_issue", lambda label_id: None)


# --- people and labels --------------------------------------------------------------------


@pytest.fixture
def marketplace(db) -> Organisation:
    return MarketplaceFactory(name="GreenMall")


@pytest.fixture
def other_marketplace(db) -> Organisation:
    return MarketplaceFactory(name="EcoBazaar")


@pytest.fixture
def marketplace_admin(marketplace: Organisation) -> User:
    return member_of(marketplace, Role.MARKETPLACE_ADMIN, username="mall_admin")


@pytest.fixture
def other_marketplace_admin(other_marketplace: Organisation) -> User:
    return member_of(other_marketplace, Role.MARKETPLACE_ADMIN, username="bazaar_admin")


@pytest.fixture
def change_status(world: World) -> Callable[..., Label]:
    """`change_status(label, action)`: the issuing body's administrator changes the status."""

    def change(label: Label, action: str, reason: str = "Surveillance overdue.") -> Label:
        return services.label_change_status(
            actor=world.body_admin, label_id=label.pk, action=action, reason=reason
        )

    return change


@pytest.fixture
def client_as() -> Callable[[User | None], Client]:
    def signed_in(user: User | None) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        if user is not None:
            sign_in(client, user)
        return client

    return signed_in


# --- endpoints ----------------------------------------------------------------------------


@dataclass
class Registered:
    endpoint: WebhookEndpoint
    secret: str


@pytest.fixture
def register(marketplace: Organisation, marketplace_admin: User) -> Callable[..., Registered]:
    """`register(url, events=all, gtins=(), marketplace=GreenMall, actor=its admin)`."""

    def create(
        url: str,
        *,
        events: tuple[str, ...] = tuple(EventType.values),
        gtins: tuple[str, ...] = (),
        organisation: Organisation | None = None,
        actor: User | None = None,
    ) -> Registered:
        endpoint, secret = webhook_endpoint_create(
            actor=actor or marketplace_admin,
            marketplace=organisation or marketplace,
            url=url,
            event_types=events,
            gtins=gtins,
        )
        return Registered(endpoint, secret)

    return create


def deliveries_of(endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
    return list(WebhookDelivery.objects.filter(endpoint=endpoint).order_by("pk"))


def make_due(delivery: WebhookDelivery) -> None:
    """As if the backoff delay had passed."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


# --- Standard Webhooks, verified independently of labels.webhooks.signing ------------------

TOLERANCE_SECONDS = 5 * 60


def standard_webhooks_verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The receiver's check as www.standardwebhooks.com specifies it: HMAC-SHA256 of
    `{id}.{timestamp}.{body}` keyed with the base64-decoded secret after `whsec_`, compared
    with each `v1,<base64>` of the space-separated signature header; a timestamp within five
    minutes."""
    message_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    assert secret.startswith("whsec_")
    key = base64.b64decode(secret[len("whsec_") :])
    signed = f"{message_id}.{timestamp}.{body.decode('utf-8')}".encode()
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in headers["webhook-signature"].split(" "):
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False
