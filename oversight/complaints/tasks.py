"""The complainant is told the outcome by e-mail, once, after the decision commits."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from oversight.complaints.models import Complaint
from oversight.complaints.texts import contact_email, outcome_text


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
    claimed = Complaint.objects.filter(
        pk=complaint_id,
        outcome_emailed_at__isnull=True,
        outcome_email_claimed_at__isnull=True,
        decided_at__isnull=False,
    ).update(outcome_email_claimed_at=timezone.now())
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
