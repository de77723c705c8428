"""The complaint procedure: its table over (status, step, persona), the uninvolved-handler
guard, deadlines, the overdue selector, and each outcome's effect on the label."""

from datetime import date
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from audits.services import blacklist_entry_create
from certification.errors import ActorNotPermitted, GuardFailed, TransitionNotAllowed
from certification.models import Certificate, Notification
from labels.models import Label, LabelEvent, ReasonCode
from oversight.complaints import services
from oversight.complaints.models import Complaint, ComplaintEvent, ComplaintStatus
from oversight.complaints.selectors import complaints_overdue
from oversight.complaints.workflow import COMPLAINT_TRANSITIONS, add_working_days
from tests.labels.conftest import stored_bits
from tests.oversight.complaints.conftest import PATH, api_status, outbox

S = ComplaintStatus
STEPS = ("acknowledge", "investigate", "decide", "close")

# The procedure written out: (status, step) → (target, who may take it). "handler" is the
# assigned handler (body_admin here, who is also the body's administrator: see HANDLER_ONLY).
EXPECTED = {
    (S.RECEIVED, "acknowledge"): (S.ACKNOWLEDGED, {"body_admin", "handler"}),
    (S.ACKNOWLEDGED, "investigate"): (S.INVESTIGATING, {"handler"}),
    (S.INVESTIGATING, "decide"): (S.DECIDED, {"handler"}),
    (S.DECIDED, "close"): (S.CLOSED, {"body_admin", "handler"}),
}
PERSONAS = (
    "body_admin",
    "second_decision_maker",
    "decision_maker",
    "technical_reviewer",
    "reviewer",
    "enterprise_admin",
    "regulator",
    "other_body_admin",
)


def snapshot(complaint: Complaint) -> dict:
    fresh = Complaint.objects.get(pk=complaint.pk)
    label = Label.objects.get(pk=fresh.label_id)
    return {
        "status": fresh.status,
        "handler": fresh.handler_id,
        "outcome": fresh.outcome,
        "actions": fresh.actions,
        "events": ComplaintEvent.objects.filter(complaint=fresh).count(),
        "label": label.status,
        "label_events": LabelEvent.objects.filter(label=label).count(),
        "notifications": Notification.objects.count(),
    }


def test_the_table_is_the_procedure() -> None:
    table = {key: t.target for key, t in COMPLAINT_TRANSITIONS.items()}
    assert table == {key: target for key, (target, _) in EXPECTED.items()}


def persona(world, name, request):
    if name in ("second_decision_maker", "other_body_admin"):
        return request.getfixturevalue(name)
    return world.persona(name)


@pytest.mark.parametrize("name", PERSONAS)
@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("status", S.values)
def test_complaint_transition(
    status, step, name, world, complaint_at, second_decision_maker, request
) -> None:
    # The handler is second_decision_maker, so that body_admin is only the administrator.
    complaint = complaint_at(status, handler=second_decision_maker)
    actor = persona(world, name, request)
    relations = {"body_admin"} if name == "body_admin" else set()
    if name == "second_decision_maker":
        relations.add("handler")
    options: dict[str, Any] = (
        {"comment": "Reasons.", "outcome": "unfounded"} if step == "decide" else {}
    )
    expected = EXPECTED.get((status, step))
    before = snapshot(complaint)

    if expected is None:
        with pytest.raises(TransitionNotAllowed):
            services.complaint_transition(
                actor=actor, complaint_id=complaint.pk, step=step, **options
            )
        assert snapshot(complaint) == before
        return
    target, allowed = expected
    if not allowed & relations:
        with pytest.raises(ActorNotPermitted):
            services.complaint_transition(
                actor=actor, complaint_id=complaint.pk, step=step, **options
            )
        assert snapshot(complaint) == before
        return
    services.complaint_transition(actor=actor, complaint_id=complaint.pk, step=step, **options)
    complaint.refresh_from_db()
    assert complaint.status == target
    event = complaint.events.last()
    assert (event.actor, event.action, event.from_status, event.to_status) == (
        actor,
        step,
        status,
        target,
    )


