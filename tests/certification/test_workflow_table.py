"""The transition table, exhaustively: every (status, action, persona) through the one writer."""

import pytest

from accounts.models import User
from certification import services
from certification.errors import ActorNotPermitted, GuardFailed, TransitionNotAllowed
from certification.models import Application, ApplicationEvent, Notification, Status
from certification.workflow import (
    ACTION_LABELS,
    ALL_ACTIONS,
    COMMENT_REQUIRED,
    SERVICE_ONLY_ACTIONS,
    TRANSITIONS,
    Action,
    Actor,
)

S, A = Status, Action

# The procedure as CNCA-CFP-00:2025 orders it, plus peer review: (status, action) → (target,
# relations allowed to take the step). Written out here so that the table in the code is
# checked against the procedure, not against itself.
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
EXPECTED: dict[tuple[str, str], tuple[str, set[str]]] = {
    (S.DRAFT, A.SUBMIT): (S.SUBMITTED, {Actor.ENTERPRISE}),
    (S.SUBMITTED, A.ACCEPT): (S.ACCEPTED, {Actor.BODY_ADMIN}),
    (S.SUBMITTED, A.REJECT): (S.REJECTED, {Actor.BODY_ADMIN}),
    (S.ACCEPTED, A.PLAN): (S.PLANNED, {Actor.BODY_ADMIN}),
    (S.PLANNED, A.START_EVALUATION): (S.IN_EVALUATION, {Actor.TEAM}),
    (S.IN_EVALUATION, A.REQUEST_CHANGES): (S.AWAITING_ENTERPRISE, {Actor.TEAM}),
    (S.AWAITING_ENTERPRISE, A.RESUBMIT): (S.IN_EVALUATION, {Actor.ENTERPRISE}),
    (S.IN_EVALUATION, A.COMPLETE_EVALUATION): (S.TECHNICAL_REVIEW, {Actor.TEAM}),
    (S.TECHNICAL_REVIEW, A.RETURN_TO_EVALUATION): (S.IN_EVALUATION, {Actor.TECHNICAL_REVIEWER}),
    (S.TECHNICAL_REVIEW, A.PASS_TECHNICAL_REVIEW): (S.PEER_REVIEW, {Actor.TECHNICAL_REVIEWER}),
    (S.PEER_REVIEW, A.PEER_SEND_BACK): (S.IN_EVALUATION, {Actor.PEER_REVIEWER}),
    (S.PEER_REVIEW, A.PEER_ENDORSE): (S.DECISION, {Actor.PEER_REVIEWER}),
    (S.DECISION, A.APPROVE): (S.APPROVED, {Actor.DECISION_MAKER}),
    (S.DECISION, A.REFUSE): (S.REFUSED, {Actor.DECISION_MAKER}),
    # Only the appeal service, which records the overturned appeal first (tests/oversight).
    (S.REFUSED, A.REOPEN_ON_APPEAL): (S.DECISION, {Actor.BODY_ADMIN, Actor.DECISION_MAKER}),
    **{(status, A.WITHDRAW): (S.WITHDRAWN, {Actor.ENTERPRISE_ADMIN}) for status in WITHDRAWABLE},
}

# How each persona stands to an application of enterprise A at body X.
PERSONA_RELATIONS = {
    "enterprise_admin": {Actor.ENTERPRISE, Actor.ENTERPRISE_ADMIN},
    "enterprise_member": {Actor.ENTERPRISE},
    "other_enterprise_user": set(),
    "body_admin": {Actor.BODY_ADMIN},
    "reviewer": {Actor.TEAM},
    "second_reviewer": {Actor.TEAM},
    "technical_reviewer": {Actor.TECHNICAL_REVIEWER},
    "decision_maker": {Actor.DECISION_MAKER},
    "peer_reviewer": {Actor.PEER_REVIEWER},
    "regulator": {Actor.REGULATOR},
    "platform_admin": set(),
}

ENTERPRISE_PEOPLE = {"enterprise_admin", "enterprise_member"}
TEAM = {"reviewer", "second_reviewer"}
# Who is told when the application reaches a status (before leaving out the actor).
RECIPIENTS: dict[str, set[str]] = {
    S.SUBMITTED: {"body_admin"},
    # The enterprise is also told when the body takes up its file and plans the work.
    S.ACCEPTED: {"body_admin"} | ENTERPRISE_PEOPLE,
    S.REJECTED: ENTERPRISE_PEOPLE,
    S.PLANNED: TEAM | ENTERPRISE_PEOPLE,
    S.IN_EVALUATION: TEAM,
    S.AWAITING_ENTERPRISE: ENTERPRISE_PEOPLE,
    S.TECHNICAL_REVIEW: {"technical_reviewer"},
    S.PEER_REVIEW: {"peer_reviewer"},
    S.DECISION: {"decision_maker"},
    S.APPROVED: ENTERPRISE_PEOPLE | TEAM,
    S.REFUSED: ENTERPRISE_PEOPLE | TEAM,
    S.WITHDRAWN: {"body_admin"},
}
STATUSES_WITH_TEAM = {
    S.ACCEPTED,
    S.PLANNED,
    S.IN_EVALUATION,
    S.AWAITING_ENTERPRISE,
    S.TECHNICAL_REVIEW,
    S.PEER_REVIEW,
    S.DECISION,
    S.APPROVED,
    S.REFUSED,
}


