"""The complaint procedure as one table (ISO/IEC 17065 7.13).

Read it as: in status S, action A by someone who stands in relation R to the complaint leads to
status T, if every named guard passes. `complaint_transition` in services.py is the only writer
of `Complaint.status`.

The rule that matters most: a complaint is handled and decided by a person of the issuing body
who took no part in the certification concerned (`handler_uninvolved`).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import user_has_role, user_roles
from audits.models import TeamMember
from audits.selectors import blacklist_ensure_clear
from certification.errors import GuardFailed
from certification.models import ApplicationEvent, CertificateStatus
from certification.workflow import Action as ApplicationAction
from oversight.complaints.models import (
    Complaint,
    ComplaintAction,
    ComplaintOutcome,
    ComplaintStatus,
)


class Relation:
    """How a person stands to one complaint."""

    BODY_ADMIN = "body_admin"  # an administrator of the issuing body
    HANDLER = "handler"  # the person assigned to handle it
    REGULATOR = "regulator"  # reads everything, changes nothing


class ComplaintStep:
    ACKNOWLEDGE = "acknowledge"
    INVESTIGATE = "investigate"
    DECIDE = "decide"
    CLOSE = "close"


STEP_LABELS = {
    ComplaintStep.ACKNOWLEDGE: gettext_lazy("Acknowledge receipt"),
    ComplaintStep.INVESTIGATE: gettext_lazy("Start the investigation"),
    ComplaintStep.DECIDE: gettext_lazy("Decide"),
    ComplaintStep.CLOSE: gettext_lazy("Close"),
}

# Roles of the body whose people may handle a complaint: they may also suspend or withdraw the
# label, which a founded complaint can require.
HANDLER_ROLES = (Role.BODY_ADMIN, Role.DECISION_MAKER)

# The steps of the certification that make a person "involved": evaluating, reviewing and
# deciding. Accepting and planning are administrative and do not.
INVOLVING_ACTIONS = (
    ApplicationAction.START_EVALUATION,
    ApplicationAction.REQUEST_CHANGES,
    ApplicationAction.COMPLETE_EVALUATION,
    ApplicationAction.RETURN_TO_EVALUATION,
    ApplicationAction.PASS_TECHNICAL_REVIEW,
    ApplicationAction.APPROVE,
    ApplicationAction.REFUSE,
)


def took_part_in_certification(person: User, application_id: int) -> bool:
    """Whether `person` evaluated, reviewed or decided the certification (ISO/IEC 17065 7.13:
    not the one to handle a complaint or decide an appeal about it)."""
    return ApplicationEvent.objects.filter(
        application_id=application_id, actor=person, action__in=INVOLVING_ACTIONS
    ).exists()


@dataclass(frozen=True)
class ComplaintContext:
    complaint: Complaint
    actor: User
    comment: str = ""
    outcome: str = ""
    actions: tuple[str, ...] = ()
    finding: str = ""


ComplaintGuard = Callable[[ComplaintContext], None]


# --- guards -------------------------------------------------------------------------------


def person_uninvolved(complaint: Complaint, person: User) -> None:
    """The named rule: `person` may handle `complaint`. Raises GuardFailed("handler_uninvolved")."""
    body = complaint.body
    if not any(user_has_role(person, role, body) for role in HANDLER_ROLES):
        raise GuardFailed(
            "handler_uninvolved",
            _(
                "A complaint is handled by an administrator or a decision maker of the issuing "
                "body."
            ),
        )
    application_id = complaint.certificate.application_id
    if TeamMember.objects.filter(application_id=application_id, user=person).exists():
        raise GuardFailed(
            "handler_uninvolved",
            _(
                "%(person)s was on the evaluation team of this certificate and may not handle a "
                "complaint about it."
            )
            % {"person": person},
        )
    if took_part_in_certification(person, application_id):
        raise GuardFailed(
            "handler_uninvolved",
            _(
                "%(person)s reviewed or decided this certification and may not handle a complaint "
                "about it."
            )
            % {"person": person},
        )
    from oversight.supervision.selectors import took_part_in_supervision

    if took_part_in_supervision(person, complaint.certificate_id):
        raise GuardFailed(
            "handler_uninvolved",
            _(
                "%(person)s took part in the surveillance of this certificate and may not handle a "
                "complaint about it."
            )
            % {"person": person},
        )
    blacklist_ensure_clear(organisations=[body], people=[person])


def handler_assigned(ctx: ComplaintContext) -> None:
    if ctx.complaint.handler_id is None:
        raise GuardFailed("handler_assigned", _("Assign a handler first."))


def actor_uninvolved(ctx: ComplaintContext) -> None:
    person_uninvolved(ctx.complaint, ctx.actor)


def reason_given(ctx: ComplaintContext) -> None:
    if not ctx.comment.strip():
        raise GuardFailed("reason_given", _("Give the reasons for the decision."))


# The actions that act on the complaint's certificate, and the statuses it can take them in.
ON_THE_CERTIFICATE = {
    ComplaintAction.SUSPEND_LABEL,
    ComplaintAction.REVOKE_LABEL,
    ComplaintAction.SPECIAL_SURVEILLANCE,
}
IN_FORCE = (CertificateStatus.VALID, CertificateStatus.SUSPENDED)


def outcome_consistent(ctx: ComplaintContext) -> None:
    if ctx.outcome not in ComplaintOutcome.values:
        raise GuardFailed("outcome_consistent", _("Choose whether the complaint is founded."))
    actions = set(ctx.actions)
    if not actions <= set(ComplaintAction.values):
        raise GuardFailed("outcome_consistent", _("Unknown action."))
    if ctx.outcome == ComplaintOutcome.UNFOUNDED and actions:
        raise GuardFailed("outcome_consistent", _("An unfounded complaint leads to no action."))
    if ctx.outcome == ComplaintOutcome.FOUNDED and not actions:
        raise GuardFailed(
            "outcome_consistent", _("Choose at least one action for a founded complaint.")
        )
    if {ComplaintAction.SUSPEND_LABEL, ComplaintAction.REVOKE_LABEL} <= actions:
        raise GuardFailed("outcome_consistent", _("Suspend or withdraw the label, not both."))
    if {ComplaintAction.REVOKE_LABEL, ComplaintAction.SPECIAL_SURVEILLANCE} <= actions:
        raise GuardFailed(
            "outcome_consistent",
            _(
                "A withdrawn certificate is not surveilled: withdraw the label, or order a "
                "special surveillance (with a suspension if need be)."
            ),
        )
    if actions & ON_THE_CERTIFICATE and ctx.complaint.certificate.status not in IN_FORCE:
        raise GuardFailed(
            "outcome_consistent",
            _(
                "The certificate is no longer in force: its label cannot be suspended, "
                "withdrawn or surveilled."
            ),
        )
    if ComplaintAction.FINDING_AGAINST_BODY in actions and not ctx.finding.strip():
        raise GuardFailed("outcome_consistent", _("Write the finding against the body."))


# --- the table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintTransition:
    target: str
    relations: frozenset[str]
    guards: tuple[ComplaintGuard, ...] = field(default=())


def _t(target: str, relations: set[str], *guards: ComplaintGuard) -> ComplaintTransition:
    return ComplaintTransition(target=target, relations=frozenset(relations), guards=guards)


S, R = ComplaintStatus, Relation
COMPLAINT_TRANSITIONS: dict[tuple[str, str], ComplaintTransition] = {
    (S.RECEIVED, ComplaintStep.ACKNOWLEDGE): _t(S.ACKNOWLEDGED, {R.BODY_ADMIN, R.HANDLER}),
    (S.ACKNOWLEDGED, ComplaintStep.INVESTIGATE): _t(
        S.INVESTIGATING, {R.HANDLER}, handler_assigned, actor_uninvolved
    ),
    (S.INVESTIGATING, ComplaintStep.DECIDE): _t(
        S.DECIDED, {R.HANDLER}, handler_assigned, actor_uninvolved, reason_given, outcome_consistent
    ),
    (S.DECIDED, ComplaintStep.CLOSE): _t(S.CLOSED, {R.BODY_ADMIN, R.HANDLER}),
}
# Statuses in which a handler may be (re)assigned by the body's administrator.
ASSIGNABLE = (S.RECEIVED, S.ACKNOWLEDGED, S.INVESTIGATING)
OPEN_STATUSES = (S.RECEIVED, S.ACKNOWLEDGED, S.INVESTIGATING)


def complaint_relations(user: User, complaint: Complaint) -> set[str]:
    if not user.is_authenticated:
        return set()
    relations = set()
    if Role.BODY_ADMIN in user_roles(user, complaint.body):
        relations.add(Relation.BODY_ADMIN)
    if complaint.handler_id is not None and complaint.handler_id == user.pk:
        relations.add(Relation.HANDLER)
    if Role.REGULATOR in user_roles(user):
        relations.add(Relation.REGULATOR)
    return relations


def complaint_available_steps(user: User, complaint: Complaint) -> list[str]:
    relations = complaint_relations(user, complaint)
    return [
        step
        for (status, step), transition in COMPLAINT_TRANSITIONS.items()
        if status == complaint.status and transition.relations & relations
    ]


# --- deadlines ----------------------------------------------------------------------------


def add_working_days(start: date, days: int) -> date:
    """`days` working days (Monday to Friday) after `start`. Public holidays are not counted
    out: the scheme publishes no calendar we could rely on."""
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            remaining -= 1
    return day
