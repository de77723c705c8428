"""Appeals: who may file, the window, the uninvolved decider, and each overturn's effect through
the services (application reopened; label restored or reinstated, with its status list bits,
label API answer and webhook outbox)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.roles import Role
from certification import services as certification_services
from certification.errors import ActorNotPermitted, GuardFailed, TransitionNotAllowed
from certification.models import Application, ApplicationEvent, Certificate, Notification, Status
from certification.workflow import Action
from labels.models import Label, LabelEvent
from labels.services import label_change_status
from oversight.appeals import services
from oversight.appeals.models import Appeal, AppealEvent, AppealStatus
from oversight.appeals.workflow import APPEAL_TRANSITIONS
from tests.factories import MembershipFactory
from tests.labels.conftest import label_state, stored_bits
from tests.oversight.complaints.conftest import api_status, outbox

REASONS = "The body misread the electricity factor table; see the attached meter readings."


@pytest.fixture
def refused(world, application_at) -> Application:
    application = application_at(Status.REFUSED)
    ApplicationEvent.objects.create(
        application=application,
        actor=world.decision_maker,
        action=Action.REFUSE,
        from_status=Status.DECISION,
        to_status=Status.REFUSED,
        comment="Data gaps.",
    )
    return application


@pytest.fixture
def suspended(world, certified) -> Label:
    return label_change_status(
        actor=world.decision_maker,
        label_id=certified.pk,
        action="suspend",
        reason="Surveillance refused.",
    )


@pytest.fixture
def revoked(world, certified) -> Label:
    return label_change_status(
        actor=world.decision_maker,
        label_id=certified.pk,
        action="revoke",
        reason="False data found.",
    )


def appeal_snapshot(application: Application, label: Label | None = None) -> dict:
    fresh = Application.objects.get(pk=application.pk)
    return {
        "appeals": list(Appeal.objects.values_list("status", "decider_id", "effect_applied_at")),
        "events": AppealEvent.objects.count(),
        "status": fresh.status,
        "application_events": fresh.events.count(),
        "notifications": Notification.objects.count(),
        "label": label_state(label) if label else None,
    }


def test_the_table() -> None:
    assert {key: t.target for key, t in APPEAL_TRANSITIONS.items()} == {
        (AppealStatus.SUBMITTED, "start_review"): AppealStatus.UNDER_REVIEW,
        (AppealStatus.UNDER_REVIEW, "uphold"): AppealStatus.UPHELD,
        (AppealStatus.UNDER_REVIEW, "overturn"): AppealStatus.OVERTURNED,
    }


# --- filing -------------------------------------------------------------------------------


def test_the_enterprise_admin_appeals_a_refusal(world, refused) -> None:
    appeal = services.appeal_file(
        actor=world.enterprise_admin, kind="refusal", application_id=refused.pk, reasons=REASONS
    )
    assert (appeal.status, appeal.body, appeal.enterprise) == (
        AppealStatus.SUBMITTED,
        world.body,
        world.enterprise,
    )
    assert appeal.decision_actor == world.decision_maker
    assert appeal.reference.startswith("APL-")
    notified = set(Notification.objects.values_list("recipient__username", flat=True))
    assert notified == {world.body_admin.username, world.decision_maker.username}


@pytest.mark.parametrize(
    "persona", ["enterprise_member", "other_enterprise_user", "body_admin", "regulator"]
)
def test_only_the_enterprise_admin_may_appeal(world, refused, persona) -> None:
    before = appeal_snapshot(refused)
    with pytest.raises(ActorNotPermitted):
        services.appeal_file(
            actor=world.persona(persona), kind="refusal", application_id=refused.pk, reasons=REASONS
        )
    assert appeal_snapshot(refused) == before


@pytest.mark.parametrize(("days", "allowed"), [(29, True), (31, False)])
def test_the_appeal_window(world, refused, settings, days, allowed) -> None:
    settings.APPEAL_WINDOW_DAYS = 30
    ApplicationEvent.objects.filter(application=refused).update(
        created_at=timezone.now() - timedelta(days=days)
    )
    if allowed:
        services.appeal_file(
            actor=world.enterprise_admin, kind="refusal", application_id=refused.pk, reasons=REASONS
        )
        assert Appeal.objects.count() == 1
        return
    before = appeal_snapshot(refused)
    with pytest.raises(GuardFailed) as error:
        services.appeal_file(
            actor=world.enterprise_admin, kind="refusal", application_id=refused.pk, reasons=REASONS
        )
    assert error.value.guard == "appeal_window"
    assert appeal_snapshot(refused) == before


def test_the_window_of_a_suspension_runs_from_the_suspension(world, suspended, settings) -> None:
    settings.APPEAL_WINDOW_DAYS = 30
    LabelEvent.objects.filter(label=suspended, action="suspended").update(
        created_at=timezone.now() - timedelta(days=31)
    )
    with pytest.raises(GuardFailed) as error:
        services.appeal_file(
            actor=world.enterprise_admin, kind="suspension", label_id=suspended.pk, reasons=REASONS
        )
    assert error.value.guard == "appeal_window"


def test_a_decision_is_appealed_once(world, refused) -> None:
    services.appeal_file(
        actor=world.enterprise_admin, kind="refusal", application_id=refused.pk, reasons=REASONS
    )
    with pytest.raises(GuardFailed) as error:
        services.appeal_file(
            actor=world.enterprise_admin, kind="refusal", application_id=refused.pk, reasons=REASONS
        )
    assert error.value.guard == "appeal_once"


def test_reasons_are_required_and_attachments_checked_by_content(
    world, refused, media_root
) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.appeal_file(
            actor=world.enterprise_admin, kind="refusal", application_id=refused.pk, reasons="  "
        )
    assert "reasons" in error.value.message_dict
    bad = SimpleUploadedFile("readings.pdf", b"MZ\x90\x00 not a pdf")
    with pytest.raises(ValidationError) as error:
        services.appeal_file(
            actor=world.enterprise_admin,
            kind="refusal",
            application_id=refused.pk,
            reasons=REASONS,
            attachments=[bad],
        )
    assert "attachments" in error.value.message_dict
    assert Appeal.objects.count() == 0
    good = SimpleUploadedFile("readings.csv", b"month,kWh\n2025-01,1200\n")
    appeal = services.appeal_file(
        actor=world.enterprise_admin,
        kind="refusal",
        application_id=refused.pk,
        reasons=REASONS,
        attachments=[good],
    )
    assert [a.content_type for a in appeal.attachments.all()] == ["text/plain"]


def test_nothing_to_appeal_on_a_valid_label(world, certified) -> None:
    with pytest.raises(TransitionNotAllowed):
        services.appeal_file(
            actor=world.enterprise_admin, kind="suspension", label_id=certified.pk, reasons=REASONS
        )


# --- the uninvolved decider ---------------------------------------------------------------


def test_the_person_who_refused_cannot_decide_the_appeal(world, refused) -> None:
    appeal = services.appeal_file(
        actor=world.enterprise_admin, kind="refusal", application_id=refused.pk, reasons=REASONS
    )
    before = appeal_snapshot(refused)
    with pytest.raises(GuardFailed) as error:
        services.appeal_transition(
            actor=world.decision_maker, appeal_id=appeal.pk, step="start_review"
        )
    assert error.value.guard == "decider_uninvolved"
    assert appeal_snapshot(refused) == before


def test_the_person_who_suspended_cannot_decide_the_appeal(world, suspended) -> None:
    appeal = services.appeal_file(
        actor=world.enterprise_admin, kind="suspension", label_id=suspended.pk, reasons=REASONS
    )
    with pytest.raises(GuardFailed) as error:
        services.appeal_transition(
            actor=world.decision_maker, appeal_id=appeal.pk, step="start_review"
        )
    assert error.value.guard == "decider_uninvolved"


def test_a_team_member_cannot_decide_the_appeal(world, refused) -> None:
    MembershipFactory(user=world.reviewer, organisation=world.body, role=Role.DECISION_MAKER)
    appeal = services.appeal_file(
        actor=world.enterprise_admin, kind="refusal", application_id=refused.pk, reasons=REASONS
    )
    with pytest.raises(GuardFailed) as error:
        services.appeal_transition(actor=world.reviewer, appeal_id=appeal.pk, step="start_review")
    assert "evaluation team" in error.value.message


def test_the_technical_reviewer_of_the_file_cannot_decide_the_appeal(world, refused) -> None:
    """The technical reviewer who passed the refused file, a decision maker as well, is involved
    in the decision appealed (as a complaint's handler would be)."""
    MembershipFactory(
        user=world.technical_reviewer, organisation=world.body, role=Role.DECISION_MAKER
    )
    ApplicationEvent.objects.create(
        application=refused,
        actor=world.technical_reviewer,
        action=Action.PASS_TECHNICAL_REVIEW,
        from_status=Status.TECHNICAL_REVIEW,
        to_status=Status.DECISION,
    )
    appeal = services.appeal_file(
        actor=world.enterprise_admin, kind="refusal", application_id=refused.pk, reasons=REASONS
    )
    before = appeal_snapshot(refused)
    with pytest.raises(GuardFailed) as error:
        services.appeal_transition(
            actor=world.technical_reviewer, appeal_id=appeal.pk, step="start_review"
        )
    assert error.value.guard == "decider_uninvolved"
    assert appeal_snapshot(refused) == before


@pytest.mark.parametrize(
    "persona", ["technical_reviewer", "enterprise_admin", "regulator", "peer_reviewer"]
)
def test_others_cannot_take_up_the_appeal(world, refused, persona) -> None:
    appeal = services.appeal_file(
        actor=world.enterprise_admin, kind="refusal", application_id=refused.pk, reasons=REASONS
    )
    before = appeal_snapshot(refused)
    with pytest.raises(ActorNotPermitted):
        services.appeal_transition(
            actor=world.persona(persona), appeal_id=appeal.pk, step="start_review"
        )
    assert appeal_snapshot(refused) == before


def test_only_the_one_who_took_it_up_decides(world, refused, second_decision_maker) -> None:
    appeal = services.appeal_file(
        actor=world.enterprise_admin, kind="refusal", application_id=refused.pk, reasons=REASONS
    )
    services.appeal_transition(actor=world.body_admin, appeal_id=appeal.pk, step="start_review")
    before = appeal_snapshot(refused)
    with pytest.raises(ActorNotPermitted):
        services.appeal_transition(
            actor=second_decision_maker, appeal_id=appeal.pk, step="overturn", reason="Wrong."
        )
    with pytest.raises(GuardFailed):  # and with reasons only
        services.appeal_transition(
            actor=world.body_admin, appeal_id=appeal.pk, step="overturn", reason=" "
        )
    assert appeal_snapshot(refused) == before


# --- effects ------------------------------------------------------------------------------


def decide(world, appeal: Appeal, step: str) -> Appeal:
    services.appeal_transition(actor=world.body_admin, appeal_id=appeal.pk, step="start_review")
    return services.appeal_transition(
        actor=world.body_admin,
        appeal_id=appeal.pk,
        step=step,
        reason="The readings support the declared figure.",
    )


def test_a_refusal_overturned_reopens_the_application_at_the_decision(world, refused) -> None:
    appeal = services.appeal_file(
        actor=world.enterprise_admin, kind="refusal", application_id=refused.pk, reasons=REASONS
    )
    decide(world, appeal, "overturn")
    refused.refresh_from_db()
    appeal.refresh_from_db()
    assert refused.status == Status.DECISION
    event = refused.events.last()
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        Action.REOPEN_ON_APPEAL,
        world.body_admin,
        Status.REFUSED,
        Status.DECISION,
    )
    assert appeal.status == AppealStatus.OVERTURNED and appeal.effect_applied_at is not None
    told = set(
        Notification.objects.filter(subject__contains=appeal.reference).values_list(
            "recipient__username", flat=True
        )
    )
    assert world.enterprise_admin.username in told
    # The decision makers are asked to decide again (application notifications).
    assert Notification.objects.filter(event=event, recipient=world.decision_maker).exists()


