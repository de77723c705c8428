"""Writes of webhooks: endpoints, test sends, manual redelivery and pushes. Each takes an
actor, checks it, and runs in one transaction; deliveries it owes are sent after commit."""

import uuid
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from certification.errors import ActorNotPermitted, TransitionNotAllowed
from labels.models import Label, LabelEvent

from .crypto import secret_encrypt, secret_generate
from .events import label_event_payload, test_payload
from .models import (
    TEST_EVENT,
    DeliveryStatus,
    EventType,
    LabelPush,
    WebhookDelivery,
    WebhookEndpoint,
)
from .outbox import deliveries_write, delivery_enqueue_on_commit
from .selectors import Caller, marketplaces_administered, push_marketplaces, user_may_push
from .validation import endpoint_url_validate, event_types_clean, gtins_clean


def _ensure_marketplace_admin(actor: Caller, marketplace: Organisation) -> None:
    if marketplace.pk not in {m.pk for m in marketplaces_administered(actor)}:
        raise ActorNotPermitted(_("Only the marketplace's administrators manage its webhooks."))


def _cleaned(*, url: str, event_types: Iterable[str], gtins: Iterable[str]) -> dict:
    """Every field checked, every error reported at once."""
    checks: dict[str, Callable[[], object]] = {
        "url": lambda: endpoint_url_validate(url),
        "event_types": lambda: event_types_clean(event_types),
        "gtins": lambda: gtins_clean(gtins),
    }
    values, errors = {}, {}
    for field, clean in checks.items():
        try:
            values[field] = clean()
        except ValidationError as error:
            errors[field] = error.messages
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def webhook_endpoint_create(
    *,
    actor: Caller,
    marketplace: Organisation,
    url: str,
    event_types: Iterable[str],
    gtins: Iterable[str] = (),
    description: str = "",
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret, which is returned here and never shown again."""
    _ensure_marketplace_admin(actor, marketplace)
    values = _cleaned(url=url, event_types=event_types, gtins=gtins)
    secret = secret_generate()
    endpoint = WebhookEndpoint.objects.create(
        marketplace=marketplace,
        description=description.strip(),
        secret_encrypted=secret_encrypt(secret),
        created_by=actor if isinstance(actor, User) else None,
        **values,
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(
    *,
    actor: Caller,
    endpoint_id: int,
    url: str,
    event_types: Iterable[str],
    gtins: Iterable[str],
    description: str,
    is_active: bool,
) -> WebhookEndpoint:
    endpoint = (
        WebhookEndpoint.objects.select_for_update(no_key=True)
        .select_related("marketplace")
        .get(pk=endpoint_id)
    )
    _ensure_marketplace_admin(actor, endpoint.marketplace)
    values = _cleaned(url=url, event_types=event_types, gtins=gtins)
    for field, value in {
        **values,
        "description": description.strip(),
        "is_active": is_active,
    }.items():
        setattr(endpoint, field, value)
    endpoint.save(update_fields=["url", "event_types", "gtins", "description", "is_active"])
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, actor: Caller, endpoint_id: int) -> None:
    """The endpoint goes with its delivery log; pending deliveries are dropped."""
    endpoint = (
        WebhookEndpoint.objects.select_for_update(no_key=True)
        .select_related("marketplace")
        .get(pk=endpoint_id)
    )
    _ensure_marketplace_admin(actor, endpoint.marketplace)
    endpoint.delete()


@transaction.atomic
def webhook_endpoint_test_send(*, actor: Caller, endpoint_id: int) -> WebhookDelivery:
    endpoint = WebhookEndpoint.objects.select_related("marketplace").get(pk=endpoint_id)
    _ensure_marketplace_admin(actor, endpoint.marketplace)
    if not endpoint.is_active:
        raise TransitionNotAllowed(_("Activate the endpoint before sending it a test event."))
    payload = test_payload(
        event_id=uuid.uuid4(), marketplace_name=endpoint.marketplace.name, time=timezone.now()
    )
    [delivery] = deliveries_write([endpoint], label=None, event_type=TEST_EVENT, payload=payload)
    return delivery


@transaction.atomic
def webhook_delivery_redeliver(*, actor: Caller, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again now, with the same webhook-id and body; a new retry window starts.
    Every earlier attempt stays in the log."""
    delivery = (
        WebhookDelivery.objects.select_for_update(no_key=True)
        .select_related("endpoint__marketplace")
        .get(pk=delivery_id)
    )
    _ensure_marketplace_admin(actor, delivery.endpoint.marketplace)
    now = timezone.now()
    if not delivery.endpoint.is_active:
        raise TransitionNotAllowed(_("Activate the endpoint before redelivering to it."))
    if delivery.status == DeliveryStatus.SENDING and delivery.next_attempt_at > now:
        raise TransitionNotAllowed(_("This delivery is being sent right now."))
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = now
    delivery.redelivered_at = now
    delivery.save(update_fields=["status", "next_attempt_at", "redelivered_at"])
    delivery_enqueue_on_commit(delivery.pk)
    return delivery


@transaction.atomic
def label_push(*, actor: User, label_id: int, marketplace_ids: Iterable[int]) -> list[LabelPush]:
    """The holder tells the chosen marketplaces about a valid label: their endpoints taking
    'issued' events receive the label's issued event (with its GTIN) whatever their GTIN filter,
    and later status changes of the label too. Pushing twice to a marketplace does nothing."""
    # Lock the label: two pushes at once must not both create the same LabelPush.
    label = (
        Label.objects.select_for_update(of=("self",), no_key=True)
        .select_related("certificate")
        .get(pk=label_id)
    )
    if not user_may_push(actor, label):
        raise ActorNotPermitted(_("Only the holder's administrators push its labels."))
    if not label.verdict().valid:
        raise TransitionNotAllowed(_("Only a valid label can be pushed to marketplaces."))
    eligible = {marketplace.pk: marketplace for marketplace in push_marketplaces()}
    chosen = set(marketplace_ids)
    if not chosen:
        raise ValidationError({"marketplaces": [_("Choose at least one marketplace.")]})
    if chosen - set(eligible):
        raise ValidationError(
            {"marketplaces": [_("Choose marketplaces that receive label events.")]}
        )
    pushed = set(LabelPush.objects.filter(label=label).values_list("marketplace_id", flat=True))
    issued = LabelEvent.objects.filter(label=label, action=EventType.ISSUED).earliest("pk")
    payload = label_event_payload(label, issued)
    created = []
    for marketplace_id in sorted(chosen - pushed):
        push = LabelPush.objects.create(
            label=label, marketplace=eligible[marketplace_id], requested_by=actor
        )
        endpoints = [
            endpoint
            for endpoint in WebhookEndpoint.objects.filter(
                marketplace_id=marketplace_id, is_active=True
            )
            if endpoint.subscribes_to(EventType.ISSUED)
        ]
        deliveries_write(
            endpoints, label=label, event_type=EventType.ISSUED, payload=payload, push=push
        )
        created.append(push)
    return created
