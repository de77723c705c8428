"""The complainant is told the outcome by e-mail, once, after the decision commits."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from oversight.complaints.models import Complaint
from oversight.complaints.texts import contact_email, outcome_text

CLAIM_TIMEOUT = timedelta(minutes=10)
# How long after its decision a complaint's e-mail is still sent by the sweep.
SWEEP_DAYS = 7


# The registered name predates this app: queued messages use it.
@shared_task(
    name="audits.complaints.tasks.complaint_outcome_email_send",
    bind=True,
    max_retries=5,
    default_retry_delay=30,
    acks_late=True,
)
def complaint_outcome_email_send(self, complaint_id: int) -> bool:
    """Idempotent: the row is claimed with a conditional update and never mailed twice."""
    now = timezone.now()
    # A claim older than CLAIM_TIMEOUT is free again: its worker died before sending.
    claimed = (
        Complaint.objects.filter(
            pk=complaint_id, outcome_emailed_at__isnull=True, decided_at__isnull=False
        )
        .exclude(outcome_email_claimed_at__gt=now - CLAIM_TIMEOUT)
        .update(outcome_email_claimed_at=now)
    )
    if not claimed:
        return False
    complaint = Complaint.objects.select_related("label").get(pk=complaint_id)
    address = contact_email(complaint.contact)
    if not address:
        return False
    with translation.override(complaint.language):
        subject = _("Your complaint %(reference)s was decided") % {"reference": complaint.reference}
        body = (
            outcome_text(complaint)
            + "\n\n"
            + _("Label %(serial)s: %(url)s")
            % {
                "serial": complaint.label.serial,
                "url": settings.PORTAL_BASE_URL.rstrip("/")
                + reverse("labels:public_page", args=[complaint.label.serial]),
            }
        )
    try:
        send_mail(
            subject=subject,
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[address],
        )
    except OSError as error:  # the mail server is down: free the claim and retry later
        Complaint.objects.filter(pk=complaint_id).update(outcome_email_claimed_at=None)
        raise self.retry(exc=error) from error
    Complaint.objects.filter(pk=complaint_id).update(outcome_emailed_at=timezone.now())
    return True


@shared_task
def complaint_outcome_emails_sweep() -> int:
    """Queue the outcome e-mails a lost task, a dead worker or a long mail outage left behind
    (beat runs this every 5 minutes), for decisions of the last SWEEP_DAYS."""
    now = timezone.now()
    due = (
        Complaint.objects.filter(
            outcome_emailed_at__isnull=True,
            decided_at__lt=now - timedelta(seconds=settings.TASK_SWEEP_GRACE_SECONDS),
            decided_at__gte=now - timedelta(days=SWEEP_DAYS),
        )
        .exclude(outcome_email_claimed_at__gt=now - CLAIM_TIMEOUT)
        .values_list("pk", "contact")
    )
    queued = [pk for pk, contact in due[:500] if contact_email(contact)]
    for pk in queued:
        complaint_outcome_email_send.delay(pk)
    return len(queued)
