"""The appeal procedure as one table (ISO/IEC 17065 7.13).

In status S, step A by someone in relation R to the appeal leads to status T if every named
guard passes. `appeal_transition` in services.py is the only writer of `Appeal.status`. The
rule that matters: the appeal is decided by a person of the body who took no part in the
decision appealed (`decider_uninvolved`).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import user_has_role, user_roles
from audits.models import TeamMember
from audits.selectors import blacklist_ensure_clear
from certification.errors import GuardFailed
from oversight.appeals.models import Appeal, AppealStatus
from oversight.complaints.workflow import took_part_in_certification


class Relation:
    BODY_DECIDER = "body_decider"  # an administrator or decision maker of the body appealed to
    DECIDER = "decider"  # the one who took the appeal up for review
    ENTERPRISE_ADMIN = "enterprise_admin"  # the appellant's administrator
    REGULATOR = "regulator"


class AppealStep:
    START_REVIEW = "start_review"
    UPHOLD = "uphold"
    OVERTURN = "overturn"


STEP_LABELS = {
    AppealStep.START_REVIEW: gettext_lazy("Take up the appeal"),
    AppealStep.UPHOLD: gettext_lazy("Uphold the decision"),
    AppealStep.OVERTURN: gettext_lazy("Overturn the decision"),
}

DECIDER_ROLES = (Role.BODY_ADMIN, Role.DECISION_MAKER)


@dataclass(frozen=True)
class AppealContext:
    appeal: Appeal
    actor: User
    reason: str = ""


AppealGuard = Callable[[AppealContext], None]


def person_uninvolved_in_decision(appeal: Appeal, person: User) -> None:
    """The named rule: `person` may decide `appeal`. Raises GuardFailed("decider_uninvolved")."""
    if not any(user_has_role(person, role, appeal.body) for role in DECIDER_ROLES):
        raise GuardFailed(
            "decider_uninvolved",
            _("An appeal is decided by an administrator or a decision maker of the body."),
        )
    if appeal.decision_actor_id is not None and appeal.decision_actor_id == person.pk:
        raise GuardFailed(
            "decider_uninvolved",
            _("%(person)s took the decision appealed and may not decide the appeal.")
            % {"person": person},
        )
    if TeamMember.objects.filter(application_id=appeal.application_id, user=person).exists():
        raise GuardFailed(
            "decider_uninvolved",
            _("%(person)s was on the evaluation team and may not decide the appeal.")
            % {"person": person},
        )
    if took_part_in_certification(person, appeal.application_id):
        raise GuardFailed(
            "decider_uninvolved",
            _("%(person)s evaluated or reviewed this certification and may not decide the appeal.")
            % {"person": person},
        )
    from oversight.supervision.selectors import took_part_in_supervision

    if appeal.label is not None and took_part_in_supervision(person, appeal.label.certificate_id):
        raise GuardFailed(
            "decider_uninvolved",
            _(
                "%(person)s took part in the surveillance of this certificate and may not decide "
                "the appeal."
            )
            % {"person": person},
        )
    blacklist_ensure_clear(organisations=[appeal.body], people=[person])


def decider_uninvolved(ctx: AppealContext) -> None:
    person_uninvolved_in_decision(ctx.appeal, ctx.actor)


def reason_given(ctx: AppealContext) -> None:
    if not ctx.reason.strip():
        raise GuardFailed("reason_given", _("Give the reasons for the decision."))


@dataclass(frozen=True)
class AppealTransition:
    target: str
    relations: frozenset[str]
    guards: tuple[AppealGuard, ...] = field(default=())


def _t(target: str, relations: set[str], *guards: AppealGuard) -> AppealTransition:
    return AppealTransition(target=target, relations=frozenset(relations), guards=guards)


S, R = AppealStatus, Relation
APPEAL_TRANSITIONS: dict[tuple[str, str], AppealTransition] = {
    (S.SUBMITTED, AppealStep.START_REVIEW): _t(
        S.UNDER_REVIEW, {R.BODY_DECIDER}, decider_uninvolved
    ),
    (S.UNDER_REVIEW, AppealStep.UPHOLD): _t(
        S.UPHELD, {R.DECIDER}, decider_uninvolved, reason_given
    ),
    (S.UNDER_REVIEW, AppealStep.OVERTURN): _t(
        S.OVERTURNED, {R.DECIDER}, decider_uninvolved, reason_given
    ),
}


def appeal_relations(user: User, appeal: Appeal) -> set[str]:
    if not user.is_authenticated:
        return set()
    relations = set()
    body_roles = user_roles(user, appeal.body)
    if body_roles & set(DECIDER_ROLES):
        relations.add(Relation.BODY_DECIDER)
    if appeal.decider_id is not None and appeal.decider_id == user.pk:
        relations.add(Relation.DECIDER)
    if Role.ENTERPRISE_ADMIN in user_roles(user, appeal.enterprise):
        relations.add(Relation.ENTERPRISE_ADMIN)
    if Role.REGULATOR in user_roles(user):
        relations.add(Relation.REGULATOR)
    return relations


def appeal_available_steps(user: User, appeal: Appeal) -> list[str]:
    relations = appeal_relations(user, appeal)
    return [
        step
        for (status, step), transition in APPEAL_TRANSITIONS.items()
        if status == appeal.status and transition.relations & relations
    ]