def test_a_refusal_upheld_stays_refused(world, refused) -> None:
    appeal = services.appeal_file(
        actor=world.enterprise_admin, kind="refusal", application_id=refused.pk, reasons=REASONS
    )
    decide(world, appeal, "uphold")
    refused.refresh_from_db()
    assert refused.status == Status.REFUSED
    assert Appeal.objects.get().status == AppealStatus.UPHELD


def test_nobody_reopens_a_refusal_without_an_overturned_appeal(
    world, refused, nothing_changes
) -> None:
    with nothing_changes(refused), pytest.raises(GuardFailed):
        certification_services.application_transition(
            actor=world.body_admin,
            application_id=refused.pk,
            action=Action.REOPEN_ON_APPEAL,
            comment="Because.",
        )


def test_a_suspension_overturned_restores_the_label(
    world, suspended, webhook_endpoint, anon
) -> None:
    appeal = services.appeal_file(
        actor=world.enterprise_admin, kind="suspension", label_id=suspended.pk, reasons=REASONS
    )
    assert api_status(anon, suspended) == "suspended"
    decide(world, appeal, "overturn")
    suspended.refresh_from_db()
    assert suspended.status == "valid" and suspended.certificate.status == "valid"
    assert stored_bits(suspended) == {"revocation": False, "suspension": False}
    assert api_status(anon, suspended) == "valid"
    assert outbox(webhook_endpoint) == [("restored", "valid")]


