"""The outbox: a delivery row is written in the transaction of the status change, for the
endpoints whose event types and GTIN filter match, and nothing when the change rolls back."""

import importlib
import uuid
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from labels import keys, services
from labels.models import Label, LabelEvent, LabelStatus, SigningKey
from labels.services import labels_expire_due
from labels.webhooks.events import event_id_for
from labels.webhooks.models import DeliveryStatus, WebhookDelivery
from tests.factories import make_gtin
from tests.labels.webhooks.conftest import deliveries_of

pytestmark = pytest.mark.django_db

RECEIVER = "http://127.0.0.1:9/hooks"  # never contacted: these tests run no on-commit work


def test_a_status_change_owes_a_delivery_written_with_it(
    label,
    register,
    change_status,
    django_capture_on_commit_callbacks,
) -> None:
    endpoint = register(RECEIVER).endpoint

    with django_capture_on_commit_callbacks() as callbacks:
        change_status(label, "suspend", reason="Surveillance overdue.")

    [delivery] = deliveries_of(endpoint)
    event = LabelEvent.objects.get(label=label, action="suspended")
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 0
    assert delivery.event_type == "suspended"
    assert delivery.label == label
    assert delivery.event_id == event_id_for(event)
    payload = delivery.payload
    assert payload["specversion"] == "1.0"
    assert payload["id"] == str(delivery.event_id)
    assert payload["type"] == "cn.carbonlabel.label.suspended"
    assert payload["source"] == "https://labels.example.cn"
    assert payload["subject"] == label.serial
    assert payload["datacontenttype"] == "application/json"
    data = payload["data"]
    assert data["serial"] == label.serial
    assert data["status"] == LabelStatus.SUSPENDED
    assert data["reason"] == "Surveillance overdue."
    assert data["certificateNumber"] == label.certificate.number
    assert data["gtin"] == label.gtin
    assert data["footprint"] == {
        "value": "85.4",
        "unit": "kgCO2e",
        "declaredUnit": label.credential["credentialSubject"]["footprint"]["declaredUnit"],
    }
    assert data["links"] == {
        "publicPage": f"https://labels.example.cn/labels/{label.serial}/",
        "credential": f"https://labels.example.cn/labels/{label.serial}/credential.json",
    }
    # The send is queued for after commit, once.
    assert [c.__qualname__ for c in callbacks].count(
        "delivery_enqueue_on_commit.<locals>.enqueue"
    ) == 1


def test_a_rolled_back_status_change_owes_nothing(
    label,
    register,
    change_status,
    django_capture_on_commit_callbacks,
) -> None:
    endpoint = register(RECEIVER).endpoint

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        change_status(label, "revoke")
        assert len(deliveries_of(endpoint)) == 1  # written inside the transaction...
        raise RuntimeError("a later step of the same request failed")

    label.refresh_from_db()
    assert label.status == LabelStatus.VALID
    assert deliveries_of(endpoint) == []  # ...and gone with it
    assert callbacks == []


def test_issuance_owes_the_issued_event(issue_label, register) -> None:
    endpoint = register(RECEIVER).endpoint

    label = issue_label()

    [delivery] = deliveries_of(endpoint)
    assert delivery.event_type == "issued"
    assert delivery.payload["type"] == "cn.carbonlabel.label.issued"
    assert delivery.payload["data"]["status"] == LabelStatus.VALID
    assert delivery.payload["data"]["gtin"] == label.gtin


@pytest.mark.parametrize(
    ("action", "event"),
    [
        ("suspend", "suspended"),
        ("revoke", "revoked"),
        ("cancel", "cancelled"),
    ],
)
def test_every_status_change_is_an_event(
    label, register, change_status, action: str, event: str
) -> None:
    endpoint = register(RECEIVER).endpoint

    change_status(label, action)

    assert [d.event_type for d in deliveries_of(endpoint)] == [event]


def test_expiry_by_the_clock_is_an_event(label, register) -> None:
    endpoint = register(RECEIVER).endpoint
    Label.objects.filter(pk=label.pk).update(valid_until=timezone.now() - timedelta(seconds=1))

    assert labels_expire_due() == 1

    [delivery] = deliveries_of(endpoint)
    assert delivery.event_type == "expired"
    assert delivery.payload["data"]["status"] == LabelStatus.EXPIRED


def test_restored_is_an_event(label, register, change_status) -> None:
    endpoint = register(RECEIVER).endpoint
    change_status(label, "suspend")

    change_status(label, "restore", reason="Surveillance done.")

    assert [d.event_type for d in deliveries_of(endpoint)] == ["suspended", "restored"]
    assert deliveries_of(endpoint)[1].payload["data"]["status"] == LabelStatus.VALID


def test_event_type_filter(label, register, change_status) -> None:
    revocations_only = register(RECEIVER, events=("revoked",)).endpoint

    change_status(label, "suspend")
    assert deliveries_of(revocations_only) == []

    change_status(label, "revoke")
    assert [d.event_type for d in deliveries_of(revocations_only)] == ["revoked"]


def test_gtin_filter(label, issue_label, new_product, register, change_status) -> None:
    everything = register(RECEIVER).endpoint
    this_product = register(RECEIVER, gtins=(label.gtin,)).endpoint
    # Entered as GTIN-13: the filter stores the 14-digit form the labels carry.
    other_gtin = make_gtin(99_999)
    other_product = register(RECEIVER, gtins=(other_gtin.lstrip("0"),)).endpoint
    assert other_product.gtins == [other_gtin]

    change_status(label, "suspend")

    assert len(deliveries_of(everything)) == 1
    assert len(deliveries_of(this_product)) == 1
    assert deliveries_of(other_product) == []

    # A product without GTIN reaches only the endpoints without a GTIN filter.
    no_gtin = issue_label(product=new_product(gtin=None))
    change_status(no_gtin, "suspend")
    assert [d.label for d in deliveries_of(everything)][-1] == no_gtin
    assert len(deliveries_of(this_product)) == 1
    assert deliveries_of(other_product) == []


