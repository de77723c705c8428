"""The dashboard's counts, kept when the data changes instead of computed on every read.

`DashboardCount` holds, per (month, body, figure, key, days), how many applications are in a
status, steps were left after so many whole days, decisions came so many days after the first
submission, findings and recomputations there are, and suspensions and withdrawals happened. An
application's cells are counted under the month it was created in and its current body, like
the figures computed from the rows (`figures.application_scope`).

Writers, each one call in the transaction of the change (no signals):
- `application_facts_update(application_id)`: the status writer and the transfer
  (`certification.services`), the callers of the recomputation
  (`certification.inventory.services`, `oversight.supervision.services`) and the findings
  (`audits.reviews`, `oversight.supervision.services`). It recomputes the application's
  contribution from its own rows (a handful), subtracts the one stored in `ApplicationFacts`,
  adds the new one: whatever changed (status, body, a second decision after an appeal, a
  recomputation replaced), the counts stay the sum of the applications' contributions.
- `label_event_counted(event)`: the label status writer (`labels.services`), for suspensions
  and withdrawals.
- `dashboard_facts_rebuild(apps)`: everything from the rows, for the migration's backfill,
  data loaded around the services (the benchmark's seeding) and repairs.

A lead time is counted in whole days elapsed (a step left 36 hours after it was entered took 1
day): the per-day histogram then gives the exact median of the durations.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from django.apps import apps as global_apps
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.db.models.functions import TruncMonth
from django.utils import timezone

STATUS, STEP, DECISION, FINDING, DEVIATION, LABEL = (
    "status",
    "step",
    "decision",
    "finding",
    "deviation",
    "label",
)
DRAFT, SUBMITTED, DECIDED = "draft", "submitted", ("approved", "refused")
LABEL_ACTIONS = ("suspended", "revoked")
# Upper limits of the deviation buckets (the last has none), as in `figures.DEVIATION_BUCKETS`.
BUCKET_LIMITS = (
    ("lt1", Decimal("0.01")),
    ("1to2", Decimal("0.02")),
    ("2to5", Decimal("0.05")),
    ("5to10", Decimal("0.10")),
    ("10to20", Decimal("0.20")),
)
LAST_BUCKET, NO_DEVIATION = "ge20", "none"
ONE_DAY = timedelta(days=1)
BATCH = 5000

Cell = tuple[str, str, int]  # (figure, key, days)


def whole_days(later: datetime, earlier: datetime) -> int:
    return (later - earlier) // ONE_DAY


def month_of(moment: datetime) -> date:
    return timezone.localtime(moment).date().replace(day=1)


def deviation_bucket(deviation: Decimal | None) -> str:
    if deviation is None:
        return NO_DEVIATION
    for key, limit in BUCKET_LIMITS:
        if deviation < limit:
            return key
    return LAST_BUCKET


def contribution(
    status: str,
    events: list[tuple[str, str, datetime]],
    severities: Iterable[str],
    deviations: Iterable[Decimal | None],
) -> Counter:
    """The cells one application counts in: `events` are its (from, to, at) in order."""
    cells: Counter = Counter()
    if status == DRAFT:
        return cells  # the enterprise's own work, never counted
    cells[(STATUS, status, 0)] += 1
    for (_from, _to, earlier), (step, _target, later) in pairwise(events):
        cells[(STEP, step, whole_days(later, earlier))] += 1
    submitted = [at for _from, to, at in events if to == SUBMITTED]
    decided = [at for _from, to, at in events if to in DECIDED]
    if submitted and decided:
        cells[(DECISION, "", whole_days(max(decided), min(submitted)))] += 1
    for severity in severities:
        cells[(FINDING, severity, 0)] += 1
    for deviation in deviations:
        cells[(DEVIATION, deviation_bucket(deviation), 0)] += 1
    return cells


def _recomputation_model(apps):
    """The footprint app's; the backfill migration ran while the model was still the
    certification app's."""
    try:
        return apps.get_model("footprint", "Recomputation")
    except LookupError:
        return apps.get_model("certification", "Recomputation")


