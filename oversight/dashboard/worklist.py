"""A certification body's open tasks: every step of an application or a surveillance now waiting
for its people, with its due date, soonest first, overdue marked.

Who sees what: a body's administrator every open task of the body (and reassigns the members of
its teams); anyone else of a body the tasks waiting for them, as "Waiting for me" answers
(`certification.selectors.work_queue_for`): on a team, as a technical reviewer or decision maker
who was not on the team, as the peer reviewer. Due dates are the procedure's own: the settings'
days for acceptance and decision (`certification.journey.due_date`), a surveillance's due date,
and the date a confirmed nonconformity must be decided by.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from accounts.models import Membership, User
from accounts.roles import Role
from accounts.selectors import memberships_for
from audits.models import FindingStatus, PeerReview
from audits.models import TeamMember as ApplicationTeamMember
from certification import journey
from certification.models import ApplicationEvent, CertificateStatus, Status
from certification.selectors import application_list_for_actor, work_queue_for
from certification.services import TEAM_REPLACEABLE_STATUSES
from oversight.models import Surveillance, SurveillanceStatus, SurveillanceTeamMember
from oversight.supervision.services import TEAM_REPLACEABLE_STATUSES as SURVEILLANCE_REPLACEABLE

BODY_ROLES = {Role.BODY_ADMIN, Role.REVIEWER, Role.TECHNICAL_REVIEWER, Role.DECISION_MAKER}

# The steps of an application that wait for a body's people (or its peer reviewer).
APPLICATION_STEPS: dict[str, StrOrPromise] = {
    Status.SUBMITTED: _("Accept or reject the application"),
    Status.ACCEPTED: _("Name the evaluation team and confirm the plan"),
    Status.PLANNED: _("Declare on conflicts of interest and start the evaluation"),
    Status.IN_EVALUATION: _("Evaluate: raise findings, close answered ones, complete"),
    Status.TECHNICAL_REVIEW: _("Review the evaluation (technical review)"),
    Status.PEER_REVIEW: _("Peer review: endorse the file or send it back"),
    Status.DECISION: _("Decide: approve or refuse the certification"),
}
SURVEILLANCE_STEPS: dict[str, StrOrPromise] = {
    SurveillanceStatus.DUE: _("Plan the surveillance: date, mode and team"),
    SurveillanceStatus.PLANNED: _("Declare on conflicts of interest and start the surveillance"),
    SurveillanceStatus.IN_PROGRESS: _("Run the surveillance and submit its report"),
    SurveillanceStatus.DECISION: _("Decide on the surveillance"),
}
SURVEILLANCE_WHO: dict[str, StrOrPromise] = {
    SurveillanceStatus.DUE: _("The certification body's administrator"),
    SurveillanceStatus.PLANNED: _("The surveillance team"),
    SurveillanceStatus.IN_PROGRESS: _("The surveillance team"),
    SurveillanceStatus.DECISION: _("A decision maker of the body"),
}
TEAM_STEPS = {Status.PLANNED, Status.IN_EVALUATION}
SURVEILLANCE_TEAM_STEPS = {SurveillanceStatus.PLANNED, SurveillanceStatus.IN_PROGRESS}


@dataclass(frozen=True)
class Member:
    user_id: int
    name: str
    is_lead: bool
    declared: bool


@dataclass(frozen=True)
class Task:
    kind: str  # "application" or "surveillance"
    object_id: int
    title: str
    subject: str
    product: str
    enterprise: str
    body_id: int
    url: str
    who: str
    team: tuple[Member, ...]  # when the team acts
    due: date | None
    overdue: bool
    note: str = ""
    reassignable: bool = False

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.object_id}"


def _roles_by_body(user: User) -> dict[int, set[str]]:
    roles: dict[int, set[str]] = {}
    for membership in memberships_for(user):
        if membership.role in BODY_ROLES:
            roles.setdefault(membership.organisation_id, set()).add(membership.role)
    return roles


def works_for_a_body(user: User) -> bool:
    return bool(_roles_by_body(user))


def admin_body_ids(user: User) -> set[int]:
    return {body for body, roles in _roles_by_body(user).items() if Role.BODY_ADMIN in roles}


def tasks_for(user: User, today: date | None = None) -> list[Task]:
    """Every open task this person should see, soonest due first (tasks without a due date
    last)."""
    today = today or timezone.localdate()
    tasks = _application_tasks(user, today) + _surveillance_tasks(user, today)
    return sorted(tasks, key=lambda t: (t.due is None, t.due or date.max, t.subject))


def _members(team) -> tuple[Member, ...]:
    return tuple(
        Member(
            user_id=member.user_id,
            name=str(member.user),
            is_lead=member.is_lead,
            declared=member.declaration == "no_conflict",
        )
        for member in team
    )


def _application_tasks(user: User, today: date) -> list[Task]:
    admin_bodies = admin_body_ids(user)
    waiting = Q(pk__in=work_queue_for(user).values("pk"))
    applications = (
        application_list_for_actor(user)
        .filter(waiting | Q(certification_body_id__in=admin_bodies), status__in=APPLICATION_STEPS)
        .annotate(
            answered=Count(
                "findings",
                filter=Q(
                    findings__status=FindingStatus.ANSWERED, findings__surveillance__isnull=True
                ),
            )
        )
        .prefetch_related(
            Prefetch("team", queryset=ApplicationTeamMember.objects.select_related("user")),
            Prefetch(
                "peer_reviews",
                queryset=PeerReview.objects.filter(is_current=True).select_related(
                    "reviewer", "body"
                ),
                to_attr="current_peer_reviews",
            ),
        )
    )
    found = list(applications)
    arrivals = {
        (row["application_id"], row["to_status"]): row["arrived"]
        for row in ApplicationEvent.objects.filter(
            application__in=[a.pk for a in found],
            to_status__in=journey.due_days().keys(),
        )
        .values("application_id", "to_status")
        .annotate(arrived=Max("created_at"))
    }
    tasks = []
    for application in found:
        arrived = arrivals.get((application.pk, application.status))
        due = journey.due_date(application.status, arrived) if arrived else None
        who = str(journey.next_step(application).who)
        if application.status == Status.PEER_REVIEW and application.current_peer_reviews:
            review = application.current_peer_reviews[0]
            who = f"{review.reviewer} ({review.body})"
        note = ""
        if application.answered:
            note = str(_("%(count)d finding(s) answered, to close")) % {
                "count": application.answered
            }
        tasks.append(
            Task(
                kind="application",
                object_id=application.pk,
                title=str(APPLICATION_STEPS[application.status]),
                subject=application.reference,
                product=str(application.product),
                enterprise=str(application.enterprise),
                body_id=application.certification_body_id,
                url=reverse("certification:application_detail", args=[application.pk]),
                who=who,
                team=_members(application.team.all()) if application.status in TEAM_STEPS else (),
                due=due,
                overdue=bool(due and due < today),
                note=note,
                reassignable=application.certification_body_id in admin_bodies
                and application.status in TEAM_REPLACEABLE_STATUSES
                and application.status in TEAM_STEPS,
            )
        )
    return tasks


def _surveillance_tasks(user: User, today: date) -> list[Task]:
    roles = _roles_by_body(user)
    admin_bodies = admin_body_ids(user)
    deciding_bodies = {body for body, r in roles.items() if Role.DECISION_MAKER in r}
    reviewing_bodies = {body for body, r in roles.items() if Role.REVIEWER in r}
    on_team = SurveillanceTeamMember.objects.filter(surveillance=OuterRef("pk"), user=user)
    mine = (
        Q(certificate__certification_body_id__in=admin_bodies)
        | Q(
            Exists(on_team),
            certificate__certification_body_id__in=reviewing_bodies,
            status__in=SURVEILLANCE_TEAM_STEPS,
        )
        | Q(
            ~Exists(on_team),
            certificate__certification_body_id__in=deciding_bodies,
            status=SurveillanceStatus.DECISION,
        )
    )
    surveillances = (
        Surveillance.objects.filter(
            mine,
            certificate__status__in=[CertificateStatus.VALID, CertificateStatus.SUSPENDED],
        )
        .exclude(status=SurveillanceStatus.CLOSED)
        .select_related("certificate", "certificate__product", "certificate__enterprise")
        .prefetch_related(
            Prefetch("team", queryset=SurveillanceTeamMember.objects.select_related("user"))
        )
    )
    tasks = []
    for surveillance in surveillances:
        certificate = surveillance.certificate
        due = surveillance.due_on
        if surveillance.status == SurveillanceStatus.DECISION and surveillance.decide_by:
            due = surveillance.decide_by
        tasks.append(
            Task(
                kind="surveillance",
                object_id=surveillance.pk,
                title=str(SURVEILLANCE_STEPS[surveillance.status]),
                subject=str(surveillance),
                product=str(certificate.product),
                enterprise=str(certificate.enterprise),
                body_id=certificate.certification_body_id,
                url=reverse("audits:surveillance", args=[surveillance.pk]),
                who=str(SURVEILLANCE_WHO[surveillance.status]),
                team=_members(surveillance.team.all())
                if surveillance.status in SURVEILLANCE_TEAM_STEPS
                else (),
                due=due,
                overdue=due < today,
                reassignable=certificate.certification_body_id in admin_bodies
                and surveillance.status in SURVEILLANCE_REPLACEABLE
                and surveillance.status in SURVEILLANCE_TEAM_STEPS,
            )
        )
    return tasks


def reassign_candidates(body_ids: set[int]) -> dict[int, list[User]]:
    """The reviewers of each body, who may be put on its teams (the services check the rest:
    conflicts of interest and the blacklist)."""
    candidates: dict[int, list[User]] = {body: [] for body in body_ids}
    memberships = (
        Membership.objects.filter(
            organisation_id__in=body_ids, role=Role.REVIEWER, user__is_active=True
        )
        .select_related("user")
        .order_by("user__username")
    )
    for membership in memberships:
        candidates[membership.organisation_id].append(membership.user)
    return candidates
