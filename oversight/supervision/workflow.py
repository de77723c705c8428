"""Surveillance as one table (ISO/IEC 17065 7.9), shaped like the certification procedure.

Read it as: in status S, action A by someone who stands in relation R to the surveillance leads
to status T, if every named guard passes. `surveillance_transition` in services.py is the only
writer of `Surveillance.status`. The same four-eyes and blacklist gates as the initial
certification apply: a team free of conflicts, a decision by someone not on the team, nobody
blacklisted.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import user_is_regulator, user_roles
from audits.models import ConflictDeclaration, FindingStatus
from audits.selectors import blacklist_ensure_clear
from certification.errors import GuardFailed
from oversight.models import Surveillance, SurveillanceStatus
from oversight.supervision.selectors import surveillance_worked_on


class Relation:
    """How a person stands to one surveillance."""

    ENTERPRISE = "enterprise"
    BODY_ADMIN = "body_admin"
    TEAM = "team"
    DECISION_MAKER = "decision_maker"


class Step:
    PLAN = "plan"
    START = "start"
    SUBMIT_REPORT = "submit_report"
    CONTINUE = "continue"
    SUSPEND = "suspend"
    WITHDRAW = "withdraw"
    RETURN = "return_to_team"


STEP_LABELS = {
    Step.PLAN: gettext_lazy("Confirm the surveillance plan"),
    Step.START: gettext_lazy("Start the surveillance"),
    Step.SUBMIT_REPORT: gettext_lazy("Submit the surveillance report"),
    Step.CONTINUE: gettext_lazy("Continue the certificate"),
    Step.SUSPEND: gettext_lazy("Suspend the certificate"),
    Step.WITHDRAW: gettext_lazy("Withdraw the certificate"),
    Step.RETURN: gettext_lazy("Return to the surveillance team"),
}


@dataclass(frozen=True)
class Context:
    surveillance: Surveillance
    actor: User
    comment: str


Guard = Callable[[Context], None]


# --- guards -------------------------------------------------------------------------------


def comment_given(ctx: Context) -> None:
    if not ctx.comment.strip():
        raise GuardFailed("comment_given", _("Give the reasons for this step."))


def certificate_in_force(ctx: Context) -> None:
    if ctx.surveillance.certificate.status not in ("valid", "suspended"):
        raise GuardFailed("certificate_in_force", _("The certificate is no longer in force."))


def plan_complete(ctx: Context) -> None:
    surveillance = ctx.surveillance
    if surveillance.planned_date is None or not surveillance.mode:
        raise GuardFailed("plan_complete", _("Set the date and the mode (on site or remote)."))
    team = list(surveillance.team.select_related("user"))
    if not team:
        raise GuardFailed("team_assigned", _("Assign a surveillance team first."))
    if not any(member.is_lead for member in team):
        raise GuardFailed("team_assigned", _("Name a team lead."))
    blacklist_ensure_clear(people=[member.user for member in team])


def nobody_blacklisted(ctx: Context) -> None:
    certificate = ctx.surveillance.certificate
    blacklist_ensure_clear(
        organisations=[certificate.enterprise, certificate.certification_body],
        people=[ctx.actor],
    )


def team_declared_no_conflict(ctx: Context) -> None:
    for member in ctx.surveillance.team.select_related("user"):
        if member.declaration != ConflictDeclaration.NO_CONFLICT:
            raise GuardFailed(
                "conflict_of_interest",
                _("%(person)s has not declared freedom from conflicts of interest.")
                % {"person": member.user},
            )


def report_written(ctx: Context) -> None:
    if not ctx.surveillance.report.strip():
        raise GuardFailed("report_written", _("Write the surveillance report first."))


def findings_not_open(ctx: Context) -> None:
    if ctx.surveillance.findings.filter(status=FindingStatus.OPEN).exists():
        raise GuardFailed(
            "findings_answered", _("Every finding must be answered by the enterprise first.")
        )


def no_other_collecting(ctx: Context) -> None:
    """One surveillance of a certificate collects data at a time: each opens the dossier
    version the enterprise fills in, and the enterprise edits only the latest."""
    other = (
        Surveillance.objects.filter(
            certificate_id=ctx.surveillance.certificate_id, status=SurveillanceStatus.IN_PROGRESS
        )
        .exclude(pk=ctx.surveillance.pk)
        .first()
    )
    if other is not None:
        raise GuardFailed(
            "no_other_collecting",
            _(
                "Surveillance no. %(number)s of this certificate is collecting data: its report "
                "comes first."
            )
            % {"number": other.number},
        )


def findings_closed(ctx: Context) -> None:
    if ctx.surveillance.findings.exclude(status=FindingStatus.CLOSED).exists():
        raise GuardFailed("findings_closed", _("Close every finding first."))


def actor_not_on_team(ctx: Context) -> None:
    """Nobody decides on a surveillance they worked on, even if their seat went to another."""
    if surveillance_worked_on(ctx.actor, pk=ctx.surveillance.pk):
        raise GuardFailed(
            "not_on_team", _("A member of the surveillance team may not take this step.")
        )


def team_still_clear(ctx: Context) -> None:
    """The team is checked again at the decision: a listing since the plan counts."""
    blacklist_ensure_clear(people=[m.user for m in ctx.surveillance.team.select_related("user")])


# --- the table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    target: str
    relations: frozenset[str]
    guards: tuple[Guard, ...] = field(default=())


def _t(target: str, relations: set[str], *guards: Guard) -> Transition:
    return Transition(target=target, relations=frozenset(relations), guards=guards)


S = SurveillanceStatus
TRANSITIONS: dict[tuple[str, str], Transition] = {
    (S.DUE, Step.PLAN): _t(
        S.PLANNED, {Relation.BODY_ADMIN}, certificate_in_force, plan_complete, nobody_blacklisted
    ),
    (S.PLANNED, Step.START): _t(
        S.IN_PROGRESS,
        {Relation.TEAM},
        certificate_in_force,
        team_declared_no_conflict,
        no_other_collecting,
        nobody_blacklisted,
        team_still_clear,
    ),
    # A member who joined the team after the start (services.surveillance_team_member_replace)
    # declares before the team reports.
    (S.IN_PROGRESS, Step.SUBMIT_REPORT): _t(
        S.DECISION,
        {Relation.TEAM},
        team_declared_no_conflict,
        report_written,
        findings_not_open,
        nobody_blacklisted,
        team_still_clear,
    ),
    (S.DECISION, Step.RETURN): _t(
        S.IN_PROGRESS,
        {Relation.DECISION_MAKER},
        actor_not_on_team,
        comment_given,
        no_other_collecting,
    ),
    (S.DECISION, Step.CONTINUE): _t(
        S.CLOSED,
        {Relation.DECISION_MAKER},
        actor_not_on_team,
        comment_given,
        findings_closed,
        certificate_in_force,
        nobody_blacklisted,
        team_still_clear,
    ),
    (S.DECISION, Step.SUSPEND): _t(
        S.CLOSED,
        {Relation.DECISION_MAKER},
        actor_not_on_team,
        comment_given,
        certificate_in_force,
        nobody_blacklisted,
    ),
    (S.DECISION, Step.WITHDRAW): _t(
        S.CLOSED,
        {Relation.DECISION_MAKER},
        actor_not_on_team,
        comment_given,
        certificate_in_force,
        nobody_blacklisted,
    ),
}


def relations_to(user: User, surveillance: Surveillance) -> set[str]:
    if not user.is_authenticated:
        return set()
    certificate = surveillance.certificate
    relations: set[str] = set()
    if user_roles(user, certificate.enterprise) & {Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_MEMBER}:
        relations.add(Relation.ENTERPRISE)
    body_roles = user_roles(user, certificate.certification_body)
    if Role.BODY_ADMIN in body_roles:
        relations.add(Relation.BODY_ADMIN)
    if Role.DECISION_MAKER in body_roles:
        relations.add(Relation.DECISION_MAKER)
    if Role.REVIEWER in body_roles and surveillance.team.filter(user=user).exists():
        relations.add(Relation.TEAM)
    return relations


def surveillance_can_read_findings(user: User, surveillance: Surveillance) -> bool:
    """The findings, the enterprise's answers, the report and the comments of the steps are
    confidential, as an application's are (certification.selectors.application_can_read_dossier):
    the surveillance's parties (the enterprise, the team, the body's administrators and decision
    makers), the body's technical reviewers and the regulator read them. A reviewer off the team
    and a platform administrator see the rest of the page only."""
    if not user.is_authenticated:
        return False
    if relations_to(user, surveillance) or user_is_regulator(user):
        return True
    return Role.TECHNICAL_REVIEWER in user_roles(user, surveillance.certificate.certification_body)


def steps_offered(user: User, surveillance: Surveillance) -> list[str]:
    relations = relations_to(user, surveillance)
    return [
        step
        for (status, step), transition in TRANSITIONS.items()
        if status == surveillance.status and transition.relations & relations
    ]
