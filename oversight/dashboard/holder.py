"""An enterprise's dashboard: its certificates by expiry, the surveillance due on them and its
labels by status. Reads only, for the enterprises the person belongs to; a handful of queries
whatever the number of certificates."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import user_enterprise_ids
from audits.models import FindingStatus
from certification.models import Certificate, CertificateStatus
from labels.models import KEY_REVOKED, Label, LabelStatus, shown_label
from oversight.models import Surveillance, SurveillanceStatus
from oversight.supervision.services import renewal_window_opens

IN_FORCE = (CertificateStatus.PENDING_LABEL, CertificateStatus.VALID, CertificateStatus.SUSPENDED)
# Days left until the end of validity: each bucket holds up to its number of days.
EXPIRY_BUCKETS = (
    (-1, _("Past its end date")),
    (30, _("Within 30 days")),
    (90, _("31 to 90 days")),
    (180, _("91 to 180 days")),
    (365, _("181 to 365 days")),
    (None, _("More than a year")),
)


@dataclass(frozen=True)
class CertificateRow:
    certificate: Certificate
    days_left: int
    renewal_open: bool


@dataclass(frozen=True)
class SurveillanceRow:
    surveillance: Surveillance
    overdue: bool
    findings_open: int
    findings_due: date | None


@dataclass
class HolderBoard:
    certificates: list[CertificateRow] = field(default_factory=list)
    expiry: list[tuple[str, int]] = field(default_factory=list)
    surveillances: list[SurveillanceRow] = field(default_factory=list)
    labels: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def expiring_soon(self) -> int:
        return sum(1 for row in self.certificates if row.days_left <= 90)

    @property
    def surveillances_overdue(self) -> int:
        return sum(1 for row in self.surveillances if row.overdue)


def holder_board(user: User, today: date | None = None) -> HolderBoard:
    today = today or timezone.localdate()
    enterprise_ids = user_enterprise_ids(user)
    board = HolderBoard()
    certificates = Certificate.objects.filter(
        enterprise_id__in=enterprise_ids, status__in=IN_FORCE
    ).select_related("product", "certification_body")
    for certificate in certificates.order_by("valid_until", "number"):
        board.certificates.append(
            CertificateRow(
                certificate=certificate,
                days_left=(certificate.valid_until - today).days,
                renewal_open=renewal_window_opens(certificate) <= today,
            )
        )
    board.expiry = _expiry_buckets([row.days_left for row in board.certificates])
    surveillances = (
        Surveillance.objects.filter(
            certificate__enterprise_id__in=enterprise_ids,
            certificate__status__in=[CertificateStatus.VALID, CertificateStatus.SUSPENDED],
        )
        .exclude(status=SurveillanceStatus.CLOSED)
        .select_related("certificate", "certificate__product", "certificate__certification_body")
        .annotate(
            findings_open=Count("findings", filter=Q(findings__status=FindingStatus.OPEN)),
            findings_due=Min("findings__due_on", filter=Q(findings__status=FindingStatus.OPEN)),
        )
        .order_by("due_on", "pk")
    )
    board.surveillances = [
        SurveillanceRow(
            surveillance=surveillance,
            overdue=surveillance.due_on < today,
            findings_open=surveillance.findings_open,
            findings_due=surveillance.findings_due,
        )
        for surveillance in surveillances
    ]
    board.labels = _labels_by_status(enterprise_ids)
    return board


def _expiry_buckets(days_left: list[int]) -> list[tuple[str, int]]:
    counts = [0] * len(EXPIRY_BUCKETS)
    for days in days_left:
        for index, (limit, _label) in enumerate(EXPIRY_BUCKETS):
            if limit is None or days <= limit:
                counts[index] += 1
                break
    return [
        (str(label), count) for (_limit, label), count in zip(EXPIRY_BUCKETS, counts, strict=True)
    ]


def _labels_by_status(enterprise_ids: set[int]) -> list[tuple[str, str, int]]:
    """The current version of each label, by the status the world is told (`Label.verdict`:
    past its end, a valid label is expired; signed with a revoked key, it is not trusted)."""
    now = timezone.now()
    counts = dict.fromkeys([*LabelStatus.values, KEY_REVOKED], 0)
    labels = Label.objects.filter(
        certificate__enterprise_id__in=enterprise_ids, superseded_by__isnull=True
    ).only("status", "valid_until", "key_revoked_at")
    for label in labels:
        counts[label.verdict(now).shown] += 1
    return [(shown, str(shown_label(shown)), count) for shown, count in counts.items()]
