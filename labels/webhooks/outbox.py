"""The outbox writer: deliveries are rows written in the transaction of the change they report.

A rolled-back change leaves no row; a committed one always leaves its rows, even when the
broker is down at commit (the on-commit enqueue is best effort, `robust=True`): the beat sweep
`webhook_deliveries_due` sends whatever is due and was never picked up.
"""

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from labels.models import Label, LabelEvent

from .events import label_event_payload
from .models import EventType, LabelPush, WebhookDelivery, WebhookEndpoint


def webhook_deliveries_create(*, label: Label, action: str) -> list[WebhookDelivery]:
    """Owe the label event `action` (a LabelEvent action) to every active endpoint that
    subscribes to it and covers the label's GTIN, or whose marketplace the holder pushed the
    label to. Call inside the transaction that recorded the LabelEvent."""
    if action not in EventType.values:
        return []  # superseded and other internal events are not published
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(is_active=True).defer("secret_encrypted")
        if endpoint.subscribes_to(action)
    ]
    if not endpoints:
        return []
    pushed_to = set(LabelPush.objects.filter(label=label).values_list("marketplace_id", flat=True))
    endpoints = [
        endpoint
        for endpoint in endpoints
        if endpoint.covers_gtin(label.gtin) or endpoint.marketplace_id in pushed_to
    ]
    if not endpoints:
        return []
    label_event = LabelEvent.objects.filter(label=label, action=action).latest("pk")
    return deliveries_write(
        endpoints, label=label, event_type=action, payload=label_event_payload(label, label_event)
    )


def deliveries_write(
    endpoints: Iterable[WebhookEndpoint],
    *,
    label: Label | None,
    event_type: str,
    payload: dict[str, Any],
    push: LabelPush | None = None,
) -> list[WebhookDelivery]:
    """One delivery per endpoint that does not have this event yet, each sent after commit."""
    endpoints = list(endpoints)
    already = set(
        WebhookDelivery.objects.filter(event_id=payload["id"], endpoint__in=endpoints).values_list(
            "endpoint_id", flat=True
        )
    )
    created = [
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            label=label,
            push=push,
            event_id=payload["id"],
            event_type=event_type,
            payload=payload,
        )
        for endpoint in endpoints
        if endpoint.pk not in already
    ]
    for delivery in created:
        delivery_enqueue_on_commit(delivery.pk)
    return created


def delivery_enqueue_on_commit(delivery_id: int) -> None:
    def enqueue() -> None:
        from .tasks import webhook_deliver

        webhook_deliver.delay(delivery_id)

    # robust: a broker that is down must not turn a committed change into an error page; the
    # row is already durable and the sweep sends it once the broker is back.
    transaction.on_commit(enqueue, robust=True)
