"""Portal pages of the factor library, and the blank inventory template.

Every write goes through footprint.services, and a rule that stops a step becomes a message or
a field error. An application's inventory and the reviewer's workbench are the certification
app's pages (`certification.inventory.views`).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from config.domain_errors import WorkflowError
from config.forms import refusals_shown

from . import bridge, selectors, services
from .forms import FactorForm, FactorSearchForm
from .models import DatasetVersionStatus
from .services import FACTOR_FIELDS

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_TYPES = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8"}


def report_error(request: HttpRequest, error: Exception) -> None:
    if isinstance(error, WorkflowError):
        messages.error(request, error.message)
    elif isinstance(error, ValidationError):
        messages.error(request, " ".join(error.messages))


def attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- the factor library -------------------------------------------------------------------


@login_required
def factor_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = FactorSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    factors = selectors.factor_search(
        query=(filters.get("q") or "").strip(),
        region=(filters.get("region") or "").strip(),
        year=filters.get("year"),
        publisher=(filters.get("publisher") or "").strip(),
    )
    page = Paginator(factors, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "footprint/factor_list.html",
        {
            "form": form,
            "page": page,
            "regions": selectors.factor_regions(),
            "can_edit": selectors.user_can_edit_factor_library(request.user),
        },
    )


@login_required
def dataset_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    can_edit = selectors.user_can_edit_factor_library(request.user)
    datasets = [
        {
            "dataset": dataset,
            "versions": [
                v
                for v in dataset.versions.all()
                if can_edit or v.status == DatasetVersionStatus.PUBLISHED
            ],
            "has_draft": any(
                v.status == DatasetVersionStatus.DRAFT for v in dataset.versions.all()
            ),
        }
        for dataset in selectors.dataset_list_for_actor(request.user)
    ]
    return render(
        request, "footprint/dataset_list.html", {"datasets": datasets, "can_edit": can_edit}
    )


@login_required
@require_POST
def dataset_draft_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if not selectors.user_can_edit_factor_library(request.user):
        raise Http404
    dataset = selectors.dataset_get(pk)
    try:
        draft = services.dataset_version_create_draft(
            actor=request.user,
            dataset=dataset,
            change_note=request.POST.get("change_note", "").strip(),
        )
    except (WorkflowError, ValidationError) as error:
        report_error(request, error)
        return redirect("footprint:dataset_list")
    messages.success(request, _("Draft version %(number)s created.") % {"number": draft.number})
    return redirect("footprint:dataset_version", pk=draft.pk)


@login_required
def dataset_version_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    version = selectors.dataset_version_get_for_actor(request.user, pk)
    editable = (
        version.status == DatasetVersionStatus.DRAFT
        and selectors.user_can_edit_factor_library(request.user)
    )
    form = FactorForm(request.POST or None) if editable else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            with refusals_shown(form):
                services.factor_create(actor=request.user, version=version, data=form.cleaned_data)
            if not form.errors:
                messages.success(request, _("Factor added to the draft."))
                return redirect("footprint:dataset_version", pk=version.pk)
    factors = version.factors.order_by("code")
    page = Paginator(factors, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "footprint/dataset_version.html",
        {"version": version, "page": page, "editable": editable, "form": form},
    )


@login_required
@require_POST
def dataset_version_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    version = selectors.dataset_version_get_for_actor(request.user, pk)
    try:
        services.dataset_version_publish(actor=request.user, version=version)
    except (WorkflowError, ValidationError) as error:
        report_error(request, error)
    else:
        messages.success(
            request,
            _("Version %(number)s published. It can no longer change.")
            % {"number": version.number},
        )
    return redirect("footprint:dataset_version", pk=version.pk)


@login_required
@require_POST
def dataset_version_discard(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    version = selectors.dataset_version_get_for_actor(request.user, pk)
    try:
        services.dataset_version_discard(actor=request.user, version=version)
    except (WorkflowError, ValidationError) as error:
        report_error(request, error)
        return redirect("footprint:dataset_version", pk=version.pk)
    messages.success(request, _("Draft discarded."))
    return redirect("footprint:dataset_list")


@login_required
def factor_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    factor = selectors.factor_get_for_editing(request.user, pk)
    initial = {name: getattr(factor, name) for name in FACTOR_FIELDS}
    form = FactorForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with refusals_shown(form):
            services.factor_update(actor=request.user, factor=factor, data=form.cleaned_data)
        if not form.errors:
            messages.success(request, _("Factor saved."))
            return redirect("footprint:dataset_version", pk=factor.version_id)
    return render(request, "footprint/factor_form.html", {"form": form, "factor": factor})


@login_required
@require_POST
def factor_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    factor = selectors.factor_get_for_editing(request.user, pk)
    try:
        services.factor_delete(actor=request.user, factor=factor)
    except (WorkflowError, ValidationError) as error:
        report_error(request, error)
    return redirect("footprint:dataset_version", pk=factor.version_id)


# --- the inventory template ----------------------------------------------------------------


@login_required
def inventory_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    return attachment(bridge.template_bytes(), XLSX, "inventory-template.xlsx")
