"""The dashboard's figures: one aggregate query each, grouped in the database.

Nothing here loops over data rows in Python: every query returns at most one row per group
(status × body, step × body, month × action × body, …), and the Python that follows only arranges
those groups. The number of queries per render is therefore fixed (see docs/oversight.md).

Lead times come from `ApplicationEvent`: the time spent in a step is the time between the event
that entered it and the next event of the same application, in whole days elapsed.

Two ways to the same figures. When the filters are the common ones (a period of whole months,
or whole months up to today, optionally one body), the figures are read from the counts kept
when the data changes (`audits.models.DashboardCount`, see `facts.py`): a few thousand rows at
most whatever the size of the data, medians taken from the per-day histograms. Otherwise (a
category, a province, a period cut inside a month) they are computed from the rows: a window
function (LAG) over the events, medians in SQL with ROW_NUMBER and COUNT windows, which SQLite
and PostgreSQL both run. The tests check that both give the same figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Lag, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from audits.dashboard import facts
from audits.models import DashboardCount, Finding, Severity
from certification.models import (
    Application,
    ApplicationEvent,
    Certificate,
    CertificateStatus,
    ProductCategory,
    Status,
)
from footprint.models import Recomputation
from labels.models import Label, LabelEvent, LabelStatus
from oversight.dashboard.filters import (
    Choices,
    DashboardFilters,
    categories_under,
    enterprises_in_province,
)

# The workflow's steps in order (where an application waits), then its outcomes.
STEPS = (
    Status.SUBMITTED,
    Status.ACCEPTED,
    Status.PLANNED,
    Status.IN_EVALUATION,
    Status.AWAITING_ENTERPRISE,
    Status.TECHNICAL_REVIEW,
    Status.PEER_REVIEW,
    Status.DECISION,
)
OUTCOMES = (Status.APPROVED, Status.REFUSED, Status.REJECTED, Status.WITHDRAWN)
SUSPENDED, WITHDRAWN = "suspended", "revoked"  # LabelEvent actions: suspension, withdrawal (撤销)
LABEL_ACTIONS = (SUSPENDED, WITHDRAWN)

# Deviation of the declared footprint from the platform's recomputation, in buckets.
DEVIATION_BUCKETS: tuple[tuple[str, Decimal | None, object], ...] = (
    ("lt1", Decimal("0.01"), _("under 1%")),
    ("1to2", Decimal("0.02"), _("1% to 2%")),
    ("2to5", Decimal("0.05"), _("2% to 5%")),
    ("5to10", Decimal("0.10"), _("5% to 10%")),
    ("10to20", Decimal("0.20"), _("10% to 20%")),
    # xgettext:no-python-format
    ("ge20", None, _("20% or more")),
)
NO_DEVIATION = ("none", _("nothing declared"))


# --- scope ----------------------------------------------------------------------------------


def application_scope(filters: DashboardFilters, prefix: str = "") -> Q:
    """The applications the filters select, as a Q on a model that reaches Application by
    `prefix`. Drafts are the enterprise's own work, not yet a request to a body: left out."""
    q = Q(**{f"{prefix}created_at__gte": filters.start, f"{prefix}created_at__lt": filters.end})
    q &= ~Q(**{f"{prefix}status": Status.DRAFT})
    if filters.body_id:
        q &= Q(**{f"{prefix}certification_body_id": filters.body_id})
    if filters.category_id:
        q &= Q(**{f"{prefix}product__category_id__in": categories_under(filters.category_id)})
    if filters.province:
        q &= Q(**{f"{prefix}enterprise_id__in": enterprises_in_province(filters.province)})
    return q


def label_scope(filters: DashboardFilters) -> Q:
    """Label events of the period, of labels the body, category and province filters select."""
    q = Q(created_at__gte=filters.start, created_at__lt=filters.end)
    if filters.body_id:
        q &= Q(label__certificate__certification_body_id=filters.body_id)
    if filters.category_id:
        q &= Q(label__certificate__product__category_id__in=categories_under(filters.category_id))
    if filters.province:
        q &= Q(label__certificate__enterprise_id__in=enterprises_in_province(filters.province))
    return q


# --- the portable median --------------------------------------------------------------------


