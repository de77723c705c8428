"""Portal pages of an application's inventory and of the reviewer's workbench.

Every application is read through `application_get_for_actor` (404 for others), every write
goes through certification.inventory.services, and a rule that stops a step becomes a message
or a field error.
"""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from certification import hooks
from certification import selectors as certification_selectors
from certification.errors import WorkflowError
from certification.models import Application, DossierVersion
from certification.services import DOSSIER_EDITABLE_STATUSES
from certification.workflow import Actor, actor_relations
from footprint import bridge, engine
from footprint import selectors as footprint_selectors
from footprint import services as footprint_services
from footprint.chart import bar_chart
from footprint.models import InventoryLine, Recomputation
from footprint.units import UNITS, UnitError
from footprint.views import EXPORT_TYPES, PAGE_SIZE, attachment, report_error

from . import selectors, services
from .forms import InventoryImportForm, InventoryLineForm

# --- inventories --------------------------------------------------------------------------


def _inventory_version(
    request: AuthenticatedHttpRequest, pk: int
) -> tuple[Application, DossierVersion]:
    application = certification_selectors.application_get_for_actor(request.user, pk)
    version = selectors.dossier_version_for_inventory(
        request.user, application, request.GET.get("version")
    )
    return application, version


def _editable(
    request: AuthenticatedHttpRequest, application: Application, version: DossierVersion
) -> bool:
    """Whether to offer the editing controls; the services decide for themselves."""
    latest = application.dossier_versions.order_by("-number").values_list("pk", flat=True)[:1]
    return (
        Actor.ENTERPRISE in actor_relations(request.user, application)
        and (
            application.status in DOSSIER_EDITABLE_STATUSES
            or hooks.surveillance_collects_data(version)
        )
        and not version.is_frozen
        and version.pk in list(latest)
    )


def _comparison_rows(
    declared: dict, recomputed: dict, deviations: dict, material: set
) -> list[dict]:
    return [
        {
            "stage": stage,
            "label": bridge.stage_label(stage),
            "declared": declared.get(stage),
            "recomputed": recomputed.get(stage, Decimal(0)),
            "deviation": _percent(deviations.get(stage)),
            "material": stage in material,
        }
        for stage in bridge.ordered_stages(declared, recomputed)
    ]


def _percent(value: Decimal | str | None) -> Decimal | None:
    if value is None:
        return None
    number = Decimal(str(value))
    return number * 100 if number.is_finite() else None


def _preview(version: DossierVersion, lines: list[InventoryLine]) -> dict:
    if not lines:
        return {}
    try:
        result = bridge.preview(version, lines, footprint_services.materiality_threshold())
    except (engine.FootprintError, UnitError, ValueError) as error:
        return {"error": bridge.localised(error)}
    return {
        "result": result,
        "deviation": _percent(result.deviation),
        "rows": _comparison_rows(
            bridge.declared_by_stage(version),
            result.by_stage,
            result.stage_deviations,
            set(result.material_stages),
        ),
    }


def _inventory_page(
    request: AuthenticatedHttpRequest,
    application: Application,
    version: DossierVersion,
    *,
    form: InventoryLineForm | None = None,
    import_errors: tuple = (),
    status: int = 200,
) -> HttpResponse:
    editable = _editable(request, application, version)
    lines = list(footprint_selectors.inventory_lines_of(version))
    versions = list(
        application.dossier_versions.order_by("number").values_list("number", flat=True)
    )
    previous_has_lines = (
        editable
        and not lines
        and InventoryLine.objects.filter(
            dossier_version__application=application, dossier_version__number__lt=version.number
        ).exists()
    )
    context = {
        "application": application,
        "version": version,
        "versions": versions,
        "lines": lines,
        "editable": editable,
        "form": (form or InventoryLineForm(version=version)) if editable else None,
        "import_form": InventoryImportForm() if editable else None,
        "import_errors": import_errors,
        "can_copy": previous_has_lines,
        "preview": _preview(version, lines),
        "factor_codes": (
            sorted(footprint_selectors.factor_list_current().values_list("code", flat=True))
            if editable
            else []
        ),
        "unit_symbols": list(UNITS) if editable else [],
        "can_use_workbench": selectors.application_can_use_workbench(request.user, application),
        "import_max_bytes": footprint_services.import_max_bytes(),
    }
    return render(request, "footprint/inventory.html", context, status=status)


