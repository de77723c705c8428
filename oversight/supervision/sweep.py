"""The supervision sweep: every automatic rule of a certificate's life, as of one date.

Rules, in the order they win when several hold for one certificate on the same day:
1. validity ended                         → expired    (`validity_ended`)
2. suspended past its maximum             → withdrawn  (`suspension_max_exceeded`); not a
   voluntary suspension set to end by then, whose end is rule 3's even when the sweep runs late
3. voluntary suspension reached its end   → valid      (`voluntary_ended`)
4. a surveillance not closed by its due date plus the grace → suspended (`surveillance_overdue`)
5. a confirmed nonconformity not decided in time            → suspended (`nonconformity_undecided`)
6. a surveillance finding unanswered past its deadline      → suspended (`findings_overdue`)
plus notices 30 and 7 days (SUPERVISION_NOTICE_DAYS) ahead of each deadline, gathered into one
digest per recipient and day.

Each rule is one query over a partial index of the rows that are due, so the sweep's cost
follows the certificates that change, not the size of the tables. The plan is computed first
and then applied change by change, each in its own transaction and only if the certificate's
status is still the one planned from: a second sweep of the same day finds nothing to do, and
`--dry-run` prints exactly the plan the sweep then applies.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.models import Membership, User
from accounts.roles import Role
from audits.models import Finding, FindingStatus
from certification.models import Certificate, CertificateStatus, Notification
from certification.notifications import notification_emails_queue
from labels.models import ReasonCode
from labels.services import certificate_status_apply, certificate_suspension_reason_change
from oversight.blacklist import blacklist_effects_due
from oversight.models import SupervisionNotice, Surveillance, SurveillanceStatus
from oversight.supervision.selectors import overdue_certificate_ids

IN_FORCE = [CertificateStatus.VALID, CertificateStatus.SUSPENDED]
# A voluntary suspension the holder set to end by its maximum: its end is rule 3's (restored,
# or kept for an overdue surveillance), never a withdrawal, even on a sweep that runs late.
ENDS_BY_ITSELF = Q(
    suspension_reason_code=ReasonCode.VOLUNTARY, voluntary_until__lte=F("suspension_ends_on")
)


@dataclass(frozen=True)
class Change:
    certificate_id: int
    number: str
    old: str
    new: str
    action: str
    reason_code: str

    def line(self) -> str:
        return f"{self.number} {self.old} -> {self.new} {self.reason_code}"


# Stored as written here, in the catalogue's source language; the pages show them in the
# reader's language (``{% translate label.status_reason %}`` finds them in the catalogue).
REASON_TEXT: dict[str, str] = {
    ReasonCode.VALIDITY_ENDED: gettext_noop("Validity period ended."),
    ReasonCode.SUSPENSION_MAX_EXCEEDED: gettext_noop(
        "Suspension not lifted within its maximum length."
    ),
    ReasonCode.VOLUNTARY_ENDED: gettext_noop("End of the voluntary suspension."),
    ReasonCode.SURVEILLANCE_OVERDUE: gettext_noop(
        "Surveillance not completed by its due date and grace."
    ),
    ReasonCode.DECISION_OVERDUE: gettext_noop("Confirmed nonconformity not decided in time."),
    ReasonCode.FINDINGS_OVERDUE: gettext_noop(
        "Surveillance findings not answered by their deadline."
    ),
}


def sweep_plan(as_of: date, only: int | None = None) -> list[Change]:
    """Every status change the rules call for as of `as_of`, one per certificate (or for the
    one certificate `only`)."""
    planned: dict[int, Change] = {}
    certificates = (
        Certificate.objects.all() if only is None else Certificate.objects.filter(pk=only)
    )

    def plan(rows, old: str, new: str, action: str, reason: str | dict[int, str]) -> None:
        for certificate_id, number, status in rows:
            code = reason if isinstance(reason, str) else reason[certificate_id]
            planned.setdefault(
                certificate_id, Change(certificate_id, number, status or old, new, action, code)
            )

    columns = ("pk", "number", "status")
    plan(
        certificates.filter(status__in=IN_FORCE, valid_until__lt=as_of).values_list(*columns),
        "",
        CertificateStatus.EXPIRED,
        "expire",
        ReasonCode.VALIDITY_ENDED,
    )
    plan(
        certificates.filter(status=CertificateStatus.SUSPENDED, suspension_ends_on__lt=as_of)
        .exclude(ENDS_BY_ITSELF)
        .values_list(*columns),
        "",
        CertificateStatus.REVOKED,
        "revoke",
        ReasonCode.SUSPENSION_MAX_EXCEEDED,
    )
    still_overdue = overdue_certificate_ids(as_of, CertificateStatus.SUSPENDED, only)
    plan(
        certificates.filter(
            status=CertificateStatus.SUSPENDED,
            suspension_reason_code=ReasonCode.VOLUNTARY,
            voluntary_until__lte=as_of,
        )
        .exclude(pk__in=list(still_overdue))
        .values_list(*columns),
        "",
        CertificateStatus.VALID,
        "restore",
        ReasonCode.VOLUNTARY_ENDED,
    )
    overdue = overdue_certificate_ids(as_of, CertificateStatus.VALID, only)
    plan(
        certificates.filter(pk__in=list(overdue)).values_list(*columns),
        "",
        CertificateStatus.SUSPENDED,
        "suspend",
        overdue,
    )
    return sorted(planned.values(), key=lambda change: change.number)


def change_apply(change: Change, as_of: date) -> bool:
    """Apply one planned change in its own transaction, if the rule still calls for it."""
    with transaction.atomic():
        # Under the certificate's lock, the rule must still call for this very change: a
        # person may have acted since the plan (continued the surveillance, lifted or imposed a
        # suspension).
        Certificate.objects.select_for_update(no_key=True).filter(pk=change.certificate_id).first()
        if sweep_plan(as_of, only=change.certificate_id) != [change]:
            return False
        certificate = certificate_status_apply(
            certificate_id=change.certificate_id,
            action=change.action,
            reason=REASON_TEXT[change.reason_code],
            reason_code=change.reason_code,
            on=as_of,
            expected_status=change.old,
        )
        if certificate is None:
            return False
    return True


def _voluntary_ends_overdue(as_of: date) -> list[int]:
    """A voluntary suspension that ends while surveillance is overdue stays a suspension, now
    for the overdue surveillance (its clock runs on from the day it began)."""
    still_overdue = overdue_certificate_ids(as_of, CertificateStatus.SUSPENDED)
    ids = list(
        Certificate.objects.filter(
            pk__in=list(still_overdue),
            status=CertificateStatus.SUSPENDED,
            suspension_reason_code=ReasonCode.VOLUNTARY,
            voluntary_until__lte=as_of,
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        certificate_suspension_reason_change(
            certificate_id=pk,
            reason=REASON_TEXT[still_overdue[pk]],
            reason_code=still_overdue[pk],
            on=as_of,
        )
    return ids


def supervision_sweep(*, as_of: date, dry_run: bool = False) -> list[Change]:
    """Apply the plan (unless `dry_run`) and send the notices due; returns the changes made."""
    changes = sweep_plan(as_of)
    if dry_run:
        return changes
    done = [change for change in changes if change_apply(change, as_of)]
    _voluntary_ends_overdue(as_of)
    blacklist_effects_due(as_of)  # listings that came into force since they were made
    notices_send(as_of)
    return done


# --- notices ahead of each deadline -------------------------------------------------------

NOTICE_TEXT = {
    "surveillance": gettext_lazy(
        "surveillance must be completed by %(date)s, or the certificate is suspended"
    ),
    "findings": gettext_lazy(
        "surveillance findings must be answered by %(date)s, or the certificate is suspended"
    ),
    "withdrawal": gettext_lazy(
        "the suspension must be lifted by %(date)s, or the certificate is withdrawn"
    ),
    "expiry": gettext_lazy("the certificate expires on %(date)s; renew it before then"),
}


def _deadlines(as_of: date, horizon: date) -> list[tuple[int, str, date]]:
    """(certificate, kind, deadline) of every deadline after `as_of` up to `horizon`."""
    window = {"__gt": as_of, "__lte": horizon}

    def within(field: str) -> dict:
        return {field + suffix: day for suffix, day in window.items()}

    rows: list[tuple[int, str, date]] = []
    rows += [
        (c, "surveillance", d)
        for c, d in Surveillance.objects.filter(
            ~Q(status=SurveillanceStatus.CLOSED),
            certificate__status=CertificateStatus.VALID,
            **within("suspend_after"),
        ).values_list("certificate_id", "suspend_after")
    ]
    rows += [
        (c, "findings", d)
        for c, d in Finding.objects.filter(
            status=FindingStatus.OPEN,
            surveillance__isnull=False,
            surveillance__certificate__status=CertificateStatus.VALID,
            **within("due_on"),
        ).values_list("surveillance__certificate_id", "due_on")
        if d is not None  # within() leaves out the rows without one
    ]
    rows += [
        (c, "withdrawal", d)
        for c, d in Certificate.objects.filter(
            status=CertificateStatus.SUSPENDED, **within("suspension_ends_on")
        )
        .exclude(ENDS_BY_ITSELF)
        .values_list("pk", "suspension_ends_on")
        if d is not None  # within() leaves out the rows without one
    ]
    rows += [
        (c, "expiry", d)
        for c, d in Certificate.objects.filter(
            status__in=IN_FORCE, renewed_by__isnull=True, **within("valid_until")
        ).values_list("pk", "valid_until")
    ]
    return rows


def notices_due(as_of: date) -> list[SupervisionNotice]:
    """The notices not yet sent: for each deadline, the nearest lead time already reached."""
    leads = sorted(settings.SUPERVISION_NOTICE_DAYS)
    if not leads:
        return []
    rows = _deadlines(as_of, as_of + timedelta(days=leads[-1]))
    sent = set(
        SupervisionNotice.objects.filter(
            certificate_id__in={row[0] for row in rows},
            deadline__gt=as_of,
        ).values_list("certificate_id", "kind", "deadline", "days_before")
    )
    due = []
    for certificate_id, kind, deadline in sorted(set(rows)):
        days_left = (deadline - as_of).days
        lead = next(lead for lead in leads if days_left <= lead)
        if (certificate_id, kind, deadline, lead) not in sent:
            due.append(
                SupervisionNotice(
                    certificate_id=certificate_id,
                    kind=kind,
                    deadline=deadline,
                    days_before=lead,
                    sent_on=as_of,
                )
            )
    return due


def notices_send(as_of: date) -> list[Notification]:
    """Record and send the notices due. Two sweeps at once (beat and a person's command): the
    second's digest insert conflicts, and its retry finds the notices already recorded."""
    try:
        with transaction.atomic():
            return _notices_send(as_of)
    except IntegrityError:
        with transaction.atomic():
            return _notices_send(as_of)


def _notices_send(as_of: date) -> list[Notification]:
    # Only the notices this sweep recorded go into digests: another sweep running at once
    # recorded (and wrote into its digests) the ones whose insert conflicts here.
    notices = [notice for notice in notices_due(as_of) if _recorded(notice)]
    if not notices:
        return []
    certificates = Certificate.objects.in_bulk({n.certificate_id for n in notices})
    organisation_ids = {
        o for c in certificates.values() for o in (c.enterprise_id, c.certification_body_id)
    }
    people: dict[int, set[int]] = defaultdict(set)
    for organisation_id, user_id in Membership.objects.filter(
        organisation_id__in=organisation_ids,
        user__is_active=True,
        role__in=[Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_MEMBER, Role.BODY_ADMIN],
    ).values_list("organisation_id", "user_id"):
        people[organisation_id].add(user_id)
    lines: dict[int, list[SupervisionNotice]] = defaultdict(list)
    for notice in notices:
        certificate = certificates[notice.certificate_id]
        for user_id in (
            people[certificate.enterprise_id] | people[certificate.certification_body_id]
        ):
            lines[user_id].append(notice)
    return _digests_write(as_of, lines, certificates)


def _recorded(notice: SupervisionNotice) -> bool:
    try:
        with transaction.atomic():
            notice.save()
    except IntegrityError:
        return False
    return True


def _digests_write(
    as_of: date, lines: dict[int, list[SupervisionNotice]], certificates: dict[int, Certificate]
) -> list[Notification]:
    """One digest per recipient and day; a later sweep of the same day adds to it (in the
    inbox: its e-mail went with the first)."""
    users = User.objects.in_bulk(list(lines))
    existing = {
        n.recipient_id: n
        for n in Notification.objects.select_for_update(no_key=True).filter(
            recipient_id__in=list(lines), digest_on=as_of
        )
    }
    new_rows, changed = [], []
    for user_id, notices in sorted(lines.items()):
        user = users[user_id]
        with translation.override(user.notification_language):
            text = "\n".join(
                "- "
                + _("Certificate %(number)s: ") % {"number": certificates[n.certificate_id].number}
                + str(NOTICE_TEXT[n.kind]) % {"date": n.deadline.isoformat()}
                for n in notices
            )
            subject = _("Certificate deadlines ahead (%(date)s)") % {"date": as_of.isoformat()}
        if user_id in existing:
            digest = existing[user_id]
            digest.body = f"{digest.body}\n{text}"
            changed.append(digest)
        else:
            new_rows.append(
                Notification(
                    recipient=user,
                    subject=subject,
                    body=text,
                    url=reverse("audits:certificates"),
                    digest_on=as_of,
                )
            )
    Notification.objects.bulk_update(changed, ["body"])
    created = Notification.objects.bulk_create(new_rows)
    notification_emails_queue([row.pk for row in created])
    return created + changed
