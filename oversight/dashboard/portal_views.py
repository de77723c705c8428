"""The dashboards of the people who do the work: a body's open tasks (with the reassignment of
a team member) and an enterprise's certificates, surveillance and labels. Another body's or
enterprise's objects answer 404, like missing ones."""

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.selectors import user_enterprise_ids
from certification import selectors as certification_selectors
from certification import services as certification_services
from certification.errors import WorkflowError
from certification.workflow import Actor, actor_relations
from oversight.dashboard import charts, holder, worklist
from oversight.supervision import selectors as supervision_selectors
from oversight.supervision import services as supervision_services
from oversight.supervision.workflow import Relation, relations_to

PAGE_SIZE = 100


class ReassignForm(forms.Form):
    member = forms.ModelChoiceField(label=gettext_lazy("Take off"), queryset=User.objects.none())
    replacement = forms.ModelChoiceField(
        label=gettext_lazy("Put on instead"), queryset=User.objects.none()
    )

    def __init__(self, *args, team, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        member_field = cast(forms.ModelChoiceField, self.fields["member"])
        member_field.queryset = team
        replacement_field = cast(forms.ModelChoiceField, self.fields["replacement"])
        replacement_field.queryset = candidates


def _report(request: HttpRequest, error: Exception) -> None:
    if isinstance(error, WorkflowError):
        messages.error(request, error.message)
    elif isinstance(error, ValidationError):
        messages.error(request, " ".join(error.messages))


@login_required
def tasks(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not worklist.works_for_a_body(request.user):
        raise Http404
    open_tasks = worklist.tasks_for(request.user)
    page = Paginator(open_tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    admin_bodies = worklist.admin_body_ids(request.user)
    candidates = worklist.reassign_candidates(admin_bodies) if admin_bodies else {}
    rows = [
        {
            "task": task,
            "candidates": [
                person
                for person in candidates.get(task.body_id, [])
                if person.pk not in {member.user_id for member in task.team}
            ],
        }
        for task in page
    ]
    return render(
        request,
        "dashboards/tasks.html",
        {
            "page": page,
            "rows": rows,
            "overdue": sum(1 for task in open_tasks if task.overdue),
            "total": len(open_tasks),
            "is_admin": bool(admin_bodies),
        },
    )


def _reassign(request: HttpRequest, team, body_id: int, replace) -> HttpResponse:
    candidates = worklist.reassign_candidates({body_id})[body_id]
    form = ReassignForm(
        request.POST,
        team=User.objects.filter(pk__in=team),
        candidates=User.objects.filter(pk__in=[person.pk for person in candidates]),
    )
    if not form.is_valid():
        messages.error(request, _("Choose the member to take off and the person to put on."))
        return redirect("dashboards:tasks")
    member, replacement = form.cleaned_data["member"], form.cleaned_data["replacement"]
    try:
        replace(member=member, replacement=replacement)
    except (WorkflowError, ValidationError) as error:
        _report(request, error)
    else:
        messages.success(
            request,
            _("%(replacement)s replaces %(member)s on the team.")
            % {"replacement": replacement, "member": member},
        )
    return redirect("dashboards:tasks")


@login_required
@require_POST
def application_team_reassign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = certification_selectors.application_get_for_actor(request.user, pk)
    if Actor.BODY_ADMIN not in actor_relations(request.user, application):
        raise Http404
    return _reassign(
        request,
        application.team.values("user_id"),
        application.certification_body_id,
        lambda **people: certification_services.team_member_replace(
            actor=request.user, application=application, **people
        ),
    )


@login_required
@require_POST
def surveillance_team_reassign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    surveillance = supervision_selectors.surveillance_get_for_actor(request.user, pk)
    if Relation.BODY_ADMIN not in relations_to(request.user, surveillance):
        raise Http404
    return _reassign(
        request,
        surveillance.team.values("user_id"),
        surveillance.certificate.certification_body_id,
        lambda **people: supervision_services.surveillance_team_member_replace(
            actor=request.user, surveillance=surveillance, **people
        ),
    )


@login_required
def enterprise(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not user_enterprise_ids(request.user):
        raise Http404
    board = holder.holder_board(request.user)
    return render(
        request,
        "dashboards/enterprise.html",
        {
            "board": board,
            "expiry_chart": charts.bar_chart(board.expiry),
            "labels_chart": charts.bar_chart(
                [(label, count) for _status, label, count in board.labels]
            ),
        },
    )
