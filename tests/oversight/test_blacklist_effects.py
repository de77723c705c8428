"""A listing has effects: the listed body's files freeze, its enterprises are told and may move,
its labels are flagged and can be suspended or put under special surveillance in one order; a
listed person takes no step; the decision re-checks the team and the peer reviewer."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.roles import Role
from audits.models import BlacklistDocument, BlacklistEntry, FindingStatus
from audits.services import blacklist_entry_create, blacklist_entry_delist
from certification import services
from certification.errors import ActorNotPermitted, Blacklisted, GuardFailed, WorkflowError
from certification.models import (
    Application,
    ApplicationEvent,
    CertificateStatus,
    Notification,
    Status,
)
from certification.workflow import TRANSITIONS, Action
from labels import services as label_services
from labels.models import Label, LabelEvent, LabelStatus
from labels.tasks import labels_issue_pending
from labels.webhooks.models import WebhookDelivery
from oversight.blacklist import blacklist_labels_order
from oversight.models import BlacklistLabelOrder, BlacklistLabelReview
from oversight.supervision.sweep import supervision_sweep
from tests.factories import make_pdf
from tests.oversight.conftest import bits

S, A = Status, Action
REASONS = "Reasons given in full."
# Who takes each step in the World.
STEP_PERSONA = {
    A.SUBMIT: "enterprise_member",
    A.RESUBMIT: "enterprise_member",
    A.ACCEPT: "body_admin",
    A.REJECT: "body_admin",
    A.PLAN: "body_admin",
    A.START_EVALUATION: "reviewer",
    A.REQUEST_CHANGES: "reviewer",
    A.COMPLETE_EVALUATION: "reviewer",
    A.RETURN_TO_EVALUATION: "technical_reviewer",
    A.PASS_TECHNICAL_REVIEW: "technical_reviewer",
    A.PEER_SEND_BACK: "peer_reviewer",
    A.PEER_ENDORSE: "peer_reviewer",
    A.APPROVE: "decision_maker",
    A.REFUSE: "decision_maker",
    A.WITHDRAW: "enterprise_admin",
    A.REOPEN_ON_APPEAL: "decision_maker",
}
STEPS = sorted(key for key in TRANSITIONS if key[1] != A.WITHDRAW)


def take(world, application, action, persona=None):
    actor = world.persona(persona or STEP_PERSONA[action])
    return services.application_transition(
        actor=actor, application_id=application.pk, action=action, comment=REASONS
    )


def status_of(application) -> str:
    return Application.objects.get(pk=application.pk).status


# --- every gate ---------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "action"), STEPS)
def test_a_listed_bodys_files_are_frozen_at_every_step(
    world,
    application_at,
    list_subject,
    nothing_changes,
    status,
    action,
) -> None:
    application = application_at(status)
    entry = list_subject(world.body)

    with nothing_changes(application), pytest.raises(Blacklisted) as error:
        take(world, application, action)
    assert f"#{entry.pk}" in error.value.message


@pytest.mark.parametrize(("status", "action"), STEPS)
def test_a_listed_person_takes_no_step(
    world,
    application_at,
    list_subject,
    nothing_changes,
    status,
    action,
) -> None:
    application = application_at(status)
    entry = list_subject(world.persona(STEP_PERSONA[action]))

    with nothing_changes(application), pytest.raises(Blacklisted) as error:
        take(world, application, action)
    assert f"#{entry.pk}" in error.value.message


@pytest.mark.parametrize(
    "status", [S.DRAFT, S.SUBMITTED, S.PLANNED, S.AWAITING_ENTERPRISE, S.DECISION]
)
def test_the_enterprise_may_still_withdraw_a_frozen_file(
    world, application_at, list_subject, status
) -> None:
    application = application_at(status)
    list_subject(world.body)

    take(world, application, A.WITHDRAW)

    assert status_of(application) == S.WITHDRAWN


@pytest.mark.parametrize("action", [A.APPROVE, A.REFUSE])
@pytest.mark.parametrize("subject", ["second_reviewer", "peer_reviewer", "peer_body"])
def test_the_decision_rechecks_the_team_and_the_peer_reviewer(
    world,
    application_at,
    list_subject,
    nothing_changes,
    action,
    subject,
) -> None:
    application = application_at(S.DECISION)
    entry = list_subject(getattr(world, subject))

    with nothing_changes(application), pytest.raises(Blacklisted) as error:
        take(world, application, action)
    assert f"#{entry.pk}" in error.value.message


@pytest.mark.parametrize("action", [A.APPROVE, A.REFUSE])
def test_the_decision_needs_a_current_peer_review(
    world, application_at, nothing_changes, action
) -> None:
    application = application_at(S.DECISION)
    application.peer_reviews.update(is_current=False)

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        take(world, application, action)
    assert error.value.guard == "peer_review_assigned"


def test_a_listed_body_cannot_set_a_team_or_ask_for_a_peer_review(
    world,
    application_at,
    list_subject,
    nothing_changes,
) -> None:
    application = application_at(S.ACCEPTED)
    application.team.all().delete()
    list_subject(world.body)

    with nothing_changes(application), pytest.raises(Blacklisted):
        services.team_assign(
            actor=world.body_admin,
            application=application,
            members=[world.reviewer],
            lead=world.reviewer,
        )
    with nothing_changes(application), pytest.raises(Blacklisted):
        services.peer_review_assign(
            actor=world.body_admin, application=application, reviewer=world.peer_reviewer
        )


@pytest.mark.parametrize("subject", ["enterprise", "enterprise_admin"])
def test_a_listed_enterprise_or_person_cannot_apply(world, list_subject, subject) -> None:
    list_subject(getattr(world, subject))

    with pytest.raises(ValidationError):
        services.application_create(
            actor=world.enterprise_admin,
            product=world.product,
            certification_body=world.body,
            scheme="national_pilot",
            product_rule_name="Rule",
            product_rule_version="2025",
        )
    assert Application.objects.count() == 0


# --- issuance -----------------------------------------------------------------------------


def test_a_listed_bodys_approval_produces_no_label(world, application_at, list_subject) -> None:
    certificate = application_at(S.APPROVED).certificate
    list_subject(world.body)

    with pytest.raises(Blacklisted):
        label_services.label_issue(certificate_id=certificate.pk)
    assert labels_issue_pending() == 0

    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.PENDING_LABEL
    assert Label.objects.count() == 0


def test_after_delisting_the_pending_label_is_issued(world, application_at, list_subject) -> None:
    certificate = application_at(S.APPROVED).certificate
    entry = list_subject(world.body)
    blacklist_entry_delist(actor=world.regulator, entry_id=entry.pk, reason="Credit repaired.")

    label = label_services.label_issue(certificate_id=certificate.pk)

    assert label.certificate_id == certificate.pk


# --- telling the enterprises --------------------------------------------------------------


def test_listing_a_body_tells_each_enterprise_in_its_own_language(
    world,
    application_at,
    list_subject,
) -> None:
    world.enterprise_member.language = "zh-hans"
    world.enterprise_member.save()
    frozen = application_at(S.IN_EVALUATION)
    finished = application_at(S.REFUSED)
    Notification.objects.all().delete()

    list_subject(world.body)

    rows = {n.recipient.username: n for n in Notification.objects.select_related("recipient")}
    assert set(rows) == {"ent_admin", "ent_member"}
    assert {n.application_id for n in rows.values()} == {frozen.pk}
    english, chinese = rows["ent_admin"], rows["ent_member"]
    assert english.subject == (
        f"{frozen.reference} is frozen: its certification body is blacklisted"
    )
    assert "transfer it to another accredited certification body" in english.body
    assert chinese.subject == f"{frozen.reference} 已被冻结：其认证机构已被列入黑名单"
    assert finished.pk not in {n.application_id for n in rows.values()}


def test_listing_an_enterprise_or_a_person_freezes_nothing(
    world, application_at, list_subject
) -> None:
    application_at(S.IN_EVALUATION)
    Notification.objects.all().delete()

    list_subject(world.enterprise)
    list_subject(world.reviewer)

    assert Notification.objects.count() == 0


# --- transfer -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "lands_in"),
    [
        (S.DRAFT, S.DRAFT),
        (S.SUBMITTED, S.SUBMITTED),
        (S.PLANNED, S.SUBMITTED),
        (S.IN_EVALUATION, S.SUBMITTED),
        (S.AWAITING_ENTERPRISE, S.SUBMITTED),
        (S.DECISION, S.SUBMITTED),
    ],
)
def test_a_frozen_file_moves_to_another_body_and_continues_from_the_submission(
    world,
    application_at,
    list_subject,
    third_body,
    status,
    lands_in,
) -> None:
    application = application_at(status)
    list_subject(world.body)

    services.application_transfer(
        actor=world.enterprise_admin, application_id=application.pk, certification_body=third_body
    )

    application = Application.objects.get(pk=application.pk)
    assert (application.certification_body, application.status) == (third_body, lands_in)
    assert application.team.count() == 0
    assert not application.peer_reviews.filter(is_current=True).exists()
    assert not application.findings.exclude(status=FindingStatus.CLOSED).exists()
    assert not application.dossier_versions.filter(frozen_at__isnull=True).exists() or (
        lands_in == S.DRAFT
    )
    event = ApplicationEvent.objects.filter(application=application).latest("pk")
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "transfer",
        status,
        lands_in,
        world.enterprise_admin,
    )
    if lands_in == S.SUBMITTED:
        assert set(
            Notification.objects.filter(event=event).values_list("recipient__username", flat=True)
        ) == {"third_admin"}
        third_admin = third_body.memberships.get(role=Role.BODY_ADMIN).user
        services.application_transition(
            actor=third_admin, application_id=application.pk, action=A.ACCEPT
        )
        assert status_of(application) == S.ACCEPTED


def test_a_transfer_from_awaiting_the_enterprise_freezes_the_answered_version(
    world,
    application_at,
    list_subject,
    third_body,
) -> None:
    application = application_at(S.AWAITING_ENTERPRISE)
    list_subject(world.body)

    services.application_transfer(
        actor=world.enterprise_admin, application_id=application.pk, certification_body=third_body
    )

    assert [(v.number, v.is_frozen) for v in application.dossier_versions.order_by("number")] == [
        (1, True),
        (2, True),
    ]


@pytest.mark.parametrize(
    "case",
    [
        "body_not_listed",
        "new_body_listed",
        "same_body",
        "not_accredited",
        "member_not_admin",
        "other_enterprise",
        "finished",
    ],
)
def test_a_transfer_is_refused_and_changes_nothing(
    world,
    application_at,
    list_subject,
    third_body,
    nothing_changes,
    case,
) -> None:
    application = application_at(S.REFUSED if case == "finished" else S.IN_EVALUATION)
    target, actor = third_body, world.enterprise_admin
    if case != "body_not_listed":
        list_subject(world.body)
    if case == "new_body_listed":
        list_subject(third_body)
    if case == "same_body":
        target = world.body
    if case == "not_accredited":
        third_body.accredited_categories.clear()
    if case == "member_not_admin":
        actor = world.enterprise_member
    if case == "other_enterprise":
        actor = world.other_enterprise_user

    with nothing_changes(application), pytest.raises((WorkflowError, ValidationError)):
        services.application_transfer(
            actor=actor, application_id=application.pk, certification_body=target
        )


# --- labels flagged, and the regulator's bulk orders --------------------------------------


def test_a_listed_bodys_live_labels_are_flagged_for_review(
    world, issue_label, new_label_pair, list_subject
) -> None:
    live, revoked = new_label_pair

    entry = list_subject(world.body)

    assert list(
        BlacklistLabelReview.objects.filter(entry=entry).values_list("label_id", flat=True)
    ) == [live.pk]
    assert revoked.pk not in BlacklistLabelReview.objects.values_list("label_id", flat=True)


@pytest.fixture
def new_label_pair(world, issue_label, new_product):
    live = issue_label()
    revoked = issue_label(product=new_product())
    label_services.label_change_status(
        actor=world.body_admin, label_id=revoked.pk, action="revoke", reason="Fraud."
    )
    return live, revoked


def test_one_order_suspends_every_flagged_label(
    world, issue_label, new_product, list_subject, endpoint
) -> None:
    labels = [issue_label(), issue_label(product=new_product())]
    entry = list_subject(world.body)

    order = blacklist_labels_order(
        actor=world.regulator,
        entry_id=entry.pk,
        kind="suspension",
        reason="Body listed: conclusions false.",
    )

    assert order.label_count == 2
    for label in labels:
        label.refresh_from_db()
        assert label.status == LabelStatus.SUSPENDED
        assert label.certificate.status == CertificateStatus.SUSPENDED
        assert bits(label) == {"revocation": False, "suspension": True}
        assert LabelEvent.objects.filter(
            label=label, action="suspended", actor=world.regulator
        ).exists()
        assert (
            WebhookDelivery.objects.filter(
                endpoint=endpoint, label=label, event_type="suspended"
            ).count()
            == 1
        )
    assert set(BlacklistLabelReview.objects.values_list("orders", flat=True)) == {order.pk}


def test_an_order_takes_over_a_suspension_the_holder_chose(
    world, issue_label, list_subject
) -> None:
    """A label the holder suspended: the order makes it the regulator's, so the end of the
    holder's pause no longer restores it while the body is listed."""
    from oversight.supervision.services import certificate_suspend_voluntarily

    label = issue_label()
    until = timezone.localdate() + timedelta(days=10)
    certificate_suspend_voluntarily(
        actor=world.enterprise_admin,
        certificate=label.certificate,
        until=until,
        reason="Seasonal stop.",
    )
    entry = list_subject(world.body)

    order = blacklist_labels_order(
        actor=world.regulator, entry_id=entry.pk, kind="suspension", reason="Body listed."
    )

    assert order.label_count == 1
    assert list(order.reviews.values_list("label_id", flat=True)) == [label.pk]
    label.refresh_from_db()
    assert label.status == LabelStatus.SUSPENDED
    assert label.certificate.suspension_reason_code == "regulator_order"
    assert supervision_sweep(as_of=until) == []
    label.refresh_from_db()
    assert label.status == LabelStatus.SUSPENDED