@login_required
def inventory(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application, version = _inventory_version(request, pk)
    if request.method != "POST":
        return _inventory_page(request, application, version)
    form = InventoryLineForm(request.POST, version=version)
    if form.is_valid():
        try:
            services.inventory_line_create(
                actor=request.user, application=application, data=form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        except WorkflowError as error:
            report_error(request, error)
            return redirect("footprint:inventory", pk=application.pk)
        else:
            messages.success(request, _("Line added."))
            return redirect("footprint:inventory", pk=application.pk)
    return _inventory_page(request, application, version, form=form, status=400)


@login_required
def inventory_line_edit(request: AuthenticatedHttpRequest, pk: int, line_id: int) -> HttpResponse:
    application, version = _inventory_version(request, pk)
    line = footprint_selectors.inventory_line_get(version, line_id)
    if not _editable(request, application, version):
        messages.error(request, _("This inventory cannot be changed now."))
        return redirect("footprint:inventory", pk=application.pk)
    form = InventoryLineForm(
        request.POST or None, version=version, initial=InventoryLineForm.initial_for(line)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.inventory_line_update(
                actor=request.user, application=application, line=line, data=form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        except WorkflowError as error:
            report_error(request, error)
            return redirect("footprint:inventory", pk=application.pk)
        else:
            messages.success(request, _("Line saved."))
            return redirect("footprint:inventory", pk=application.pk)
    return render(
        request,
        "footprint/inventory_line_form.html",
        {
            "application": application,
            "version": version,
            "line": line,
            "form": form,
            "factor_codes": sorted(
                footprint_selectors.factor_list_current().values_list("code", flat=True)
            ),
            "unit_symbols": list(UNITS),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def inventory_line_delete(request: AuthenticatedHttpRequest, pk: int, line_id: int) -> HttpResponse:
    application, version = _inventory_version(request, pk)
    line = footprint_selectors.inventory_line_get(version, line_id)
    try:
        services.inventory_line_delete(actor=request.user, application=application, line=line)
    except (WorkflowError, ValidationError) as error:
        report_error(request, error)
    else:
        messages.success(request, _("Line removed."))
    return redirect("footprint:inventory", pk=application.pk)


@login_required
@require_POST
def inventory_import(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application, version = _inventory_version(request, pk)
    form = InventoryImportForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
        return redirect("footprint:inventory", pk=application.pk)
    try:
        outcome = services.inventory_import_upload(
            actor=request.user, application=application, upload=form.cleaned_data["file"]
        )
    except WorkflowError as error:
        report_error(request, error)
        return redirect("footprint:inventory", pk=application.pk)
    if not outcome.ok:
        messages.error(
            request,
            _("Nothing was imported: the file has %(count)s problem(s).")
            % {"count": len(outcome.errors)},
        )
        return _inventory_page(
            request, application, version, import_errors=outcome.errors, status=400
        )
    messages.success(
        request,
        _("Imported %(count)s lines; they replace the earlier ones.") % {"count": outcome.imported},
    )
    return redirect("footprint:inventory", pk=application.pk)


@login_required
@require_POST
def inventory_copy(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = certification_selectors.application_get_for_actor(request.user, pk)
    if not certification_selectors.application_can_read_dossier(request.user, application):
        raise Http404
    try:
        count = services.inventory_copy_from_previous(actor=request.user, application=application)
    except (WorkflowError, ValidationError) as error:
        report_error(request, error)
    else:
        messages.success(
            request, _("Copied %(count)s lines from the previous version.") % {"count": count}
        )
    return redirect("footprint:inventory", pk=application.pk)


@login_required
def inventory_export(request: AuthenticatedHttpRequest, pk: int, file_format: str) -> HttpResponse:
    if file_format not in EXPORT_TYPES:
        raise Http404
    application, version = _inventory_version(request, pk)
    content = bridge.export_bytes(version, file_format)
    filename = f"{application.reference}-v{version.number}-inventory.{file_format}"
    return attachment(content, EXPORT_TYPES[file_format], filename)


# --- the reviewer's workbench -------------------------------------------------------------


def _workbench_context(recomputation: Recomputation) -> dict:
    declared = {stage: Decimal(value) for stage, value in recomputation.declared_by_stage.items()}
    recomputed = {stage: Decimal(value) for stage, value in recomputation.by_stage.items()}
    rows = _comparison_rows(
        declared, recomputed, recomputation.stage_deviations, set(recomputation.material_stages)
    )
    low, high = recomputation.uncertainty_p2_5, recomputation.uncertainty_p97_5
    interval = (low, high) if low is not None and high is not None else None
    chart_rows = [(row["label"], row["declared"], row["recomputed"]) for row in rows]
    chart_rows.append((_("Total"), recomputation.declared_total, recomputation.total))
    return {
        "rows": rows,
        "deviation": _percent(recomputation.deviation),
        "materiality": bridge.decimal_text(recomputation.materiality * 100),
        "primary_share": _percent(recomputation.primary_data_share),
        "chart": bar_chart(chart_rows, interval),
    }


def _workbench_lines(request: AuthenticatedHttpRequest, recomputation: Recomputation) -> dict:
    """A page of the lines with each one's kgCO2e and the factor it was computed with: a
    library factor's dataset and source, a supplier factor's source, justification and
    evidence, a direct gas line's GWP."""
    version = recomputation.dossier_version
    lines = list(footprint_selectors.inventory_lines_of(version))
    gwp = bridge.gwp_values(recomputation.gwp_set)
    try:
        emissions = engine.line_emissions([bridge.core_line(line) for line in lines], gwp)
    except (engine.FootprintError, UnitError, ValueError) as error:
        return {"lines_error": bridge.localised(error)}
    rows = [
        {"line": line, "co2e": co2e, "gwp": gwp.get(line.direct_gas) if line.direct_gas else None}
        for line, co2e in zip(lines, emissions, strict=True)
    ]
    return {"line_page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))}


@login_required
def workbench(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = certification_selectors.application_get_for_actor(request.user, pk)
    version = selectors.workbench_version_for_actor(request.user, application)
    recomputation = getattr(version, "recomputation", None) if version else None
    context = {
        "application": application,
        "version": version,
        "recomputation": recomputation,
        "can_recompute": Actor.TEAM in actor_relations(request.user, application),
        "lines_count": version.inventory_lines.count() if version else 0,
    }
    if recomputation is not None:
        context.update(_workbench_context(recomputation))
        context.update(_workbench_lines(request, recomputation))
    return render(request, "footprint/workbench.html", context)


@login_required
@require_POST
def workbench_recompute(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = certification_selectors.application_get_for_actor(request.user, pk)
    if not selectors.application_can_use_workbench(request.user, application):
        raise Http404
    try:
        services.recomputation_refresh(actor=request.user, application=application)
    except (WorkflowError, ValidationError) as error:
        report_error(request, error)
    else:
        messages.success(request, _("Recomputed."))
    return redirect("footprint:workbench", pk=application.pk)
