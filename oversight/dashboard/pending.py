"""The panels of the certificate's life after issuance and of the oversight procedures:
complaints and appeals per body, surveillance overdue, random sampling outcomes. Each is one
aggregate query, whatever the number of records, and honours the dashboard's filters.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Count, F, IntegerField, Min, Q, Value
from django.utils import timezone

from certification.models import CertificateStatus
from oversight.appeals.models import Appeal, AppealStatus
from oversight.complaints.models import Complaint
from oversight.complaints.selectors import overdue_condition
from oversight.dashboard.filters import DashboardFilters, categories_under, enterprises_in_province
from oversight.models import ReinspectionOutcome, SamplingItem, Surveillance, SurveillanceStatus


def _scope(
    filters: DashboardFilters, *, body: str, category: str, enterprise: str, created: str | None
) -> Q:
    """The filters on a model whose body, product category and enterprise are reached by the
    given paths, and whose date of record is `created` (None: no period)."""
    q = Q()
    if created:
        q &= Q(**{f"{created}__gte": filters.start, f"{created}__lt": filters.end})
    if filters.body_id:
        q &= Q(**{body: filters.body_id})
    if filters.category_id:
        q &= Q(**{f"{category}__in": categories_under(filters.category_id)})
    if filters.province:
        q &= Q(**{f"{enterprise}__in": enterprises_in_province(filters.province)})
    return q


def complaints_and_appeals_per_body(filters: DashboardFilters) -> list[dict]:
    """Rows {"body_id", "body", "complaints", "complaints_overdue", "appeals",
    "appeals_upheld"}, one per body, for the filters' period and scope.

    Complaints and appeals count when they were filed in the period; a complaint is overdue
    when it is past a deadline today (`oversight.complaints.selectors.complaints_overdue`), an
    appeal upheld when the decision appealed was confirmed. One query: the complaints' groups
    and the appeals' groups in one UNION ALL."""
    zero = Value(0, output_field=IntegerField())
    complaints = (
        Complaint.objects.filter(
            _scope(
                filters,
                body="body_id",
                enterprise="certificate__enterprise_id",
                category="certificate__product__category_id",
                created="created_at",
            )
        )
        .order_by()
        .values("body_id", "body__name")
        .annotate(
            complaints=Count("pk"),
            overdue=Count("pk", filter=overdue_condition(timezone.localdate())),
            appeals=zero,
            upheld=zero,
        )
    )
    appeals = (
        Appeal.objects.filter(
            _scope(
                filters,
                body="body_id",
                enterprise="enterprise_id",
                category="application__product__category_id",
                created="created_at",
            )
        )
        .order_by()
        .values("body_id", "body__name")
        .annotate(
            complaints=zero,
            overdue=zero,
            appeals=Count("pk"),
            upheld=Count("pk", filter=Q(status=AppealStatus.UPHELD)),
        )
    )
    rows: dict[int, dict] = {}
    for body_id, name, *figures in complaints.union(appeals, all=True).values_list(
        "body_id", "body__name", "complaints", "overdue", "appeals", "upheld"
    ):
        row = rows.setdefault(
            body_id,
            {
                "body_id": body_id,
                "body": name,
                "complaints": 0,
                "complaints_overdue": 0,
                "appeals": 0,
                "appeals_upheld": 0,
            },
        )
        for key, value in zip(
            ("complaints", "complaints_overdue", "appeals", "appeals_upheld"), figures, strict=True
        ):
            row[key] += value
    return sorted(rows.values(), key=lambda row: (row["body"], row["body_id"]))


def surveillance_overdue(filters: DashboardFilters) -> Sequence[Mapping[str, Any]]:
    """Rows {"body_id", "body", "overdue", "oldest_due"}: certificates whose surveillance is past
    its due date, per body.

    A surveillance is overdue when it is not closed and its due date is before today; only
    certificates in force (valid or suspended) count, as in the supervision sweep
    (`oversight/supervision/sweep.py`). The period selects the surveillances that fell due in it;
    a certificate with several overdue surveillances counts once, `oldest_due` is the earliest
    due date."""
    today = timezone.localdate()
    q = _scope(
        filters,
        body="certificate__certification_body_id",
        enterprise="certificate__enterprise_id",
        category="certificate__product__category_id",
        created=None,
    )
    q &= Q(
        due_on__gte=filters.date_from,
        due_on__lte=filters.date_to,
        due_on__lt=today,
        certificate__status__in=[CertificateStatus.VALID, CertificateStatus.SUSPENDED],
    )
    rows = (
        Surveillance.objects.filter(q)
        .exclude(status=SurveillanceStatus.CLOSED)
        .order_by()
        .values(
            body_id=F("certificate__certification_body_id"),
            body=F("certificate__certification_body__name"),
        )
        .annotate(overdue=Count("certificate_id", distinct=True), oldest_due=Min("due_on"))
    )
    return sorted(rows, key=lambda row: (row["body"], row["body_id"]))


def sampling_outcomes(filters: DashboardFilters) -> list[dict]:
    """Rows {"draw", "drawn_on", "seed", "certificates", "conforming", "nonconforming",
    "pending"}, one per random sampling draw in the period.

    `draw` is the draw's number (its id), `drawn_on` the local date of the draw. The body,
    category and province filters select the drawn certificates counted; a draw none of whose
    certificates they select is left out."""
    q = _scope(
        filters,
        body="certificate__certification_body_id",
        enterprise="certificate__enterprise_id",
        category="certificate__product__category_id",
        created="draw__drawn_at",
    )
    outcome = ReinspectionOutcome
    rows = (
        SamplingItem.objects.filter(q)
        .order_by()
        .values("draw_id", "draw__drawn_at", "draw__seed")
        .annotate(
            certificates=Count("pk"),
            conforming=Count("pk", filter=Q(outcome=outcome.CONFORMING)),
            nonconforming=Count("pk", filter=Q(outcome=outcome.NONCONFORMING)),
            pending=Count("pk", filter=Q(outcome=outcome.PENDING)),
        )
        .order_by("-draw__drawn_at", "-draw_id")
    )
    return [
        {
            "draw": row["draw_id"],
            "drawn_on": timezone.localtime(row["draw__drawn_at"]).date(),
            "seed": row["draw__seed"],
            "certificates": row["certificates"],
            "conforming": row["conforming"],
            "nonconforming": row["nonconforming"],
            "pending": row["pending"],
        }
        for row in rows
    ]
