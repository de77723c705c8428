"""Surveillance due dates, planned when a certificate is issued."""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from certification.models import Certificate
from oversight.models import Surveillance, SurveillanceKind, SurveillanceOutcome, SurveillanceStatus


def surveillance_due_dates(certificate: Certificate) -> list[date]:
    """Every interval from the issue date, before the validity ends (renewal covers the end)."""
    dates: list[date] = []
    step = 1
    while True:
        due = certificate.issued_on + relativedelta(
            months=certificate.surveillance_interval_months * step
        )
        if due >= certificate.valid_until:
            return dates
        dates.append(due)
        step += 1


def surveillance_schedule_create(certificate: Certificate) -> list[Surveillance]:
    """The scheduled surveillances of a new certificate, and the first due date it shows."""
    rows = [
        Surveillance(
            certificate=certificate,
            number=number,
            kind=SurveillanceKind.SCHEDULED,
            due_on=due,
            suspend_after=suspend_after(certificate, due),
            status=SurveillanceStatus.DUE,
        )
        for number, due in enumerate(surveillance_due_dates(certificate), start=1)
    ]
    Surveillance.objects.bulk_create(rows)
    certificate.next_surveillance_due = rows[0].due_on if rows else None
    certificate.save(update_fields=["next_surveillance_due"])
    return rows


def surveillance_schedule_resume(certificate: Certificate, after: date) -> date | None:
    """The scheduled surveillances still ahead of `after` (a certificate reinstated on appeal
    after its surveillance was closed), and the next due date."""
    from django.db.models import Max

    dates = [due for due in surveillance_due_dates(certificate) if due > after]
    # Scheduled surveillances that are open, or were held, stand; those closed unheld when the
    # certificate ended are planned again.
    open_due = set(
        certificate.surveillances.filter(kind=SurveillanceKind.SCHEDULED)
        .exclude(status=SurveillanceStatus.CLOSED, outcome=SurveillanceOutcome.CANCELLED)
        .values_list("due_on", flat=True)
    )
    number = certificate.surveillances.aggregate(Max("number"))["number__max"] or 0
    rows = [
        Surveillance(
            certificate=certificate,
            number=number + offset,
            due_on=due,
            suspend_after=suspend_after(certificate, due),
        )
        for offset, due in enumerate((d for d in dates if d not in open_due), start=1)
    ]
    Surveillance.objects.bulk_create(rows)
    due = (
        certificate.surveillances.exclude(status=SurveillanceStatus.CLOSED)
        .order_by("due_on")
        .values_list("due_on", flat=True)
        .first()
    )
    Certificate.objects.filter(pk=certificate.pk).update(next_surveillance_due=due)
    return due


def suspend_after(certificate: Certificate, due: date) -> date:
    return due + timedelta(days=certificate.surveillance_grace_days)


def surveillances_close(certificate: Certificate, outcome: str) -> int:
    """A certificate no longer in force (or replaced by its renewal) is not surveilled: its
    open surveillances close with `outcome`, and the next due date it shows goes."""
    from labels.services import label_supervision_refresh

    closed = certificate.surveillances.exclude(status=SurveillanceStatus.CLOSED).update(
        status=SurveillanceStatus.CLOSED, outcome=outcome
    )
    Certificate.objects.filter(pk=certificate.pk).update(next_surveillance_due=None)
    # Re-read: the caller's copy may predate the status change that ended the certificate.
    label_supervision_refresh(Certificate.objects.get(pk=certificate.pk))
    return closed