# --- the uninvolved handler ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("involved", "why"),
    [
        ("decision_maker", "reviewed or decided this certification"),
        ("reviewer", "evaluation team"),
        ("technical_reviewer", "reviewed or decided this certification"),
    ],
)
def test_an_involved_person_cannot_be_assigned(world, submit, involved, why) -> None:
    from accounts.roles import Role
    from tests.factories import MembershipFactory

    person = world.persona(involved)
    if not person.memberships.filter(organisation=world.body, role=Role.DECISION_MAKER).exists():
        # A handler's role, so that only the involvement refuses them.
        MembershipFactory(user=person, organisation=world.body, role=Role.DECISION_MAKER)
    complaint = submit()
    before = snapshot(complaint)
    with pytest.raises(GuardFailed) as error:
        services.complaint_assign(actor=world.body_admin, complaint_id=complaint.pk, handler=person)
    assert error.value.guard == "handler_uninvolved"
    assert why in error.value.message
    assert snapshot(complaint) == before


def test_the_decision_maker_who_approved_cannot_handle(world, submit) -> None:
    complaint = submit()
    with pytest.raises(GuardFailed) as error:
        services.complaint_assign(
            actor=world.body_admin, complaint_id=complaint.pk, handler=world.decision_maker
        )
    assert error.value.message == (
        f"{world.decision_maker} reviewed or decided this "
        "certification and may not handle a complaint about it."
    )


def test_a_team_member_is_refused_even_as_a_decision_maker(world, submit) -> None:
    from accounts.roles import Role
    from tests.factories import MembershipFactory

    MembershipFactory(user=world.second_reviewer, organisation=world.body, role=Role.DECISION_MAKER)
    complaint = submit()
    with pytest.raises(GuardFailed) as error:
        services.complaint_assign(
            actor=world.body_admin, complaint_id=complaint.pk, handler=world.second_reviewer
        )
    assert "evaluation team" in error.value.message


def test_an_uninvolved_decision_maker_may_handle(world, submit, second_decision_maker) -> None:
    complaint = submit()
    services.complaint_assign(
        actor=world.body_admin, complaint_id=complaint.pk, handler=second_decision_maker
    )
    assert Complaint.objects.get(pk=complaint.pk).handler == second_decision_maker


def test_another_bodys_administrator_cannot_handle(world, submit, other_body_admin) -> None:
    complaint = submit()
    with pytest.raises(GuardFailed) as error:
        services.complaint_assign(
            actor=world.body_admin, complaint_id=complaint.pk, handler=other_body_admin
        )
    assert error.value.guard == "handler_uninvolved"


def test_only_the_bodys_administrator_assigns(world, submit, second_decision_maker) -> None:
    complaint = submit()
    before = snapshot(complaint)
    with pytest.raises(ActorNotPermitted):
        services.complaint_assign(
            actor=second_decision_maker, complaint_id=complaint.pk, handler=second_decision_maker
        )
    assert snapshot(complaint) == before


def test_a_blacklisted_handler_is_refused_at_assignment_and_at_the_decision(
    world, complaint_at, regulator
) -> None:
    complaint = complaint_at(S.INVESTIGATING)
    blacklist_entry_create(
        actor=regulator,
        person=world.body_admin,
        reason="False report.",
        source_document="SAMR 2026-1",
        effective_from=date(2026, 1, 1),
    )
    before = snapshot(complaint)
    with pytest.raises(GuardFailed) as error:
        services.complaint_transition(
            actor=world.body_admin,
            complaint_id=complaint.pk,
            step="decide",
            comment="Reasons.",
            outcome="unfounded",
        )
    assert error.value.guard == "nobody_blacklisted"
    assert snapshot(complaint) == before
    fresh = services.complaint_submit(
        actor=None, label_serial=complaint.label.serial, category="other", description="Again."
    ).complaint
    with pytest.raises(GuardFailed):
        services.complaint_assign(
            actor=world.body_admin, complaint_id=fresh.pk, handler=world.body_admin
        )


def test_investigating_needs_a_handler(world, submit) -> None:
    complaint = submit()
    services.complaint_transition(
        actor=world.body_admin, complaint_id=complaint.pk, step="acknowledge"
    )
    with pytest.raises(ActorNotPermitted):  # nobody is the handler yet
        services.complaint_transition(
            actor=world.body_admin, complaint_id=complaint.pk, step="investigate"
        )


# --- deadlines ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (date(2026, 12, 7), date(2026, 12, 14)),  # Monday → next Monday
        (date(2026, 12, 4), date(2026, 12, 11)),  # Friday → next Friday
        (date(2026, 12, 5), date(2026, 12, 11)),  # Saturday → Friday
        (date(2026, 12, 9), date(2026, 12, 16)),  # Wednesday → next Wednesday
    ],
)
def test_acknowledge_within_working_days(start, due) -> None:
    assert add_working_days(start, 5) == due