def test_a_special_surveillance_order_is_recorded_for_every_flagged_label(
    world,
    issue_label,
    list_subject,
) -> None:
    label = issue_label()
    entry = list_subject(world.body)

    order = blacklist_labels_order(
        actor=world.regulator,
        entry_id=entry.pk,
        kind="special_surveillance",
        reason="Check every label.",
    )

    label.refresh_from_db()
    assert label.status == LabelStatus.VALID
    assert (order.kind, order.label_count, order.reason) == (
        "special_surveillance",
        1,
        "Check every label.",
    )
    assert list(BlacklistLabelReview.objects.get(label=label).orders.all()) == [order]
    special = label.certificate.surveillances.get(kind="special")
    assert (special.status, special.reason) == ("due", "Check every label.")


def test_a_listing_takes_effect_on_the_day_it_starts(world, issue_label, application_at) -> None:
    label = issue_label()
    application = application_at(Status.SUBMITTED)
    start = timezone.localdate() + timedelta(days=60)
    entry = blacklist_entry_create(
        actor=world.regulator,
        organisation=world.body,
        reason="False certification conclusions.",
        source_document="Notice 2027-3",
        effective_from=start,
    )
    frozen = Notification.objects.filter(application=application, subject__contains="frozen")

    assert not frozen.exists()
    assert not BlacklistLabelReview.objects.exists()
    with pytest.raises(WorkflowError, match="not in force today"):
        blacklist_labels_order(
            actor=world.regulator, entry_id=entry.pk, kind="suspension", reason="Suspend."
        )
    with pytest.raises(ActorNotPermitted):
        label_services.label_change_status(
            actor=world.regulator, label_id=label.pk, action="suspend", reason="Suspend."
        )

    supervision_sweep(as_of=start - timedelta(days=1))
    assert not frozen.exists()
    supervision_sweep(as_of=start)
    told = frozen.count()
    assert told == 2  # the enterprise's administrator and member
    assert list(BlacklistLabelReview.objects.values_list("label_id", flat=True)) == [label.pk]
    supervision_sweep(as_of=start)  # once
    assert frozen.count() == told
    assert BlacklistEntry.objects.get(pk=entry.pk).effects_applied_at is not None


