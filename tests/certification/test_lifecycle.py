"""From draft to certificate through the services, with a findings round and a peer send-back."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone

from accounts.roles import Role
from audits.models import (
    AssuranceLevel,
    DocumentReviewItem,
    Finding,
    FindingStatus,
    Opinion,
    PeerReviewOutcome,
    Severity,
)
from certification import reviews, services
from certification.errors import ActorNotPermitted, TransitionNotAllowed
from certification.models import (
    REQUIRED_EVIDENCE,
    Application,
    Certificate,
    CertificateStatus,
    Notification,
    Status,
)
from certification.workflow import Action
from tests.conftest import a_session_waits_on_a_lock
from tests.factories import COMPLETE_DOSSIER, MembershipFactory, make_pdf, member_of

S, A = Status, Action


@pytest.fixture
def step(django_capture_on_commit_callbacks):
    """Take one transition, run what it queued for after commit, and report who was told."""

    def take(actor, application: Application, action: str, comment: str = "") -> dict:
        sent_before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            services.application_transition(
                actor=actor, application_id=application.pk, action=action, comment=comment
            )
        application.refresh_from_db()
        event = application.events.order_by("-pk").first()
        return {
            "notified": {n.recipient for n in Notification.objects.filter(event=event)},
            "emailed": sorted(
                address for message in mail.outbox[sent_before:] for address in message.to
            ),
        }

    return take


def emails(*people) -> list[str]:
    return sorted(person.email for person in people)


def test_draft_to_certificate(world, step, media_root, django_capture_on_commit_callbacks) -> None:
    w = world
    enterprise_people = {w.enterprise_admin, w.enterprise_member}

    # Application and dossier.
    product = services.product_create(
        actor=w.enterprise_member,
        enterprise=w.enterprise,
        name="Power bank",
        model="PB-20",
        category=w.category,
        manufacturer="Voltia",
        plant_address="Ningde, Fujian",
        gtin="6901234567892",
    )
    application = services.application_create(
        actor=w.enterprise_member,
        product=product,
        certification_body=w.body,
        scheme="national_pilot",
        product_rule_name="Lithium-ion batteries",
        product_rule_version="2025",
    )
    assert application.reference == f"APP-{timezone.localdate().year}-000001"
    assert application.status == S.DRAFT
    services.dossier_update(
        actor=w.enterprise_member, application=application, data=dict(COMPLETE_DOSSIER)
    )
    for kind in REQUIRED_EVIDENCE:
        services.evidence_upload(
            actor=w.enterprise_member,
            application=application,
            kind=kind,
            upload=SimpleUploadedFile(f"{kind}.pdf", make_pdf(kind)),
        )

    # Submission and acceptance.
    told = step(w.enterprise_member, application, A.SUBMIT)
    assert application.status == S.SUBMITTED
    assert told == {"notified": {w.body_admin}, "emailed": emails(w.body_admin)}
    first = application.dossier_versions.get(number=1)
    assert first.is_frozen
    assert first.files.count() == len(REQUIRED_EVIDENCE)

    # The enterprise is told that the body took up its file, then that it planned the work.
    told = step(w.body_admin, application, A.ACCEPT)
    assert application.status == S.ACCEPTED
    assert told == {"notified": enterprise_people, "emailed": emails(*enterprise_people)}

    # Planning: team, declarations, evaluation record.
    services.team_assign(
        actor=w.body_admin,
        application=application,
        members=[w.reviewer, w.second_reviewer],
        lead=w.reviewer,
    )
    told = step(w.body_admin, application, A.PLAN)
    planned_told = {*w.team, *enterprise_people}
    assert told == {"notified": planned_told, "emailed": emails(*planned_told)}
    for member in w.team:
        services.team_declare(actor=member, application=application, has_conflict=False)
    told = step(w.reviewer, application, A.START_EVALUATION)
    assert application.status == S.IN_EVALUATION
    assert told == {"notified": {w.second_reviewer}, "emailed": emails(w.second_reviewer)}
    reviews.evaluation_update(
        actor=w.reviewer,
        application=application,
        data={
            "checklist": {item: True for item in DocumentReviewItem.values},
            "onsite_date": timezone.localdate(),
            "onsite_people": "Plant manager",
            "onsite_observations": "Meters calibrated.",
            "verification_notes": "Recomputed.",
            "assurance_level": AssuranceLevel.REASONABLE,
            "materiality_threshold": Decimal("0.05"),
            "opinion": Opinion.UNMODIFIED,
        },
    )

    # One round of findings.
    finding = reviews.finding_raise(
        actor=w.second_reviewer,
        application=application,
        severity=Severity.MAJOR,
        clause="GB/T 24067-2024 6.3.5",
        description="Production electricity factor is 2021.",
    )
    told = step(w.reviewer, application, A.REQUEST_CHANGES)
    assert application.status == S.AWAITING_ENTERPRISE
    assert told == {"notified": enterprise_people, "emailed": emails(*enterprise_people)}
    second = application.dossier_versions.get(number=2)
    assert not second.is_frozen
    assert set(second.files.all()) == set(first.files.all())

    stage_results = {**COMPLETE_DOSSIER["stage_results"], "production": "12.300000"}
    services.dossier_update(
        actor=w.enterprise_member,
        application=application,
        data={"stage_results": stage_results, "declared_total": Decimal("82.900000")},
    )
    reviews.finding_answer(
        actor=w.enterprise_member,
        finding=finding,
        response="Factor replaced with the 2023 national average.",
        corrective_action="Factor table versioned.",
    )
    told = step(w.enterprise_admin, application, A.RESUBMIT)
    assert application.status == S.IN_EVALUATION
    assert told == {"notified": set(w.team), "emailed": emails(*w.team)}
    second.refresh_from_db()
    assert second.is_frozen
    first.refresh_from_db()
    assert first.declared_total == Decimal("85.400000")
    diff = services.dossier_diff(first, second)
    assert [(c["field"], c["before"], c["after"]) for c in diff] == [
        ("stage_results", COMPLETE_DOSSIER["stage_results"], stage_results),
        ("declared_total", Decimal("85.400000"), Decimal("82.900000")),
    ]
    assert [c["label"] for c in diff] == [
        "results per life-cycle stage (kgCO2e per unit)",
        "declared footprint (kgCO2e per unit)",
    ]

    reviews.finding_close(actor=w.reviewer, finding=finding)
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.CLOSED

    # Technical review and peer review, with one send-back.
    services.peer_review_assign(
        actor=w.body_admin, application=application, reviewer=w.peer_reviewer
    )
    told = step(w.second_reviewer, application, A.COMPLETE_EVALUATION)
    assert application.status == S.TECHNICAL_REVIEW
    assert told == {"notified": {w.technical_reviewer}, "emailed": emails(w.technical_reviewer)}
    told = step(w.technical_reviewer, application, A.PASS_TECHNICAL_REVIEW)
    assert application.status == S.PEER_REVIEW
    assert told == {"notified": {w.peer_reviewer}, "emailed": emails(w.peer_reviewer)}

    services.peer_review_declare(actor=w.peer_reviewer, application=application, has_conflict=False)
    told = step(
        w.peer_reviewer,
        application,
        A.PEER_SEND_BACK,
        "Sensitivity analysis for the grid factor is missing.",
    )
    assert application.status == S.IN_EVALUATION
    assert told == {"notified": set(w.team), "emailed": emails(*w.team)}
    peer_review = application.peer_reviews.get()
    assert (peer_review.outcome, peer_review.comments) == (
        PeerReviewOutcome.SENT_BACK,
        "Sensitivity analysis for the grid factor is missing.",
    )
    sent_back_mail = mail.outbox[-1]
    assert "Sensitivity analysis for the grid factor is missing." in sent_back_mail.body

    step(w.reviewer, application, A.COMPLETE_EVALUATION)
    step(w.technical_reviewer, application, A.PASS_TECHNICAL_REVIEW)
    assert application.peer_reviews.get().outcome == PeerReviewOutcome.PENDING
    told = step(w.peer_reviewer, application, A.PEER_ENDORSE)
    assert application.status == S.DECISION
    assert told == {"notified": {w.decision_maker}, "emailed": emails(w.decision_maker)}
    assert application.peer_reviews.get().outcome == PeerReviewOutcome.ENDORSED

    # Decision and certificate: the certificate is written with the approval, its label is
    # issued by a task after commit.
    sent_before = len(mail.outbox)
    with django_capture_on_commit_callbacks() as callbacks:
        services.application_transition(
            actor=w.decision_maker,
            application_id=application.pk,
            action=A.APPROVE,
            comment="Conforms to the product rule.",
        )
    application.refresh_from_db()
    assert application.status == S.APPROVED
    certificate = Certificate.objects.get(application=application)
    assert certificate.status == CertificateStatus.PENDING_LABEL
    assert len(callbacks) == 2
    # The label's issue queues its own e-mails for after its commit.
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    everyone = enterprise_people | set(w.team)
    approval = application.events.get(action=A.APPROVE)
    assert {n.recipient for n in Notification.objects.filter(event=approval)} == everyone
    # The holder's people (and the body's administrator) are told the label is issued.
    label_told = enterprise_people | {w.body_admin}
    issued = Notification.objects.filter(event=None, subject__contains="label issued")
    assert {n.recipient for n in issued} == label_told
    assert sorted(a for m in mail.outbox[sent_before:] for a in m.to) == sorted(
        emails(*everyone) + emails(*label_told)
    )

    today = timezone.localdate()
    assert certificate.number == settings.CERTIFICATE_NUMBER_FORMAT.format(
        body_code="CQC", year=today.year, sequence=1
    )
    assert certificate.number == f"CFP-CQC-{today.year}-00001"
    assert certificate.issued_on == today
    assert certificate.valid_until == today + timedelta(days=730)
    assert (certificate.valid_until - certificate.issued_on).days == 730
    assert certificate.dossier_version == second
    assert certificate.declared_total == Decimal("82.900000")
    assert (certificate.enterprise, certificate.product, certificate.certification_body) == (
        w.enterprise,
        product,
        w.body,
    )
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID

    assert list(application.events.values_list("action", "from_status", "to_status")) == [
        (A.SUBMIT, S.DRAFT, S.SUBMITTED),
        (A.ACCEPT, S.SUBMITTED, S.ACCEPTED),
        (A.PLAN, S.ACCEPTED, S.PLANNED),
        (A.START_EVALUATION, S.PLANNED, S.IN_EVALUATION),
        (A.REQUEST_CHANGES, S.IN_EVALUATION, S.AWAITING_ENTERPRISE),
        (A.RESUBMIT, S.AWAITING_ENTERPRISE, S.IN_EVALUATION),
        (A.COMPLETE_EVALUATION, S.IN_EVALUATION, S.TECHNICAL_REVIEW),
        (A.PASS_TECHNICAL_REVIEW, S.TECHNICAL_REVIEW, S.PEER_REVIEW),
        (A.PEER_SEND_BACK, S.PEER_REVIEW, S.IN_EVALUATION),
        (A.COMPLETE_EVALUATION, S.IN_EVALUATION, S.TECHNICAL_REVIEW),
        (A.PASS_TECHNICAL_REVIEW, S.TECHNICAL_REVIEW, S.PEER_REVIEW),
        (A.PEER_ENDORSE, S.PEER_REVIEW, S.DECISION),
        (A.APPROVE, S.DECISION, S.APPROVED),
    ]
    assert not Notification.objects.filter(email_sent_at__isnull=True).exists()


def test_every_notification_email_carries_its_subject_and_link(world, application_at, step) -> None:
    application = application_at(S.DRAFT)

    step(world.enterprise_member, application, A.SUBMIT)

    notification = Notification.objects.get()
    assert notification.subject == f"{application.reference} is now: Submitted"
    assert notification.email_sent_at is not None
    [message] = mail.outbox
    assert message.subject == notification.subject
    assert message.to == [world.body_admin.email]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.body == (
        f"{notification.body}\n\n{settings.PORTAL_BASE_URL.rstrip('/')}{notification.url}"
    )


def test_the_actor_is_not_notified_of_their_own_step(world, application_at, step) -> None:
    application = application_at(S.PLANNED)

    told = step(world.reviewer, application, A.START_EVALUATION)

    assert told["notified"] == {world.second_reviewer}


def test_team_members_are_not_asked_to_review_or_decide(world, application_at, step) -> None:
    application = application_at(S.IN_EVALUATION)
    second_technical_reviewer = member_of(world.body, Role.TECHNICAL_REVIEWER)
    MembershipFactory(
        user=world.second_reviewer, organisation=world.body, role=Role.TECHNICAL_REVIEWER
    )

    told = step(world.reviewer, application, A.COMPLETE_EVALUATION)

    assert told["notified"] == {world.technical_reviewer, second_technical_reviewer}


def test_certificate_numbers_follow_the_setting_and_count_per_body(
    world,
    application_at,
    settings,
    django_capture_on_commit_callbacks,
) -> None:
    settings.CERTIFICATE_NUMBER_FORMAT = "{body_code}/{year}/{sequence:06d}"
    first = application_at(S.DECISION)
    second = application_at(S.DECISION)

    with django_capture_on_commit_callbacks():
        for application in (first, second):
            services.application_transition(
                actor=world.decision_maker,
                application_id=application.pk,
                action=A.APPROVE,
                comment="Conforms.",
            )

    year = timezone.localdate().year
    assert list(Certificate.objects.order_by("sequence").values_list("number", "sequence")) == [
        (f"CQC/{year}/000001", 1),
        (f"CQC/{year}/000002", 2),
    ]


# --- withdrawal ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [S.DRAFT, S.SUBMITTED, S.IN_EVALUATION, S.AWAITING_ENTERPRISE, S.PEER_REVIEW, S.DECISION],
)
def test_the_enterprise_admin_withdraws_before_the_decision(
    world, application_at, step, status
) -> None:
    application = application_at(status)

    told = step(world.enterprise_admin, application, A.WITHDRAW, "Product discontinued.")

    assert application.status == S.WITHDRAWN
    has_team = status not in (S.DRAFT, S.SUBMITTED)
    # A withdrawn draft never reached the body, so nobody there is told.
    expected = set() if status == S.DRAFT else {world.body_admin, *(world.team if has_team else ())}
    assert told == {"notified": expected, "emailed": emails(*expected)}
    assert not Certificate.objects.exists()


def test_an_enterprise_member_cannot_withdraw(world, application_at, nothing_changes) -> None:
    application = application_at(S.DECISION)

    with nothing_changes(application), pytest.raises(ActorNotPermitted):
        services.application_transition(
            actor=world.enterprise_member, application_id=application.pk, action=A.WITHDRAW
        )


@pytest.mark.parametrize("status", [S.APPROVED, S.REFUSED, S.REJECTED, S.WITHDRAWN])
def test_nothing_is_withdrawn_once_decided(world, application_at, nothing_changes, status) -> None:
    application = application_at(status)

    with nothing_changes(application), pytest.raises(TransitionNotAllowed) as error:
        services.application_transition(
            actor=world.enterprise_admin, application_id=application.pk, action=A.WITHDRAW
        )
    assert error.value.message == (
        f"“Withdraw the application” is not possible while the application is {S(status).label}."
    )
    assert Certificate.objects.filter(application=application).exists() == (status == S.APPROVED)


def test_the_diff_names_evidence_added_and_removed_in_the_new_version(
    world,
    application_at,
    media_root,
) -> None:
    application = application_at(S.AWAITING_ENTERPRISE)
    first = application.dossier_versions.get(number=1)
    second = application.dossier_versions.get(number=2)
    replaced = application.evidence_files.get(kind="reduction_plan")

    services.evidence_upload(
        actor=world.enterprise_member,
        application=application,
        kind="reduction_plan",
        upload=SimpleUploadedFile("plan-2026.pdf", make_pdf("2026")),
    )
    services.evidence_remove(
        actor=world.enterprise_member, application=application, evidence=replaced
    )

    assert services.dossier_diff(first, second) == [
        {"field": "files", "label": "Evidence added", "before": None, "after": "plan-2026.pdf"},
        {
            "field": "files",
            "label": "Evidence removed",
            "before": "reduction_plan.pdf",
            "after": None,
        },
    ]
    assert replaced in first.files.all()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two sessions at once: PostgreSQL")
def test_two_applications_created_at_once_take_two_references(world, new_product) -> None:
    """The second create reads the same highest reference as the first, which has not yet
    committed; it waits on the first's row in the unique index and then takes the next one."""
    products = [new_product(model="AT-ONCE-1"), new_product(model="AT-ONCE-2")]
    inserted, done = threading.Event(), threading.Event()
    created: dict[str, str] = {}

    def create(product, name: str) -> None:
        try:
            with transaction.atomic():
                application = services.application_create(
                    actor=world.enterprise_member,
                    product=product,
                    certification_body=world.body,
                    scheme="national_pilot",
                    product_rule_name="Lithium-ion batteries",
                    product_rule_version="2025",
                )
                created[name] = application.reference
                if name == "first":
                    inserted.set()
                    done.wait(timeout=10)  # hold the commit while the second one runs
        finally:
            connection.close()

    first = threading.Thread(target=create, args=(products[0], "first"))
    first.start()
    assert inserted.wait(timeout=10)
    second = threading.Thread(target=create, args=(products[1], "second"))
    second.start()
    assert a_session_waits_on_a_lock()  # the second's insert, on the first's reference
    done.set()
    first.join(timeout=10)
    second.join(timeout=10)

    year = timezone.localdate().year
    assert created == {"first": f"APP-{year}-000001", "second": f"APP-{year}-000002"}
    assert Application.objects.count() == 2
