"""The certification procedure as one table (CNCA-CFP-00:2025 order, plus peer review and
blacklist gates).

Read it as: in status S, action A by someone who stands in relation R to the application leads
to status T, if every named guard passes. `application_transition` in services.py is the only
writer of `Application.status`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from django.db.models import Field
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import user_roles
from audits.models import ConflictDeclaration, FindingStatus, PeerReviewOutcome
from audits.selectors import blacklist_ensure_clear

from . import effects, hooks
from .dossiers import current_dossier_version
from .errors import GuardFailed
from .models import REQUIRED_EVIDENCE, Application, DossierVersion, Status
from .steps import StepContext


class Actor:
    """How a person stands to one application. One person may hold several relations."""

    ENTERPRISE = "enterprise"
    ENTERPRISE_ADMIN = "enterprise_admin"
    BODY_ADMIN = "body_admin"
    TEAM = "team"
    TECHNICAL_REVIEWER = "technical_reviewer"
    PEER_REVIEWER = "peer_reviewer"
    DECISION_MAKER = "decision_maker"
    REGULATOR = "regulator"

    ALL = (
        ENTERPRISE,
        ENTERPRISE_ADMIN,
        BODY_ADMIN,
        TEAM,
        TECHNICAL_REVIEWER,
        PEER_REVIEWER,
        DECISION_MAKER,
        REGULATOR,
    )


class Action:
    SUBMIT = "submit"
    ACCEPT = "accept"
    REJECT = "reject"
    PLAN = "plan"
    START_EVALUATION = "start_evaluation"
    REQUEST_CHANGES = "request_changes"
    RESUBMIT = "resubmit"
    COMPLETE_EVALUATION = "complete_evaluation"
    RETURN_TO_EVALUATION = "return_to_evaluation"
    PASS_TECHNICAL_REVIEW = "pass_technical_review"  # noqa: S105 - an action name
    PEER_SEND_BACK = "peer_send_back"
    PEER_ENDORSE = "peer_endorse"
    APPROVE = "approve"
    REFUSE = "refuse"
    WITHDRAW = "withdraw"
    REOPEN_ON_APPEAL = "reopen_on_appeal"


ACTION_LABELS = {
    Action.SUBMIT: gettext_lazy("Submit for certification"),
    Action.ACCEPT: gettext_lazy("Accept the application"),
    Action.REJECT: gettext_lazy("Reject at acceptance"),
    Action.PLAN: gettext_lazy("Confirm the plan and team"),
    Action.START_EVALUATION: gettext_lazy("Start the evaluation"),
    Action.REQUEST_CHANGES: gettext_lazy("Send findings to the enterprise"),
    Action.RESUBMIT: gettext_lazy("Resubmit with corrective actions"),
    Action.COMPLETE_EVALUATION: gettext_lazy("Complete the evaluation"),
    Action.RETURN_TO_EVALUATION: gettext_lazy("Return to the evaluation team"),
    Action.PASS_TECHNICAL_REVIEW: gettext_lazy("Pass technical review"),
    Action.PEER_SEND_BACK: gettext_lazy("Send back to evaluation"),
    Action.PEER_ENDORSE: gettext_lazy("Endorse the file"),
    Action.APPROVE: gettext_lazy("Approve certification"),
    Action.REFUSE: gettext_lazy("Refuse certification"),
    Action.WITHDRAW: gettext_lazy("Withdraw the application"),
    Action.REOPEN_ON_APPEAL: gettext_lazy(
        "Reopen at the decision step (refusal overturned on appeal)"
    ),
}

# Actions no person takes from the portal or the API: only a service takes them, and a guard
# checks the record that service writes first (the appeal service's overturned appeal).
SERVICE_ONLY_ACTIONS = {Action.REOPEN_ON_APPEAL}


Guard = Callable[[StepContext], None]
Effect = Callable[[StepContext], None]


# --- guards -------------------------------------------------------------------------------


def comment_given(ctx: StepContext) -> None:
    if not ctx.comment.strip():
        raise GuardFailed("comment_given", _("Give the reasons for this step."))


def dossier_complete(ctx: StepContext) -> None:
    version = current_dossier_version(ctx.application)
    missing = dossier_missing_items(version)
    if missing:
        raise GuardFailed(
            "dossier_complete",
            _("The dossier is incomplete: %(items)s.") % {"items": ", ".join(missing)},
        )


def family_refusal(application: Application) -> str:
    """Why this application may not cover a family (empty when it may): names the rule and
    offers the sibling template instead."""
    category = application.product.category
    if category.allows_families:
        return ""
    return _(
        "The product rule “%(rule)s” (category %(category)s) does not allow product "
        "families: each model needs its own application. Start the other models' applications "
        "from this one's certified dossier instead (“Start from a certified sibling”)."
    ) % {
        "rule": f"{application.product_rule_name} {application.product_rule_version}".strip(),
        "category": category,
    }


def family_allowed(ctx: StepContext) -> None:
    """Workflow guard: variants added before the rule stopped allowing families are refused
    at submission rather than certified."""
    application = ctx.application
    if application.variants.exists() and not application.product.category.allows_families:
        raise GuardFailed("family_allowed", family_refusal(application))


def body_accredited(ctx: StepContext) -> None:
    application = ctx.application
    body = application.certification_body
    if not body.is_active_body:
        raise GuardFailed(
            "body_accredited", _("%(body)s is not an active certification body.") % {"body": body}
        )
    if not body.accredited_categories.filter(pk=application.product.category_id).exists():
        raise GuardFailed(
            "body_accredited",
            _("%(body)s is not accredited for the category %(category)s.")
            % {"body": body, "category": application.product.category},
        )


def nobody_blacklisted(ctx: StepContext) -> None:
    application = ctx.application
    blacklist_ensure_clear(
        organisations=[application.enterprise, application.certification_body],
        people=[ctx.actor],
    )


def body_and_actor_not_blacklisted(ctx: StepContext) -> None:
    """A listed body's files are frozen, and a listed person takes no step."""
    blacklist_ensure_clear(organisations=[ctx.application.certification_body], people=[ctx.actor])