def test_deadlines_are_stored_at_creation_from_the_settings(settings, submit) -> None:
    settings.COMPLAINT_ACKNOWLEDGE_WORKING_DAYS = 2
    settings.COMPLAINT_DECISION_DAYS = 10
    complaint = submit()
    created = timezone.localdate(complaint.created_at)
    assert complaint.acknowledge_due == add_working_days(created, 2)
    assert (complaint.decision_due - created).days == 10


def test_overdue_complaints(world, submit, complaint_at) -> None:
    received = submit()
    acknowledged = complaint_at(S.ACKNOWLEDGED)
    decided = complaint_at(S.DECIDED)
    on_ack = received.acknowledge_due
    on_decision = received.decision_due
    assert set(complaints_overdue(on_ack)) == set()
    day_after_ack = date.fromordinal(on_ack.toordinal() + 1)
    assert set(complaints_overdue(day_after_ack)) == {received}
    day_after_decision = date.fromordinal(on_decision.toordinal() + 1)
    assert set(complaints_overdue(day_after_decision)) == {received, acknowledged}
    assert decided not in complaints_overdue(date(2099, 1, 1))


# --- outcomes -----------------------------------------------------------------------------


def decide_on(world, complaint: Complaint, **options) -> Complaint:
    services.complaint_transition(
        actor=world.body_admin,
        complaint_id=complaint.pk,
        step="decide",
        comment="The invoices show 110 kg.",
        **options,
    )
    return Complaint.objects.get(pk=complaint.pk)


def decide(world, complaint_at, **options):
    return decide_on(world, complaint_at(S.INVESTIGATING), **options)