def test_a_listing_that_has_ended_has_no_effects(world, issue_label, application_at) -> None:
    label = issue_label()
    application = application_at(Status.SUBMITTED)
    today = timezone.localdate()
    entry = blacklist_entry_create(
        actor=world.regulator,
        organisation=world.body,
        reason="False certification conclusions.",
        source_document="Notice 2026-1",
        effective_from=today - timedelta(days=60),
        effective_to=today - timedelta(days=30),
    )

    assert not Notification.objects.filter(application=application, subject__contains="frozen")
    assert not BlacklistLabelReview.objects.exists()
    with pytest.raises(WorkflowError):
        blacklist_labels_order(
            actor=world.regulator, entry_id=entry.pk, kind="suspension", reason="Suspend."
        )
    supervision_sweep(as_of=today)
    assert not BlacklistLabelReview.objects.exists()
    assert Label.objects.get(pk=label.pk).status == LabelStatus.VALID


def test_each_label_takes_each_kind_of_order_once(world, issue_label, list_subject) -> None:
    label = issue_label()
    entry = list_subject(world.body)
    suspension = blacklist_labels_order(
        actor=world.regulator, entry_id=entry.pk, kind="suspension", reason="Suspend them all."
    )

    surveillance = blacklist_labels_order(
        actor=world.regulator,
        entry_id=entry.pk,
        kind="special_surveillance",
        reason="Then check them.",
    )

    review = BlacklistLabelReview.objects.get(label=label)
    assert set(review.orders.all()) == {suspension, surveillance}
    assert [r.label_id for r in suspension.reviews.all()] == [label.pk]
    for kind in ("suspension", "special_surveillance"):
        with pytest.raises(WorkflowError, match="already has this order"):
            blacklist_labels_order(
                actor=world.regulator, entry_id=entry.pk, kind=kind, reason="Again."
            )
    assert BlacklistLabelOrder.objects.filter(entry=entry).count() == 2
    assert label.certificate.surveillances.filter(kind="special").count() == 1