def test_a_suspension_upheld_keeps_the_label_suspended(world, suspended, webhook_endpoint) -> None:
    appeal = services.appeal_file(
        actor=world.enterprise_admin, kind="suspension", label_id=suspended.pk, reasons=REASONS
    )
    before = label_state(suspended)
    decide(world, appeal, "uphold")
    assert label_state(suspended) == before
    assert outbox(webhook_endpoint) == []


def test_a_withdrawal_overturned_reinstates_the_label(
    world, revoked, webhook_endpoint, anon
) -> None:
    assert stored_bits(revoked) == {"revocation": True, "suspension": False}
    appeal = services.appeal_file(
        actor=world.enterprise_admin, kind="withdrawal", label_id=revoked.pk, reasons=REASONS
    )
    assert api_status(anon, revoked) == "revoked"
    decide(world, appeal, "overturn")
    revoked.refresh_from_db()
    assert revoked.status == "valid" and revoked.certificate.status == "valid"
    assert stored_bits(revoked) == {"revocation": False, "suspension": False}
    assert api_status(anon, revoked) == "valid"
    assert outbox(webhook_endpoint) == [("restored", "valid")]
    assert revoked.status_reason.startswith(f"Appeal {appeal.reference} overturned")
    # Reinstated, the certificate is surveilled again on its schedule.
    certificate = revoked.certificate
    from oversight.supervision.schedule import surveillance_due_dates

    assert certificate.next_surveillance_due == surveillance_due_dates(certificate)[0]
    assert certificate.surveillances.filter(status="due").count() == len(
        surveillance_due_dates(certificate)
    )


