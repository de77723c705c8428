"""Pages of complaints: the public report form and follow-up page (no account needed), and the
portal's list and detail for the issuing body (which handles them) and the regulator (reads)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.second_factor import require_recent_second_factor
from certification.errors import WorkflowError
from config.throttles import ComplaintThrottle
from labels import selectors as label_selectors
from oversight.complaints import selectors, services
from oversight.complaints.forms import AssignForm, ComplaintForm, DecideForm, StepForm
from oversight.complaints.models import ComplaintOutcome, ComplaintStatus
from oversight.complaints.texts import outcome_text
from oversight.complaints.workflow import (
    ASSIGNABLE,
    HANDLER_ROLES,
    STEP_LABELS,
    ComplaintStep,
    Relation,
    complaint_available_steps,
    complaint_relations,
)

# --- public -------------------------------------------------------------------------------


def report(request: HttpRequest, serial: str) -> HttpResponse:
    """The form behind "Report a problem with this label". Kept off the cached public page: it
    holds a CSRF token."""
    label = label_selectors.label_get_public(serial)
    form = ComplaintForm(request.POST or None, request.FILES or None)
    context = {
        "label": label,
        "form": form,
        "acknowledge_days": settings.COMPLAINT_ACKNOWLEDGE_WORKING_DAYS,
        "decision_days": settings.COMPLAINT_DECISION_DAYS,
    }
    if request.method == "POST" and form.is_valid():
        throttle = ComplaintThrottle()
        if not throttle.allow_request(request, None):
            return render(
                request, "complaints/report.html", {**context, "throttled": True}, status=429
            )
        try:
            submitted = services.complaint_submit(
                actor=request.user,
                label_serial=serial,
                category=form.cleaned_data["category"],
                description=form.cleaned_data["description"],
                contact=form.cleaned_data["contact"],
                attachment=form.cleaned_data["attachment"],
                language=translation.get_language() or "zh-hans",
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            follow = request.build_absolute_uri(
                reverse("complaints:follow", args=[submitted.token])
            )
            return render(
                request,
                "complaints/submitted.html",
                {"complaint": submitted.complaint, "follow_url": follow},
            )
    return render(request, "complaints/report.html", context)


def follow(request: HttpRequest, token: str) -> HttpResponse:
    """The complainant's private page: status, and once decided, the outcome."""
    complaint = selectors.complaint_get_by_token(token)
    response = render(
        request,
        "complaints/follow.html",
        {
            "complaint": complaint,
            "outcome_text": outcome_text(complaint) if complaint.is_decided else "",
        },
    )
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak to linked sites
    return response


# --- portal -------------------------------------------------------------------------------


@login_required
def complaint_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    complaints = selectors.complaint_list_for_actor(request.user)
    status = request.GET.get("status", "")
    if status in ComplaintStatus.values:
        complaints = complaints.filter(status=status)
    page = Paginator(complaints, 50).get_page(request.GET.get("page"))
    today = timezone.localdate()
    overdue = set(
        selectors.complaints_overdue(today)
        .filter(pk__in=[c.pk for c in page])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "complaints/portal_list.html",
        {
            "page": page,
            "overdue": overdue,
            "status": status,
            "statuses": ComplaintStatus.choices,
        },
    )


def _handler_candidates(complaint) -> list[User]:
    return list(
        User.objects.filter(
            memberships__organisation=complaint.body,
            memberships__role__in=HANDLER_ROLES,
            is_active=True,
        )
        .distinct()
        .order_by("username")
    )


@login_required
def complaint_detail(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    complaint = selectors.complaint_get_for_actor(request.user, reference)
    relations = complaint_relations(request.user, complaint)
    steps = complaint_available_steps(request.user, complaint)
    can_assign = Relation.BODY_ADMIN in relations and complaint.status in ASSIGNABLE
    candidates = User.objects.filter(pk__in=[u.pk for u in _handler_candidates(complaint)])
    return render(
        request,
        "complaints/portal_detail.html",
        {
            "complaint": complaint,
            "events": complaint.events.select_related("actor"),
            "steps": [(step, STEP_LABELS[step]) for step in steps if step != ComplaintStep.DECIDE],
            "can_decide": ComplaintStep.DECIDE in steps,
            "decide_form": DecideForm(),
            "assign_form": AssignForm(candidates=candidates) if can_assign else None,
            "overdue": selectors.complaints_overdue(timezone.localdate())
            .filter(pk=complaint.pk)
            .exists(),
            "founded": complaint.outcome == ComplaintOutcome.FOUNDED,
        },
    )


@login_required
@require_POST
def complaint_assign(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    complaint = selectors.complaint_get_for_actor(request.user, reference)
    candidates = User.objects.filter(pk__in=[u.pk for u in _handler_candidates(complaint)])
    form = AssignForm(request.POST, candidates=candidates)
    if not form.is_valid():
        messages.error(request, _("Choose a handler."))
    else:
        try:
            services.complaint_assign(
                actor=request.user, complaint_id=complaint.pk, handler=form.cleaned_data["handler"]
            )
        except WorkflowError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Handler assigned: %(person)s.") % {"person": form.cleaned_data["handler"]},
            )
    return redirect("complaints_portal:detail", reference=reference)


# Deciding may suspend or revoke the label: a named operation, as on the label's own page.
@login_required
@require_POST
@require_recent_second_factor(
    when=lambda request: request.POST.get("step") == ComplaintStep.DECIDE,
    back=lambda request, reference: reverse("complaints_portal:detail", args=[reference]),
)
def complaint_step(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    complaint = selectors.complaint_get_for_actor(request.user, reference)
    is_decision = request.POST.get("step") == ComplaintStep.DECIDE
    form = DecideForm(request.POST) if is_decision else StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the outcome and give the reasons."))
        return redirect("complaints_portal:detail", reference=reference)
    values = form.cleaned_data
    try:
        services.complaint_transition(
            actor=request.user,
            complaint_id=complaint.pk,
            step=values["step"],
            comment=values.get("comment", ""),
            outcome=values.get("outcome", ""),
            actions=values.get("actions", []),
            finding=values.get("finding", ""),
        )
    except WorkflowError as error:
        messages.error(request, error.message)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        complaint.refresh_from_db()
        messages.success(
            request,
            _("The complaint is now: %(status)s.") % {"status": complaint.get_status_display()},
        )
    return redirect("complaints_portal:detail", reference=reference)


@login_required
def complaint_attachment(request: AuthenticatedHttpRequest, reference: str) -> FileResponse:
    complaint = selectors.complaint_get_for_actor(request.user, reference)
    if not complaint.attachment:
        raise Http404
    return FileResponse(
        complaint.attachment.open("rb"),
        as_attachment=True,
        content_type=complaint.attachment_content_type,
    )