@pytest.mark.parametrize(
    "persona", ["body_admin", "decision_maker", "platform_admin", "enterprise_admin"]
)
def test_only_the_regulator_orders_on_a_listed_bodys_labels(
    world, issue_label, list_subject, persona
) -> None:
    label = issue_label()
    entry = list_subject(world.body)

    with pytest.raises(ActorNotPermitted):
        blacklist_labels_order(
            actor=world.persona(persona), entry_id=entry.pk, kind="suspension", reason="No."
        )

    label.refresh_from_db()
    assert label.status == LabelStatus.VALID
    assert BlacklistLabelOrder.objects.count() == 0


def test_an_order_needs_a_reason(world, issue_label, list_subject) -> None:
    issue_label()
    entry = list_subject(world.body)

    with pytest.raises(ValidationError):
        blacklist_labels_order(
            actor=world.regulator, entry_id=entry.pk, kind="suspension", reason="  "
        )
    assert BlacklistLabelOrder.objects.count() == 0


def test_the_regulator_cannot_suspend_a_label_not_under_review(world, issue_label) -> None:
    label = issue_label()

    with pytest.raises(ActorNotPermitted):
        label_services.label_change_status(
            actor=world.regulator, label_id=label.pk, action="suspend", reason="Not flagged."
        )
    label.refresh_from_db()
    assert label.status == LabelStatus.VALID