def actor_outside_the_enterprise(ctx: StepContext) -> None:
    """Impartiality (ISO/IEC 17065 4.2): nobody who belongs to the applying enterprise takes the
    certification side's steps on its file, whatever role they also hold there."""
    if ctx.actor.memberships.filter(organisation_id=ctx.application.enterprise_id).exists():
        raise GuardFailed(
            "conflict_of_interest",
            _("You belong to the applying enterprise: you may not take this step on its file."),
        )


def team_assigned(ctx: StepContext) -> None:
    team = list(ctx.application.team.select_related("user"))
    if not team:
        raise GuardFailed("team_assigned", _("Assign an evaluation team first."))
    if not any(member.is_lead for member in team):
        raise GuardFailed("team_assigned", _("Name a team lead."))
    blacklist_ensure_clear(people=[member.user for member in team])


def team_declared_no_conflict(ctx: StepContext) -> None:
    for member in ctx.application.team.select_related("user"):
        if member.declaration != ConflictDeclaration.NO_CONFLICT:
            raise GuardFailed(
                "conflict_of_interest",
                _("%(person)s has not declared freedom from conflicts of interest.")
                % {"person": member.user},
            )


def open_findings_exist(ctx: StepContext) -> None:
    if not ctx.application.findings.filter(status=FindingStatus.OPEN).exists():
        raise GuardFailed("open_findings_exist", _("Raise at least one finding first."))


def findings_answered(ctx: StepContext) -> None:
    if ctx.application.findings.filter(status=FindingStatus.OPEN).exists():
        raise GuardFailed("findings_answered", _("Answer every open finding first."))


