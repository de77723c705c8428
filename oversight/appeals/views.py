"""Portal pages of appeals: the enterprise files one; the body takes it up and decides; the
regulator reads."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.second_factor import require_recent_second_factor
from certification.errors import WorkflowError
from config.forms import refusals_shown
from oversight.appeals import selectors, services
from oversight.appeals.forms import AppealForm, AppealStepForm
from oversight.appeals.models import AppealKind
from oversight.appeals.workflow import STEP_LABELS, appeal_available_steps


@login_required
def appeal_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    appeals = selectors.appeal_list_for_actor(request.user)
    page = Paginator(appeals, 50).get_page(request.GET.get("page"))
    decisions = selectors.appealable_decisions(request.user)
    return render(
        request,
        "appeals/list.html",
        {"page": page, "can_file": bool(decisions["refusals"] or decisions["label_events"])},
    )


def _choices(decisions: dict) -> list[tuple[str, str]]:
    choices = [
        (
            f"refusal:{event.application_id}",
            _("Refusal of %(reference)s (%(product)s), %(date)s")
            % {
                "reference": event.application.reference,
                "product": event.application.product,
                "date": event.created_at.date(),
            },
        )
        for event in decisions["refusals"]
    ]
    for event in decisions["label_events"]:
        kind = AppealKind.SUSPENSION if event.action == "suspended" else AppealKind.WITHDRAWAL
        choices.append(
            (
                f"{kind}:{event.label_id}",
                _("%(kind)s: label %(serial)s (%(product)s), %(date)s")
                % {
                    "kind": AppealKind(kind).label,
                    "serial": event.label.serial,
                    "product": event.label.certificate.product,
                    "date": event.created_at.date(),
                },
            )
        )
    return choices


@login_required
def appeal_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    choices = _choices(selectors.appealable_decisions(request.user))
    form = AppealForm(request.POST or None, request.FILES or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        kind, _sep, pk = form.cleaned_data["decision"].partition(":")
        target = (
            {"application_id": int(pk)} if kind == AppealKind.REFUSAL else {"label_id": int(pk)}
        )
        with refusals_shown(form):
            appeal = services.appeal_file(
                actor=request.user,
                kind=kind,
                reasons=form.cleaned_data["reasons"],
                attachments=form.cleaned_data["attachments"],
                **target,
            )
        if not form.errors:
            messages.success(
                request, _("Appeal %(reference)s filed.") % {"reference": appeal.reference}
            )
            return redirect("appeals:detail", reference=appeal.reference)
    return render(request, "appeals/new.html", {"form": form, "has_choices": bool(choices)})


@login_required
def appeal_detail(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    appeal = selectors.appeal_get_for_actor(request.user, reference)
    steps = appeal_available_steps(request.user, appeal)
    return render(
        request,
        "appeals/detail.html",
        {
            "appeal": appeal,
            "events": appeal.events.select_related("actor"),
            "attachments": appeal.attachments.all(),
            "steps": [(step, STEP_LABELS[step]) for step in steps],
        },
    )


# Deciding an appeal: upholding, or overturning (which reopens, restores or reinstates).
DECISION_STEPS = ("uphold", "overturn")


@login_required
@require_POST
@require_recent_second_factor(
    when=lambda request: request.POST.get("step") in DECISION_STEPS,
    back=lambda request, reference: reverse("appeals:detail", args=[reference]),
)
def appeal_step(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    appeal = selectors.appeal_get_for_actor(request.user, reference)
    form = AppealStepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a step."))
        return redirect("appeals:detail", reference=reference)
    try:
        services.appeal_transition(
            actor=request.user,
            appeal_id=appeal.pk,
            step=form.cleaned_data["step"],
            reason=form.cleaned_data["reason"],
        )
    except WorkflowError as error:
        messages.error(request, error.message)
    except ValidationError as error:
        messages.error(request, getattr(error, "message", None) or " ".join(error.messages))
    else:
        appeal.refresh_from_db()
        messages.success(
            request, _("The appeal is now: %(status)s.") % {"status": appeal.get_status_display()}
        )
    return redirect("appeals:detail", reference=reference)
