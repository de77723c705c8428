"""Who lifts a suspension: one the regulator ordered or its re-inspection imposed is lifted by
the regulator only. Nothing the body decides turns it into the body's own (a surveillance or
complaint decision to suspend), and no appeal to the body overturns it, directly or through an
older appeal; a product family's decision is appealed once, through the certificate's label."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from certification.errors import ActorNotPermitted, GuardFailed, TransitionNotAllowed
from certification.models import ApplicationVariant, Status
from labels import services as label_services
from labels.models import Label, LabelEvent, LabelStatus, ReasonCode
from oversight.appeals import selectors as appeal_selectors
from oversight.appeals import services as appeals
from oversight.appeals.models import Appeal, AppealStatus
from oversight.models import (
    SamplingDraw,
    SamplingItem,
    Surveillance,
    SurveillanceStatus,
    SurveillanceTeamMember,
)
from oversight.sampling import reinspection_record, sampling_draw_record
from oversight.supervision.services import surveillance_transition
from tests.conftest import a_session_waits_on_a_lock, build_application

FINDINGS = "Plant electricity bills show 30% more consumption than the dossier declares."


def reinspection_suspends(world, label: Label) -> None:
    """A random-sampling re-inspection of the label's certificate suspends it."""
    if not SamplingDraw.objects.exists():
        sampling_draw_record(actor=world.regulator, seed="2026-12", size=1)
    draw = SamplingDraw.objects.get()
    item = SamplingItem.objects.filter(certificate_id=label.certificate_id).first()
    if item is None:  # a suspended certificate is not drawn: the regulator's list names it
        item = SamplingItem.objects.create(
            draw=draw, position=2, certificate=label.certificate, inspector=world.peer_reviewer
        )
    reinspection_record(
        actor=item.inspector,
        item_id=item.pk,
        outcome="nonconforming",
        findings=FINDINGS,
        action="suspend",
    )
    label.refresh_from_db()
    assert label.status == LabelStatus.SUSPENDED
    assert label.certificate.suspension_reason_code == ReasonCode.REINSPECTION


def state(label: Label) -> tuple:
    fresh = Label.objects.select_related("certificate").get(pk=label.pk)
    return (
        fresh.status,
        fresh.status_reason,
        fresh.certificate.status,
        fresh.certificate.suspension_reason_code,
        LabelEvent.objects.filter(label=label).count(),
    )


def surveillance_at_decision(world, label: Label) -> Surveillance:
    surveillance = Surveillance.objects.create(
        certificate=label.certificate,
        number=9,
        due_on=timezone.localdate(),
        suspend_after=timezone.localdate(),
        status=SurveillanceStatus.DECISION,
        report="The plant's meters were not calibrated.",
    )
    SurveillanceTeamMember.objects.create(
        surveillance=surveillance, user=world.reviewer, is_lead=True, declaration="no_conflict"
    )
    return surveillance


def test_the_body_cannot_lift_a_reinspection_suspension_the_regulator_can(
    world, issue_label
) -> None:
    label = issue_label()
    reinspection_suspends(world, label)

    for person in (world.body_admin, world.decision_maker):
        with pytest.raises(ActorNotPermitted, match="only the regulator lifts it"):
            label_services.label_change_status(
                actor=person, label_id=label.pk, action="restore", reason="We disagree."
            )
    assert Label.objects.get(pk=label.pk).status == LabelStatus.SUSPENDED

    label_services.label_change_status(
        actor=world.regulator, label_id=label.pk, action="restore", reason="Corrected data seen."
    )
    assert Label.objects.get(pk=label.pk).status == LabelStatus.VALID


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two sessions at once: PostgreSQL")
def test_the_body_cannot_lift_a_suspension_the_regulator_took_over_while_it_acted(
    world, issue_label
) -> None:
    """The body restores its own suspension while a re-inspection, committing at that moment,
    makes it the regulator's: the body's restore waits for it and is then refused."""
    label = issue_label()
    label_services.label_change_status(
        actor=world.decision_maker, label_id=label.pk, action="suspend", reason="Data gaps."
    )
    locked, release = threading.Event(), threading.Event()

    def reinspection() -> None:
        try:
            with transaction.atomic():
                label_services.certificate_suspension_reason_change(
                    certificate_id=label.certificate_id,
                    reason="Re-inspection: nonconforming.",
                    reason_code=ReasonCode.REINSPECTION,
                )
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    def restore() -> None:
        try:
            label_services.label_change_status(
                actor=world.decision_maker, label_id=label.pk, action="restore", reason="Fixed."
            )
        except ActorNotPermitted as error:
            refused.append(error)
        finally:
            connection.close()

    refused: list[Exception] = []
    regulator = threading.Thread(target=reinspection)
    regulator.start()
    assert locked.wait(timeout=10)
    body = threading.Thread(target=restore)
    body.start()
    assert a_session_waits_on_a_lock()
    release.set()
    regulator.join(timeout=10)
    body.join(timeout=10)

    assert len(refused) == 1
    fresh = Label.objects.select_related("certificate").get(pk=label.pk)
    assert fresh.status == LabelStatus.SUSPENDED
    assert fresh.certificate.suspension_reason_code == ReasonCode.REINSPECTION


def test_a_surveillance_decision_does_not_make_the_suspension_the_bodys(world, issue_label) -> None:
    label = issue_label()
    reinspection_suspends(world, label)
    surveillance = surveillance_at_decision(world, label)
    before = state(label)

    with pytest.raises(TransitionNotAllowed, match="until the regulator lifts it"):
        surveillance_transition(
            actor=world.decision_maker,
            surveillance_id=surveillance.pk,
            step="suspend",
            comment="Suspend for the uncalibrated meters.",
        )

    assert state(label) == before
    assert Surveillance.objects.get(pk=surveillance.pk).status == SurveillanceStatus.DECISION
    with pytest.raises(ActorNotPermitted):
        label_services.label_change_status(
            actor=world.body_admin, label_id=label.pk, action="restore", reason="Lifted."
        )


