"""Push, as Carbon Trust does for Amazon: the holder of a certified label picks marketplaces to
notify; their endpoints receive the 'issued' event with the GTIN whatever their GTIN filter."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from certification.errors import ActorNotPermitted, TransitionNotAllowed
from labels import services
from labels.models import LabelEvent
from labels.webhooks.events import event_id_for
from labels.webhooks.models import LabelPush, WebhookDelivery
from labels.webhooks.services import label_push
from tests.factories import make_gtin
from tests.labels.webhooks.conftest import deliveries_of, standard_webhooks_verify

pytestmark = pytest.mark.django_db

OTHER_GTIN = make_gtin(777_777)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def filtered(register, receiver):
    """GreenMall's endpoint: issued and status events, but only for another product."""
    return register(receiver.url, gtins=(OTHER_GTIN,))


@pytest.fixture
def bazaar(register, receiver, other_marketplace, other_marketplace_admin):
    """EcoBazaar's endpoint, also filtered to another product."""
    return register(
        receiver.url,
        gtins=(OTHER_GTIN,),
        organisation=other_marketplace,
        actor=other_marketplace_admin,
    )


def test_the_holder_pushes_a_label_to_a_chosen_marketplace(
    client_as,
    world,
    marketplace,
    filtered,
    bazaar,
    issue_label,
    receiver,
    committed,
    change_status,
) -> None:
    label = issue_label()  # after the endpoints exist: their GTIN filter keeps the issuance out
    assert deliveries_of(filtered.endpoint) == []
    client = client_as(world.enterprise_admin)
    page = client.get(reverse("webhooks:label_push", args=[label.serial]))
    assert page.status_code == 200
    assert {m.name for m in page.context["choices"]} == {"GreenMall", "EcoBazaar"}

    with committed():
        response = client.post(
            reverse("webhooks:label_push", args=[label.serial]), {"marketplaces": [marketplace.pk]}
        )

    assert response.status_code == 302
    [push] = LabelPush.objects.all()
    assert (push.label, push.marketplace, push.requested_by) == (
        label,
        marketplace,
        world.enterprise_admin,
    )
    [delivery] = deliveries_of(filtered.endpoint)
    assert delivery.push == push
    assert delivery.event_id == event_id_for(LabelEvent.objects.get(label=label, action="issued"))
    assert deliveries_of(bazaar.endpoint) == []  # not chosen
    [request] = receiver.requests
    assert standard_webhooks_verify(filtered.secret, request.headers, request.body)
    assert request.event["type"] == "cn.carbonlabel.label.issued"
    assert request.event["data"]["gtin"] == label.gtin
    assert request.event["data"]["serial"] == label.serial

    # The pushed marketplace hears of later status changes too, filter or not.
    with committed():
        change_status(label, "suspend")
    assert [d.event_type for d in deliveries_of(filtered.endpoint)] == ["issued", "suspended"]
    assert deliveries_of(bazaar.endpoint) == []
    assert receiver.requests[-1].event["type"] == "cn.carbonlabel.label.suspended"

    # The page lists the push with its delivery.
    page = client.get(reverse("webhooks:label_push", args=[label.serial]))
    assert [p.marketplace for p in page.context["pushes"]] == [marketplace]
    assert [m.name for m in page.context["choices"]] == ["EcoBazaar"]


def test_pushing_twice_sends_once(world, label, marketplace, filtered) -> None:
    assert (
        len(
            label_push(
                actor=world.enterprise_admin, label_id=label.pk, marketplace_ids=[marketplace.pk]
            )
        )
        == 1
    )
    assert (
        label_push(
            actor=world.enterprise_admin, label_id=label.pk, marketplace_ids=[marketplace.pk]
        )
        == []
    )

    assert LabelPush.objects.count() == 1
    assert len(deliveries_of(filtered.endpoint)) == 1


def test_a_subscriber_that_already_had_the_event_gets_no_duplicate(
    world,
    issue_label,
    register,
    marketplace,
) -> None:
    subscriber = register("http://127.0.0.1:9/hooks").endpoint  # no filter
    label = issue_label()
    assert len(deliveries_of(subscriber)) == 1

    label_push(actor=world.enterprise_admin, label_id=label.pk, marketplace_ids=[marketplace.pk])

    assert LabelPush.objects.filter(label=label, marketplace=marketplace).exists()
    assert len(deliveries_of(subscriber)) == 1


def test_only_the_holders_administrators_push(
    client_as, world, label, marketplace, filtered, other_marketplace_admin
) -> None:
    for person in (
        world.enterprise_member,
        world.other_enterprise_user,
        world.body_admin,
        world.decision_maker,
        other_marketplace_admin,
    ):
        client = client_as(person)
        url = reverse("webhooks:label_push", args=[label.serial])
        assert client.get(url).status_code == 404
        assert client.post(url, {"marketplaces": [marketplace.pk]}).status_code == 404
        with pytest.raises(ActorNotPermitted):
            label_push(actor=person, label_id=label.pk, marketplace_ids=[marketplace.pk])
    assert not LabelPush.objects.exists()
    assert deliveries_of(filtered.endpoint) == []


def test_the_label_page_links_to_the_push_for_the_holders_administrator(
    client_as,
    world,
    label,
) -> None:
    url = reverse("labels_portal:manage", args=[label.serial])
    push_url = reverse("webhooks:label_push", args=[label.serial])

    assert push_url in client_as(world.enterprise_admin).get(url).content.decode()
    for person in (world.enterprise_member, world.body_admin):
        assert push_url not in client_as(person).get(url).content.decode()


def test_only_a_valid_label_is_pushed(
    client_as, world, label, marketplace, filtered, change_status
) -> None:
    change_status(label, "suspend")
    WebhookDelivery.objects.all().delete()

    with pytest.raises(TransitionNotAllowed):
        label_push(
            actor=world.enterprise_admin, label_id=label.pk, marketplace_ids=[marketplace.pk]
        )
    response = client_as(world.enterprise_admin).post(
        reverse("webhooks:label_push", args=[label.serial]), {"marketplaces": [marketplace.pk]}
    )

    assert "Only a valid label can be pushed to marketplaces." in response.content.decode()
    assert not LabelPush.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_a_label_signed_with_a_revoked_key_is_not_pushed(
    client_as, world, label, marketplace, filtered
) -> None:
    url = reverse("labels_portal:manage", args=[label.serial])
    push_url = reverse("webhooks:label_push", args=[label.serial])
    services.signing_key_revoke(actor=world.body_admin, key_id=label.signing_key_id, reason="Lost")
    WebhookDelivery.objects.all().delete()

    with pytest.raises(TransitionNotAllowed):
        label_push(
            actor=world.enterprise_admin, label_id=label.pk, marketplace_ids=[marketplace.pk]
        )

    assert push_url not in client_as(world.enterprise_admin).get(url).content.decode()
    assert not LabelPush.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_only_marketplaces_receiving_issued_events_can_be_chosen(
    world,
    label,
    register,
    marketplace,
    other_marketplace,
    other_marketplace_admin,
) -> None:
    register("http://127.0.0.1:9/hooks", events=("revoked",))
    with pytest.raises(ValidationError):
        label_push(
            actor=world.enterprise_admin, label_id=label.pk, marketplace_ids=[marketplace.pk]
        )
    with pytest.raises(ValidationError):
        label_push(
            actor=world.enterprise_admin, label_id=label.pk, marketplace_ids=[world.enterprise.pk]
        )
    with pytest.raises(ValidationError):
        label_push(actor=world.enterprise_admin, label_id=label.pk, marketplace_ids=[])
    assert not LabelPush.objects.exists()
