"""Portal pages of a certificate's life: the certificates a person holds or supervises, one
certificate with its history, surveillances and requests, and one surveillance with its plan,
data, findings, report and decision. Reads go through selectors (404 for another's), writes
through services; a refused step becomes a message, never a 500."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.roles import Role
from accounts.second_factor import require_recent_second_factor
from accounts.selectors import user_has_role
from audits.models import Finding
from certification.errors import WorkflowError
from certification.forms import EvidenceUploadForm
from certification.models import Certificate, CertificateStatus
from config.exports import Column, export_links, export_response
from labels.selectors import status_history_public
from oversight.models import CertificateRequest, RequestKind, RequestStatus, SurveillanceStatus
from oversight.supervision import selectors, services
from oversight.supervision.forms import (
    ChangeDecisionForm,
    ChangeReportForm,
    CommentForm,
    FindingAnswerForm,
    ReasonForm,
    ReportForm,
    SurveillanceFindingForm,
    SurveillancePlanForm,
    VoluntarySuspensionForm,
)
from oversight.supervision.workflow import (
    STEP_LABELS,
    Relation,
    relations_to,
    steps_offered,
    surveillance_can_read_findings,
)

PAGE_SIZE = 50


def _url_argument(request: HttpRequest, name: str) -> object:
    """An argument the URL named, for the step-up checks that look at it before the view."""
    match = request.resolver_match
    return match.kwargs.get(name) if match is not None else None


def _report(request: HttpRequest, error: Exception) -> None:
    if isinstance(error, WorkflowError):
        messages.error(request, error.message)
    elif isinstance(error, ValidationError):
        messages.error(request, " ".join(error.messages))


def _attempt(request: HttpRequest, write: Callable[[], object], done: str) -> bool:
    try:
        write()
    except (WorkflowError, ValidationError) as error:
        _report(request, error)
        return False
    messages.success(request, done)
    return True


def _submit(request: HttpRequest, form, write: Callable[[dict], object], done: str) -> bool:
    """A posted form: its field errors as messages, or the write with its outcome."""
    if not form.is_valid():
        _form_errors(request, form)
        return False
    return _attempt(request, lambda: write(form.cleaned_data), done)


def _form_errors(request: HttpRequest, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


# --- certificates -------------------------------------------------------------------------


def _certificate_list_filtered(
    request: AuthenticatedHttpRequest,
) -> tuple[QuerySet[Certificate], str]:
    """The certificates the list shows under its status filter: the page and its exports
    read the same rows."""
    certificates = selectors.certificate_list_for_actor(request.user).order_by(
        "next_surveillance_due", "valid_until", "number"
    )
    status = request.GET.get("status", "")
    if status not in CertificateStatus.values:
        return certificates, ""
    return certificates.filter(status=status), status


@login_required
def certificate_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    certificates, status = _certificate_list_filtered(request)
    page = Paginator(certificates, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "audits/certificate_list.html",
        {
            "page": page,
            "status": status,
            "statuses": CertificateStatus.choices,
            "supervises": selectors.user_supervises(request.user),
            "surveillances": selectors.surveillances_due_for_body(request.user)[:20],
            "exports": export_links("audits:certificate_export", {"status": status}),
        },
    )


CERTIFICATE_COLUMNS: tuple[Column[Certificate], ...] = (
    Column(gettext_lazy("Certificate number"), lambda c: c.number),
    Column(gettext_lazy("Application"), lambda c: c.application.reference),
    Column(gettext_lazy("Product"), lambda c: c.product.name),
    Column(gettext_lazy("Model"), lambda c: c.product.model),
    Column(gettext_lazy("GTIN"), lambda c: c.product.gtin),
    Column(gettext_lazy("Holder"), lambda c: c.enterprise.name),
    Column(gettext_lazy("Unified Social Credit Code"), lambda c: c.enterprise.uscc),
    Column(gettext_lazy("Certification body"), lambda c: c.certification_body.name),
    Column(gettext_lazy("Status"), lambda c: c.get_status_display()),
    Column(gettext_lazy("Issued"), lambda c: c.issued_on),
    Column(gettext_lazy("Valid until"), lambda c: c.valid_until),
    Column(gettext_lazy("Next surveillance due"), lambda c: c.next_surveillance_due),
)


@login_required
def certificate_export(
    request: AuthenticatedHttpRequest, kind: str
) -> HttpResponse | StreamingHttpResponse:
    """Every certificate of the list under its status filter, not only the page shown."""
    certificates, _status = _certificate_list_filtered(request)
    return export_response(kind, certificates, CERTIFICATE_COLUMNS, "certificates")


def _is_holder_admin(user: User, certificate) -> bool:
    return user_has_role(user, Role.ENTERPRISE_ADMIN, certificate.enterprise)


def _is_body_decider(user: User, certificate) -> bool:
    body = certificate.certification_body
    return user_has_role(user, Role.BODY_ADMIN, body) or user_has_role(
        user, Role.DECISION_MAKER, body
    )


@login_required
def certificate_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    certificate = selectors.certificate_get_for_actor(request.user, pk)
    holder = _is_holder_admin(request.user, certificate)
    decider = _is_body_decider(request.user, certificate)
    today = timezone.localdate()
    in_force = certificate.status in ("valid", "suspended")
    window_opens = services.renewal_window_opens(certificate)
    open_changes = [
        r
        for r in certificate.requests.select_related("requested_by")
        if r.kind == RequestKind.CHANGE and r.status == RequestStatus.OPEN
    ]
    return render(
        request,
        "audits/certificate_detail.html",
        {
            "certificate": certificate,
            "labels": certificate.labels.order_by("-certificate_version"),
            "surveillances": certificate.surveillances.order_by("number"),
            "requests": certificate.requests.select_related("requested_by", "decided_by"),
            "history": status_history_public(certificate),
            "holder": holder and in_force,
            "decider": decider and in_force,
            "renewal_window_opens": window_opens,
            "renewal_open": holder
            and certificate.status == "valid"
            and window_opens <= today <= certificate.valid_until,
            "renewals": certificate.renewal_applications.all(),
            "suspend_form": VoluntarySuspensionForm() if certificate.status == "valid" else None,
            "reason_form": ReasonForm(),
            "change_form": ChangeReportForm(),
            "open_changes": [(r, ChangeDecisionForm(prefix=f"r{r.pk}")) for r in open_changes],
        },
    )


@login_required
@require_POST
@require_recent_second_factor(
    when=lambda request: _url_argument(request, "kind") in ("suspend", "cancel"),
    back=lambda request, pk, kind: reverse("audits:certificate", args=[pk]),
)
def certificate_request(request: AuthenticatedHttpRequest, pk: int, kind: str) -> HttpResponse:
    certificate = selectors.certificate_get_for_actor(request.user, pk)
    if kind == "suspend":
        form: forms.Form = VoluntarySuspensionForm(request.POST)
        _submit(
            request,
            form,
            lambda data: services.certificate_suspend_voluntarily(
                actor=request.user,
                certificate=certificate,
                until=data["until"],
                reason=data["reason"],
            ),
            _("The certificate is suspended."),
        )
    elif kind == "cancel":
        form = ReasonForm(request.POST)
        _submit(
            request,
            form,
            lambda data: services.certificate_cancel(
                actor=request.user, certificate=certificate, reason=data["reason"]
            ),
            _("The certificate is cancelled."),
        )
    elif kind == "change":
        form = ChangeReportForm(request.POST)
        _submit(
            request,
            form,
            lambda data: services.certificate_change_report(
                actor=request.user, certificate=certificate, **data
            ),
            _("The change is reported to the certification body."),
        )
    elif kind == "renew":
        try:
            application = services.renewal_start(actor=request.user, certificate=certificate)
        except (WorkflowError, ValidationError) as error:
            _report(request, error)
        else:
            messages.success(
                request,
                _("Renewal %(ref)s started from the certified dossier.")
                % {"ref": application.reference},
            )
            return redirect("certification:application_detail", pk=application.pk)
    elif kind == "special":
        form = ReasonForm(request.POST)
        _submit(
            request,
            form,
            lambda data: services.surveillance_special_open(
                actor=request.user, certificate=certificate, reason=data["reason"]
            ),
            _("A special surveillance is opened."),
        )
    else:
        raise Http404
    return redirect("audits:certificate", pk=certificate.pk)


@login_required
@require_POST
@require_recent_second_factor(
    back=lambda request, pk, request_id: reverse("audits:certificate", args=[pk])
)
def change_decide(request: AuthenticatedHttpRequest, pk: int, request_id: int) -> HttpResponse:
    certificate = selectors.certificate_get_for_actor(request.user, pk)
    change = CertificateRequest.objects.filter(pk=request_id, certificate=certificate).first()
    if change is None:
        raise Http404
    form = ChangeDecisionForm(request.POST, prefix=f"r{change.pk}")
    _submit(
        request,
        form,
        lambda data: services.certificate_change_decide(
            actor=request.user,
            request=change,
            editorial=data["editorial"],
            comment=data["comment"],
        ),
        _("Decision recorded."),
    )
    return redirect("audits:certificate", pk=certificate.pk)


# --- one surveillance ---------------------------------------------------------------------


def _body_reviewers(certificate):
    return User.objects.filter(
        memberships__organisation=certificate.certification_body,
        memberships__role=Role.REVIEWER,
        is_active=True,
    ).distinct()


@login_required
def surveillance_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    surveillance = selectors.surveillance_get_for_actor(request.user, pk)
    certificate = surveillance.certificate
    relations = relations_to(request.user, surveillance)
    running = surveillance.status == SurveillanceStatus.IN_PROGRESS
    team = list(surveillance.team.select_related("user"))
    is_team = Relation.TEAM in relations
    is_enterprise = Relation.ENTERPRISE in relations
    can_read_findings = surveillance_can_read_findings(request.user, surveillance)
    steps = [
        {"step": step, "label": STEP_LABELS[step], "form": CommentForm()}
        for step in steps_offered(request.user, surveillance)
    ]
    return render(
        request,
        "audits/surveillance_detail.html",
        {
            "surveillance": surveillance,
            "certificate": certificate,
            "team": team,
            "my_member": next((m for m in team if m.user_id == request.user.pk), None),
            "steps": steps,
            "plan_form": (
                SurveillancePlanForm(
                    reviewers=_body_reviewers(certificate),
                    initial={
                        "planned_date": surveillance.planned_date,
                        "mode": surveillance.mode,
                        "members": [m.user_id for m in team],
                        "lead": next((m.user_id for m in team if m.is_lead), None),
                    },
                )
                if Relation.BODY_ADMIN in relations
                and surveillance.status == SurveillanceStatus.DUE
                else None
            ),
            "can_read_findings": can_read_findings,
            "findings": surveillance.findings.order_by("number") if can_read_findings else None,
            "finding_form": SurveillanceFindingForm() if is_team and running else None,
            "answer_allowed": is_enterprise and running,
            "close_allowed": is_team and running,
            "report_form": (
                ReportForm(initial={"report": surveillance.report}) if is_team and running else None
            ),
            "recompute_allowed": is_team and running,
            "data_editable": is_enterprise and running,
            "upload_form": EvidenceUploadForm() if is_enterprise and running else None,
            "events": surveillance.events.select_related("actor"),
        },
    )


def _back(surveillance) -> HttpResponse:
    return redirect("audits:surveillance", pk=surveillance.pk)


@login_required
@require_POST
def surveillance_plan(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    surveillance = selectors.surveillance_get_for_actor(request.user, pk)
    form = SurveillancePlanForm(request.POST, reviewers=_body_reviewers(surveillance.certificate))
    _submit(
        request,
        form,
        lambda data: services.surveillance_plan_update(
            actor=request.user,
            surveillance=surveillance,
            planned_date=data["planned_date"],
            mode=data["mode"],
            members=list(data["members"]),
            lead=data["lead"],
        ),
        _("Surveillance plan saved."),
    )
    return _back(surveillance)


# The decision maker's decisions on a surveillance: keep, suspend or withdraw the certificate.
DECISION_STEPS = ("continue", "suspend", "withdraw")


@login_required
@require_POST
@require_recent_second_factor(
    when=lambda request: _url_argument(request, "step") in DECISION_STEPS,
    back=lambda request, pk, step: reverse("audits:surveillance", args=[pk]),
)
def surveillance_step(request: AuthenticatedHttpRequest, pk: int, step: str) -> HttpResponse:
    surveillance = selectors.surveillance_get_for_actor(request.user, pk)
    form = CommentForm(request.POST)
    if not form.is_valid() or step not in STEP_LABELS:
        messages.error(request, _("The request was not understood."))
        return _back(surveillance)
    _attempt(
        request,
        lambda: services.surveillance_transition(
            actor=request.user,
            surveillance_id=surveillance.pk,
            step=step,
            comment=form.cleaned_data["comment"],
        ),
        str(STEP_LABELS[step]) + " ✓",
    )
    return _back(surveillance)


@login_required
@require_POST
def surveillance_declare(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    surveillance = selectors.surveillance_get_for_actor(request.user, pk)
    _attempt(
        request,
        lambda: services.surveillance_declare(
            actor=request.user,
            surveillance=surveillance,
            has_conflict=request.POST.get("has_conflict") == "yes",
        ),
        _("Declaration recorded."),
    )
    return _back(surveillance)


@login_required
@require_POST
def surveillance_report(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    surveillance = selectors.surveillance_get_for_actor(request.user, pk)
    form = ReportForm(request.POST)
    _submit(
        request,
        form,
        lambda data: services.surveillance_report_save(
            actor=request.user, surveillance=surveillance, report=data["report"]
        ),
        _("Report saved."),
    )
    return _back(surveillance)


@login_required
@require_POST
def surveillance_recompute(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    surveillance = selectors.surveillance_get_for_actor(request.user, pk)
    _attempt(
        request,
        lambda: services.surveillance_recompute(actor=request.user, surveillance=surveillance),
        _("Recomputed with the current factor library."),
    )
    return _back(surveillance)


@login_required
@require_POST
def surveillance_finding(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    surveillance = selectors.surveillance_get_for_actor(request.user, pk)
    form = SurveillanceFindingForm(request.POST)
    _submit(
        request,
        form,
        lambda data: services.surveillance_finding_raise(
            actor=request.user, surveillance=surveillance, **data
        ),
        _("Finding raised."),
    )
    return _back(surveillance)


def _finding_of(surveillance, finding_id: int) -> Finding:
    finding = surveillance.findings.filter(pk=finding_id).first()
    if finding is None:
        raise Http404
    return finding


@login_required
@require_POST
def surveillance_finding_answer(
    request: AuthenticatedHttpRequest, pk: int, finding_id: int
) -> HttpResponse:
    surveillance = selectors.surveillance_get_for_actor(request.user, pk)
    finding = _finding_of(surveillance, finding_id)
    form = FindingAnswerForm(request.POST)
    _submit(
        request,
        form,
        lambda data: services.surveillance_finding_answer(
            actor=request.user, finding=finding, **data
        ),
        _("Answer sent."),
    )
    return _back(surveillance)


@login_required
@require_POST
def surveillance_finding_close(
    request: AuthenticatedHttpRequest, pk: int, finding_id: int
) -> HttpResponse:
    surveillance = selectors.surveillance_get_for_actor(request.user, pk)
    finding = _finding_of(surveillance, finding_id)
    _attempt(
        request,
        lambda: services.surveillance_finding_close(actor=request.user, finding=finding),
        _("Finding closed."),
    )
    return _back(surveillance)


# --- factor updates -----------------------------------------------------------------------


@login_required
def factor_impact_report(request: AuthenticatedHttpRequest) -> HttpResponse:
    """For the bodies (their certificates) and the regulator (all): what a published factor
    library version would do to the certified footprints."""
    from footprint.models import DatasetVersion, DatasetVersionStatus
    from oversight.supervision.impact import factor_impact

    certificates = selectors.certificate_list_for_actor(request.user)
    if not selectors.user_supervises(request.user):
        raise Http404
    versions = list(
        DatasetVersion.objects.filter(status=DatasetVersionStatus.PUBLISHED)
        .select_related("dataset")
        .order_by("-published_at", "-pk")
    )
    chosen = next(
        (v for v in versions if str(v.pk) == request.GET.get("version")),
        versions[0] if versions else None,
    )
    impacts = factor_impact(version=chosen, certificates=certificates) if chosen else []
    return render(
        request,
        "audits/factor_impact.html",
        {
            "versions": versions,
            "chosen": chosen,
            "impacts": impacts,
            "material_count": sum(1 for impact in impacts if impact.material),
        },
    )