def test_a_stronger_reason_replaces_the_bodys_own(world, issue_label) -> None:
    label = issue_label()
    label_services.label_change_status(
        actor=world.decision_maker, label_id=label.pk, action="suspend", reason="Data gaps."
    )

    reinspection_suspends(world, label)

    with pytest.raises(ActorNotPermitted):
        label_services.label_change_status(
            actor=world.decision_maker, label_id=label.pk, action="restore", reason="Lifted."
        )


def test_a_reinspection_decision_is_not_appealed_to_the_body(world, issue_label) -> None:
    label = issue_label()
    reinspection_suspends(world, label)

    assert appeal_selectors.appealable_decisions(world.enterprise_admin)["label_events"] == []
    with pytest.raises(TransitionNotAllowed, match="contest it with the regulator"):
        appeals.appeal_file(
            actor=world.enterprise_admin, kind="suspension", reasons="Unfair.", label_id=label.pk
        )
    assert not Appeal.objects.exists()


def test_an_older_appeal_does_not_lift_a_later_suspension(world, issue_label) -> None:
    label = issue_label()
    label_services.label_change_status(
        actor=world.decision_maker, label_id=label.pk, action="suspend", reason="Data gaps."
    )
    appeal = appeals.appeal_file(
        actor=world.enterprise_admin, kind="suspension", reasons="Unfair.", label_id=label.pk
    )
    appeals.appeal_transition(actor=world.body_admin, appeal_id=appeal.pk, step="start_review")
    reinspection_suspends(world, label)
    before = state(label)

    with pytest.raises(TransitionNotAllowed, match="decided again since this appeal"):
        appeals.appeal_transition(
            actor=world.body_admin,
            appeal_id=appeal.pk,
            step="overturn",
            reason="Our suspension was wrong.",
        )

    assert state(label) == before
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.UNDER_REVIEW
    appeals.appeal_transition(
        actor=world.body_admin, appeal_id=appeal.pk, step="uphold", reason="Overtaken."
    )
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.UPHELD


def test_the_latest_decision_of_the_body_is_the_one_offered(world, issue_label) -> None:
    label = issue_label()
    label_services.label_change_status(
        actor=world.decision_maker, label_id=label.pk, action="suspend", reason="Data gaps."
    )
    label_services.label_change_status(
        actor=world.decision_maker, label_id=label.pk, action="restore", reason="Gaps filled."
    )
    label_services.label_change_status(
        actor=world.decision_maker, label_id=label.pk, action="suspend", reason="Meters."
    )

    offered = appeal_selectors.appealable_decisions(world.enterprise_admin)["label_events"]

    assert [event.reason for event in offered] == ["Meters."]


def test_a_family_decision_is_appealed_once_through_the_certificate_label(
    world, new_product
) -> None:
    application = build_application(world, Status.APPROVED)
    ApplicationVariant.objects.create(
        application=application,
        product=new_product(model="V2"),
        scaling_factor=Decimal("1.5"),
        justification="More cells of the same chemistry.",
    )
    own = label_services.label_issue(certificate_id=application.certificate.pk)
    variant = Label.objects.get(certificate=application.certificate, variant__isnull=False)
    label_services.label_change_status(
        actor=world.body_admin, label_id=own.pk, action="suspend", reason="Audit."
    )
    assert Label.objects.get(pk=variant.pk).status == LabelStatus.SUSPENDED

    offered = appeal_selectors.appealable_decisions(world.enterprise_admin)["label_events"]
    assert [event.label_id for event in offered] == [own.pk]
    with pytest.raises(GuardFailed, match="through the certificate's own label"):
        appeals.appeal_file(
            actor=world.enterprise_admin, kind="suspension", reasons="Unfair.", label_id=variant.pk
        )
    appeals.appeal_file(
        actor=world.enterprise_admin, kind="suspension", reasons="Unfair.", label_id=own.pk
    )
    assert Appeal.objects.count() == 1


def test_a_withdrawal_under_the_regulators_suspension_is_not_appealed_to_the_body(
    world, issue_label
) -> None:
    """Overturned, it would give back a valid label the regulator had suspended."""
    label = issue_label()
    reinspection_suspends(world, label)
    label_services.label_change_status(
        actor=world.decision_maker, label_id=label.pk, action="revoke", reason="Withdrawn."
    )

    assert appeal_selectors.appealable_decisions(world.enterprise_admin)["label_events"] == []
    with pytest.raises(TransitionNotAllowed, match="contest it with the regulator"):
        appeals.appeal_file(
            actor=world.enterprise_admin, kind="withdrawal", reasons="Unfair.", label_id=label.pk
        )
    assert not Appeal.objects.exists()


def test_a_withdrawal_of_the_bodys_own_suspension_is_appealed(world, issue_label) -> None:
    label = issue_label()
    for action in ("suspend", "revoke"):
        label_services.label_change_status(
            actor=world.decision_maker, label_id=label.pk, action=action, reason="Data gaps."
        )

    offered = appeal_selectors.appealable_decisions(world.enterprise_admin)["label_events"]
    assert [event.action for event in offered] == ["revoked"]
    appeals.appeal_file(
        actor=world.enterprise_admin, kind="withdrawal", reasons="Unfair.", label_id=label.pk
    )
    assert Appeal.objects.count() == 1