def test_the_table_is_the_procedure() -> None:
    table = {key: (t.target, set(t.actors)) for key, t in TRANSITIONS.items()}

    assert table == EXPECTED
    assert set(ALL_ACTIONS) == {action for _, action in EXPECTED}
    required = {A.REJECT, A.RETURN_TO_EVALUATION, A.PEER_SEND_BACK, A.REFUSE, A.APPROVE}
    assert set(COMMENT_REQUIRED) == required


def test_terminal_statuses_have_no_way_out() -> None:
    for status in (S.REJECTED, S.APPROVED, S.WITHDRAWN):
        assert [action for (s, action) in TRANSITIONS if s == status] == []
    # A refusal ends the procedure unless an appeal overturns it.
    assert [action for (s, action) in TRANSITIONS if s == S.REFUSED] == [A.REOPEN_ON_APPEAL]
    assert {A.REOPEN_ON_APPEAL} == SERVICE_ONLY_ACTIONS


def expected_recipients(world, status_before: str, target: str, actor: User) -> set[User]:
    if target == S.WITHDRAWN and status_before == S.DRAFT:
        return set()  # the body never received a draft: nobody there is told
    names = set(RECIPIENTS.get(target, set()))
    if target == S.WITHDRAWN and status_before in STATUSES_WITH_TEAM:
        names |= TEAM
    return {world.persona(name) for name in names} - {actor}


def prepared(application_at, status: str, action: str) -> Application:
    if status == S.IN_EVALUATION and action == A.REQUEST_CHANGES:
        return application_at(status, findings="open")
    return application_at(status)


@pytest.mark.parametrize("persona", list(PERSONA_RELATIONS))
@pytest.mark.parametrize("action", ALL_ACTIONS)
@pytest.mark.parametrize("status", Status.values)
def test_transition(
    status: str,
    action: str,
    persona: str,
    world,
    application_at,
    nothing_changes,
    django_capture_on_commit_callbacks,
) -> None:
    application = prepared(application_at, status, action)
    actor = world.persona(persona)
    comment = "Reasons recorded for the file." if action in COMMENT_REQUIRED else ""
    expected = EXPECTED.get((status, action))

    if expected is None:
        with nothing_changes(application), pytest.raises(TransitionNotAllowed) as error:
            services.application_transition(
                actor=actor, application_id=application.pk, action=action, comment=comment
            )
        assert error.value.code == "transition_not_allowed"
        assert error.value.message == (
            f"“{ACTION_LABELS[action]}” is not possible while the application is "
            f"{Status(status).label}."
        )
        return

    target, relations = expected
    if not relations & PERSONA_RELATIONS[persona]:
        with nothing_changes(application), pytest.raises(ActorNotPermitted) as not_permitted:
            services.application_transition(
                actor=actor, application_id=application.pk, action=action, comment=comment
            )
        assert not_permitted.value.message == "Your role does not allow this step."
        return

    if action in SERVICE_ONLY_ACTIONS:
        # No appeal overturned this refusal: the step is refused whoever asks.
        with nothing_changes(application), pytest.raises(GuardFailed) as guard_failed:
            services.application_transition(
                actor=actor, application_id=application.pk, action=action, comment=comment
            )
        assert guard_failed.value.guard == "refusal_overturned_on_appeal"
        return

    events_before = ApplicationEvent.objects.filter(application=application).count()
    with django_capture_on_commit_callbacks() as callbacks:
        result = services.application_transition(
            actor=actor, application_id=application.pk, action=action, comment=comment
        )

    application.refresh_from_db()
    assert result.status == application.status == target
    events = list(ApplicationEvent.objects.filter(application=application))
    assert len(events) == events_before + 1
    event = events[-1]
    assert (event.actor, event.action, event.from_status, event.to_status, event.comment) == (
        actor,
        action,
        status,
        target,
        comment,
    )
    recipients = expected_recipients(world, status, target, actor)
    notified = {n.recipient for n in Notification.objects.filter(event=event)}
    assert notified == recipients
    # Approval also queues the issue of the label.
    assert len(callbacks) == (1 if recipients else 0) + (1 if action == A.APPROVE else 0)