def findings_closed(ctx: StepContext) -> None:
    if ctx.application.findings.exclude(status=FindingStatus.CLOSED).exists():
        raise GuardFailed("findings_closed", _("Close every finding first."))


def evaluation_complete(ctx: StepContext) -> None:
    evaluation = getattr(ctx.application, "evaluation", None)
    missing = evaluation.missing_items() if evaluation else ["evaluation"]
    if missing:
        raise GuardFailed(
            "evaluation_complete",
            _("The evaluation record is incomplete: %(items)s.") % {"items": ", ".join(missing)},
        )


def actor_not_on_team(ctx: StepContext) -> None:
    if ctx.application.team.filter(user=ctx.actor).exists():
        raise GuardFailed(
            "not_on_team",
            _("A member of the evaluation team may not take this step."),
        )


def peer_reviewer_independent(ctx: StepContext) -> None:
    application = ctx.application
    peer_review = (
        application.peer_reviews.filter(is_current=True).select_related("body", "reviewer").first()
    )
    if peer_review is None:
        raise GuardFailed("peer_review_assigned", _("Assign a peer reviewer first."))
    if peer_review.body_id == application.certification_body_id:
        raise GuardFailed(
            "peer_body_differs",
            _("The peer reviewer must come from another certification body."),
        )
    if not peer_review.body.is_active_body:
        raise GuardFailed(
            "peer_body_differs", _("The peer review body is not an active certification body.")
        )
    if application.team.filter(user=peer_review.reviewer_id).exists():
        raise GuardFailed(
            "peer_body_differs", _("The peer reviewer may not be on the evaluation team.")
        )
    if peer_review.reviewer.memberships.filter(organisation=application.enterprise).exists():
        raise GuardFailed("conflict_of_interest", _("The peer reviewer belongs to the enterprise."))
    blacklist_ensure_clear(organisations=[peer_review.body], people=[peer_review.reviewer])


def peer_declared_no_conflict(ctx: StepContext) -> None:
    peer_review = ctx.application.peer_reviews.filter(is_current=True).first()
    if peer_review is None or peer_review.declaration != ConflictDeclaration.NO_CONFLICT:
        raise GuardFailed(
            "conflict_of_interest",
            _("The peer reviewer must declare freedom from conflicts of interest first."),
        )


def refusal_overturned_on_appeal(ctx: StepContext) -> None:
    """The appeal service overturned the refusal in this transaction and is applying it."""
    if not hooks.refusal_overturned_on_appeal(ctx.application, ctx.actor):
        raise GuardFailed(
            "refusal_overturned_on_appeal",
            _("Only an appeal that overturned the refusal reopens it."),
        )


# --- the table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    target: str
    actors: frozenset[str]
    guards: tuple[Guard, ...] = field(default=())
    effects: tuple[Effect, ...] = field(default=())  # applied in order, after the status is saved


def _t(
    target: str, actors: set[str], *guards: Guard, effects: tuple[Effect, ...] = ()
) -> Transition:
    return Transition(target=target, actors=frozenset(actors), guards=guards, effects=effects)


