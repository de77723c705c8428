"""Celery tasks: take ids, claim with a conditional update (in `sending`), idempotent.

Imports of Django models stay inside the functions: this module is imported with the package,
while the labels models are still loading."""

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def webhook_deliver(delivery_id: int) -> str | None:
    """Send one delivery if it is due; a duplicate or late task finds it claimed or done."""
    from .sending import delivery_attempt

    return delivery_attempt(delivery_id)


@shared_task(ignore_result=True)
def webhook_deliveries_due() -> int:
    """Beat, every 30 s: retries that are due, deliveries whose on-commit task never reached the
    broker (it was down at commit), and claims of senders that died."""
    from .sending import deliveries_due_ids

    ids = deliveries_due_ids()
    for delivery_id in ids:
        webhook_deliver.delay(delivery_id)
    return len(ids)
