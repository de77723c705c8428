"""The regulator's dashboard (regulators and platform administrators; everyone else gets 404),
its exports, and the public statistics page."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.selectors import user_is_platform_admin, user_is_regulator
from oversight.dashboard import charts, figures, pending, tables
from oversight.dashboard.filters import (
    DashboardFilterForm,
    default_filters,
    filter_choices,
    filters_from,
)

EXPORT_TYPES = {
    "csv": ("text/csv; charset=utf-8", tables.export_csv),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        tables.export_xlsx,
    ),
}


def dashboard_allowed(user: User) -> bool:
    return user.is_authenticated and (user_is_regulator(user) or user_is_platform_admin(user))


def _board(request: AuthenticatedHttpRequest) -> tuple[DashboardFilterForm, figures.Dashboard]:
    if not dashboard_allowed(request.user):
        raise Http404
    choices = filter_choices()
    form = DashboardFilterForm(request.GET or None, choices=choices)
    filters = filters_from(form) if form.is_bound else default_filters()
    return form, figures.dashboard(filters, choices)


def _sort(request: HttpRequest) -> tuple[str, bool]:
    key = request.GET.get("sort", "name")
    if key not in figures.BODY_COLUMNS:
        key = "name"
    return key, request.GET.get("order") == "desc"


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, board = _board(request)
    key, descending = _sort(request)
    board.bodies = figures.sort_bodies(board.bodies, key, descending)
    query = board.filters.query()
    sort_links = {
        column: "?"
        + urlencode(
            {
                **query,
                "sort": column,
                "order": "desc" if column == key and not descending else "asc",
            }
        )
        for column in figures.BODY_COLUMNS
    }
    exports = {
        name: {
            kind: reverse("dashboard:export", args=[name, kind])
            + "?"
            + urlencode({**query, "sort": key, "order": "desc" if descending else "asc"})
            for kind in EXPORT_TYPES
        }
        for name in tables.TABLE_NAMES
    }
    return render(
        request,
        "audits/dashboard.html",
        {
            "form": form,
            "board": board,
            "sort": key,
            "descending": descending,
            "sort_links": sort_links,
            "exports": exports,
            "lead_table": tables.table(board, "lead_times"),
            "status_chart": charts.bar_chart(
                [(str(label), count) for _s, label, count in board.status_counts]
            ),
            "step_chart": charts.bar_chart(
                [(str(label), median) for _s, label, _n, median in board.step_medians]
            ),
            "findings_chart": charts.bar_chart(
                [(row.name, row.findings_per_application) for row in board.bodies]
            ),
            "refusal_chart": charts.bar_chart(
                [(row.name, row.refusal_rate) for row in board.bodies]
            ),
            "deviation_chart": charts.bar_chart(
                [(str(label), count) for _k, label, count in board.deviation]
            ),
            "months_chart": charts.monthly_columns(
                board.months,
                (("bar-suspended", _("Suspensions")), ("bar-withdrawn", _("Withdrawals"))),
            ),
            "complaints": pending.complaints_and_appeals_per_body(board.filters),
            "surveillance": pending.surveillance_overdue(board.filters),
            "sampling": pending.sampling_outcomes(board.filters),
        },
    )


@login_required
def export(request: AuthenticatedHttpRequest, name: str, kind: str) -> HttpResponse:
    if name not in tables.TABLE_NAMES or kind not in EXPORT_TYPES:
        raise Http404
    _form, board = _board(request)
    key, descending = _sort(request)
    board.bodies = figures.sort_bodies(board.bodies, key, descending)
    content_type, write = EXPORT_TYPES[kind]
    response = HttpResponse(write(tables.table(board, name)), content_type=content_type)
    filename = f"oversight-{name}-{board.filters.date_from}-{board.filters.date_to}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def statistics(request: HttpRequest) -> HttpResponse:
    """Public: counts only, no login."""
    numbers = figures.public_statistics()
    return render(
        request,
        "audits/statistics.html",
        {
            "numbers": numbers,
            "labels_chart": charts.bar_chart(
                [(str(label), count) for _s, label, count in numbers.labels_by_status]
            ),
            "months_chart": charts.monthly_columns(
                numbers.months,
                (("bar-suspended", _("Suspensions")), ("bar-withdrawn", _("Withdrawals"))),
            ),
        },
    )