A, S = Action, Status
TRANSITIONS: dict[tuple[str, str], Transition] = {
    (S.DRAFT, A.SUBMIT): _t(
        S.SUBMITTED,
        {Actor.ENTERPRISE},
        dossier_complete,
        family_allowed,
        body_accredited,
        nobody_blacklisted,
        effects=(effects.dossier_freeze,),
    ),
    (S.SUBMITTED, A.ACCEPT): _t(
        S.ACCEPTED, {Actor.BODY_ADMIN}, body_accredited, nobody_blacklisted
    ),
    (S.SUBMITTED, A.REJECT): _t(S.REJECTED, {Actor.BODY_ADMIN}, comment_given),
    (S.ACCEPTED, A.PLAN): _t(S.PLANNED, {Actor.BODY_ADMIN}, team_assigned, nobody_blacklisted),
    (S.PLANNED, A.START_EVALUATION): _t(S.IN_EVALUATION, {Actor.TEAM}, team_declared_no_conflict),
    # A member who joined the team after the start (services.team_member_replace) declares
    # before the team moves the file on.
    (S.IN_EVALUATION, A.REQUEST_CHANGES): _t(
        S.AWAITING_ENTERPRISE,
        {Actor.TEAM},
        open_findings_exist,
        team_declared_no_conflict,
        effects=(effects.dossier_open_next,),
    ),
    (S.AWAITING_ENTERPRISE, A.RESUBMIT): _t(
        S.IN_EVALUATION,
        {Actor.ENTERPRISE},
        findings_answered,
        dossier_complete,
        effects=(effects.dossier_freeze,),
    ),
    (S.IN_EVALUATION, A.COMPLETE_EVALUATION): _t(
        S.TECHNICAL_REVIEW,
        {Actor.TEAM},
        findings_closed,
        evaluation_complete,
        team_declared_no_conflict,
    ),
    (S.TECHNICAL_REVIEW, A.RETURN_TO_EVALUATION): _t(
        S.IN_EVALUATION, {Actor.TECHNICAL_REVIEWER}, actor_not_on_team, comment_given
    ),
    (S.TECHNICAL_REVIEW, A.PASS_TECHNICAL_REVIEW): _t(
        S.PEER_REVIEW,
        {Actor.TECHNICAL_REVIEWER},
        actor_not_on_team,
        peer_reviewer_independent,
        effects=(effects.peer_review_pending,),
    ),
    (S.PEER_REVIEW, A.PEER_SEND_BACK): _t(
        S.IN_EVALUATION,
        {Actor.PEER_REVIEWER},
        peer_declared_no_conflict,
        comment_given,
        effects=(effects.peer_review_sent_back,),
    ),
    (S.PEER_REVIEW, A.PEER_ENDORSE): _t(
        S.DECISION,
        {Actor.PEER_REVIEWER},
        peer_declared_no_conflict,
        peer_reviewer_independent,
        effects=(effects.peer_review_endorsed,),
    ),
    # The team and the peer reviewer are checked again at the decision: a listing that came
    # after they took their steps must still stop it.
    (S.DECISION, A.APPROVE): _t(
        S.APPROVED,
        {Actor.DECISION_MAKER},
        actor_not_on_team,
        comment_given,
        body_accredited,
        nobody_blacklisted,
        team_assigned,
        peer_reviewer_independent,
        effects=(effects.certificate_issue,),
    ),
    (S.DECISION, A.REFUSE): _t(
        S.REFUSED,
        {Actor.DECISION_MAKER},
        actor_not_on_team,
        comment_given,
        team_assigned,
        peer_reviewer_independent,
    ),
    (S.REFUSED, A.REOPEN_ON_APPEAL): _t(
        S.DECISION, {Actor.BODY_ADMIN, Actor.DECISION_MAKER}, refusal_overturned_on_appeal
    ),
}
# A listed body's applications are frozen: every step but withdrawal by the enterprise first
# checks that neither the body nor the person acting is on the blacklist. The certification
# side's steps end by checking that the person is not of the applying enterprise.
CERTIFICATION_SIDE = frozenset(
    {
        Actor.BODY_ADMIN,
        Actor.TEAM,
        Actor.TECHNICAL_REVIEWER,
        Actor.PEER_REVIEWER,
        Actor.DECISION_MAKER,
    }
)
TRANSITIONS = {
    key: Transition(
        target=t.target,
        actors=t.actors,
        guards=(
            body_and_actor_not_blacklisted,
            *t.guards,
            *((actor_outside_the_enterprise,) if t.actors & CERTIFICATION_SIDE else ()),
        ),
        effects=t.effects,
    )
    for key, t in TRANSITIONS.items()
}
WITHDRAWABLE = (
    S.DRAFT,
    S.SUBMITTED,
    S.ACCEPTED,
    S.PLANNED,
    S.IN_EVALUATION,
    S.AWAITING_ENTERPRISE,
    S.TECHNICAL_REVIEW,
    S.PEER_REVIEW,
    S.DECISION,
)
for _status in WITHDRAWABLE:
    TRANSITIONS[(_status, A.WITHDRAW)] = _t(S.WITHDRAWN, {Actor.ENTERPRISE_ADMIN})

