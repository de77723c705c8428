"""The hourly anchor of the audit chain's head in the transparency log."""

from celery import shared_task

from .chain.services import chain_anchor


@shared_task(acks_late=True)
def audit_chain_anchor() -> int | None:
    """Idempotent: appends only when the head moved since the last anchor."""
    return chain_anchor()
