"""Celery tasks: take ids, re-read state, claim work with a conditional update."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .models import Notification

CLAIM_TIMEOUT = timedelta(minutes=10)


def _send_one(notification_id: int) -> bool:
    now = timezone.now()
    # Claim: only one worker gets the row; a claim older than CLAIM_TIMEOUT is free again.
    claimed = (
        Notification.objects.filter(pk=notification_id, email_sent_at__isnull=True)
        .exclude(email_claimed_at__gt=now - CLAIM_TIMEOUT)
        .update(email_claimed_at=now)
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    link = settings.PORTAL_BASE_URL.rstrip("/") + notification.url
    send_mail(
        subject=notification.subject,
        message=f"{notification.body}\n\n{link}",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[notification.recipient.email],
    )
    Notification.objects.filter(pk=notification_id).update(email_sent_at=timezone.now())
    return True


@shared_task(bind=True, max_retries=5, default_retry_delay=30, acks_late=True)
def notification_emails_send(self, event_id: int) -> int:
    """Send the e-mails of one transition. Idempotent: a sent row is never sent again."""
    ids = list(
        Notification.objects.filter(event_id=event_id, email_sent_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    sent = 0
    try:
        for notification_id in ids:
            sent += _send_one(notification_id)
    except OSError as error:  # SMTP down: release nothing, the claim times out; retry later.
        raise self.retry(exc=error) from error
    return sent


@shared_task(bind=True, max_retries=5, default_retry_delay=30, acks_late=True)
def notification_emails_send_ids(self, notification_ids: list[int]) -> int:
    """Send the e-mails of notifications that belong to no transition (label events, digests)."""
    sent = 0
    try:
        for notification_id in notification_ids:
            sent += _send_one(notification_id)
    except OSError as error:
        raise self.retry(exc=error) from error
    return sent


@shared_task
def notification_emails_sweep() -> int:
    """Send what a lost task or a dead worker left behind (beat runs this every 5 minutes)."""
    cutoff = timezone.now() - timedelta(seconds=settings.TASK_SWEEP_GRACE_SECONDS)
    ids = Notification.objects.filter(email_sent_at__isnull=True, created_at__lt=cutoff)
    return sum(_send_one(pk) for pk in ids.values_list("pk", flat=True)[:500])
