"""Every guard of the procedure, both ways. A refused step leaves no trace."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import BodyStatus, Organisation
from accounts.roles import Role
from audits.models import (
    BlacklistEntry,
    ConflictDeclaration,
    Evaluation,
    FindingStatus,
    PeerReview,
    TeamMember,
)
from certification import services
from certification.errors import Blacklisted, GuardFailed
from certification.models import Application, DossierVersion, EvidenceKind, Status
from certification.workflow import TRANSITIONS, Action
from tests.factories import CertificationBodyFactory, MembershipFactory

S, A = Status, Action
REASONS = "Reasons recorded for the file."


def transition(actor, application: Application, action: str, comment: str = "") -> Application:
    return services.application_transition(
        actor=actor, application_id=application.pk, action=action, comment=comment
    )


def status_of(application: Application) -> str:
    return Application.objects.values_list("status", flat=True).get(pk=application.pk)


def blacklist(world, subject, *, starts: int = -30, ends: int | None = None) -> BlacklistEntry:
    """An entry against an organisation or a person, `starts`/`ends` days from today."""
    today = timezone.localdate()
    is_organisation = isinstance(subject, Organisation)
    return BlacklistEntry.objects.create(
        organisation=subject if is_organisation else None,
        person=None if is_organisation else subject,
        reason="Issued certificates without on-site inspection",
        source_document="SAMR credit-punishment notice 2025 No. 17",
        effective_from=today + timedelta(days=starts),
        effective_to=None if ends is None else today + timedelta(days=ends),
        created_by=world.regulator,
    )


def blacklist_message(entry: BlacklistEntry) -> str:
    return (
        f"Blocked by blacklist entry #{entry.pk}: {entry.subject} — "
        f"Issued certificates without on-site inspection "
        f"(SAMR credit-punishment notice 2025 No. 17)"
    )


# --- conflict of interest -----------------------------------------------------------------


def test_start_evaluation_waits_for_every_member_to_declare(
    world, application_at, nothing_changes
) -> None:
    application = application_at(S.PLANNED)
    TeamMember.objects.filter(application=application, user=world.second_reviewer).update(
        declaration=ConflictDeclaration.PENDING, declared_at=None
    )

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.reviewer, application, A.START_EVALUATION)
    assert error.value.code == "guard:conflict_of_interest"
    assert error.value.message == (
        f"{world.second_reviewer} has not declared freedom from conflicts of interest."
    )


def test_a_declared_conflict_blocks_the_evaluation(world, application_at, nothing_changes) -> None:
    application = application_at(S.PLANNED)
    services.team_declare(
        actor=world.second_reviewer,
        application=application,
        has_conflict=True,
        note="Advised the enterprise on its LCA in 2024.",
    )

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.reviewer, application, A.START_EVALUATION)
    assert error.value.code == "guard:conflict_of_interest"
    assert error.value.message == (
        f"{world.second_reviewer} has not declared freedom from conflicts of interest."
    )


def test_declared_no_conflict_lets_the_evaluation_start(world, application_at) -> None:
    application = application_at(S.ACCEPTED)
    transition(world.body_admin, application, A.PLAN)
    for member in world.team:
        services.team_declare(actor=member, application=application, has_conflict=False)

    transition(world.reviewer, application, A.START_EVALUATION)

    assert status_of(application) == S.IN_EVALUATION
    assert set(application.team.values_list("declaration", flat=True)) == {"no_conflict"}


def test_a_conflict_must_be_described(world, application_at) -> None:
    application = application_at(S.ACCEPTED)

    with pytest.raises(ValidationError) as error:
        services.team_declare(
            actor=world.reviewer, application=application, has_conflict=True, note="  "
        )
    assert error.value.message_dict == {"note": ["Describe the conflict of interest."]}
    assert application.team.get(user=world.reviewer).declaration == "pending"


def test_a_reviewer_who_belongs_to_the_enterprise_cannot_join_the_team(
    world,
    application_at,
    nothing_changes,
) -> None:
    application = application_at(S.ACCEPTED)
    MembershipFactory(
        user=world.second_reviewer, organisation=world.enterprise, role=Role.ENTERPRISE_MEMBER
    )

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        services.team_assign(
            actor=world.body_admin,
            application=application,
            members=[world.second_reviewer],
            lead=world.reviewer,
        )
    assert error.value.code == "guard:conflict_of_interest"
    assert error.value.message == f"{world.second_reviewer} belongs to the enterprise."


# --- peer review independence -------------------------------------------------------------


def test_peer_reviewer_from_the_same_body_cannot_be_assigned(
    world, application_at, nothing_changes
) -> None:
    application = application_at(S.TECHNICAL_REVIEW)
    same_body_reviewer = world.second_reviewer

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        services.peer_review_assign(
            actor=world.body_admin, application=application, reviewer=same_body_reviewer
        )
    assert error.value.code == "guard:peer_body_differs"
    assert error.value.message == (
        "The peer reviewer must be a reviewer of another active certification body."
    )


def test_peer_reviewer_of_a_suspended_body_cannot_be_assigned(
    world, application_at, nothing_changes
) -> None:
    application = application_at(S.TECHNICAL_REVIEW)
    Organisation.objects.filter(pk=world.peer_body.pk).update(status=BodyStatus.SUSPENDED)

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        services.peer_review_assign(
            actor=world.body_admin, application=application, reviewer=world.peer_reviewer
        )
    assert error.value.code == "guard:peer_body_differs"


def test_peer_reviewer_of_another_body_is_assigned(world, application_at) -> None:
    application = application_at(S.IN_EVALUATION)

    peer_review = services.peer_review_assign(
        actor=world.body_admin, application=application, reviewer=world.peer_reviewer
    )

    assert (peer_review.body, peer_review.reviewer, peer_review.is_current) == (
        world.peer_body,
        world.peer_reviewer,
        True,
    )
    assert peer_review.declaration == ConflictDeclaration.PENDING


@pytest.mark.parametrize(
    ("status", "action", "persona"),
    [
        (S.TECHNICAL_REVIEW, A.PASS_TECHNICAL_REVIEW, "technical_reviewer"),
        (S.PEER_REVIEW, A.PEER_ENDORSE, "peer_reviewer"),
    ],
)
def test_peer_review_from_the_reviewing_body_is_refused_at_the_step(
    world,
    application_at,
    nothing_changes,
    status,
    action,
    persona,
) -> None:
    application = application_at(status)
    PeerReview.objects.filter(application=application).update(body=world.body)

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.persona(persona), application, action)
    assert error.value.code == "guard:peer_body_differs"
    assert error.value.message == "The peer reviewer must come from another certification body."


def test_peer_body_suspended_after_assignment_blocks_technical_review(
    world,
    application_at,
    nothing_changes,
) -> None:
    application = application_at(S.TECHNICAL_REVIEW)
    Organisation.objects.filter(pk=world.peer_body.pk).update(status=BodyStatus.WITHDRAWN)

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.technical_reviewer, application, A.PASS_TECHNICAL_REVIEW)
    assert error.value.code == "guard:peer_body_differs"
    assert error.value.message == "The peer review body is not an active certification body."


def test_peer_reviewer_on_the_evaluation_team_is_refused(
    world, application_at, nothing_changes
) -> None:
    application = application_at(S.TECHNICAL_REVIEW)
    TeamMember.objects.create(
        application=application,
        user=world.peer_reviewer,
        declaration=ConflictDeclaration.NO_CONFLICT,
    )

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.technical_reviewer, application, A.PASS_TECHNICAL_REVIEW)
    assert error.value.code == "guard:peer_body_differs"
    assert error.value.message == "The peer reviewer may not be on the evaluation team."


def test_technical_review_cannot_pass_without_a_peer_reviewer(
    world, application_at, nothing_changes
) -> None:
    application = application_at(S.TECHNICAL_REVIEW)
    PeerReview.objects.filter(application=application).delete()

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.technical_reviewer, application, A.PASS_TECHNICAL_REVIEW)
    assert error.value.code == "guard:peer_review_assigned"
    assert error.value.message == "Assign a peer reviewer first."


def test_peer_reviewer_belonging_to_the_enterprise_cannot_be_assigned(
    world,
    application_at,
    nothing_changes,
) -> None:
    application = application_at(S.IN_EVALUATION)
    MembershipFactory(
        user=world.peer_reviewer, organisation=world.enterprise, role=Role.ENTERPRISE_MEMBER
    )

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        services.peer_review_assign(
            actor=world.body_admin, application=application, reviewer=world.peer_reviewer
        )
    assert error.value.code == "guard:conflict_of_interest"
    assert error.value.message == "The peer reviewer belongs to the enterprise."


@pytest.mark.parametrize(
    ("status", "action", "persona"),
    [
        (S.TECHNICAL_REVIEW, A.PASS_TECHNICAL_REVIEW, "technical_reviewer"),
        (S.PEER_REVIEW, A.PEER_ENDORSE, "peer_reviewer"),
    ],
)
def test_peer_reviewer_who_joined_the_enterprise_is_refused_at_the_step(
    world,
    application_at,
    nothing_changes,
    status,
    action,
    persona,
) -> None:
    application = application_at(status)
    MembershipFactory(
        user=world.peer_reviewer, organisation=world.enterprise, role=Role.ENTERPRISE_MEMBER
    )

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.persona(persona), application, action)
    assert error.value.code == "guard:conflict_of_interest"
    assert error.value.message == "The peer reviewer belongs to the enterprise."


@pytest.mark.parametrize("declaration", [ConflictDeclaration.PENDING, ConflictDeclaration.CONFLICT])
@pytest.mark.parametrize(("action", "comment"), [(A.PEER_ENDORSE, ""), (A.PEER_SEND_BACK, REASONS)])
def test_peer_reviewer_must_declare_no_conflict(
    world,
    application_at,
    nothing_changes,
    declaration,
    action,
    comment,
) -> None:
    application = application_at(S.PEER_REVIEW)
    PeerReview.objects.filter(application=application).update(declaration=declaration)

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.peer_reviewer, application, action, comment)
    assert error.value.code == "guard:conflict_of_interest"
    assert error.value.message == (
        "The peer reviewer must declare freedom from conflicts of interest first."
    )


def test_peer_reviewer_declaring_no_conflict_can_endorse(world, application_at) -> None:
    application = application_at(S.PEER_REVIEW)
    PeerReview.objects.filter(application=application).update(
        declaration=ConflictDeclaration.PENDING
    )
    services.peer_review_declare(
        actor=world.peer_reviewer, application=application, has_conflict=False
    )

    transition(world.peer_reviewer, application, A.PEER_ENDORSE)

    assert status_of(application) == S.DECISION
    assert PeerReview.objects.get(application=application).outcome == "endorsed"


# --- blacklist ----------------------------------------------------------------------------

BLACKLIST_GATES = [
    # (status, action, acting persona, blacklisted subject)
    (S.DRAFT, A.SUBMIT, "enterprise_member", "enterprise"),
    (S.DRAFT, A.SUBMIT, "enterprise_member", "body"),
    (S.DRAFT, A.SUBMIT, "enterprise_member", "enterprise_member"),
    (S.SUBMITTED, A.ACCEPT, "body_admin", "enterprise"),
    (S.SUBMITTED, A.ACCEPT, "body_admin", "body"),
    (S.SUBMITTED, A.ACCEPT, "body_admin", "body_admin"),
    (S.ACCEPTED, A.PLAN, "body_admin", "second_reviewer"),
    (S.ACCEPTED, A.PLAN, "body_admin", "enterprise"),
    (S.TECHNICAL_REVIEW, A.PASS_TECHNICAL_REVIEW, "technical_reviewer", "peer_reviewer"),
    (S.TECHNICAL_REVIEW, A.PASS_TECHNICAL_REVIEW, "technical_reviewer", "peer_body"),
    (S.PEER_REVIEW, A.PEER_ENDORSE, "peer_reviewer", "peer_reviewer"),
    (S.PEER_REVIEW, A.PEER_ENDORSE, "peer_reviewer", "peer_body"),
    (S.DECISION, A.APPROVE, "decision_maker", "decision_maker"),
    (S.DECISION, A.APPROVE, "decision_maker", "enterprise"),
    (S.DECISION, A.APPROVE, "decision_maker", "body"),
]


@pytest.mark.parametrize(("status", "action", "persona", "subject"), BLACKLIST_GATES)
def test_a_blacklist_hit_blocks_the_gate_and_names_the_entry(
    world,
    application_at,
    nothing_changes,
    status,
    action,
    persona,
    subject,
) -> None:
    application = application_at(status)
    entry = blacklist(world, getattr(world, subject))
    comment = REASONS if action == A.APPROVE else ""

    with nothing_changes(application), pytest.raises(Blacklisted) as error:
        transition(world.persona(persona), application, action, comment)
    assert error.value.code == "guard:nobody_blacklisted"
    assert error.value.message == blacklist_message(entry)
    assert f"#{entry.pk}" in error.value.message
    assert "SAMR credit-punishment notice 2025 No. 17" in error.value.message


@pytest.mark.parametrize(("status", "action", "persona", "subject"), BLACKLIST_GATES)
@pytest.mark.parametrize(
    ("starts", "ends"),
    [(-400, -1), (1, None), (1, 30)],
    ids=["expired", "not-yet-effective", "future-window"],
)
def test_blacklist_entries_outside_their_dates_do_not_block(
    world,
    application_at,
    status,
    action,
    persona,
    subject,
    starts,
    ends,
) -> None:
    application = application_at(status)
    blacklist(world, getattr(world, subject), starts=starts, ends=ends)
    comment = REASONS if action == A.APPROVE else ""

    transition(world.persona(persona), application, action, comment)

    assert status_of(application) == TRANSITIONS[(status, action)].target


@pytest.mark.parametrize(
    ("starts", "ends"), [(0, None), (-10, 0)], ids=["starts-today", "ends-today"]
)
def test_blacklist_entry_blocks_on_its_first_and_last_day(
    world,
    application_at,
    nothing_changes,
    starts,
    ends,
) -> None:
    application = application_at(S.DECISION)
    entry = blacklist(world, world.decision_maker, starts=starts, ends=ends)

    with nothing_changes(application), pytest.raises(Blacklisted) as error:
        transition(world.decision_maker, application, A.APPROVE, REASONS)
    assert error.value.message == blacklist_message(entry)


def test_a_blacklisted_reviewer_cannot_be_put_on_the_team(
    world, application_at, nothing_changes
) -> None:
    application = application_at(S.ACCEPTED)
    entry = blacklist(world, world.second_reviewer)

    with nothing_changes(application), pytest.raises(Blacklisted) as error:
        services.team_assign(
            actor=world.body_admin,
            application=application,
            members=[world.reviewer, world.second_reviewer],
            lead=world.reviewer,
        )
    assert error.value.message == blacklist_message(entry)


@pytest.mark.parametrize("subject", ["peer_reviewer", "peer_body"])
def test_a_blacklisted_peer_reviewer_or_peer_body_cannot_be_assigned(
    world,
    application_at,
    nothing_changes,
    subject,
) -> None:
    application = application_at(S.IN_EVALUATION)
    entry = blacklist(world, getattr(world, subject))

    with nothing_changes(application), pytest.raises(Blacklisted) as error:
        services.peer_review_assign(
            actor=world.body_admin, application=application, reviewer=world.peer_reviewer
        )
    assert error.value.message == blacklist_message(entry)


@pytest.mark.parametrize("subject", ["enterprise", "body", "enterprise_member"])
def test_a_blacklist_hit_refuses_a_new_application(world, subject) -> None:
    entry = blacklist(world, getattr(world, subject))
    before = Application.objects.count()

    with pytest.raises(ValidationError) as error:
        services.application_create(
            actor=world.enterprise_member,
            product=world.product,
            certification_body=world.body,
            scheme="national_pilot",
            product_rule_name="Lithium-ion batteries",
            product_rule_version="2025",
        )
    assert error.value.message_dict == {"certification_body": [blacklist_message(entry)]}
    assert Application.objects.count() == before
    assert DossierVersion.objects.count() == 0


# --- who may decide and review ------------------------------------------------------------


@pytest.mark.parametrize("action", [A.APPROVE, A.REFUSE])
def test_a_decision_maker_on_the_team_cannot_decide(
    world, application_at, nothing_changes, action
) -> None:
    application = application_at(S.DECISION)
    MembershipFactory(user=world.decision_maker, organisation=world.body, role=Role.REVIEWER)
    TeamMember.objects.create(
        application=application,
        user=world.decision_maker,
        declaration=ConflictDeclaration.NO_CONFLICT,
    )

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.decision_maker, application, action, REASONS)
    assert error.value.code == "guard:not_on_team"
    assert error.value.message == "A member of the evaluation team may not take this step."


@pytest.mark.parametrize(
    ("action", "comment"), [(A.PASS_TECHNICAL_REVIEW, ""), (A.RETURN_TO_EVALUATION, REASONS)]
)
def test_a_technical_reviewer_on_the_team_cannot_review(
    world,
    application_at,
    nothing_changes,
    action,
    comment,
) -> None:
    application = application_at(S.TECHNICAL_REVIEW)
    TeamMember.objects.create(
        application=application,
        user=world.technical_reviewer,
        declaration=ConflictDeclaration.NO_CONFLICT,
    )

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.technical_reviewer, application, action, comment)
    assert error.value.code == "guard:not_on_team"


@pytest.mark.parametrize(
    ("status", "action", "who", "comment"),
    [
        (S.SUBMITTED, A.ACCEPT, "body_admin", ""),
        (S.TECHNICAL_REVIEW, A.PASS_TECHNICAL_REVIEW, "technical_reviewer", ""),
        (S.TECHNICAL_REVIEW, A.RETURN_TO_EVALUATION, "technical_reviewer", REASONS),
        (S.DECISION, A.APPROVE, "decision_maker", REASONS),
        (S.DECISION, A.REFUSE, "decision_maker", REASONS),
    ],
)
def test_nobody_of_the_enterprise_takes_the_certification_sides_steps(
    world, application_at, nothing_changes, status, action, who, comment
) -> None:
    """Impartiality: a person the enterprise also counts as its own is refused, whatever role
    they hold at the body."""
    application = application_at(status)
    person = getattr(world, who)
    MembershipFactory(user=person, organisation=world.enterprise, role=Role.ENTERPRISE_MEMBER)

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(person, application, action, comment)
    assert error.value.code == "guard:conflict_of_interest"
    assert "You belong to the applying enterprise" in error.value.message


def test_the_enterprises_own_steps_are_not_held_by_the_impartiality_rule(
    world, application_at
) -> None:
    application = application_at(S.DRAFT)
    transition(world.enterprise_admin, application, A.SUBMIT)
    assert status_of(application) == S.SUBMITTED


@pytest.mark.parametrize("action", [A.APPROVE, A.REFUSE])
def test_a_decision_maker_off_the_team_decides(world, application_at, action) -> None:
    application = application_at(S.DECISION)

    transition(world.decision_maker, application, action, REASONS)

    assert status_of(application) == (S.APPROVED if action == A.APPROVE else S.REFUSED)


# --- body accreditation -------------------------------------------------------------------


def create_application(world, body: Organisation) -> Application:
    return services.application_create(
        actor=world.enterprise_member,
        product=world.product,
        certification_body=body,
        scheme="national_pilot",
        product_rule_name="Lithium-ion batteries",
        product_rule_version="2025",
    )


def test_application_to_an_accredited_body_opens_a_draft_with_an_empty_dossier(world) -> None:
    application = create_application(world, world.body)

    assert application.status == S.DRAFT
    assert application.plant_address == world.product.plant_address
    assert list(application.dossier_versions.values_list("number", "frozen_at")) == [(1, None)]


def test_application_to_a_body_not_accredited_for_the_category_is_refused(world) -> None:
    body = CertificationBodyFactory(name="Steel Only Certification")

    with pytest.raises(ValidationError) as error:
        create_application(world, body)
    assert error.value.message_dict == {
        "certification_body": [
            "Steel Only Certification is not accredited for the category "
            "LIB-CONSUMER Consumer lithium-ion batteries."
        ]
    }
    assert Application.objects.count() == 0


@pytest.mark.parametrize("body_status", [BodyStatus.SUSPENDED, BodyStatus.WITHDRAWN])
def test_application_to_a_suspended_or_withdrawn_body_is_refused(world, body_status) -> None:
    Organisation.objects.filter(pk=world.body.pk).update(status=body_status)
    world.body.refresh_from_db()

    with pytest.raises(ValidationError) as error:
        create_application(world, world.body)
    assert error.value.message_dict == {
        "certification_body": [
            "China Quality Certification Centre is not an active certification body."
        ]
    }
    assert Application.objects.count() == 0


def test_application_to_an_organisation_that_is_not_a_body_is_refused(world) -> None:
    with pytest.raises(ValidationError) as error:
        create_application(world, world.other_enterprise)
    assert error.value.message_dict == {"certification_body": ["Choose a certification body."]}
    assert Application.objects.count() == 0


@pytest.mark.parametrize(
    ("status", "action", "persona"),
    [(S.DRAFT, A.SUBMIT, "enterprise_member"), (S.SUBMITTED, A.ACCEPT, "body_admin")],
)
def test_accreditation_withdrawn_after_the_draft_blocks_submission_and_acceptance(
    world,
    application_at,
    nothing_changes,
    status,
    action,
    persona,
) -> None:
    application = application_at(status)
    world.body.accredited_categories.clear()

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.persona(persona), application, action)
    assert error.value.code == "guard:body_accredited"
    assert error.value.message == (
        "China Quality Certification Centre is not accredited for the category "
        "LIB-CONSUMER Consumer lithium-ion batteries."
    )


@pytest.mark.parametrize("body_status", [BodyStatus.SUSPENDED, BodyStatus.WITHDRAWN])
def test_a_suspended_or_withdrawn_body_cannot_receive_a_submission(
    world,
    application_at,
    nothing_changes,
    body_status,
) -> None:
    application = application_at(S.DRAFT)
    Organisation.objects.filter(pk=world.body.pk).update(status=body_status)

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.enterprise_member, application, A.SUBMIT)
    assert error.value.code == "guard:body_accredited"
    assert error.value.message == (
        "China Quality Certification Centre is not an active certification body."
    )


# --- dossier completeness -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"goal": ""}, "goal of the study"),
        ({"declared_total": None}, "declared footprint (kgCO2e per unit)"),
        ({"reference_period_end": None}, "reference period end"),
        ({"stages_included": []}, "stages included"),
        ({"stage_results": {}}, "results per life-cycle stage (kgCO2e per unit)"),
        ({"goal": "", "gwp_set": ""}, "goal of the study, GWP set"),
    ],
)
def test_submission_names_each_missing_field(
    world, application_at, nothing_changes, changes, named
) -> None:
    application = application_at(S.DRAFT)
    DossierVersion.objects.filter(application=application).update(**changes)

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.enterprise_member, application, A.SUBMIT)
    assert error.value.code == "guard:dossier_complete"
    assert error.value.message == f"The dossier is incomplete: {named}."


@pytest.mark.parametrize(
    ("kinds", "named"),
    [
        ([EvidenceKind.REDUCTION_PLAN], "Reduction plan"),
        (
            [EvidenceKind.BUSINESS_LICENCE, EvidenceKind.STUDY_REPORT],
            "Business licence, Footprint study report",
        ),
    ],
)
def test_submission_names_each_missing_evidence_kind(
    world, application_at, nothing_changes, kinds, named
) -> None:
    application = application_at(S.DRAFT)
    version = application.dossier_versions.get()
    version.files.remove(*application.evidence_files.filter(kind__in=kinds))

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.enterprise_member, application, A.SUBMIT)
    assert error.value.code == "guard:dossier_complete"
    assert error.value.message == f"The dossier is incomplete: {named}."


def test_other_evidence_does_not_stand_in_for_a_required_kind(world, application_at) -> None:
    application = application_at(S.DRAFT)
    version = application.dossier_versions.get()
    plan = application.evidence_files.get(kind=EvidenceKind.REDUCTION_PLAN)
    application.evidence_files.filter(pk=plan.pk).update(kind=EvidenceKind.OTHER)

    with pytest.raises(GuardFailed) as error:
        transition(world.enterprise_member, application, A.SUBMIT)
    assert error.value.message == "The dossier is incomplete: Reduction plan."
    assert version.files.count() == 6


def test_submission_without_any_dossier_is_refused(world, application_at, nothing_changes) -> None:
    application = application_at(S.DRAFT)
    application.dossier_versions.all().delete()

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.enterprise_member, application, A.SUBMIT)
    assert error.value.code == "guard:dossier_complete"
    assert error.value.message == "The application has no dossier."


def test_resubmission_checks_the_new_version(world, application_at, nothing_changes) -> None:
    application = application_at(S.AWAITING_ENTERPRISE)
    DossierVersion.objects.filter(application=application, number=2).update(
        uncertainty_statement=""
    )

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.enterprise_member, application, A.RESUBMIT)
    assert error.value.message == "The dossier is incomplete: uncertainty statement."


def test_a_complete_dossier_is_submitted_and_frozen(world, application_at) -> None:
    application = application_at(S.DRAFT)

    transition(world.enterprise_member, application, A.SUBMIT)

    assert status_of(application) == S.SUBMITTED
    assert application.dossier_versions.get().is_frozen


# --- findings -----------------------------------------------------------------------------


@pytest.mark.parametrize("findings", ["none", FindingStatus.ANSWERED, FindingStatus.CLOSED])
def test_request_changes_needs_an_open_finding(
    world, application_at, nothing_changes, findings
) -> None:
    application = application_at(S.IN_EVALUATION, findings=findings)

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.reviewer, application, A.REQUEST_CHANGES)
    assert error.value.code == "guard:open_findings_exist"
    assert error.value.message == "Raise at least one finding first."


def test_request_changes_with_an_open_finding_opens_the_next_version(world, application_at) -> None:
    application = application_at(S.IN_EVALUATION, findings=FindingStatus.OPEN)

    transition(world.reviewer, application, A.REQUEST_CHANGES)

    assert status_of(application) == S.AWAITING_ENTERPRISE
    versions = list(application.dossier_versions.order_by("number"))
    assert [(v.number, v.is_frozen) for v in versions] == [(1, True), (2, False)]
    assert set(versions[1].files.all()) == set(versions[0].files.all())


def test_resubmit_needs_every_finding_answered(
    world, application_at, add_finding, nothing_changes
) -> None:
    application = application_at(S.AWAITING_ENTERPRISE)
    add_finding(application, FindingStatus.OPEN)

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.enterprise_member, application, A.RESUBMIT)
    assert error.value.code == "guard:findings_answered"
    assert error.value.message == "Answer every open finding first."


@pytest.mark.parametrize("findings", [FindingStatus.OPEN, FindingStatus.ANSWERED])
def test_complete_evaluation_needs_every_finding_closed(
    world, application_at, nothing_changes, findings
) -> None:
    application = application_at(S.IN_EVALUATION, findings=findings)

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.reviewer, application, A.COMPLETE_EVALUATION)
    assert error.value.code == "guard:findings_closed"
    assert error.value.message == "Close every finding first."


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"opinion": ""}, "opinion"),
        ({"checklist": {"unit": True}}, "boundary, cut_off, data, quality, results"),
        (
            {
                "checklist": {
                    "unit": True,
                    "boundary": True,
                    "cut_off": True,
                    "data": True,
                    "quality": True,
                    "results": False,
                },
                "materiality_threshold": None,
            },
            "results, materiality_threshold",
        ),
        ({"onsite_date": None, "assurance_level": ""}, "onsite_date, assurance_level"),
    ],
)
def test_complete_evaluation_needs_a_complete_record(
    world, application_at, nothing_changes, changes, named
) -> None:
    application = application_at(S.IN_EVALUATION)
    Evaluation.objects.filter(application=application).update(**changes)

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.reviewer, application, A.COMPLETE_EVALUATION)
    assert error.value.code == "guard:evaluation_complete"
    assert error.value.message == f"The evaluation record is incomplete: {named}."


def test_complete_evaluation_needs_an_evaluation_record(
    world, application_at, nothing_changes
) -> None:
    application = application_at(S.IN_EVALUATION)
    Evaluation.objects.filter(application=application).delete()

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.reviewer, application, A.COMPLETE_EVALUATION)
    assert error.value.message == "The evaluation record is incomplete: evaluation."


def test_complete_evaluation_with_closed_findings_and_a_full_record(world, application_at) -> None:
    application = application_at(S.IN_EVALUATION)

    transition(world.second_reviewer, application, A.COMPLETE_EVALUATION)

    assert status_of(application) == S.TECHNICAL_REVIEW


# --- reasons ------------------------------------------------------------------------------

COMMENTED_STEPS = [
    (S.SUBMITTED, A.REJECT, "body_admin"),
    (S.TECHNICAL_REVIEW, A.RETURN_TO_EVALUATION, "technical_reviewer"),
    (S.PEER_REVIEW, A.PEER_SEND_BACK, "peer_reviewer"),
    (S.DECISION, A.APPROVE, "decision_maker"),
    (S.DECISION, A.REFUSE, "decision_maker"),
]


@pytest.mark.parametrize(("status", "action", "persona"), COMMENTED_STEPS)
@pytest.mark.parametrize("comment", ["", "   \n\t"], ids=["empty", "blank"])
def test_steps_that_need_reasons_refuse_a_blank_comment(
    world,
    application_at,
    nothing_changes,
    status,
    action,
    persona,
    comment,
) -> None:
    application = application_at(status)

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        transition(world.persona(persona), application, action, comment)
    assert error.value.code == "guard:comment_given"
    assert error.value.message == "Give the reasons for this step."


@pytest.mark.parametrize(("status", "action", "persona"), COMMENTED_STEPS)
def test_steps_that_need_reasons_keep_them_in_the_record(
    world,
    application_at,
    status,
    action,
    persona,
) -> None:
    application = application_at(status)

    transition(world.persona(persona), application, action, "Boundary excludes packaging.")

    assert application.events.get().comment == "Boundary excludes packaging."