# --- listing and delisting ----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["body_admin", "enterprise_admin", "reviewer"])
def test_only_the_regulator_lists_and_delists(world, list_subject, persona) -> None:
    with pytest.raises(ActorNotPermitted):
        blacklist_entry_create(
            actor=world.persona(persona),
            organisation=world.body,
            reason="r",
            source_document="d",
            effective_from=timezone.localdate(),
        )
    entry = list_subject(world.body)
    with pytest.raises(ActorNotPermitted):
        blacklist_entry_delist(actor=world.persona(persona), entry_id=entry.pk, reason="r")

    entry.refresh_from_db()
    assert entry.delisted_at is None
    assert BlacklistEntry.objects.count() == 1


def test_delisting_ends_the_entry_and_keeps_the_record(world, application_at, list_subject) -> None:
    application = application_at(S.SUBMITTED)
    entry = list_subject(world.body)

    blacklist_entry_delist(actor=world.regulator, entry_id=entry.pk, reason="Credit repaired.")

    entry.refresh_from_db()
    assert (entry.delisted_by, entry.delisting_reason, entry.effective_to) == (
        world.regulator,
        "Credit repaired.",
        timezone.localdate(),
    )
    take(world, application, A.ACCEPT)
    assert status_of(application) == S.ACCEPTED
    with pytest.raises(WorkflowError):
        blacklist_entry_delist(actor=world.regulator, entry_id=entry.pk, reason="Again.")


