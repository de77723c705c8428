"""The re-inspection of a drawn certificate: only its drawn inspector records it, and a
nonconforming outcome suspends or withdraws the label through the label services."""

import pytest
from django.core.exceptions import ValidationError

from accounts.roles import Role
from audits.models import BlacklistEntry
from certification.errors import ActorNotPermitted, WorkflowError
from certification.models import CertificateStatus
from labels import services as label_services
from labels.models import Label, LabelEvent, LabelStatus
from labels.webhooks.models import WebhookDelivery
from oversight.models import SamplingItem
from oversight.sampling import reinspection_record, sampling_draw_compute, sampling_draw_record
from tests.factories import member_of
from tests.oversight.conftest import bits

FINDINGS = "Plant electricity bills show 30% more consumption than the dossier declares."


@pytest.fixture
def drawn(world, issue_label):
    """A label of body X, drawn in a recorded draw; its inspector is a reviewer of another body
    (the first seed that draws one), none of the World's personas."""
    label = issue_label()
    inspector = member_of(world.peer_body, Role.REVIEWER, username="inspector-y")
    seed = next(
        seed
        for seed in (f"2026-12-{n}" for n in range(100))
        if sampling_draw_compute(seed=seed, size=1).items[0].inspector == inspector
    )
    sampling_draw_record(actor=world.regulator, seed=seed, size=1)
    item = SamplingItem.objects.get()
    assert item.certificate_id == label.certificate_id
    return item, label


def item_state(item: SamplingItem) -> tuple:
    fresh = SamplingItem.objects.get(pk=item.pk)
    return (fresh.status, fresh.outcome, fresh.action, fresh.findings, fresh.outcome_date)


def test_the_inspector_is_not_of_the_issuing_body(drawn, world) -> None:
    item, _ = drawn
    assert not item.inspector.memberships.filter(organisation=world.body).exists()


def test_a_conforming_outcome_leaves_the_label_valid(drawn) -> None:
    item, label = drawn

    reinspection_record(
        actor=item.inspector,
        item_id=item.pk,
        outcome="conforming",
        findings="Data traced to meter readings; no deviation.",
    )

    label.refresh_from_db()
    assert label.status == LabelStatus.VALID
    assert item_state(item)[:3] == ("completed", "conforming", "")


@pytest.mark.parametrize(
    ("action", "status", "expected_bits", "event"),
    [
        ("suspend", LabelStatus.SUSPENDED, {"revocation": False, "suspension": True}, "suspended"),
        ("withdraw", LabelStatus.REVOKED, {"revocation": True, "suspension": False}, "revoked"),
    ],
)
def test_a_nonconforming_outcome_acts_on_the_label(
    drawn, endpoint, action, status, expected_bits, event
) -> None:
    item, label = drawn

    reinspection_record(
        actor=item.inspector,
        item_id=item.pk,
        outcome="nonconforming",
        findings=FINDINGS,
        action=action,
    )

    label.refresh_from_db()
    assert label.status == status
    assert label.certificate.status == CertificateStatus(status)
    assert bits(label) == expected_bits
    assert LabelEvent.objects.filter(label=label, action=event, actor=item.inspector).exists()
    assert WebhookDelivery.objects.filter(label=label, event_type=event).count() == 1
    assert item_state(item)[:3] == ("completed", "nonconforming", action)


@pytest.mark.parametrize("persona", ["regulator", "body_admin", "peer_reviewer", "reviewer"])
def test_only_the_drawn_inspector_records(drawn, world, persona) -> None:
    item, label = drawn
    actor = world.persona(persona)
    before = item_state(item)

    with pytest.raises(ActorNotPermitted):
        reinspection_record(
            actor=actor,
            item_id=item.pk,
            outcome="nonconforming",
            findings=FINDINGS,
            action="suspend",
        )

    assert item_state(item) == before
    label.refresh_from_db()
    assert label.status == LabelStatus.VALID


@pytest.mark.parametrize(
    ("outcome", "findings", "action"),
    [
        ("nonconforming", FINDINGS, ""),
        ("conforming", "  ", ""),
        ("unknown", FINDINGS, ""),
    ],
)
def test_an_incomplete_record_is_refused(drawn, outcome, findings, action) -> None:
    item, _ = drawn
    before = item_state(item)

    with pytest.raises((WorkflowError, ValidationError)):
        reinspection_record(
            actor=item.inspector, item_id=item.pk, outcome=outcome, findings=findings, action=action
        )

    assert item_state(item) == before


def test_a_recorded_reinspection_is_closed_and_so_is_the_inspectors_power(drawn) -> None:
    item, label = drawn
    reinspection_record(
        actor=item.inspector, item_id=item.pk, outcome="conforming", findings="Fine."
    )

    with pytest.raises(WorkflowError):
        reinspection_record(
            actor=item.inspector,
            item_id=item.pk,
            outcome="nonconforming",
            findings=FINDINGS,
            action="suspend",
        )
    with pytest.raises(ActorNotPermitted):
        label_services.label_change_status(
            actor=item.inspector, label_id=label.pk, action="suspend", reason="After the fact."
        )
    label.refresh_from_db()
    assert label.status == LabelStatus.VALID


def test_the_inspector_may_not_restore_or_cancel(drawn) -> None:
    item, label = drawn

    with pytest.raises(ActorNotPermitted):
        label_services.label_change_status(
            actor=item.inspector, label_id=label.pk, action="cancel", reason="No."
        )


def listed(world, **subject) -> BlacklistEntry:
    """A listing in force of `subject` (person= or organisation=)."""
    return BlacklistEntry.objects.create(
        **subject,
        reason="r",
        source_document="d",
        effective_from="2020-01-01",
        created_by=world.regulator,
    )


def test_a_listed_inspector_cannot_record(drawn, world) -> None:
    item, _ = drawn
    listed(world, person=item.inspector)
    before = item_state(item)

    with pytest.raises(WorkflowError):
        reinspection_record(
            actor=item.inspector, item_id=item.pk, outcome="conforming", findings="Fine."
        )
    assert item_state(item) == before


def test_an_inspector_whose_body_was_listed_after_the_draw_cannot_record_or_act(
    drawn, world
) -> None:
    item, label = drawn
    listed(world, organisation=world.peer_body)
    before = item_state(item)

    with pytest.raises(WorkflowError):
        reinspection_record(
            actor=item.inspector,
            item_id=item.pk,
            outcome="nonconforming",
            findings="Bills disagree.",
            action="withdraw",
        )
    with pytest.raises(WorkflowError):
        label_services.label_change_status(
            actor=item.inspector, label_id=label.pk, action="suspend", reason="Bills disagree."
        )
    assert item_state(item) == before
    assert Label.objects.get(pk=label.pk).status == LabelStatus.VALID


def test_a_suspension_on_reinspection_of_a_suspended_label_is_the_inspectors(drawn, world) -> None:
    from certification.errors import ActorNotPermitted
    from labels.services import label_change_status

    item, label = drawn
    label_change_status(
        actor=world.body_admin,
        label_id=label.pk,
        action="suspend",
        reason="Meter calibration lapsed.",
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
    assert label.certificate.suspension_reason_code == "reinspection"
    with pytest.raises(ActorNotPermitted):  # the body does not lift the inspector's suspension
        label_change_status(
            actor=world.body_admin, label_id=label.pk, action="restore", reason="Calibrated."
        )