def _contributions(apps, application_ids: list[int] | None) -> dict[int, tuple[date, int, Counter]]:
    """(month, body, cells) of the given applications (None: all), four queries."""
    Application = apps.get_model("certification", "Application")
    ApplicationEvent = apps.get_model("certification", "ApplicationEvent")
    Finding = apps.get_model("audits", "Finding")
    Recomputation = _recomputation_model(apps)

    def among(queryset, path: str):
        return (
            queryset
            if application_ids is None
            else queryset.filter(**{f"{path}__in": application_ids})
        )

    applications = among(Application.objects.exclude(status=DRAFT), "pk").values_list(
        "pk", "status", "certification_body_id", "created_at"
    )
    events: dict[int, list] = defaultdict(list)
    for application_id, *event in (
        among(ApplicationEvent.objects, "application_id")
        .order_by("application_id", "created_at", "pk")
        .values_list("application_id", "from_status", "to_status", "created_at")
        .iterator(BATCH)
    ):
        events[application_id].append(tuple(event))
    severities: dict[int, list] = defaultdict(list)
    for application_id, severity in (
        among(Finding.objects, "application_id")
        .values_list("application_id", "severity")
        .iterator(BATCH)
    ):
        severities[application_id].append(severity)
    deviations: dict[int, list] = defaultdict(list)
    for application_id, deviation in (
        among(Recomputation.objects, "dossier_version__application_id")
        .values_list("dossier_version__application_id", "deviation")
        .iterator(BATCH)
    ):
        deviations[application_id].append(deviation)
    return {
        pk: (
            month_of(created_at),
            body_id,
            contribution(status, events[pk], severities[pk], deviations[pk]),
        )
        for pk, status, body_id, created_at in applications.iterator(BATCH)
    }


def _add(deltas: Counter) -> None:
    """Add each delta to its cell: one UPDATE … SET count = count + d, or an INSERT."""
    from audits.models import DashboardCount

    for (month, body_id, figure, key, days), delta in sorted(deltas.items()):
        if not delta:
            continue
        cell = DashboardCount.objects.filter(
            month=month, body_id=body_id, figure=figure, key=key, days=days
        )
        if cell.update(total=F("total") + delta):
            continue
        try:
            with transaction.atomic():
                DashboardCount.objects.create(
                    month=month, body_id=body_id, figure=figure, key=key, days=days, total=delta
                )
        except IntegrityError:  # created meanwhile by another transaction
            cell.update(total=F("total") + delta)


def application_facts_update(application_id: int) -> None:
    """Count the application's current contribution instead of the one stored for it. Called
    by the services that change an application, its findings or its recomputations, inside
    their transaction (the application row is locked there)."""
    from audits.models import ApplicationFacts

    now = _contributions(global_apps, [application_id]).get(application_id)
    stored = (
        ApplicationFacts.objects.select_for_update(no_key=True)
        .filter(application_id=application_id)
        .first()
    )
    deltas: Counter = Counter()
    if stored is not None:
        for figure, key, days, count in stored.cells:
            deltas[(stored.month, stored.body_id, figure, key, days)] -= count
    if now is not None:
        month, body_id, cells = now
        for (figure, key, days), count in cells.items():
            deltas[(month, body_id, figure, key, days)] += count
    _add(deltas)
    if now is None:
        ApplicationFacts.objects.filter(application_id=application_id).delete()
    else:
        month, body_id, cells = now
        ApplicationFacts.objects.update_or_create(
            application_id=application_id,
            defaults={
                "month": month,
                "body_id": body_id,
                "cells": [[*cell, count] for cell, count in sorted(cells.items())],
            },
        )


def label_event_counted(*, event, body_id: int) -> None:
    """Count a suspension or withdrawal of a label of `body_id`'s (other events are not)."""
    if event.action in LABEL_ACTIONS:
        _add(Counter({(month_of(event.created_at), body_id, LABEL, event.action, 0): 1}))


def dashboard_facts_rebuild(apps=global_apps) -> int:
    """Recount everything from the rows (`apps`: a migration's historical models, or the
    project's). Returns the number of cells written."""
    DashboardCount = apps.get_model("audits", "DashboardCount")
    ApplicationFacts = apps.get_model("audits", "ApplicationFacts")
    LabelEvent = apps.get_model("labels", "LabelEvent")
    DashboardCount.objects.all().delete()
    ApplicationFacts.objects.all().delete()
    totals: Counter = Counter()
    snapshots = []
    for pk, (month, body_id, cells) in _contributions(apps, None).items():
        snapshots.append(
            ApplicationFacts(
                application_id=pk,
                month=month,
                body_id=body_id,
                cells=[[*cell, count] for cell, count in sorted(cells.items())],
            )
        )
        for (figure, key, days), count in cells.items():
            totals[(month, body_id, figure, key, days)] += count
    ApplicationFacts.objects.bulk_create(snapshots, batch_size=BATCH)
    label_rows = (
        LabelEvent.objects.filter(action__in=LABEL_ACTIONS)
        .order_by()
        .annotate(month=TruncMonth("created_at"))
        .values("month", "action", body=F("label__certificate__certification_body_id"))
        .annotate(count=Count("pk"))
    )
    for row in label_rows:
        month = row["month"]
        month = month_of(month) if isinstance(month, datetime) else month.replace(day=1)
        totals[(month, row["body"], LABEL, row["action"], 0)] += row["count"]
    DashboardCount.objects.bulk_create(
        [
            DashboardCount(
                month=month, body_id=body_id, figure=figure, key=key, days=days, total=count
            )
            for (month, body_id, figure, key, days), count in totals.items()
            if count
        ],
        batch_size=BATCH,
    )
    return len(totals)