def test_a_disabled_endpoint_is_owed_nothing(label, register, change_status) -> None:
    endpoint = register(RECEIVER).endpoint
    endpoint.is_active = False
    endpoint.save()

    change_status(label, "revoke")

    assert deliveries_of(endpoint) == []


def test_every_endpoint_gets_the_same_event_id(
    label, register, change_status, other_marketplace, other_marketplace_admin
) -> None:
    """One event, one webhook-id: receivers can drop duplicates whatever path they came by."""
    first = register(RECEIVER).endpoint
    second = register(
        RECEIVER, organisation=other_marketplace, actor=other_marketplace_admin
    ).endpoint

    change_status(label, "suspend")

    [a], [b] = deliveries_of(first), deliveries_of(second)
    assert a.event_id == b.event_id
    assert isinstance(a.event_id, uuid.UUID)


def test_without_endpoints_a_status_change_writes_no_delivery(label, change_status) -> None:
    change_status(label, "suspend")

    assert WebhookDelivery.objects.count() == 0


# --- a revoked signing key ----------------------------------------------------------------


def test_a_revoked_signing_key_owes_an_event_for_each_label_it_signed(
    issue_label, world, register, django_capture_on_commit_callbacks
) -> None:
    endpoint = register(RECEIVER).endpoint
    first, second = issue_label(), issue_label()
    keys.signing_key_rotate(world.body)
    newer = issue_label()  # signed with the new key: not concerned
    issued = len(deliveries_of(endpoint))

    with django_capture_on_commit_callbacks() as callbacks:
        services.signing_key_revoke(
            actor=world.body_admin, key_id=first.signing_key_id, reason="The HSM backup was lost."
        )

    owed = deliveries_of(endpoint)[issued:]
    assert [(d.label, d.event_type) for d in owed] == [
        (first, "key_revoked"),
        (second, "key_revoked"),
    ]
    assert newer not in [d.label for d in owed]
    for delivery, label in zip(owed, (first, second), strict=True):
        event = LabelEvent.objects.get(label=label, action="key_revoked")
        assert delivery.event_id == event_id_for(event)
        payload = delivery.payload
        assert payload["type"] == "cn.carbonlabel.label.key_revoked"
        assert payload["subject"] == label.serial
        data = payload["data"]
        assert (data["serial"], data["event"]) == (label.serial, "key_revoked")
        # Its own status is unchanged; the verdict says it can no longer be trusted.
        assert (data["status"], data["verdict"]) == (LabelStatus.VALID, "KEY_REVOKED")
        assert data["reason"] == "The HSM backup was lost."
    # Each send is queued for after the commit, as a status change's is.
    assert [c.__qualname__ for c in callbacks].count(
        "delivery_enqueue_on_commit.<locals>.enqueue"
    ) == 2


def test_status_events_carry_the_verdict(issue_label, register, change_status) -> None:
    endpoint = register(RECEIVER).endpoint
    label = issue_label()

    change_status(label, "suspend")

    [issued, suspended] = [d.payload["data"] for d in deliveries_of(endpoint)]
    assert issued["verdict"] == "VALID"
    assert suspended["verdict"] == "SUSPENDED"


def test_the_key_revoked_event_goes_only_to_endpoints_taking_it(label, world, register) -> None:
    status_only = register(RECEIVER, events=("suspended", "revoked")).endpoint
    key_events = register(RECEIVER, events=("key_revoked",)).endpoint

    services.signing_key_revoke(actor=world.body_admin, key_id=label.signing_key_id, reason="Lost.")

    assert deliveries_of(status_only) == []
    assert [d.event_type for d in deliveries_of(key_events)] == ["key_revoked"]


def test_a_rotation_owes_nothing(label, world, register) -> None:
    endpoint = register(RECEIVER).endpoint
    before = len(deliveries_of(endpoint))

    keys.signing_key_rotate(world.body)

    assert len(deliveries_of(endpoint)) == before


def test_a_revocation_that_fails_owes_nothing(label, world, register) -> None:
    endpoint = register(RECEIVER).endpoint
    before = len(deliveries_of(endpoint))

    with pytest.raises(ValidationError):
        services.signing_key_revoke(actor=world.body_admin, key_id=label.signing_key_id, reason=" ")

    assert len(deliveries_of(endpoint)) == before
    assert Label.objects.get(pk=label.pk).key_revoked_at is None


def test_the_release_marks_labels_of_keys_revoked_before_it_and_subscribes_revocations(
    label, register
) -> None:
    """Migration 0008: labels signed by a key revoked before the release read as such, and the
    endpoints that took revocations take the new event (new endpoints take every type)."""
    migration = importlib.import_module("labels.migrations.0008_label_key_revoked_at")
    revocations = register(RECEIVER, events=("revoked",)).endpoint
    suspensions = register(RECEIVER, events=("suspended",)).endpoint
    revoked_at = timezone.now() - timedelta(days=3)
    SigningKey.objects.filter(pk=label.signing_key_id).update(revoked_at=revoked_at)
    assert Label.objects.get(pk=label.pk).verdict().valid  # as before the release

    migration.key_revocations_copy(django_apps, None)

    assert Label.objects.get(pk=label.pk).key_revoked_at == revoked_at
    assert Label.objects.get(pk=label.pk).verdict().reason == "KEY_REVOKED"
    revocations.refresh_from_db()
    suspensions.refresh_from_db()
    assert revocations.event_types == ["revoked", "key_revoked"]
    assert suspensions.event_types == ["suspended"]
