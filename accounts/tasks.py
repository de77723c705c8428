"""Celery tasks of the accounts."""

from celery import shared_task

from . import services


@shared_task
def expired_registrations_delete() -> int:
    """Hourly: the registrations whose confirmation link ran out, deleted (idempotent)."""
    return services.expired_registrations_delete()