ALL_ACTIONS = tuple(sorted({action for _, action in TRANSITIONS}))
# Actions whose comment is the reason the record must keep: those the table guards with
# `comment_given`, wherever they are taken.
COMMENT_REQUIRED = frozenset(
    action for (_, action), t in TRANSITIONS.items() if comment_given in t.guards
)


# --- who stands where ---------------------------------------------------------------------


def actor_relations(user: User, application: Application) -> set[str]:
    """The relations `user` holds to `application`, from memberships, team and peer review."""
    if not user.is_authenticated:
        return set()
    relations: set[str] = set()
    enterprise_roles = user_roles(user, application.enterprise)
    if enterprise_roles & {Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_MEMBER}:
        relations.add(Actor.ENTERPRISE)
    if Role.ENTERPRISE_ADMIN in enterprise_roles:
        relations.add(Actor.ENTERPRISE_ADMIN)
    body_roles = user_roles(user, application.certification_body)
    if Role.BODY_ADMIN in body_roles:
        relations.add(Actor.BODY_ADMIN)
    if Role.TECHNICAL_REVIEWER in body_roles:
        relations.add(Actor.TECHNICAL_REVIEWER)
    if Role.DECISION_MAKER in body_roles:
        relations.add(Actor.DECISION_MAKER)
    if Role.REVIEWER in body_roles and application.team.filter(user=user).exists():
        relations.add(Actor.TEAM)
    if application.peer_reviews.filter(is_current=True, reviewer=user).exists():
        relations.add(Actor.PEER_REVIEWER)
    if Role.REGULATOR in user_roles(user):
        relations.add(Actor.REGULATOR)
    return relations


def available_actions(user: User, application: Application) -> list[str]:
    """Actions the table offers this person now (guards are checked when the step is taken)."""
    relations = actor_relations(user, application)
    return [
        action
        for (status, action), transition in TRANSITIONS.items()
        if status == application.status
        and transition.actors & relations
        and action not in SERVICE_ONLY_ACTIONS
    ]


# --- dossier helpers used by guards -------------------------------------------------------


DOSSIER_REQUIRED_FIELDS = (
    "goal",
    "unit_kind",
    "unit_description",
    "reference_flow",
    "boundary",
    "cut_off_criteria",
    "allocation_procedure",
    "reference_period_start",
    "reference_period_end",
    "geography",
    "gwp_set",
    "data_quality_statement",
    "uncertainty_statement",
    "declared_total",
)


def dossier_missing_items(version: DossierVersion) -> list[str]:
    missing = [
        str(cast(Field, DossierVersion._meta.get_field(name)).verbose_name)
        for name in DOSSIER_REQUIRED_FIELDS
        if getattr(version, name) in (None, "")
    ]
    if not version.stages_included:
        missing.append(str(DossierVersion._meta.get_field("stages_included").verbose_name))
    if not version.stage_results:
        missing.append(str(DossierVersion._meta.get_field("stage_results").verbose_name))
    present = set(version.files.values_list("kind", flat=True))
    missing.extend(str(kind.label) for kind in REQUIRED_EVIDENCE if kind not in present)
    return missing


__all__ = [
    "ALL_ACTIONS",
    "TRANSITIONS",
    "Action",
    "Actor",
    "PeerReviewOutcome",
    "actor_relations",
    "available_actions",
]
