"""Portal pages to start several applications at once from a spreadsheet: upload, preview with
each row's problems, confirmation, the result, and the blank template.

The preview keeps the rows it showed in the session under a fresh token; the confirmation runs
those rows again (the world may have changed since) and creates nothing unless all pass.
"""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Organisation
from accounts.roles import OrganisationKind
from accounts.selectors import user_organisations
from config.forms import refusals_shown
from footprint.spreadsheet_reader import ImportErrors

from . import bulk, bulk_template
from .errors import WorkflowError
from .forms import BulkStartForm
from .models import ApplicationBatch

SESSION_KEY = "bulk_applications"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _enterprises(request: AuthenticatedHttpRequest) -> list[Organisation]:
    """The enterprises the person applies for; anyone else finds no such page."""
    enterprises = user_organisations(request.user, OrganisationKind.ENTERPRISE)
    if not enterprises:
        raise Http404
    return enterprises


def _page(request: HttpRequest, form: BulkStartForm, **context) -> HttpResponse:
    outcome = context.get("outcome")
    failed = form.errors or (outcome is not None and not outcome.ok)
    return render(
        request,
        "certification/bulk_start.html",
        {"form": form, "columns": bulk.COLUMNS, "max_rows": bulk.MAX_ROWS, **context},
        status=400 if failed else 200,
    )


@login_required
def bulk_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    enterprises = _enterprises(request)
    if request.method != "POST":
        return _page(request, BulkStartForm(enterprises=enterprises))
    form = BulkStartForm(request.POST, request.FILES, enterprises=enterprises)
    if not form.is_valid():
        return _page(request, form)
    upload = form.cleaned_data["file"]
    try:
        # One byte past the limit is enough for the reader to refuse a file too large.
        rows = bulk.rows_read(upload.read(bulk.MAX_BYTES + 1))
    except ImportErrors as error:
        for issue in error.errors:
            form.add_error("file", str(issue))
        return _page(request, form)
    enterprise = form.chosen_enterprise()
    with refusals_shown(form):
        outcome = bulk.applications_start(
            actor=request.user, enterprise=enterprise, rows=rows, commit=False
        )
    if form.errors:
        return _page(request, form)
    token = ""
    if outcome.ok:
        token = secrets.token_urlsafe(24)
        request.session[SESSION_KEY] = {
            "token": token,
            "enterprise": enterprise.pk,
            "file_name": (upload.name or "")[:255],
            "rows": [row.as_dict() for row in rows],
        }
    else:
        request.session.pop(SESSION_KEY, None)
    return _page(request, form, outcome=outcome, token=token, enterprise=enterprise)


@login_required
@require_POST
def bulk_confirm(request: AuthenticatedHttpRequest) -> HttpResponse:
    enterprises = _enterprises(request)
    pending = request.session.get(SESSION_KEY)
    if not pending or not secrets.compare_digest(request.POST.get("token", ""), pending["token"]):
        messages.error(
            request,
            _("This preview is no longer current: upload the file again. Nothing was created."),
        )
        return redirect("certification:bulk_start")
    enterprise = next((e for e in enterprises if e.pk == pending["enterprise"]), None)
    if enterprise is None:
        raise Http404
    rows = [bulk.Row(**row) for row in pending["rows"]]
    try:
        outcome = bulk.applications_start(
            actor=request.user,
            enterprise=enterprise,
            rows=rows,
            commit=True,
            token=pending["token"],
            file_name=pending["file_name"],
        )
    except WorkflowError as error:
        request.session.pop(SESSION_KEY, None)
        messages.error(request, error.message)
        return redirect("certification:bulk_start")
    request.session.pop(SESSION_KEY, None)
    if outcome.batch is None:
        # Something changed since the preview (a body suspended, a product registered...).
        failure = _(
            "Nothing was created: since the preview, %(count)d row(s) can no longer be applied "
            "for. Correct the file and upload it again."
        ) % {"count": outcome.error_count}
        return _page(
            request,
            BulkStartForm(enterprises=enterprises),
            outcome=outcome,
            enterprise=enterprise,
            failure=failure,
        )
    count = len(outcome.rows)
    messages.success(
        request,
        ngettext(
            "%(count)d draft application created.", "%(count)d draft applications created.", count
        )
        % {"count": count},
    )
    return redirect("certification:bulk_done", pk=outcome.batch.pk)


@login_required
def bulk_done(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enterprise_ids = [e.pk for e in _enterprises(request)]
    batch = ApplicationBatch.objects.filter(pk=pk, enterprise_id__in=enterprise_ids).first()
    if batch is None:
        raise Http404
    applications = batch.applications.select_related(
        "product", "enterprise", "certification_body"
    ).order_by("reference")
    return render(
        request,
        "certification/bulk_done.html",
        {"batch": batch, "applications": applications},
    )


@login_required
def bulk_template_download(request: AuthenticatedHttpRequest, file_format: str) -> HttpResponse:
    _enterprises(request)
    if file_format == "xlsx":
        content, content_type = bulk_template.template_xlsx(), XLSX
    elif file_format == "csv":
        content, content_type = bulk_template.template_csv(), "text/csv; charset=utf-8"
    else:
        raise Http404
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="applications.{file_format}"'
    return response