def test_nobody_reinstates_a_withdrawn_label_without_an_overturned_appeal(world, revoked) -> None:
    before = label_state(revoked)
    for person in (world.body_admin, world.decision_maker):
        with pytest.raises(TransitionNotAllowed):
            label_change_status(
                actor=person, label_id=revoked.pk, action="reinstate", reason="Because."
            )
    assert label_state(revoked) == before


def test_an_overturn_whose_effect_is_refused_is_undone(world, suspended) -> None:
    appeal = services.appeal_file(
        actor=world.enterprise_admin, kind="suspension", label_id=suspended.pk, reasons=REASONS
    )
    services.appeal_transition(actor=world.body_admin, appeal_id=appeal.pk, step="start_review")
    label_change_status(
        actor=world.body_admin,
        label_id=suspended.pk,
        action="revoke",
        reason="Withdrawn meanwhile.",
    )
    with pytest.raises(TransitionNotAllowed):
        services.appeal_transition(
            actor=world.body_admin, appeal_id=appeal.pk, step="overturn", reason="Wrong."
        )
    assert Appeal.objects.get().status == AppealStatus.UNDER_REVIEW


# --- pages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("enterprise_admin", 200),
        ("body_admin", 200),
        ("regulator", 200),
        ("other_enterprise_user", 404),
        ("peer_reviewer", 404),
    ],
)
def test_appeal_pages_answer_404_to_others(client_as, world, refused, persona, status) -> None:
    appeal = services.appeal_file(
        actor=world.enterprise_admin, kind="refusal", application_id=refused.pk, reasons=REASONS
    )
    client = client_as(world.persona(persona))
    assert client.get(f"/portal/appeals/{appeal.reference}/").status_code == status
    assert (appeal.reference in client.get("/portal/appeals/").content.decode()) == (status == 200)


def test_another_body_gets_404_when_acting(client_as, world, refused, other_body_admin) -> None:
    appeal = services.appeal_file(
        actor=world.enterprise_admin, kind="refusal", application_id=refused.pk, reasons=REASONS
    )
    response = client_as(other_body_admin).post(
        f"/portal/appeals/{appeal.reference}/step/", {"step": "start_review"}
    )
    assert response.status_code == 404
    assert Appeal.objects.get().status == AppealStatus.SUBMITTED