def test_unfounded_changes_nothing_on_the_label(
    world, complaint_at, webhook_endpoint, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        complaint = decide(world, complaint_at, outcome="unfounded")
    assert (complaint.status, complaint.outcome, complaint.actions) == (S.DECIDED, "unfounded", [])
    assert Label.objects.get(pk=complaint.label_id).status == "valid"
    assert outbox(webhook_endpoint) == []
    [message] = mail.outbox
    assert message.to == ["shopper@example.cn"]
    assert message.subject == f"Your complaint {complaint.reference} was decided"
    assert "found your complaint unfounded" in message.body


def test_an_outcome_email_whose_task_was_lost_is_sent_by_the_sweep(
    world, complaint_at, settings
) -> None:
    """The decision committed but its task never reached a worker (broker down), or its worker
    died after claiming it: the sweep sends the e-mail, once."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from oversight.complaints.tasks import complaint_outcome_emails_sweep

    complaint = decide(world, complaint_at, outcome="unfounded")  # its on-commit task: lost
    assert mail.outbox == []
    assert complaint_outcome_emails_sweep() == 0  # within the grace, the task may still come

    later = timezone.now() + timedelta(seconds=settings.TASK_SWEEP_GRACE_SECONDS + 1)
    with time_machine.travel(later):
        # A worker claimed it a minute ago: its claim stands.
        Complaint.objects.filter(pk=complaint.pk).update(
            outcome_email_claimed_at=later - timedelta(minutes=1)
        )
        assert complaint_outcome_emails_sweep() == 0
        # That worker died: after ten minutes the claim is free again.
        Complaint.objects.filter(pk=complaint.pk).update(
            outcome_email_claimed_at=later - timedelta(minutes=11)
        )
        assert complaint_outcome_emails_sweep() == 1
        assert complaint_outcome_emails_sweep() == 0
    [message] = mail.outbox
    assert message.to == ["shopper@example.cn"]
    assert Complaint.objects.get(pk=complaint.pk).outcome_emailed_at is not None


def test_the_outcome_email_speaks_the_complainants_language(
    world, submit, django_capture_on_commit_callbacks
) -> None:
    complaint = submit(language="zh-hans")
    services.complaint_assign(
        actor=world.body_admin, complaint_id=complaint.pk, handler=world.body_admin
    )
    with django_capture_on_commit_callbacks(execute=True):
        for step in PATH[S.DECIDED]:
            services.complaint_transition(
                actor=world.body_admin,
                complaint_id=complaint.pk,
                step=step,
                comment="发票显示数值无误。",
                outcome="unfounded",
            )
    [message] = mail.outbox
    assert message.subject == f"您的投诉 {complaint.reference} 已有处理决定"
    assert message.body.startswith("认证机构认定您的投诉不成立。")


@pytest.mark.parametrize(
    ("action", "status", "bits", "event"),
    [
        ("suspend_label", "suspended", {"revocation": False, "suspension": True}, "suspended"),
        ("revoke_label", "revoked", {"revocation": True, "suspension": False}, "revoked"),
    ],
)
def test_founded_with_a_label_action(
    world, complaint_at, webhook_endpoint, anon, action, status, bits, event
) -> None:
    label = Label.objects.get()
    assert api_status(anon, label) == "valid"  # cached before: the change must show anyway
    complaint = decide(world, complaint_at, outcome="founded", actions=[action])
    label.refresh_from_db()
    assert (complaint.outcome, complaint.actions) == ("founded", [action])
    assert label.status == status
    assert label.certificate.status == status
    assert label.status_reason == (
        f"Complaint {complaint.reference} founded: The invoices show 110 kg."
    )
    assert stored_bits(label) == bits
    assert api_status(anon, label) == status
    assert outbox(webhook_endpoint) == [(event, status)]
    event = LabelEvent.objects.filter(label=label).last()
    assert event is not None
    assert event.actor == world.body_admin


def test_finding_against_the_body_is_recorded(world, complaint_at, client_as) -> None:
    complaint = decide(
        world,
        complaint_at,
        outcome="founded",
        actions=["finding_against_body"],
        finding="The body accepted an unverified electricity factor.",
    )
    assert complaint.finding_against_body == ("The body accepted an unverified electricity factor.")
    page = client_as(world.regulator).get(f"/portal/complaints/{complaint.reference}/")
    assert "The body accepted an unverified electricity factor." in page.content.decode()


def test_special_surveillance_is_recorded(world, complaint_at) -> None:
    complaint = decide(world, complaint_at, outcome="founded", actions=["special_surveillance"])
    assert complaint.events.filter(action="special_surveillance_requested").count() == 1
    assert Label.objects.get(pk=complaint.label_id).status == "valid"
    special = complaint.certificate.surveillances.get(kind="special")
    assert special.status == "due" and special.reason.startswith(complaint.reference)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"outcome": "founded", "actions": []},
            "Choose at least one action for a founded complaint.",
        ),
        (
            {"outcome": "unfounded", "actions": ["suspend_label"]},
            "An unfounded complaint leads to no action.",
        ),
        (
            {"outcome": "founded", "actions": ["suspend_label", "revoke_label"]},
            "Suspend or withdraw the label, not both.",
        ),
        (
            {"outcome": "founded", "actions": ["revoke_label", "special_surveillance"]},
            "A withdrawn certificate is not surveilled: withdraw the label, or order a special "
            "surveillance (with a suspension if need be).",
        ),
        (
            {"outcome": "founded", "actions": ["finding_against_body"]},
            "Write the finding against the body.",
        ),
        ({"outcome": ""}, "Choose whether the complaint is founded."),
    ],
)
def test_inconsistent_outcomes_are_refused(world, complaint_at, options, message) -> None:
    complaint = complaint_at(S.INVESTIGATING)
    before = snapshot(complaint)
    with pytest.raises(GuardFailed) as error:
        services.complaint_transition(
            actor=world.body_admin,
            complaint_id=complaint.pk,
            step="decide",
            comment="Reasons.",
            **options,
        )
    assert error.value.message == message
    assert snapshot(complaint) == before


@pytest.mark.parametrize("action", ["suspend_label", "revoke_label", "special_surveillance"])
def test_no_label_action_once_the_certificate_has_expired(world, complaint_at, action) -> None:
    complaint = complaint_at(S.INVESTIGATING)
    Certificate.objects.filter(pk=complaint.certificate_id).update(status="expired")
    before = snapshot(complaint)
    with pytest.raises(GuardFailed) as error:
        decide_on(world, complaint, outcome="founded", actions=[action])
    assert error.value.message.startswith("The certificate is no longer in force")
    assert snapshot(complaint) == before
    # What does not act on the certificate is still decided.
    decided = decide_on(
        world,
        complaint,
        outcome="founded",
        actions=["finding_against_body"],
        finding="The body did not check the meter readings.",
    )
    assert decided.status == S.DECIDED


def test_a_decision_without_reasons_is_refused(world, complaint_at) -> None:
    complaint = complaint_at(S.INVESTIGATING)
    before = snapshot(complaint)
    with pytest.raises(GuardFailed) as error:
        services.complaint_transition(
            actor=world.body_admin,
            complaint_id=complaint.pk,
            step="decide",
            comment=" ",
            outcome="unfounded",
        )
    assert error.value.guard == "reason_given"
    assert snapshot(complaint) == before


def test_a_label_action_the_label_refuses_undoes_the_whole_decision(world, complaint_at) -> None:
    from labels.services import label_change_status

    complaint = complaint_at(S.INVESTIGATING)
    label_change_status(  # a suspension the body may not make its own
        actor=None,
        label_id=complaint.label_id,
        action="suspend",
        reason="Ordered by the regulator.",
        reason_code=ReasonCode.REGULATOR_ORDER,
    )
    before = snapshot(complaint)
    with pytest.raises(TransitionNotAllowed, match="until the regulator lifts it"):
        services.complaint_transition(
            actor=world.body_admin,
            complaint_id=complaint.pk,
            step="decide",
            comment="Reasons.",
            outcome="founded",
            actions=["suspend_label"],
        )
    assert snapshot(complaint) == before


def test_a_signed_in_complainant_is_told_in_the_inbox(world, certified, complaint_at) -> None:
    submitted = services.complaint_submit(
        actor=world.other_enterprise_user,
        label_serial=certified.serial,
        category="label_misuse",
        description="They print it on an uncertified model.",
    )
    complaint = submitted.complaint
    services.complaint_assign(
        actor=world.body_admin, complaint_id=complaint.pk, handler=world.body_admin
    )
    for step in PATH[S.DECIDED]:
        services.complaint_transition(
            actor=world.body_admin,
            complaint_id=complaint.pk,
            step=step,
            comment="Seen on sale.",
            outcome="founded" if step == "decide" else "",
            actions=["special_surveillance"] if step == "decide" else (),
        )
    note = Notification.objects.get(recipient=world.other_enterprise_user)
    assert note.subject == f"Your complaint {complaint.reference} was decided"
    assert "Order a special surveillance" in note.body


def test_the_body_is_told_of_a_new_complaint(world, submit) -> None:
    complaint = submit()
    # Beside the label's issue, which the body was told of too.
    [note] = Notification.objects.filter(recipient=world.body_admin, url__contains="complaints")
    assert note.subject == (
        f"New complaint {complaint.reference} about label {complaint.label.serial}"
    )
    assert note.url == f"/portal/complaints/{complaint.reference}/"


def test_the_token_is_stored_only_as_a_hash(certified) -> None:
    submitted = services.complaint_submit(
        actor=None, label_serial=certified.serial, category="other", description="x"
    )
    stored = Complaint.objects.get(pk=submitted.complaint.pk)
    assert submitted.token not in stored.token_hash
    assert stored.token_hash == services.token_hash(submitted.token)
    assert Client().get(f"/complaints/follow/{submitted.token}/").status_code == 200
    assert Client().get(f"/complaints/follow/{stored.token_hash}/").status_code == 404


def test_a_member_of_a_surveillance_team_of_the_certificate_cannot_handle(
    world, submit, second_decision_maker
) -> None:
    from oversight.models import Surveillance, SurveillanceTeamMember

    complaint = submit()
    surveillance = Surveillance.objects.create(
        certificate=complaint.certificate,
        number=9,
        due_on=complaint.certificate.valid_until,
        suspend_after=complaint.certificate.valid_until,
    )
    SurveillanceTeamMember.objects.create(surveillance=surveillance, user=second_decision_maker)
    with pytest.raises(GuardFailed) as error:
        services.complaint_assign(
            actor=world.body_admin, complaint_id=complaint.pk, handler=second_decision_maker
        )
    assert error.value.guard == "handler_uninvolved"
    assert "surveillance" in error.value.message
    assert Complaint.objects.get(pk=complaint.pk).handler is None


def test_a_complaint_about_a_superseded_version_concerns_the_label_in_force(
    world, certified, submit
) -> None:
    from labels.services import label_issue

    current = label_issue(certificate_id=certified.certificate_id, certificate_version=2)
    complaint = submit(label_serial=certified.serial)
    assert complaint.label == current


def test_a_founded_complaint_suspends_a_voluntarily_suspended_label_for_itself(
    world, complaint_at
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from oversight.supervision.services import certificate_suspend_voluntarily
    from oversight.supervision.sweep import sweep_plan

    complaint = complaint_at(S.INVESTIGATING)
    until = timezone.localdate() + timedelta(days=10)
    certificate_suspend_voluntarily(
        actor=world.enterprise_admin,
        certificate=complaint.certificate,
        until=until,
        reason="Season.",
    )
    services.complaint_transition(
        actor=world.body_admin,
        complaint_id=complaint.pk,
        step="decide",
        comment="The invoices show 110 kg.",
        outcome="founded",
        actions=["suspend_label"],
    )

    certificate = Complaint.objects.get(pk=complaint.pk).certificate
    assert certificate.status == "suspended"
    assert certificate.suspension_reason_code == "complaint_founded"
    assert certificate.voluntary_until is None
    assert sweep_plan(until) == []  # the voluntary end no longer restores it