def _duration_days(later: str, earlier: str) -> str:
    """Whole days elapsed, exactly (`facts.whole_days`): microseconds on both databases."""
    if connection.vendor == "postgresql":
        return f"FLOOR(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400)"
    return f"(django_timestamp_diff({later}, {earlier}) / 86400000000)"


def _medians(
    source: QuerySet, groupings: list[tuple[str, ...]], columns: tuple[str, ...]
) -> list[tuple]:
    """Rows (*columns, count, median days) of the durations `later - earlier` of `source`'s
    rows, once per grouping (a grouping's missing columns come back as NULL). One query.

    PostgreSQL computes the median with percentile_cont over GROUPING SETS, in one pass;
    elsewhere (SQLite) the middle rows are found with ROW_NUMBER and COUNT windows. Every name
    put into the SQL text is one of this module's constants; the filters' values travel as
    parameters of the inner query."""
    inner, params = source.query.sql_with_params()
    column_list = ", ".join(f"s.{name} AS {name}" for name in columns)
    names = ", ".join(columns)
    durations = (
        f"SELECT {column_list}, {_duration_days('s.later', 's.earlier')} AS v "  # noqa: S608
        f"FROM ({inner}) s WHERE s.later IS NOT NULL AND s.earlier IS NOT NULL"
    )
    if connection.vendor == "postgresql":
        sets = ", ".join(f"({', '.join(grouping)})" for grouping in groupings)
        sql = (
            f"SELECT {names}, COUNT(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY v) "  # noqa: S608
            f"FROM ({durations}) d GROUP BY GROUPING SETS ({sets})"
        )
    else:
        parts = []
        for grouping in groupings:
            selected = ", ".join(
                name if name in grouping else f"NULL AS {name}" for name in columns
            )
            partition = ", ".join(grouping) or "1"
            parts.append(
                f"SELECT {selected}, v, ROW_NUMBER() OVER (PARTITION BY {partition} "  # noqa: S608
                f"ORDER BY v) AS rn, COUNT(*) OVER (PARTITION BY {partition}) AS n "
                f"FROM d"
            )
        sql = (
            f"WITH d AS ({durations}), r AS ({' UNION ALL '.join(parts)}) "  # noqa: S608
            f"SELECT {names}, MAX(n), AVG(v) FROM r WHERE rn = (n + 1) / 2 OR rn = (n + 2) / 2 "
            f"GROUP BY {names}"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _days(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))


# --- the kept counts --------------------------------------------------------------------------


def counted(filters: DashboardFilters, today: date | None = None) -> bool:
    """Whether the kept counts answer these filters exactly: no category or province, and a
    period of whole months (the last one may end today or later: nothing is created after
    now)."""
    today = today or timezone.localdate()
    month_end = month_starts(filters.date_to, filters.date_to + timedelta(days=31))[1]
    return (
        not filters.category_id
        and not filters.province
        and filters.date_from.day == 1
        and (filters.date_to >= today or filters.date_to + timedelta(days=1) == month_end)
    )


def _counts(filters: DashboardFilters, figure: str, *fields: str, **names: str) -> list[dict]:
    """The kept counts of `figure` in the period (and body), summed per `fields` and per the
    columns `names` maps (name in the answer → column), with their sum as "count". One query."""
    cells = DashboardCount.objects.filter(
        figure=figure, month__gte=filters.date_from, month__lte=filters.date_to
    )
    if filters.body_id:
        cells = cells.filter(body_id=filters.body_id)
    rows = (
        cells.order_by()
        .values(*fields, *names.values())
        .annotate(count=Sum("total"))
        .filter(count__gt=0)
    )
    return [
        {
            **{name: row[column] for name, column in names.items()},
            **{name: row[name] for name in (*fields, "count")},
        }
        for row in rows
    ]