def test_the_enterprise_files_and_the_body_decides_in_the_portal(
    client_as, world, suspended
) -> None:
    enterprise = client_as(world.enterprise_admin)
    form = enterprise.get("/portal/appeals/new/").content.decode()
    assert f"suspension:{suspended.pk}" in form
    response = enterprise.post(
        "/portal/appeals/new/",
        {"decision": f"suspension:{suspended.pk}", "reasons": REASONS},
        follow=True,
    )
    appeal = Appeal.objects.get()
    assert response.redirect_chain[-1][0] == f"/portal/appeals/{appeal.reference}/"
    body = client_as(world.body_admin)
    body.post(f"/portal/appeals/{appeal.reference}/step/", {"step": "start_review"})
    body.post(
        f"/portal/appeals/{appeal.reference}/step/",
        {"step": "overturn", "reason": "The surveillance was not refused."},
    )
    assert Label.objects.get(pk=suspended.pk).status == "valid"


def test_the_enterprise_is_told_in_its_own_language(world, refused) -> None:
    world.enterprise_admin.language = "zh-hans"
    world.enterprise_admin.save(update_fields=["language"])
    appeal = services.appeal_file(
        actor=world.enterprise_admin, kind="refusal", application_id=refused.pk, reasons=REASONS
    )
    decide(world, appeal, "uphold")
    note = Notification.objects.get(
        recipient=world.enterprise_admin, subject__contains=appeal.reference
    )
    assert note.subject == f"申诉 {appeal.reference}：维持原决定"
    assert note.body == "理由：The readings support the declared figure."


APPEAL_PATH = {
    AppealStatus.SUBMITTED: [],
    AppealStatus.UNDER_REVIEW: ["start_review"],
    AppealStatus.UPHELD: ["start_review", "uphold"],
    AppealStatus.OVERTURNED: ["start_review", "overturn"],
}


@pytest.mark.parametrize("step", ["start_review", "uphold", "overturn"])
@pytest.mark.parametrize("status", AppealStatus.values)
def test_appeal_transition(world, refused, status, step) -> None:
    appeal = services.appeal_file(
        actor=world.enterprise_admin, kind="refusal", application_id=refused.pk, reasons=REASONS
    )
    for taken in APPEAL_PATH[status]:
        services.appeal_transition(
            actor=world.body_admin, appeal_id=appeal.pk, step=taken, reason="Reasons."
        )
    transition = APPEAL_TRANSITIONS.get((status, step))
    if transition is None:
        before = appeal_snapshot(refused)
        with pytest.raises(TransitionNotAllowed):
            services.appeal_transition(
                actor=world.body_admin, appeal_id=appeal.pk, step=step, reason="Reasons."
            )
        assert appeal_snapshot(refused) == before
        return
    services.appeal_transition(
        actor=world.body_admin, appeal_id=appeal.pk, step=step, reason="Reasons."
    )
    appeal.refresh_from_db()
    assert appeal.status == transition.target
    event = appeal.events.filter(action=step).get()
    assert (event.actor, event.from_status, event.to_status) == (
        world.body_admin,
        status,
        transition.target,
    )


def test_the_decider_of_a_surveillance_of_the_certificate_cannot_decide_the_appeal(
    world, suspended
) -> None:
    from oversight.models import Surveillance

    decider = MembershipFactory(organisation=world.body, role=Role.DECISION_MAKER).user
    certificate = suspended.certificate
    Surveillance.objects.create(
        certificate=certificate,
        number=9,
        due_on=certificate.valid_until,
        suspend_after=certificate.valid_until,
        status="closed",
        outcome="suspended",
        decided_by=decider,
    )
    appeal = services.appeal_file(
        actor=world.enterprise_admin, kind="suspension", label_id=suspended.pk, reasons=REASONS
    )
    with pytest.raises(GuardFailed) as error:
        services.appeal_transition(actor=decider, appeal_id=appeal.pk, step="start_review")
    assert error.value.guard == "decider_uninvolved"
    assert "surveillance" in error.value.message


def test_a_decision_is_appealed_through_the_label_version_in_force(world, suspended) -> None:
    from labels.services import label_issue

    # An editorial re-issue made while the certificate was valid, then suspended again.
    Label.objects.filter(pk=suspended.pk).update(status="valid")
    Certificate.objects.filter(pk=suspended.certificate_id).update(status="valid")
    current = label_issue(certificate_id=suspended.certificate_id, certificate_version=2)
    Label.objects.filter(pk__in=[suspended.pk, current.pk]).update(status="suspended")
    Certificate.objects.filter(pk=suspended.certificate_id).update(status="suspended")
    with pytest.raises(GuardFailed) as error:
        services.appeal_file(
            actor=world.enterprise_admin, kind="suspension", label_id=suspended.pk, reasons=REASONS
        )
    assert error.value.guard == "appeal_once"
    assert not Appeal.objects.exists()
