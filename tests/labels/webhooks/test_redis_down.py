"""No delivery is lost when the broker is down at the moment of the status change: the change
commits, the outbox row stays pending, and the sweep sends it once the broker is back.

Real commits (transactional database), so on-commit work runs as in production; Celery sends to
a Redis URL on a closed port, as when Redis is down.
"""

import pytest

from config.celery import app as celery_app
from labels.models import Label, LabelEvent, LabelStatus
from labels.webhooks.models import DeliveryStatus, WebhookAttempt
from labels.webhooks.tasks import webhook_deliveries_due
from tests.labels.webhooks.conftest import deliveries_of, standard_webhooks_verify

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_DOWN = "redis://127.0.0.1:1/0"


def _forget_connections() -> None:
    """Drop the connection and producer pools Celery built for the previous broker URL."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_a_status_change_while_redis_is_down_is_delivered_after_recovery(
    label,
    register,
    change_status,
    receiver,
    caplog,
) -> None:
    registered = register(receiver.url)
    previous = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    try:
        celery_app.conf.broker_url = REDIS_DOWN
        celery_app.conf.task_always_eager = False
        _forget_connections()

        change_status(label, "revoke", reason="Data falsified.")  # commits; enqueue fails

        # The enqueue did fail (and was logged), it did not undo or block the change.
        assert (
            "Error calling delivery_enqueue_on_commit.<locals>.enqueue in on_commit()"
            in caplog.text
        )
        assert Label.objects.get(pk=label.pk).status == LabelStatus.REVOKED
        assert LabelEvent.objects.filter(label=label, action="revoked").exists()
        [delivery] = deliveries_of(registered.endpoint)
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
        assert receiver.requests == []
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = previous
        _forget_connections()

    # The broker is back: the next beat run of the sweep sends what was never picked up.
    assert webhook_deliveries_due() == 1

    [request] = receiver.requests
    assert request.event["type"] == "cn.carbonlabel.label.revoked"
    assert request.event["data"]["reason"] == "Data falsified."
    assert standard_webhooks_verify(registered.secret, request.headers, request.body)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert [a.status_code for a in WebhookAttempt.objects.filter(delivery=delivery)] == [200]
    assert webhook_deliveries_due() == 0
