"""Reads of appeals: the appellant enterprise, the body appealed to and the regulator. Missing
and forbidden look the same (404)."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import memberships_for, user_is_regulator
from certification.models import Application, ApplicationEvent, Status
from certification.workflow import Action
from labels.models import Label, LabelEvent, LabelStatus
from labels.services import NOT_LIFTED_BY_THE_BODY
from oversight.appeals.models import Appeal, AppealKind, AppealStatus

RELATED = ("enterprise", "body", "application", "application__product", "label", "decider")


def appeal_list_for_actor(user: User) -> QuerySet[Appeal]:
    queryset = Appeal.objects.select_related(*RELATED)
    if user_is_regulator(user):
        return queryset
    organisation_ids = {m.organisation_id for m in memberships_for(user)}
    return queryset.filter(Q(enterprise_id__in=organisation_ids) | Q(body_id__in=organisation_ids))


def appeal_get_for_actor(user: User, reference: str) -> Appeal:
    appeal = appeal_list_for_actor(user).filter(reference=reference).first()
    if appeal is None:
        raise Http404
    return appeal


def appealable_decisions(user: User) -> dict[str, list]:
    """What the user's enterprises may still appeal: refusals, suspensions and withdrawals
    within the window and not yet appealed."""
    enterprise_ids = {
        m.organisation_id for m in memberships_for(user) if m.role == Role.ENTERPRISE_ADMIN
    }
    since = timezone.now() - timedelta(days=settings.APPEAL_WINDOW_DAYS)
    refusals = ApplicationEvent.objects.select_related("application__product").filter(
        application__enterprise_id__in=enterprise_ids,
        application__status=Status.REFUSED,
        action=Action.REFUSE,
        created_at__gte=since,
        appeal__isnull=True,
    )
    # The latest suspension or withdrawal of each label in force (a family's decision through
    # the certificate's own label), when the body took it: what ``appeal_file`` accepts.
    label_events = (
        LabelEvent.objects.select_related("label__certificate__product")
        .filter(
            label__certificate__enterprise_id__in=enterprise_ids,
            label__superseded_by__isnull=True,
            label__variant__isnull=True,
            # A label whose latest decision is older has none in the window either.
            created_at__gte=since,
        )
        .filter(
            Q(action="suspended", label__status=LabelStatus.SUSPENDED)
            | Q(action="revoked", label__status=LabelStatus.REVOKED)
        )
        .order_by("label_id", "-created_at", "-pk")
    )
    latest: dict[int, LabelEvent] = {}
    for event in label_events:
        latest.setdefault(event.label_id, event)
    appealed = set(
        Appeal.objects.filter(label_event__in=list(latest.values())).values_list(
            "label_event_id", flat=True
        )
    )
    appealable = [
        event
        for event in latest.values()
        if event.reason_code not in NOT_LIFTED_BY_THE_BODY
        and event.pk not in appealed
        and not withdrawal_under_regulators_suspension(event)
    ]
    appealable.sort(key=lambda event: (event.created_at, event.pk), reverse=True)
    return {"refusals": list(refusals), "label_events": appealable}


def withdrawal_under_regulators_suspension(decision: LabelEvent) -> bool:
    """Whether a withdrawal came while the label was under a suspension only the regulator
    lifts: overturning it would give back a valid label the regulator had suspended."""
    if decision.action != "revoked":
        return False
    before = (
        LabelEvent.objects.filter(
            label_id=decision.label_id, action__in=("suspended", "restored"), pk__lt=decision.pk
        )
        .order_by("-pk")
        .first()
    )
    return (
        before is not None
        and before.action == "suspended"
        and before.reason_code in NOT_LIFTED_BY_THE_BODY
    )


# The guards of the two steps only the appeal service takes, in the transaction in which it
# applies the appeal's effect: the person who overturned the decision reopens the refused
# application or reinstates the withdrawn label, once.


def refusal_overturned_on_appeal(application: Application, user: User) -> bool:
    return _overturned_effect_due(user, kind=AppealKind.REFUSAL, application=application)


def withdrawal_overturned_on_appeal(label: Label, user: User) -> bool:
    return _overturned_effect_due(user, kind=AppealKind.WITHDRAWAL, label=label)


def _overturned_effect_due(user: User, **decision) -> bool:
    return Appeal.objects.filter(
        **decision, status=AppealStatus.OVERTURNED, decider=user, effect_applied_at__isnull=True
    ).exists()
