"""Portal pages. Each view reads through a selector that takes the user and writes through a
service; a rule that stops a step becomes a message or a field error, never a 500."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_stubs_ext import StrOrPromise

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.roles import OrganisationKind, Role
from accounts.second_factor import require_recent_second_factor
from accounts.selectors import user_enterprise_ids, user_has_role, user_organisations
from audits.models import Evaluation, Finding, PeerReview
from config.exports import Column, export_links, export_response, local_time
from config.forms import refusals_shown
from footprint.models import Stage

from . import families, journey, reviews, selectors, services
from .abilities import ApplicationAbilities, application_abilities
from .errors import WorkflowError
from .forms import (
    ApplicationForm,
    DeclarationForm,
    DossierForm,
    EvaluationForm,
    EvidenceUploadForm,
    FindingAnswerForm,
    FindingForm,
    PeerAssignForm,
    ProductForm,
    SiblingTemplateForm,
    TeamForm,
    TransitionForm,
    VariantForm,
)
from .models import Application, Certificate, DossierVersion, Status
from .workflow import ACTION_LABELS, Action, Actor, actor_relations

PAGE_SIZE = 50


def _back(application: Application) -> HttpResponse:
    return redirect("certification:application_detail", pk=application.pk)


def _report(request: HttpRequest, error: Exception) -> None:
    if isinstance(error, WorkflowError):
        messages.error(request, error.message)
    elif isinstance(error, ValidationError):
        messages.error(request, " ".join(error.messages))


@login_required
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    applications = selectors.work_queue_for(request.user)
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "certification/queue.html", {"page": page})


def _application_list_filtered(
    request: AuthenticatedHttpRequest,
) -> tuple[QuerySet[Application], dict]:
    """The applications the list shows under its filters, and the filters: the page and its
    exports read the same rows."""
    applications = selectors.application_list_for_actor(request.user)
    status = request.GET.get("status", "")
    if status in Status.values:
        applications = applications.filter(status=status)
    else:
        status = ""
    query = request.GET.get("q", "").strip()
    applications = selectors.application_search(applications, query)
    return applications, {"status": status, "q": query}


@login_required
def application_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    applications, filters = _application_list_filtered(request)
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "certification/application_list.html",
        {
            "page": page,
            "statuses": Status.choices,
            **filters,
            "exports": export_links("certification:application_export", filters),
        },
    )


def _certificate_number(application: Application) -> str:
    try:
        return application.certificate.number
    except Certificate.DoesNotExist:
        return ""


APPLICATION_COLUMNS: tuple[Column[Application], ...] = (
    Column(gettext_lazy("Reference"), lambda a: a.reference),
    Column(gettext_lazy("Product"), lambda a: a.product.name),
    Column(gettext_lazy("Model"), lambda a: a.product.model),
    Column(gettext_lazy("GTIN"), lambda a: a.product.gtin),
    Column(gettext_lazy("Enterprise"), lambda a: a.enterprise.name),
    Column(gettext_lazy("Unified Social Credit Code"), lambda a: a.enterprise.uscc),
    Column(gettext_lazy("Certification body"), lambda a: a.certification_body.name),
    Column(gettext_lazy("Status"), lambda a: a.get_status_display()),
    Column(gettext_lazy("Certificate number"), _certificate_number),
    Column(gettext_lazy("Created"), lambda a: local_time(a.created_at)),
    Column(gettext_lazy("Updated"), lambda a: local_time(a.updated_at)),
)


@login_required
def application_export(
    request: AuthenticatedHttpRequest, kind: str
) -> HttpResponse | StreamingHttpResponse:
    """Every application of the list under its filters, not only the page shown."""
    applications, _filters = _application_list_filtered(request)
    return export_response(
        kind, applications.select_related("certificate"), APPLICATION_COLUMNS, "applications"
    )


@login_required
def application_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    products = selectors.product_list_for_actor(request.user).filter(
        enterprise_id__in=user_enterprise_ids(request.user)
    )
    if not user_enterprise_ids(request.user):
        raise Http404
    form = ApplicationForm(
        request.POST or None, products=products, initial={"product": request.GET.get("product")}
    )
    if request.method == "POST" and form.is_valid():
        with refusals_shown(form):
            application = services.application_create(actor=request.user, **form.cleaned_data)
        if not form.errors:
            messages.success(
                request,
                _("Application %(ref)s created. Complete the dossier.")
                % {"ref": application.reference},
            )
            return _back(application)
    return render(request, "certification/application_form.html", {"form": form})


@login_required
def application_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_actor(request.user, pk)
    user = request.user
    can_read_dossier = selectors.application_can_read_dossier(user, application)
    versions = (
        list(application.dossier_versions.prefetch_related("files")) if can_read_dossier else []
    )
    current = versions[-1] if versions else None
    may = application_abilities(user, application, current=current)
    events = list(application.events.select_related("actor"))
    offers = journey.action_offers(user, application)
    team = list(application.team.select_related("user"))
    peer_reviews = list(application.peer_reviews.select_related("reviewer", "body"))
    context = {
        "application": application,
        "may": may,
        "actions": offers,
        "forward_actions": [offer for offer in offers if offer.action != Action.WITHDRAW],
        "next_step": journey.next_step(application),
        "progress": journey.progress(application, events),
        "due": journey.current_due(application, events),
        "versions": versions,
        "current": current,
        "stage_rows": _stage_rows(current),
        "excluded_rows": _excluded_rows(current),
        "labels": (
            list(application.certificate.labels.select_related("variant__product"))
            if application.status == Status.APPROVED
            else []
        ),
        "upload_form": EvidenceUploadForm() if may.edit_dossier else None,
        "team": team,
        "my_team_member": next((m for m in team if m.user_id == user.pk), None),
        "team_form": (
            TeamForm(
                reviewers=_body_reviewers(application),
                initial={"members": [m.user_id for m in team]},
            )
            if may.assign_team
            else None
        ),
        "peer_form": (
            PeerAssignForm(reviewers=_peer_candidates(application))
            if may.assign_peer_reviewer
            else None
        ),
        "peer_reviews": peer_reviews,
        "current_peer": next((p for p in peer_reviews if p.is_current), None),
        "declaration_form": DeclarationForm(),
        "evaluation": Evaluation.objects.filter(application=application).first(),
        "findings": (
            list(
                application.findings.filter(surveillance__isnull=True).select_related(
                    "dossier_version"
                )
            )
            if can_read_dossier
            else []
        ),
        "finding_form": FindingForm() if may.raise_findings else None,
        "events": events,
        "certificate": getattr(application, "certificate", None)
        if application.status == Status.APPROVED
        else None,
        **_family_context(application, may),
    }
    return render(request, "certification/application_detail.html", context)


def _family_context(application: Application, may: ApplicationAbilities) -> dict:
    """The variants section: what it lists (to those who read the file), and whether the
    enterprise may still change it."""
    refusal = families.family_refusal(application)
    return {
        "variants": (
            list(application.variants.select_related("product")) if may.read_dossier else []
        ),
        "family_refusal": refusal,
        "variant_form": (
            VariantForm(products=_variant_candidates(application))
            if may.edit_variants and not refusal
            else None
        ),
    }


def _variant_candidates(application: Application):
    return (
        application.enterprise.products.filter(category_id=application.product.category_id)
        .exclude(pk=application.product_id)
        .exclude(pk__in=application.variants.values("product_id"))
    )


@login_required
@require_POST
def variant_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_actor(request.user, pk)
    form = VariantForm(request.POST, products=application.enterprise.products.all())
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
        return _back(application)
    try:
        variant = families.application_variant_add(
            actor=request.user, application=application, **form.cleaned_data
        )
    except (WorkflowError, ValidationError) as error:
        _report(request, error)
    else:
        messages.success(request, _("Variant %(product)s added.") % {"product": variant.product})
    return _back(application)


@login_required
@require_POST
def variant_remove(request: AuthenticatedHttpRequest, pk: int, variant_id: int) -> HttpResponse:
    application = selectors.application_get_for_actor(request.user, pk)
    try:
        families.application_variant_remove(
            actor=request.user, application=application, variant_id=variant_id
        )
    except (WorkflowError, ValidationError) as error:
        _report(request, error)
    return _back(application)


def _stage_rows(version: DossierVersion | None) -> list[tuple[StrOrPromise, str | None]]:
    if version is None:
        return []
    results = version.stage_results or {}
    return [
        (stage.label, _plain_number(results.get(stage.value)))
        for stage in Stage
        if stage.value in (version.stages_included or [])
    ]


def _plain_number(value: str | None) -> str | None:
    """61.250000 → 61.25, as people write it."""
    if value in (None, ""):
        return value
    from decimal import Decimal, InvalidOperation

    try:
        return format(Decimal(str(value)).normalize(), "f")
    except InvalidOperation:
        return str(value)


def _excluded_rows(version: DossierVersion | None) -> list[tuple[str, str]]:
    if version is None:
        return []
    labels = dict(Stage.choices)
    return [
        (labels.get(item.get("stage"), item.get("stage")), item.get("reason", ""))
        for item in version.stages_excluded or []
    ]


def _body_reviewers(application: Application):
    return (
        User.objects.filter(
            memberships__organisation=application.certification_body,
            memberships__role=Role.REVIEWER,
        )
        .distinct()
        .order_by("username")
    )


def _peer_candidates(application: Application):
    return (
        User.objects.filter(
            memberships__role=Role.REVIEWER,
            memberships__organisation__kind=OrganisationKind.CERTIFICATION_BODY,
            memberships__organisation__status="active",
        )
        .exclude(memberships__organisation=application.certification_body)
        .distinct()
        .order_by("username")
    )


# Deciding: approving (which issues the certificate and its label) or refusing.
DECISION_ACTIONS = ("approve", "refuse")


@login_required
@require_POST
@require_recent_second_factor(
    when=lambda request: request.POST.get("action") in DECISION_ACTIONS,
    back=lambda request, pk: reverse("certification:application_detail", args=[pk]),
)
def application_transition(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_actor(request.user, pk)
    form = TransitionForm(request.POST)
    if form.is_valid():
        action = form.cleaned_data["action"]
        try:
            services.application_transition(
                actor=request.user,
                application_id=application.pk,
                action=action,
                comment=form.cleaned_data["comment"],
            )
        except (WorkflowError, ValidationError) as error:
            _report(request, error)
        else:
            messages.success(
                request, _("Done: %(action)s.") % {"action": ACTION_LABELS.get(action, action)}
            )
    else:
        for message in form.non_field_errors():
            messages.error(request, str(message))
    return _back(application)


@login_required
def dossier_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_actor(request.user, pk)
    try:
        version = services.dossier_editable_version(actor=request.user, application=application)
    except WorkflowError as error:
        _report(request, error)
        return _back(application)
    form = DossierForm(request.POST or None, instance=version)
    if request.method == "POST" and form.is_valid():
        with refusals_shown(form):
            services.dossier_update(
                actor=request.user, application=application, data=form.service_data()
            )
        if not form.errors:
            messages.success(request, _("Dossier saved."))
            return _back(application)
    stage_fields = [(form[f"result_{s.value}"], form[f"excluded_{s.value}"]) for s in Stage]
    return render(
        request,
        "certification/dossier_form.html",
        {
            "form": form,
            "application": application,
            "version": version,
            "stage_fields": stage_fields,
        },
    )


@login_required
def dossier_diff(request: AuthenticatedHttpRequest, pk: int, number: int) -> HttpResponse:
    application = selectors.application_get_for_actor(request.user, pk)
    if not selectors.application_can_read_dossier(request.user, application):
        raise Http404
    versions = {
        v.number: v
        for v in application.dossier_versions.filter(
            number__in=[number - 1, number]
        ).prefetch_related("files")
    }
    if number not in versions or number - 1 not in versions:
        raise Http404
    changes = services.dossier_diff(versions[number - 1], versions[number])
    return render(
        request,
        "certification/dossier_diff.html",
        {"application": application, "number": number, "changes": changes},
    )


@login_required
@require_POST
def evidence_upload(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_actor(request.user, pk)
    form = EvidenceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
        return _back(application)
    try:
        evidence = services.evidence_upload(
            actor=request.user,
            application=application,
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
        )
    except (WorkflowError, ValidationError) as error:
        _report(request, error)
    else:
        messages.success(request, _("Uploaded %(name)s.") % {"name": evidence.original_name})
    return _back(application)


@login_required
def evidence_download(request: AuthenticatedHttpRequest, pk: int, file_id: int) -> FileResponse:
    application = selectors.application_get_for_actor(request.user, pk)
    evidence = selectors.evidence_get_for_actor(request.user, application, file_id)
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )


@login_required
@require_POST
def evidence_remove(request: AuthenticatedHttpRequest, pk: int, file_id: int) -> HttpResponse:
    application = selectors.application_get_for_actor(request.user, pk)
    evidence = selectors.evidence_get_for_actor(request.user, application, file_id)
    try:
        services.evidence_remove(actor=request.user, application=application, evidence=evidence)
    except WorkflowError as error:
        _report(request, error)
    return _back(application)


@login_required
@require_POST
def team_assign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_actor(request.user, pk)
    form = TeamForm(request.POST, reviewers=_body_reviewers(application))
    if not form.is_valid():
        messages.error(request, _("Choose the team members and a lead."))
        return _back(application)
    try:
        services.team_assign(
            actor=request.user,
            application=application,
            members=list(form.cleaned_data["members"]),
            lead=form.cleaned_data["lead"],
        )
    except (WorkflowError, ValidationError) as error:
        _report(request, error)
    else:
        messages.success(request, _("Team assigned."))
    return _back(application)


@login_required
@require_POST
def declare(request: AuthenticatedHttpRequest, pk: int, role: str) -> HttpResponse:
    application = selectors.application_get_for_actor(request.user, pk)
    form = DeclarationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one declaration."))
        return _back(application)
    service = services.team_declare if role == "team" else services.peer_review_declare
    try:
        service(actor=request.user, application=application, **form.cleaned_data)
    except (WorkflowError, ValidationError) as error:
        _report(request, error)
    else:
        messages.success(request, _("Declaration recorded."))
    return _back(application)


@login_required
@require_POST
def peer_assign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_actor(request.user, pk)
    form = PeerAssignForm(request.POST, reviewers=_peer_candidates(application))
    if not form.is_valid():
        messages.error(request, _("Choose a peer reviewer."))
        return _back(application)
    try:
        services.peer_review_assign(
            actor=request.user, application=application, reviewer=form.cleaned_data["reviewer"]
        )
    except (WorkflowError, ValidationError) as error:
        _report(request, error)
    else:
        messages.success(request, _("Peer reviewer assigned."))
    return _back(application)


@login_required
@require_POST
def finding_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_actor(request.user, pk)
    form = FindingForm(request.POST)
    if not form.is_valid():
        if form.has_error("severity") or form.has_error("description"):
            messages.error(request, _("Give the severity and a description of the finding."))
        for error in form.errors.get("clause", []):
            messages.error(request, str(error))
        return _back(application)
    try:
        reviews.finding_raise(actor=request.user, application=application, **form.cleaned_data)
    except (WorkflowError, ValidationError) as error:
        _report(request, error)
    else:
        messages.success(request, _("Finding raised."))
    return _back(application)


def _finding(request: AuthenticatedHttpRequest, pk: int, finding_id: int) -> Finding:
    application = selectors.application_get_for_actor(request.user, pk)
    finding = application.findings.filter(pk=finding_id).select_related("application").first()
    if finding is None:
        raise Http404
    return finding


@login_required
@require_POST
def finding_answer(request: AuthenticatedHttpRequest, pk: int, finding_id: int) -> HttpResponse:
    finding = _finding(request, pk, finding_id)
    form = FindingAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write an answer."))
        return _back(finding.application)
    try:
        reviews.finding_answer(actor=request.user, finding=finding, **form.cleaned_data)
    except (WorkflowError, ValidationError) as error:
        _report(request, error)
    else:
        messages.success(request, _("Answer saved."))
    return _back(finding.application)


@login_required
@require_POST
def finding_close(request: AuthenticatedHttpRequest, pk: int, finding_id: int) -> HttpResponse:
    finding = _finding(request, pk, finding_id)
    reopen = request.POST.get("reopen") == "1"
    try:
        reviews.finding_close(actor=request.user, finding=finding, reopen=reopen)
    except (WorkflowError, ValidationError) as error:
        _report(request, error)
    else:
        message = _("Finding F%(n)s reopened.") if reopen else _("Finding F%(n)s closed.")
        messages.success(request, message % {"n": finding.number})
    return _back(finding.application)


@login_required
def evaluation_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_actor(request.user, pk)
    if Actor.TEAM not in actor_relations(request.user, application):
        raise Http404
    evaluation = Evaluation.objects.filter(application=application).first() or Evaluation(
        application=application
    )
    form = EvaluationForm(request.POST or None, instance=evaluation)
    if request.method == "POST" and form.is_valid():
        with refusals_shown(form):
            reviews.evaluation_update(
                actor=request.user, application=application, data=form.service_data()
            )
        if not form.errors:
            messages.success(request, _("Evaluation record saved."))
            return _back(application)
    return render(
        request, "certification/evaluation_form.html", {"form": form, "application": application}
    )


@login_required
def product_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    products = selectors.product_list_for_actor(request.user)
    enterprises = [o for o in user_organisations(request.user, OrganisationKind.ENTERPRISE)]
    form = ProductForm(request.POST or None) if enterprises else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.product_create(
                actor=request.user, enterprise=enterprises[0], **form.cleaned_data
            )
        except (ValidationError, WorkflowError) as error:
            form.add_error(None, getattr(error, "messages", None) or str(error))
        else:
            messages.success(request, _("Product registered."))
            return redirect("certification:product_list")
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "certification/product_list.html", {"page": page, "form": form})


@login_required
def product_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    product = selectors.product_get_for_actor(request.user, pk)
    # Those of a family it is a variant of, too.
    applications = selectors.application_list_for_actor(request.user).filter(
        Q(product=product) | Q(variants__product=product)
    )
    return render(
        request,
        "certification/product_detail.html",
        {
            "product": product,
            "applications": applications.order_by("-created_at"),
            "editable": selectors.product_is_editable_by(request.user, product),
            "can_apply": product.enterprise_id in user_enterprise_ids(request.user),
            "sibling_form": _sibling_form(request.user, product),
        },
    )


def _sibling_form(user: User, product, data=None) -> SiblingTemplateForm | None:
    """Only the enterprise that holds both products starts one from the other."""
    if product.enterprise_id not in user_enterprise_ids(user):
        return None
    certificates = families.sibling_certificates_for(product)
    if data is None and not certificates.exists():
        return None
    return SiblingTemplateForm(data, certificates=certificates)


@login_required
@require_POST
def start_from_sibling(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    product = selectors.product_get_for_actor(request.user, pk)
    form = _sibling_form(request.user, product, request.POST)
    if form is None:
        raise Http404
    if form.is_valid():
        try:
            application = families.application_start_from_sibling(
                actor=request.user, certificate=form.cleaned_data["certificate"], product=product
            )
        except (WorkflowError, ValidationError) as error:
            _report(request, error)
        else:
            messages.success(
                request,
                _(
                    "Application %(ref)s created from the dossier of certificate %(number)s. "
                    "Check every figure for this model: the dossier is verified again."
                )
                % {"ref": application.reference, "number": form.cleaned_data["certificate"].number},
            )
            return _back(application)
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
    return redirect("certification:product_detail", pk=product.pk)


@login_required
def product_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    product = selectors.product_get_for_actor(request.user, pk)
    if product.enterprise_id not in user_enterprise_ids(request.user):
        raise Http404
    if not selectors.product_is_editable_by(request.user, product):
        messages.error(
            request,
            _(
                "This product has been submitted for certification: it can no longer be "
                "changed here. Report a change on the certificate's page instead."
            ),
        )
        return redirect("certification:product_detail", pk=product.pk)
    form = ProductForm(request.POST or None, instance=product)
    if request.method == "POST" and form.is_valid():
        with refusals_shown(form):
            services.product_update(
                actor=request.user,
                product_id=product.pk,
                data={name: form.cleaned_data[name] for name in services.PRODUCT_FIELDS},
            )
        if not form.errors:
            messages.success(request, _("Product saved."))
            return redirect("certification:product_detail", pk=product.pk)
    return render(request, "certification/product_form.html", {"form": form, "product": product})


@login_required
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    notifications = request.user.notifications.select_related("application")
    if request.method == "POST":
        notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("certification:inbox")
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "certification/inbox.html", {"page": page})


__all__ = ["PeerReview", "Prefetch", "user_has_role"]