def test_the_listing_documents_are_checked_by_content(world, media_root) -> None:
    fake = SimpleUploadedFile("decision.pdf", b"just text, not a PDF")

    with pytest.raises(ValidationError):
        blacklist_entry_create(
            actor=world.regulator,
            organisation=world.body,
            reason="r",
            source_document="d",
            effective_from=timezone.localdate(),
            documents=[fake],
        )
    assert BlacklistEntry.objects.count() == 0
    assert not any(media_root.rglob("*.*"))

    entry = blacklist_entry_create(
        actor=world.regulator,
        organisation=world.body,
        reason="r",
        source_document="d",
        effective_from=timezone.localdate(),
        effective_to=timezone.localdate() + timedelta(days=3 * 365),
        documents=[SimpleUploadedFile("decision.pdf", make_pdf("Decision"))],
    )
    document = BlacklistDocument.objects.get(entry=entry)
    assert (document.original_name, document.content_type) == ("decision.pdf", "application/pdf")


def test_the_body_cannot_lift_the_regulators_suspension_the_regulator_can(
    world,
    issue_label,
    list_subject,
) -> None:
    label = issue_label()
    entry = list_subject(world.body)
    blacklist_labels_order(
        actor=world.regulator,
        entry_id=entry.pk,
        kind="suspension",
        reason="Review every label of the listed body.",
    )
    from audits.services import blacklist_entry_delist
    from certification.errors import ActorNotPermitted

    for person in (world.body_admin, world.decision_maker):
        with pytest.raises((ActorNotPermitted, Blacklisted)):
            label_services.label_change_status(
                actor=person, label_id=label.pk, action="restore", reason="We disagree."
            )
    blacklist_entry_delist(actor=world.regulator, entry_id=entry.pk, reason="Credit repaired.")
    with pytest.raises(ActorNotPermitted):  # delisted, the body still may not lift it
        label_services.label_change_status(
            actor=world.body_admin, label_id=label.pk, action="restore", reason="We disagree."
        )
    assert Label.objects.get(pk=label.pk).status == LabelStatus.SUSPENDED

    label_services.label_change_status(
        actor=world.regulator, label_id=label.pk, action="restore", reason="Review done."
    )
    assert Label.objects.get(pk=label.pk).status == LabelStatus.VALID


def test_a_listed_body_cannot_restore_its_own_suspended_label(
    world, issue_label, list_subject
) -> None:
    label = issue_label()
    label_services.label_change_status(
        actor=world.body_admin, label_id=label.pk, action="suspend", reason="Nonconformity."
    )
    list_subject(world.body)
    with pytest.raises(Blacklisted):
        label_services.label_change_status(
            actor=world.body_admin, label_id=label.pk, action="restore", reason="Fixed."
        )
    assert Label.objects.get(pk=label.pk).status == LabelStatus.SUSPENDED


def test_one_order_suspends_a_certificate_with_two_label_versions(
    world, issue_label, list_subject
) -> None:
    label = issue_label()
    label_services.label_issue(certificate_id=label.certificate_id, certificate_version=2)
    entry = list_subject(world.body)

    order = blacklist_labels_order(
        actor=world.regulator, entry_id=entry.pk, kind="suspension", reason="Review."
    )

    assert set(
        Label.objects.filter(certificate_id=label.certificate_id).values_list("status", flat=True)
    ) == {LabelStatus.SUSPENDED}
    assert order.label_count == 2