def histogram_median(histogram: dict[int, int]) -> tuple[int, float | None]:
    """(count, median) of the values a histogram {value: how many} holds: the middle value,
    or the mean of the two middle ones, exactly as over the values themselves."""
    total = sum(histogram.values())
    if not total:
        return 0, None
    wanted, middle, seen = {(total + 1) // 2, (total + 2) // 2}, [], 0
    for value in sorted(histogram):
        before, seen = seen, seen + histogram[value]
        middle += [value for position in sorted(wanted) if before < position <= seen]
    return total, sum(middle) / len(middle)


def _medians_of(rows, group_names: tuple[str, ...], groupings: list[tuple[str, ...]]) -> list:
    """Rows (*group_names, count, median) from histogram rows, once per grouping (a grouping's
    missing names come back as None), like `_medians` over the rows themselves."""
    histograms: dict[tuple, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        for grouping in groupings:
            group = tuple(row[name] if name in grouping else None for name in group_names)
            histograms[group][row["days"]] += row["count"]
    return [(*group, *histogram_median(histogram)) for group, histogram in histograms.items()]


# --- the figures ----------------------------------------------------------------------------


def application_counts(filters: DashboardFilters) -> Sequence[Mapping[str, Any]]:
    """Applications per (body, status)."""
    if counted(filters):
        return _counts(filters, facts.STATUS, certification_body_id="body_id", status="key")
    return list(
        Application.objects.filter(application_scope(filters))
        .order_by()
        .values("certification_body_id", "status")
        .annotate(count=Count("pk"))
    )


def step_lead_times(filters: DashboardFilters) -> list[tuple]:
    """(body or None, step, count, median days in the step) per body and step, and per step
    over all bodies (body None)."""
    if counted(filters):
        rows = _counts(filters, facts.STEP, "days", body="body_id", step="key")
        return _medians_of(rows, ("body", "step"), [("body", "step"), ("step",)])
    events = (
        ApplicationEvent.objects.filter(application_scope(filters, "application__"))
        .order_by()
        .annotate(
            earlier=Window(
                Lag("created_at"),
                partition_by=[F("application_id")],
                order_by=[F("created_at").asc(), F("pk").asc()],
            ),
            later=F("created_at"),
            step=F("from_status"),
            body=F("application__certification_body_id"),
        )
        .values("body", "step", "later", "earlier")
    )
    return _medians(events, [("body", "step"), ("step",)], ("body", "step"))


def decision_lead_times(filters: DashboardFilters) -> list[tuple]:
    """(body or None, count, median days from submission to decision) of the decided
    applications, per body and over all (body None)."""
    if counted(filters):
        rows = _counts(filters, facts.DECISION, "days", body="body_id")
        return _medians_of(rows, ("body",), [("body",), ()])
    decided = (
        ApplicationEvent.objects.filter(application_scope(filters, "application__"))
        .order_by()
        .values("application_id", body=F("application__certification_body_id"))
        .annotate(
            earlier=Min(Case(When(to_status=Status.SUBMITTED, then=F("created_at")))),
            later=Max(
                Case(When(to_status__in=[Status.APPROVED, Status.REFUSED], then=F("created_at")))
            ),
        )
    )
    return _medians(decided, [("body",), ()], ("body",))


def finding_counts(filters: DashboardFilters) -> Sequence[Mapping[str, Any]]:
    """Findings per (body, severity)."""
    if counted(filters):
        return _counts(filters, facts.FINDING, severity="key", body="body_id")
    return list(
        Finding.objects.filter(application_scope(filters, "application__"))
        .order_by()
        .values("severity", body=F("application__certification_body_id"))
        .annotate(count=Count("pk"))
    )


def deviation_counts(filters: DashboardFilters) -> dict[str, int]:
    """Recomputed dossier versions per deviation bucket (every recomputed version counts)."""
    if counted(filters):
        return {
            row["bucket"]: row["count"] for row in _counts(filters, facts.DEVIATION, bucket="key")
        }
    whens = [When(deviation__isnull=True, then=Value(NO_DEVIATION[0]))]
    whens += [
        When(deviation__lt=limit, then=Value(key))
        for key, limit, _label in DEVIATION_BUCKETS
        if limit is not None
    ]
    rows = (
        Recomputation.objects.filter(application_scope(filters, "dossier_version__application__"))
        .order_by()
        .annotate(
            bucket=Case(*whens, default=Value(DEVIATION_BUCKETS[-1][0]), output_field=CharField())
        )
        .values("bucket")
        .annotate(count=Count("pk"))
    )
    return {row["bucket"]: row["count"] for row in rows}


def label_event_counts(filters: DashboardFilters) -> Sequence[Mapping[str, Any]]:
    """Suspensions and withdrawals per (month, action, body)."""
    if counted(filters):
        return _counts(filters, facts.LABEL, "month", action="key", body="body_id")
    return list(
        LabelEvent.objects.filter(label_scope(filters), action__in=LABEL_ACTIONS)
        .order_by()
        .annotate(month=TruncMonth("created_at"))
        .values("month", "action", body=F("label__certificate__certification_body_id"))
        .annotate(count=Count("pk"))
    )


# --- the dashboard --------------------------------------------------------------------------


@dataclass
class BodyRow:
    body_id: int
    name: str
    applications: int = 0
    certified: int = 0
    refused: int = 0
    refusal_rate: Decimal | None = None
    median_lead_days: Decimal | None = None
    decided_with_lead_time: int = 0
    findings: int = 0
    findings_per_application: Decimal | None = None
    suspensions: int = 0
    withdrawals: int = 0


BODY_COLUMNS = (
    "name",
    "applications",
    "certified",
    "refused",
    "refusal_rate",
    "median_lead_days",
    "findings_per_application",
    "suspensions",
    "withdrawals",
)


@dataclass
class Dashboard:
    filters: DashboardFilters
    status_counts: list[tuple[str, object, int]]  # (status, label, count), workflow order
    applications: int
    certified: int
    refused: int
    refusal_rate: Decimal | None
    step_medians: list[tuple[str, object, int, Decimal | None]]  # (step, label, n, median)
    step_medians_by_body: dict[int, dict[str, Decimal | None]]
    median_lead_days: Decimal | None
    findings: int
    findings_per_application: Decimal | None
    findings_by_severity: list[tuple[str, object, int]]
    deviation: list[tuple[str, object, int]]
    months: list[tuple[date, int, int]]  # (month, suspensions, withdrawals)
    bodies: list[BodyRow] = field(default_factory=list)


def _rate(part: int, whole: int, places: str = "0.001") -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal(places)) if whole else None


def month_starts(first: date, last: date) -> list[date]:
    months, current = [], first.replace(day=1)
    while current <= last:
        months.append(current)
        current = (
            current.replace(year=current.year + 1, month=1)
            if current.month == 12
            else current.replace(month=current.month + 1)
        )
    return months


def _month_of(value: datetime | date) -> date:
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def refusal_rate(refused: int, certified: int) -> Decimal | None:
    """Refusals among the decisions taken (approved or refused)."""
    return _rate(refused, refused + certified)


def dashboard(filters: DashboardFilters, choices: Choices) -> Dashboard:
    bodies = {
        body.pk: BodyRow(body_id=body.pk, name=body.name)
        for body in choices.bodies
        if not filters.body_id or body.pk == filters.body_id
    }

    by_status: dict[str, int] = defaultdict(int)
    for row in application_counts(filters):
        by_status[row["status"]] += row["count"]
        body = bodies.get(row["certification_body_id"])
        if body:
            body.applications += row["count"]
            body.certified += row["count"] if row["status"] == Status.APPROVED else 0
            body.refused += row["count"] if row["status"] == Status.REFUSED else 0

    step_medians: dict[str, tuple[int, Decimal | None]] = {}
    by_body_step: dict[int, dict[str, Decimal | None]] = defaultdict(dict)
    for body_id, step, count, median in step_lead_times(filters):
        if body_id is None:
            step_medians[step] = (count, _days(median))
        else:
            by_body_step[body_id][step] = _days(median)

    overall_lead = None
    for body_id, count, median in decision_lead_times(filters):
        if body_id is None:
            overall_lead = _days(median)
        elif body_id in bodies:
            bodies[body_id].median_lead_days = _days(median)
            bodies[body_id].decided_with_lead_time = count

    by_severity: dict[str, int] = defaultdict(int)
    for row in finding_counts(filters):
        by_severity[row["severity"]] += row["count"]
        if row["body"] in bodies:
            bodies[row["body"]].findings += row["count"]

    months = {month: [0, 0] for month in month_starts(filters.date_from, filters.date_to)}
    for row in label_event_counts(filters):
        month = months.setdefault(_month_of(row["month"]), [0, 0])
        slot = 0 if row["action"] == SUSPENDED else 1
        month[slot] += row["count"]
        body = bodies.get(row["body"])
        if body:
            body.suspensions += row["count"] if slot == 0 else 0
            body.withdrawals += row["count"] if slot == 1 else 0

    for body in bodies.values():
        body.refusal_rate = refusal_rate(body.refused, body.certified)
        body.findings_per_application = _rate(body.findings, body.applications, "0.01")

    deviation = deviation_counts(filters)
    applications = sum(by_status.values())
    findings = sum(by_severity.values())
    certified, refused = by_status[Status.APPROVED], by_status[Status.REFUSED]
    return Dashboard(
        filters=filters,
        status_counts=[
            (status, Status(status).label, by_status[status]) for status in (*STEPS, *OUTCOMES)
        ],
        applications=applications,
        certified=certified,
        refused=refused,
        refusal_rate=refusal_rate(refused, certified),
        step_medians=[
            (step, Status(step).label, *step_medians.get(step, (0, None))) for step in STEPS
        ],
        step_medians_by_body=dict(by_body_step),
        median_lead_days=overall_lead,
        findings=findings,
        findings_per_application=_rate(findings, applications, "0.01"),
        findings_by_severity=[
            (severity, Severity(severity).label, by_severity[severity])
            for severity in Severity.values
        ],
        deviation=[(key, label, deviation.get(key, 0)) for key, _limit, label in DEVIATION_BUCKETS]
        + [(NO_DEVIATION[0], NO_DEVIATION[1], deviation.get(NO_DEVIATION[0], 0))],
        months=[(month, counts[0], counts[1]) for month, counts in sorted(months.items())],
        bodies=list(bodies.values()),
    )


def sort_bodies(rows: list[BodyRow], key: str, descending: bool) -> list[BodyRow]:
    """Sorted by `key` (one of BODY_COLUMNS); rows without a figure go last either way."""
    present = [row for row in rows if getattr(row, key) is not None]
    missing = [row for row in rows if getattr(row, key) is None]
    present.sort(key=lambda row: row.name)  # ties keep the names' order (the sort is stable)
    present.sort(key=lambda row: getattr(row, key), reverse=descending)
    return present + missing


# --- public statistics ----------------------------------------------------------------------


@dataclass
class PublicStatistics:
    labels_by_status: list[tuple[str, object, int]]
    certificates: list[tuple[str, str, int]]  # (category, body, count) of valid certificates
    months: list[tuple[date, int, int]]  # (month, suspensions, withdrawals)


PUBLIC_MONTHS = 12


def public_statistics(today: date | None = None) -> PublicStatistics:
    """Counts only: no enterprise, product, dossier or person is named. Five queries."""
    today = today or timezone.localdate()
    by_status = dict(Label.objects.order_by().values_list("status").annotate(count=Count("pk")))
    categories = {category.pk: category for category in ProductCategory.objects.all()}
    bodies = dict(
        Organisation.objects.filter(certificates_issued__isnull=False)
        .distinct()
        .values_list("pk", "name")
    )
    certificate_rows = (
        Certificate.objects.filter(status=CertificateStatus.VALID)
        .order_by()
        .values(
            category=Coalesce("product__category__parent_id", "product__category_id"),
            body=F("certification_body_id"),
        )
        .annotate(count=Count("pk"))
    )
    certificates = sorted(
        (str(categories[row["category"]]), bodies.get(row["body"], ""), row["count"])
        for row in certificate_rows
    )
    first = month_starts(today, today)[0]
    for _step in range(PUBLIC_MONTHS - 1):
        first = (
            first.replace(year=first.year - 1, month=12)
            if first.month == 1
            else first.replace(month=first.month - 1)
        )
    start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    months = {month: [0, 0] for month in month_starts(first, today)}
    rows = (
        LabelEvent.objects.filter(created_at__gte=start, action__in=LABEL_ACTIONS)
        .order_by()
        .annotate(month=TruncMonth("created_at"))
        .values("month", "action")
        .annotate(count=Count("pk"))
    )
    for row in rows:
        month = months.setdefault(_month_of(row["month"]), [0, 0])
        month[0 if row["action"] == SUSPENDED else 1] += row["count"]
    return PublicStatistics(
        labels_by_status=[
            (status, LabelStatus(status).label, by_status.get(status, 0))
            for status in LabelStatus.values
        ],
        certificates=certificates,
        months=[(month, counts[0], counts[1]) for month, counts in sorted(months.items())],
    )
