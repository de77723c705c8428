"""Oversight pages: the regulator's sampling draws and blacklist, the drawn inspector's
re-inspection, the enterprise's transfer away from a listed body, and the two public pages
(draws and their outcomes; listed bodies). Reads answer 404 for both missing and forbidden;
writes go through the services, and a rule that stops a step becomes a message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import BodyStatus, Organisation
from accounts.roles import OrganisationKind
from accounts.second_factor import require_recent_second_factor
from accounts.selectors import user_is_regulator
from audits.models import BlacklistEntry
from audits.selectors import blacklist_hits
from audits.services import blacklist_entry_create, blacklist_entry_delist
from certification import selectors as certification_selectors
from certification import services as certification_services
from certification.errors import WorkflowError
from certification.workflow import Actor, actor_relations
from oversight import sampling
from oversight.blacklist import blacklist_labels_order
from oversight.forms import (
    BlacklistEntryForm,
    DelistForm,
    LabelOrderForm,
    ReinspectionForm,
    SamplingDrawForm,
    TransferForm,
)
from oversight.models import ReinspectionStatus, SamplingDraw, SamplingItem

PAGE_SIZE = 50


def _report(request: HttpRequest, error: Exception) -> None:
    if isinstance(error, WorkflowError):
        messages.error(request, error.message)
    elif isinstance(error, ValidationError):
        messages.error(request, " ".join(error.messages))


def _ensure_regulator(request: AuthenticatedHttpRequest) -> None:
    if not user_is_regulator(request.user):
        raise Http404


def _entries_in_force():
    today = timezone.localdate()
    return BlacklistEntry.objects.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=today),
        effective_from__lte=today,
        delisted_at__isnull=True,
    )


# --- sampling: the regulator -------------------------------------------------------------


@login_required
def sampling_draws(request: AuthenticatedHttpRequest) -> HttpResponse:
    _ensure_regulator(request)
    form = SamplingDrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record, _draw = sampling.sampling_draw_record(
                actor=request.user,
                seed=form.cleaned_data["seed"],
                size=form.cleaned_data["size"],
                stratify_by=form.cleaned_data["stratify_by"] or "",
            )
        except (WorkflowError, ValidationError) as error:
            _report(request, error)
        else:
            messages.success(
                request,
                _("Drawn %(count)s certificates with the seed “%(seed)s”.")
                % {"count": record.items.count(), "seed": record.seed},
            )
            return redirect("oversight:sampling_draws")
    draws = SamplingDraw.objects.select_related("drawn_by").prefetch_related(
        Prefetch(
            "items",
            queryset=SamplingItem.objects.select_related(
                "certificate__product", "certificate__certification_body", "inspector"
            ),
        )
    )
    page = Paginator(draws, 20).get_page(request.GET.get("page"))
    return render(request, "oversight/sampling_draws.html", {"form": form, "page": page})


# --- re-inspections: the drawn inspector ---------------------------------------------------


@login_required
def reinspection_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    items = sampling.reinspection_list_for_actor(request.user)
    page = Paginator(items.order_by("status", "-draw__drawn_at", "position"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "oversight/reinspection_list.html", {"page": page})


# Recording the outcome may suspend or withdraw the label at once: a named operation.
@login_required
@require_recent_second_factor(
    when=lambda request: request.method == "POST",
    back=lambda request, pk: reverse("oversight:reinspection_detail", args=[pk]),
)
def reinspection_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = sampling.reinspection_get_for_actor(request.user, pk)
    may_record = item.inspector_id == request.user.pk and item.status == ReinspectionStatus.ASSIGNED
    form = ReinspectionForm(request.POST or None) if may_record else None
    if request.method == "POST":
        if form is None:
            messages.error(
                request,
                _("Only the inspector drawn for this certificate records its re-inspection."),
            )
        elif form.is_valid():
            try:
                sampling.reinspection_record(
                    actor=request.user, item_id=item.pk, **form.cleaned_data
                )
            except (WorkflowError, ValidationError) as error:
                _report(request, error)
            else:
                messages.success(request, _("Re-inspection recorded."))
                return redirect("oversight:reinspection_detail", pk=item.pk)
    return render(request, "oversight/reinspection_detail.html", {"item": item, "form": form})


# --- blacklist: the regulator --------------------------------------------------------------


@login_required
@require_recent_second_factor(
    when=lambda request: request.method == "POST",
    back=lambda request: reverse("oversight:blacklist_list"),
)
def blacklist_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _ensure_regulator(request)
    form = BlacklistEntryForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = blacklist_entry_create(
                actor=request.user,
                organisation=data["organisation"],
                person=data["person"],
                reason=data["reason"],
                legal_basis=data["legal_basis"],
                source_document=data["source_document"],
                effective_from=data["effective_from"],
                effective_to=data["effective_to"],
                documents=data["documents"],
            )
        except (WorkflowError, ValidationError) as error:
            _report(request, error)
        else:
            messages.success(request, _("Listed: %(subject)s.") % {"subject": entry.subject})
            return redirect("oversight:blacklist_detail", pk=entry.pk)
    entries = BlacklistEntry.objects.select_related("organisation", "person")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "oversight/blacklist_list.html", {"form": form, "page": page})


@login_required
def blacklist_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _ensure_regulator(request)
    entry = (
        BlacklistEntry.objects.select_related("organisation", "person", "created_by", "delisted_by")
        .filter(pk=pk)
        .first()
    )
    if entry is None:
        raise Http404
    reviews = (
        entry.label_reviews.select_related("label__certificate__product")
        .prefetch_related("orders")
        .order_by("label_id")
    )
    return render(
        request,
        "oversight/blacklist_detail.html",
        {
            "entry": entry,
            "documents": entry.documents.all(),
            "reviews": reviews,
            "orders": entry.orders.select_related("ordered_by"),
            "delist_form": DelistForm() if entry.delisted_at is None else None,
            "order_form": LabelOrderForm() if entry.delisted_at is None and reviews else None,
        },
    )


@login_required
@require_POST
@require_recent_second_factor(
    back=lambda request, pk: reverse("oversight:blacklist_detail", args=[pk])
)
def blacklist_delist(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _ensure_regulator(request)
    form = DelistForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for delisting."))
    else:
        try:
            blacklist_entry_delist(
                actor=request.user, entry_id=pk, reason=form.cleaned_data["reason"]
            )
        except BlacklistEntry.DoesNotExist as error:
            raise Http404 from error
        except (WorkflowError, ValidationError) as error:
            _report(request, error)
        else:
            messages.success(request, _("Delisted."))
    return redirect("oversight:blacklist_detail", pk=pk)


@login_required
@require_POST
@require_recent_second_factor(
    back=lambda request, pk: reverse("oversight:blacklist_detail", args=[pk])
)
def blacklist_order(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _ensure_regulator(request)
    form = LabelOrderForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the order and give its reason."))
    else:
        try:
            order = blacklist_labels_order(actor=request.user, entry_id=pk, **form.cleaned_data)
        except BlacklistEntry.DoesNotExist as error:
            raise Http404 from error
        except (WorkflowError, ValidationError) as error:
            _report(request, error)
        else:
            messages.success(
                request,
                _("%(order)s: %(count)s labels.")
                % {"order": order.get_kind_display(), "count": order.label_count},
            )
    return redirect("oversight:blacklist_detail", pk=pk)


# --- transfer: the enterprise --------------------------------------------------------------


def _transfer_bodies(application) -> "QuerySet[Organisation]":
    bodies = Organisation.objects.filter(
        kind=OrganisationKind.CERTIFICATION_BODY,
        status=BodyStatus.ACTIVE,
        accredited_categories=application.product.category_id,
    ).exclude(pk=application.certification_body_id)
    listed = {
        e.organisation_id
        for e in blacklist_hits(organisations=list(bodies))
        if e.organisation_id is not None
    }
    return bodies.exclude(pk__in=listed)


@login_required
def application_transfer(request: AuthenticatedHttpRequest, application_id: int) -> HttpResponse:
    application = certification_selectors.application_get_for_actor(request.user, application_id)
    if Actor.ENTERPRISE not in actor_relations(request.user, application):
        raise Http404
    listed = blacklist_hits(organisations=[application.certification_body])
    form = TransferForm(request.POST or None, bodies=_transfer_bodies(application))
    if request.method == "POST" and form.is_valid():
        try:
            certification_services.application_transfer(
                actor=request.user,
                application_id=application.pk,
                certification_body=form.cleaned_data["certification_body"],
            )
        except (WorkflowError, ValidationError) as error:
            _report(request, error)
        else:
            messages.success(
                request,
                _("Transferred to %(body)s.") % {"body": form.cleaned_data["certification_body"]},
            )
            return redirect("certification:application_detail", pk=application.pk)
    return render(
        request,
        "oversight/transfer.html",
        {"application": application, "listed": listed, "form": form},
    )


# --- public pages (一公开) -----------------------------------------------------------------


def public_sampling(request: HttpRequest) -> HttpResponse:
    """What was drawn, when, from which population, and each outcome: no findings text, no
    inspector, nothing from the dossier."""
    draws = SamplingDraw.objects.prefetch_related(
        Prefetch(
            "items",
            queryset=SamplingItem.objects.select_related(
                "certificate__product", "certificate__certification_body"
            ).only(
                "draw_id",
                "position",
                "status",
                "outcome",
                "action",
                "outcome_date",
                "certificate__number",
                "certificate__product__name",
                "certificate__certification_body__name",
            ),
        )
    )
    page = Paginator(draws, 20).get_page(request.GET.get("page"))
    return render(request, "oversight/public_sampling.html", {"page": page})


def public_blacklist(request: HttpRequest) -> HttpResponse:
    entries = (
        _entries_in_force()
        .filter(organisation__kind=OrganisationKind.CERTIFICATION_BODY)
        .select_related("organisation")
    )
    return render(request, "oversight/public_blacklist.html", {"entries": entries})
