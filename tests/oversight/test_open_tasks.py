"""A body's open tasks: who sees which, their due dates and order, and the reassignment of a
team member by the body's administrator under the team's rules (reviewer of the body, no
conflict of interest, not blacklisted, a declaration before the team moves on)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from audits.chain.models import AuditEntry
from audits.models import ConflictDeclaration, TeamMember
from certification import services
from certification.errors import ActorNotPermitted, Blacklisted, GuardFailed, TransitionNotAllowed
from certification.models import ApplicationEvent, Notification, Status
from certification.workflow import Action
from oversight.dashboard.worklist import tasks_for
from oversight.models import Surveillance, SurveillanceStatus, SurveillanceTeamMember
from oversight.supervision import services as supervision_services
from oversight.supervision.workflow import Step
from tests.conftest import snapshot
from tests.factories import ApplicationFactory, MembershipFactory, ProductFactory, member_of
from tests.second_factor import sign_in

S, A = Status, Action


def arrived(application, status: str, days_ago: int) -> None:
    """Record that the file reached `status` `days_ago` days ago (as the status writer would)."""
    ApplicationEvent.objects.create(
        application=application,
        actor=None,
        action="step",
        from_status=S.DRAFT,
        to_status=status,
        created_at=timezone.now() - timedelta(days=days_ago),
    )


def subjects(user) -> list[str]:
    return [task.subject for task in tasks_for(user)]


@pytest.fixture
def third_reviewer(world):
    return member_of(world.body, Role.REVIEWER, username="reviewer3", display_name="Third Reviewer")


@pytest.fixture
def files(world, application_at) -> dict:
    """One file of body X at each step that waits for the body, plus one elsewhere."""
    submitted = application_at(S.SUBMITTED)
    arrived(submitted, S.SUBMITTED, days_ago=14)  # 10 days to accept: 4 days overdue
    decision = application_at(S.DECISION)
    arrived(decision, S.DECISION, days_ago=1)  # 20 days to decide
    files = {
        "submitted": submitted,
        "decision": decision,
        "planned": application_at(S.PLANNED),
        "evaluation": application_at(S.IN_EVALUATION, findings="answered"),
        "technical_review": application_at(S.TECHNICAL_REVIEW),
        "peer_review": application_at(S.PEER_REVIEW),
        "draft": application_at(S.DRAFT),
        "awaiting": application_at(S.AWAITING_ENTERPRISE),
        "approved": application_at(S.APPROVED),
        "elsewhere": ApplicationFactory(
            product=ProductFactory(enterprise=world.enterprise, category=world.category),
            certification_body=world.peer_body,
            status=S.SUBMITTED,
        ),
    }
    return files


# --- who sees what, in which order ----------------------------------------------------------


def test_the_administrator_sees_every_open_step_of_the_body_soonest_due_first(world, files) -> None:
    today = timezone.localdate()

    tasks = tasks_for(world.body_admin)

    assert [t.subject for t in tasks[:2]] == [
        files["submitted"].reference,
        files["decision"].reference,
    ]
    assert (tasks[0].due, tasks[0].overdue) == (today - timedelta(days=4), True)
    assert (tasks[1].due, tasks[1].overdue) == (today + timedelta(days=19), False)
    assert {t.subject for t in tasks[2:]} == {
        files[name].reference
        for name in ("planned", "evaluation", "technical_review", "peer_review")
    }
    assert all(t.due is None for t in tasks[2:])
    evaluation = next(t for t in tasks if t.subject == files["evaluation"].reference)
    assert evaluation.note == "1 finding(s) answered, to close"
    peer = next(t for t in tasks if t.subject == files["peer_review"].reference)
    assert peer.who == f"{world.peer_reviewer} ({world.peer_body})"


def test_a_reviewer_sees_the_steps_of_the_teams_they_are_on(world, files, third_reviewer) -> None:
    assert set(subjects(world.reviewer)) == {
        files["planned"].reference,
        files["evaluation"].reference,
    }
    assert subjects(third_reviewer) == []


def test_a_decision_maker_sees_the_decisions_of_files_they_did_not_evaluate(world, files) -> None:
    assert subjects(world.decision_maker) == [files["decision"].reference]
    TeamMember.objects.create(application=files["decision"], user=world.decision_maker)
    assert subjects(world.decision_maker) == []


def test_the_technical_reviewer_and_the_peer_reviewer_see_their_steps(world, files) -> None:
    assert subjects(world.technical_reviewer) == [files["technical_review"].reference]
    assert subjects(world.peer_reviewer) == [files["peer_review"].reference]


def test_surveillance_steps_carry_their_due_dates(world, files, third_reviewer) -> None:
    certificate = files["approved"].certificate
    certificate.status = "valid"
    certificate.save()
    today = timezone.localdate()
    due = Surveillance.objects.create(
        certificate=certificate,
        number=1,
        due_on=today - timedelta(days=3),
        suspend_after=today + timedelta(days=27),
    )
    deciding = Surveillance.objects.create(
        certificate=certificate,
        number=2,
        due_on=today + timedelta(days=30),
        suspend_after=today + timedelta(days=60),
        status=SurveillanceStatus.DECISION,
        decide_by=today + timedelta(days=2),
    )
    running = Surveillance.objects.create(
        certificate=certificate,
        number=3,
        due_on=today + timedelta(days=5),
        suspend_after=today + timedelta(days=35),
        status=SurveillanceStatus.IN_PROGRESS,
    )
    SurveillanceTeamMember.objects.create(surveillance=running, user=third_reviewer)

    by_subject = {t.subject: t for t in tasks_for(world.body_admin)}
    assert (by_subject[str(due)].due, by_subject[str(due)].overdue) == (
        today - timedelta(days=3),
        True,
    )
    assert by_subject[str(deciding)].due == today + timedelta(days=2)
    assert subjects(world.decision_maker)[0] == str(deciding)
    assert subjects(third_reviewer) == [str(running)]
    assert str(due) not in subjects(world.reviewer)


def test_the_page_marks_what_is_overdue(world, files, third_reviewer) -> None:
    client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), world.body_admin)

    response = client.get("/portal/dashboards/tasks/")

    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["overdue"] == 1
    row = page.split(f'data-testid="task-application-{files["submitted"].pk}"')[1].split("</tr>")[0]
    assert 'data-testid="overdue"' in row
    assert files["elsewhere"].reference not in page
    assert files["draft"].reference not in page
    # The administrator may change the planned file's team, not the decided one's.
    assert f'data-testid="reassign-application-{files["planned"].pk}"' in page
    assert f'data-testid="reassign-application-{files["decision"].pk}"' not in page


@pytest.mark.parametrize(
    "persona", ["enterprise_admin", "enterprise_member", "regulator", "platform_admin"]
)
def test_the_page_is_for_the_bodies_people(world, persona) -> None:
    client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), world.persona(persona))
    assert client.get("/portal/dashboards/tasks/").status_code == 404


# --- reassignment -------------------------------------------------------------------------


def replace(world, application, member, replacement, actor=None):
    return services.team_member_replace(
        actor=actor or world.body_admin,
        application=application,
        member=member,
        replacement=replacement,
    )


def test_the_administrator_puts_a_reviewer_in_a_members_place(
    world, application_at, third_reviewer, django_capture_on_commit_callbacks
) -> None:
    application = application_at(S.PLANNED)

    with django_capture_on_commit_callbacks() as callbacks:
        replace(world, application, world.reviewer, third_reviewer)

    team = {m.user: (m.is_lead, m.declaration) for m in application.team.all()}
    assert team == {
        third_reviewer: (True, ConflictDeclaration.PENDING),
        world.second_reviewer: (False, ConflictDeclaration.NO_CONFLICT),
    }
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None
    assert entry.kind == "certification:team:replaced"
    assert (entry.actor_id, entry.application_id, entry.body_id) == (
        world.body_admin.pk,
        application.pk,
        world.body.pk,
    )
    assert set(
        Notification.objects.filter(application=application).values_list("recipient", flat=True)
    ) == {world.reviewer.pk, third_reviewer.pk}
    assert len(callbacks) == 1  # the e-mails, after commit


def test_the_newcomer_declares_before_the_evaluation_starts(
    world, application_at, third_reviewer, nothing_changes
) -> None:
    application = application_at(S.PLANNED)
    replace(world, application, world.second_reviewer, third_reviewer)

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        services.application_transition(
            actor=world.reviewer, application_id=application.pk, action=A.START_EVALUATION
        )
    assert error.value.message == (
        "Third Reviewer has not declared freedom from conflicts of interest."
    )
    services.team_declare(actor=third_reviewer, application=application, has_conflict=False)
    services.application_transition(
        actor=third_reviewer, application_id=application.pk, action=A.START_EVALUATION
    )


@pytest.mark.parametrize("action", [A.COMPLETE_EVALUATION, A.REQUEST_CHANGES])
def test_a_newcomer_during_the_evaluation_declares_before_the_team_moves_on(
    world, application_at, add_finding, third_reviewer, nothing_changes, action
) -> None:
    application = application_at(S.IN_EVALUATION)
    if action == A.REQUEST_CHANGES:
        add_finding(application, "open")
    replace(world, application, world.reviewer, third_reviewer)

    with nothing_changes(application), pytest.raises(GuardFailed):
        services.application_transition(
            actor=world.second_reviewer, application_id=application.pk, action=action
        )
    services.team_declare(actor=third_reviewer, application=application, has_conflict=False)
    services.application_transition(
        actor=world.second_reviewer, application_id=application.pk, action=action
    )


@pytest.mark.parametrize(
    "persona", ["reviewer", "decision_maker", "technical_reviewer", "enterprise_admin"]
)
def test_only_the_bodys_administrator_reassigns(
    world, application_at, third_reviewer, nothing_changes, persona
) -> None:
    application = application_at(S.PLANNED)
    entries = AuditEntry.objects.count()

    with nothing_changes(application), pytest.raises(ActorNotPermitted):
        replace(world, application, world.reviewer, third_reviewer, actor=world.persona(persona))
    assert AuditEntry.objects.count() == entries


def test_a_reviewer_posting_the_form_finds_no_such_page(
    world, application_at, third_reviewer
) -> None:
    application = application_at(S.PLANNED)
    before = snapshot(application)
    url = f"/portal/dashboards/tasks/applications/{application.pk}/team/"
    data = {"member": world.second_reviewer.pk, "replacement": third_reviewer.pk}

    for persona in ("reviewer", "decision_maker", "peer_reviewer", "other_enterprise_user"):
        client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), world.persona(persona))
        assert client.post(url, data).status_code == 404
    assert snapshot(application) == before


def test_the_form_reassigns_and_says_so(world, application_at, third_reviewer) -> None:
    application = application_at(S.PLANNED)
    client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), world.body_admin)

    response = client.post(
        f"/portal/dashboards/tasks/applications/{application.pk}/team/",
        {"member": world.second_reviewer.pk, "replacement": third_reviewer.pk},
        follow=True,
    )

    assert response.redirect_chain == [("/portal/dashboards/tasks/", 302)]
    assert f"Third Reviewer replaces {world.second_reviewer} on the team." in (
        response.content.decode()
    )
    assert application.team.filter(user=third_reviewer).exists()


def test_a_replacement_who_belongs_to_the_enterprise_is_refused(
    world, application_at, third_reviewer, nothing_changes
) -> None:
    application = application_at(S.PLANNED)
    member_of_enterprise = member_of(world.body, Role.REVIEWER, display_name="Insider")
    MembershipFactory(
        user=member_of_enterprise, organisation=world.enterprise, role=Role.ENTERPRISE_MEMBER
    )

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        replace(world, application, world.reviewer, member_of_enterprise)
    assert error.value.guard == "conflict_of_interest"
    assert error.value.message == "Insider belongs to the enterprise."

    # Through the page: a message, and the team as it was.
    client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), world.body_admin)
    response = client.post(
        f"/portal/dashboards/tasks/applications/{application.pk}/team/",
        {"member": world.reviewer.pk, "replacement": member_of_enterprise.pk},
        follow=True,
    )
    assert "Insider belongs to the enterprise." in response.content.decode()
    assert not application.team.filter(user=member_of_enterprise).exists()


def test_a_replacement_from_another_body_is_refused(world, application_at, nothing_changes) -> None:
    application = application_at(S.PLANNED)
    with nothing_changes(application), pytest.raises(ValidationError) as error:
        replace(world, application, world.reviewer, world.peer_reviewer)
    assert error.value.message_dict == {
        "members": [f"{world.peer_reviewer} is not a reviewer of {world.body}."]
    }


def test_a_blacklisted_replacement_is_refused(
    world, application_at, third_reviewer, nothing_changes, list_subject
) -> None:
    application = application_at(S.PLANNED)
    list_subject(third_reviewer)
    with nothing_changes(application), pytest.raises(Blacklisted):
        replace(world, application, world.reviewer, third_reviewer)


def test_someone_already_on_the_team_or_not_on_it(world, application_at, third_reviewer) -> None:
    application = application_at(S.PLANNED)
    with pytest.raises(ValidationError, match="already on the team"):
        replace(world, application, world.reviewer, world.second_reviewer)
    with pytest.raises(ValidationError, match="is not on the team"):
        replace(world, application, third_reviewer, world.reviewer)


@pytest.mark.parametrize("status", [S.SUBMITTED, S.TECHNICAL_REVIEW, S.DECISION, S.APPROVED])
def test_the_team_is_not_changed_outside_its_time(
    world, application_at, third_reviewer, nothing_changes, status
) -> None:
    application = application_at(status)
    with nothing_changes(application), pytest.raises(TransitionNotAllowed):
        replace(world, application, world.reviewer, third_reviewer)


# --- a surveillance team --------------------------------------------------------------------


@pytest.fixture
def planned_surveillance(world, application_at, third_reviewer) -> Surveillance:
    certificate = application_at(S.APPROVED).certificate
    certificate.status = "valid"
    certificate.save()
    today = timezone.localdate()
    surveillance = Surveillance.objects.create(
        certificate=certificate,
        number=1,
        due_on=today + timedelta(days=10),
        suspend_after=today + timedelta(days=40),
    )
    supervision_services.surveillance_plan_update(
        actor=world.body_admin,
        surveillance=surveillance,
        planned_date=today,
        mode="remote",
        members=[world.reviewer],
        lead=world.reviewer,
    )
    supervision_services.surveillance_transition(
        actor=world.body_admin, surveillance_id=surveillance.pk, step=Step.PLAN
    )
    supervision_services.surveillance_declare(
        actor=world.reviewer, surveillance=surveillance, has_conflict=False
    )
    return Surveillance.objects.get(pk=surveillance.pk)


def test_a_surveillance_teams_newcomer_declares_before_it_starts(
    world, planned_surveillance, third_reviewer
) -> None:
    supervision_services.surveillance_team_member_replace(
        actor=world.body_admin,
        surveillance=planned_surveillance,
        member=world.reviewer,
        replacement=third_reviewer,
    )
    seat = planned_surveillance.team.get()
    assert (seat.user, seat.is_lead, seat.declaration) == (third_reviewer, True, "pending")
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None
    assert entry.kind == ("audits:surveillance:team_replaced")

    with pytest.raises(GuardFailed):
        supervision_services.surveillance_transition(
            actor=third_reviewer, surveillance_id=planned_surveillance.pk, step=Step.START
        )
    supervision_services.surveillance_declare(
        actor=third_reviewer, surveillance=planned_surveillance, has_conflict=False
    )
    supervision_services.surveillance_transition(
        actor=third_reviewer, surveillance_id=planned_surveillance.pk, step=Step.START
    )


def test_a_surveillance_teams_member_is_replaced_under_its_rules(
    world, planned_surveillance, third_reviewer
) -> None:
    insider = member_of(world.body, Role.REVIEWER, display_name="Insider")
    MembershipFactory(user=insider, organisation=world.enterprise, role=Role.ENTERPRISE_MEMBER)
    team_before = list(planned_surveillance.team.values_list("user", "declaration"))

    with pytest.raises(ActorNotPermitted):
        supervision_services.surveillance_team_member_replace(
            actor=world.reviewer,
            surveillance=planned_surveillance,
            member=world.reviewer,
            replacement=third_reviewer,
        )
    with pytest.raises(GuardFailed, match=r"Insider belongs to the enterprise\."):
        supervision_services.surveillance_team_member_replace(
            actor=world.body_admin,
            surveillance=planned_surveillance,
            member=world.reviewer,
            replacement=insider,
        )
    assert list(planned_surveillance.team.values_list("user", "declaration")) == team_before
    url = f"/portal/dashboards/tasks/surveillances/{planned_surveillance.pk}/team/"
    client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), world.reviewer)
    assert (
        client.post(
            url, {"member": world.reviewer.pk, "replacement": third_reviewer.pk}
        ).status_code
        == 404
    )
    assert list(planned_surveillance.team.values_list("user", "declaration")) == team_before
