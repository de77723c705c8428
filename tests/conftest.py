"""Shared fixtures: the people of the procedure, and applications at any status."""

import csv
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache as django_cache
from django.db import connection
from django.db.models import Max
from django.utils import timezone, translation
from pytest_django import plugin as pytest_django_plugin
from rest_framework.test import APIClient

from accounts.models import Membership, Organisation, User
from accounts.roles import Role
from audits.chain import triggers as chain_triggers
from audits.models import (
    AssuranceLevel,
    ConflictDeclaration,
    DocumentReviewItem,
    Evaluation,
    Finding,
    FindingStatus,
    Opinion,
    PeerReview,
    PeerReviewOutcome,
    Severity,
    TeamMember,
)
from audits.transparency.selectors import NODE_MEMORY
from certification.models import (
    REQUIRED_EVIDENCE,
    Application,
    ApplicationEvent,
    Certificate,
    DossierVersion,
    EvidenceFile,
    Notification,
    Product,
    ProductCategory,
    Status,
)
from config.throttles import LIMITER
from labels.models import Label
from labels.services import label_issue
from tests.factories import (
    COMPLETE_DOSSIER,
    ApplicationFactory,
    CertificationBodyFactory,
    DossierVersionFactory,
    EnterpriseFactory,
    EvidenceFileFactory,
    PlatformOperatorFactory,
    ProductFactory,
    RegulatorFactory,
    UserFactory,
)
from tests.second_factor import sign_in

# Fixtures of their own modules: real processes and PgBouncer (tests/faults, tests/integration)
# and a local webhook receiver.
pytest_plugins = [
    "tests.fixtures.processes",
    "tests.fixtures.pgbouncer",
    "tests.fixtures.varnish",
    "tests.fixtures.webhook_receiver",
]

CATEGORIES_CSV = django_settings.REFERENCE_DIR / "product_categories.csv"
PRODUCT_CATEGORY = "LIB-CONSUMER"


# --- environment --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _session_directories(tmp_path_factory) -> dict:
    return {"media": tmp_path_factory.mktemp("media"), "static": tmp_path_factory.mktemp("static")}


@pytest.fixture(autouse=True)
def _test_environment(settings, _session_directories) -> Iterator[None]:
    settings.MEDIA_ROOT = _session_directories["media"]
    settings.STATIC_ROOT = _session_directories["static"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Rate limits count in the cache; each test starts with a clean count.
    django_cache.clear()
    LIMITER.reset()
    # Flushing the test database between tests rewrites the log, which production never does.
    NODE_MEMORY.clear()
    # One process: its memory cache is shared by everything it runs, as Redis is in production.
    settings.API_KEY_MEMORY_SECONDS = 60
    with translation.override("en"):
        yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """Let the flush of a transactional test empty the audit chain on SQLite.

    The audit chain's table refuses DELETE (audits/chain/triggers.py). PostgreSQL's flush
    truncates, which the trigger lets through; SQLite's flush is ``DELETE FROM``. So around the
    teardown of a test that commits (transaction=True, live_server), and only on SQLite, the
    trigger is dropped just before the flush and installed again, unchanged, right after it.
    Tests that roll back never flush, and keep the trigger throughout.
    """
    if not _flushes_sqlite(item):
        return (yield)
    blocker = item.config.stash[pytest_django_plugin.blocking_manager_key]
    with blocker.unblock():
        chain_triggers.triggers_remove(connection)
    try:
        return (yield)
    finally:
        with blocker.unblock():
            # After the session's last test, its teardown may have destroyed the database.
            if "audits_auditentry" in connection.introspection.table_names():
                chain_triggers.triggers_install(connection)


def _flushes_sqlite(item: pytest.Item) -> bool:
    if connection.vendor != "sqlite":
        return False
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(
        (marker is not None and marker.kwargs.get("transaction"))
        or "transactional_db" in fixtures
        or "live_server" in fixtures
    )


@pytest.fixture
def media_root(settings, tmp_path):
    """A MEDIA_ROOT of this test's own, empty at the start."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


# --- reference data -----------------------------------------------------------------------


@cache
def _category_rows() -> dict[str, dict[str, str]]:
    with CATEGORIES_CSV.open(encoding="utf-8") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


def category_from_reference(code: str) -> ProductCategory:
    """A category exactly as shipped in the reference data, with its parent."""
    row = _category_rows()[code]
    parent = category_from_reference(row["parent_code"]) if row["parent_code"] else None
    category, _ = ProductCategory.objects.get_or_create(
        code=code,
        defaults={
            "parent": parent,
            "name_zh": row["name_zh"],
            "name_en": row["name_en"],
            "level": row["level"],
            "source": row["source"],
        },
    )
    return category


# --- personas -----------------------------------------------------------------------------


@dataclass
class World:
    """Enterprise A and B, body X (assessing) and Y (peer), a regulator, the operator."""

    category: ProductCategory
    enterprise: Organisation
    other_enterprise: Organisation
    body: Organisation
    peer_body: Organisation
    regulator_organisation: Organisation
    platform: Organisation
    product: Product
    enterprise_admin: User
    enterprise_member: User
    other_enterprise_user: User
    body_admin: User
    reviewer: User
    second_reviewer: User
    technical_reviewer: User
    decision_maker: User
    peer_reviewer: User
    regulator: User
    platform_admin: User

    def persona(self, name: str) -> User:
        return getattr(self, name)

    @property
    def team(self) -> tuple[User, User]:
        return self.reviewer, self.second_reviewer


# persona → (organisation in the World, role, username)
PERSONA_MEMBERSHIPS = {
    "enterprise_admin": ("enterprise", Role.ENTERPRISE_ADMIN, "ent_admin"),
    "enterprise_member": ("enterprise", Role.ENTERPRISE_MEMBER, "ent_member"),
    "other_enterprise_user": ("other_enterprise", Role.ENTERPRISE_ADMIN, "other_ent"),
    "body_admin": ("body", Role.BODY_ADMIN, "body_admin"),
    "reviewer": ("body", Role.REVIEWER, "reviewer"),
    "second_reviewer": ("body", Role.REVIEWER, "reviewer2"),
    "technical_reviewer": ("body", Role.TECHNICAL_REVIEWER, "tech_reviewer"),
    "decision_maker": ("body", Role.DECISION_MAKER, "decision_maker"),
    "peer_reviewer": ("peer_body", Role.REVIEWER, "peer_reviewer"),
    "regulator": ("regulator_organisation", Role.REGULATOR, "regulator"),
    "platform_admin": ("platform", Role.PLATFORM_ADMIN, "platform_admin"),
}


@pytest.fixture
def world(db) -> World:
    """Built with a handful of bulk inserts: the exhaustive workflow test builds it 2,000 times."""
    category = category_from_reference(PRODUCT_CATEGORY)
    organisations: dict[str, Any] = dict(
        zip(
            (
                "enterprise",
                "other_enterprise",
                "body",
                "peer_body",
                "regulator_organisation",
                "platform",
            ),
            Organisation.objects.bulk_create(
                [
                    EnterpriseFactory.build(name="Ningde Voltia Battery Co."),
                    EnterpriseFactory.build(name="Hangzhou Rival Cells Co."),
                    CertificationBodyFactory.build(
                        name="China Quality Certification Centre", code="cqc"
                    ),
                    CertificationBodyFactory.build(name="Beijing Peer Certification", code="bpc"),
                    RegulatorFactory.build(name="State Administration for Market Regulation"),
                    PlatformOperatorFactory.build(name="Carbon Label Platform"),
                ]
            ),
            strict=True,
        )
    )
    accreditation = Organisation.accredited_categories.through
    accreditation.objects.bulk_create(
        [
            accreditation(organisation=organisations[name], productcategory=category)
            for name in ("body", "peer_body")
        ]
    )
    people: dict[str, Any] = dict(
        zip(
            PERSONA_MEMBERSHIPS,
            User.objects.bulk_create(
                [
                    UserFactory.build(username=username)
                    for _, _, username in PERSONA_MEMBERSHIPS.values()
                ]
            ),
            strict=True,
        )
    )
    Membership.objects.bulk_create(
        [
            Membership(user=people[persona], organisation=organisations[organisation], role=role)
            for persona, (organisation, role, _) in PERSONA_MEMBERSHIPS.items()
        ]
    )
    product = ProductFactory(enterprise=organisations["enterprise"], category=category)
    return World(category=category, product=product, **organisations, **people)


@pytest.fixture
def enterprise_admin(world: World) -> User:
    return world.enterprise_admin


@pytest.fixture
def enterprise_member(world: World) -> User:
    return world.enterprise_member


@pytest.fixture
def other_enterprise_user(world: World) -> User:
    return world.other_enterprise_user


@pytest.fixture
def body_admin(world: World) -> User:
    return world.body_admin


@pytest.fixture
def reviewer(world: World) -> User:
    return world.reviewer


@pytest.fixture
def second_reviewer(world: World) -> User:
    return world.second_reviewer


@pytest.fixture
def technical_reviewer(world: World) -> User:
    return world.technical_reviewer


@pytest.fixture
def decision_maker(world: World) -> User:
    return world.decision_maker


@pytest.fixture
def peer_reviewer(world: World) -> User:
    return world.peer_reviewer


@pytest.fixture
def regulator(world: World) -> User:
    return world.regulator


@pytest.fixture
def platform_admin(world: World) -> User:
    return world.platform_admin


# --- applications at any status -----------------------------------------------------------

# The order in which the procedure reaches each status on its way to approval.
PATH = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.ACCEPTED,
    Status.PLANNED,
    Status.IN_EVALUATION,
    Status.AWAITING_ENTERPRISE,
    Status.TECHNICAL_REVIEW,
    Status.PEER_REVIEW,
    Status.DECISION,
    Status.APPROVED,
)
# Where a terminal status leaves the path.
BRANCHES_FROM: dict[str, str] = {Status.REJECTED: Status.SUBMITTED, Status.REFUSED: Status.DECISION}


def _reached(status: str, milestone: str) -> bool:
    """Whether an application at `status` has passed through `milestone`."""
    return PATH.index(status) >= PATH.index(milestone)


def _default_findings(status: str) -> str:
    if status == Status.AWAITING_ENTERPRISE:
        return FindingStatus.ANSWERED
    if _reached(status, Status.IN_EVALUATION):
        return FindingStatus.CLOSED
    return "none"


def build_application(
    world: World,
    status: str,
    *,
    findings: str | None = None,
    withdrawn_from: str = Status.SUBMITTED,
    product: Product | None = None,
) -> Application:
    """An application at `status` with everything that status implies, written directly.

    Past draft the first dossier version is complete and frozen with every required evidence
    kind; from acceptance the team (lead `reviewer`, `second_reviewer`) is assigned, from
    planning it has declared no conflict; from evaluation the evaluation record is complete and
    findings are closed (answered while awaiting the enterprise, with a second, open version);
    from technical review the peer reviewer of body Y is assigned, from peer review declared,
    from decision endorsed; approved has its certificate. `findings` overrides the findings
    state: "none", "open", "answered" or "closed".
    """
    path_status = BRANCHES_FROM.get(status, status)
    if status == Status.WITHDRAWN:
        path_status = withdrawn_from
    findings = findings or _default_findings(path_status)
    application = ApplicationFactory(
        product=product or world.product,
        certification_body=world.body,
        created_by=world.enterprise_admin,
        status=status,
    )
    first = DossierVersionFactory(
        application=application,
        number=1,
        complete=True,
        frozen_at=None if path_status == Status.DRAFT else timezone.now(),
    )
    evidence = EvidenceFile.objects.bulk_create(
        [
            EvidenceFileFactory.build(
                application=application, kind=kind, uploaded_by=world.enterprise_admin
            )
            for kind in REQUIRED_EVIDENCE
        ]
    )
    versions = [first]
    if path_status == Status.AWAITING_ENTERPRISE:
        versions.append(DossierVersionFactory(application=application, number=2, complete=True))
    attached = DossierVersion.files.through
    attached.objects.bulk_create(
        [
            attached(dossierversion=version, evidencefile=file)
            for version in versions
            for file in evidence
        ]
    )
    if not _reached(path_status, Status.ACCEPTED):
        return application

    declared = _reached(path_status, Status.PLANNED)
    TeamMember.objects.bulk_create(
        [
            TeamMember(
                application=application,
                user=user,
                is_lead=user == world.reviewer,
                declaration=ConflictDeclaration.NO_CONFLICT
                if declared
                else ConflictDeclaration.PENDING,
                declared_at=timezone.now() if declared else None,
            )
            for user in world.team
        ]
    )
    if _reached(path_status, Status.IN_EVALUATION):
        evaluation_complete(application, world.reviewer)
    if findings != "none":
        finding_create(application, first, world, status=findings)
    if _reached(path_status, Status.TECHNICAL_REVIEW):
        peer_declared = _reached(path_status, Status.PEER_REVIEW)
        PeerReview.objects.create(
            application=application,
            reviewer=world.peer_reviewer,
            body=world.peer_body,
            assigned_by=world.body_admin,
            declaration=ConflictDeclaration.NO_CONFLICT
            if peer_declared
            else ConflictDeclaration.PENDING,
            declared_at=timezone.now() if peer_declared else None,
            outcome=PeerReviewOutcome.ENDORSED
            if _reached(path_status, Status.DECISION)
            else PeerReviewOutcome.PENDING,
        )
    if status == Status.APPROVED:
        certificate_create_directly(application, first)
    return application


def evaluation_complete(application: Application, author: User) -> Evaluation:
    return Evaluation.objects.create(
        application=application,
        checklist={item: True for item in DocumentReviewItem.values},
        onsite_date=date(2025, 3, 20),
        onsite_people="Plant manager, energy manager",
        onsite_observations="Metering matches the inventory.",
        verification_notes="Recomputed within 0.4% of the declared figure.",
        assurance_level=AssuranceLevel.REASONABLE,
        materiality_threshold=Decimal("0.0500"),
        opinion=Opinion.UNMODIFIED,
        updated_by=author,
    )


def finding_create(
    application: Application,
    version: DossierVersion,
    world: World,
    *,
    status: str,
    number: int = 1,
) -> Finding:
    now = timezone.now()
    answered = status in (FindingStatus.ANSWERED, FindingStatus.CLOSED)
    return Finding.objects.create(
        application=application,
        dossier_version=version,
        number=number,
        severity=Severity.MAJOR,
        clause="GB/T 24067-2024 6.3.5",
        description="Electricity factor year does not match the reference period.",
        status=status,
        raised_by=world.reviewer,
        response="Replaced with the 2023 national factor." if answered else "",
        corrective_action="Factor table updated." if answered else "",
        responded_by=world.enterprise_member if answered else None,
        responded_at=now if answered else None,
        closed_by=world.reviewer if status == FindingStatus.CLOSED else None,
        closed_at=now if status == FindingStatus.CLOSED else None,
    )


def certificate_create_directly(application: Application, version: DossierVersion) -> Certificate:
    body = application.certification_body
    sequence = (
        Certificate.objects.filter(certification_body=body).aggregate(Max("sequence"))[
            "sequence__max"
        ]
        or 0
    ) + 1
    today = timezone.localdate()
    assert body.code is not None
    return Certificate.objects.create(
        application=application,
        number=django_settings.CERTIFICATE_NUMBER_FORMAT.format(
            body_code=body.code.upper(), year=today.year, sequence=sequence
        ),
        sequence=sequence,
        certification_body=body,
        enterprise=application.enterprise,
        product=application.product,
        dossier_version=version,
        scheme=application.scheme,
        declared_total=COMPLETE_DOSSIER["declared_total"],
        issued_on=today,
        valid_until=today + timedelta(days=django_settings.CERTIFICATE_VALIDITY_DAYS),
    )


@pytest.fixture
def application_at(world: World) -> Callable[..., Application]:
    """`application_at(status, findings=..., withdrawn_from=..., product=...)`."""

    def build(status: str, **options) -> Application:
        return build_application(world, status, **options)

    return build


@pytest.fixture
def add_finding(world: World) -> Callable[..., Finding]:
    """`add_finding(application, status, number=2)`: another finding on the first version."""

    def add(application: Application, status: str, number: int = 2) -> Finding:
        version = application.dossier_versions.get(number=1)
        return finding_create(application, version, world, status=status, number=number)

    return add


# --- "nothing changed" --------------------------------------------------------------------


def snapshot(application: Application) -> dict:
    """Everything a refused step must leave as it was."""
    application = Application.objects.get(pk=application.pk)
    return {
        "status": application.status,
        "updated_at": application.updated_at,
        "events": ApplicationEvent.objects.filter(application=application).count(),
        "notifications": Notification.objects.count(),
        "certificates": Certificate.objects.count(),
        "dossier_versions": list(application.dossier_versions.values_list("number", "frozen_at")),
        "evidence": EvidenceFile.objects.filter(application=application).count(),
        "team": list(application.team.values_list("user_id", "is_lead", "declaration")),
        "peer_reviews": list(
            application.peer_reviews.values_list(
                "reviewer_id", "body_id", "declaration", "outcome", "is_current"
            )
        ),
        "findings": list(application.findings.values_list("number", "status")),
    }


@pytest.fixture
def nothing_changes(django_capture_on_commit_callbacks) -> Callable:
    """`with nothing_changes(application), pytest.raises(...):` asserts the step left no
    trace: same state, no event, no notification, no task queued for after commit."""

    @contextmanager
    def check(application: Application) -> Iterator[None]:
        before = snapshot(application)
        with django_capture_on_commit_callbacks() as callbacks:
            yield
        assert snapshot(application) == before
        assert callbacks == []

    return check


# --- API ----------------------------------------------------------------------------------


@pytest.fixture
def api() -> APIClient:
    """An API client asking for English, so that messages can be compared exactly."""
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def api_as(api: APIClient) -> Callable[[User | None], APIClient]:
    """An API client signed in as `user` (a fresh session; None stays anonymous)."""

    def signed_in(user: User | None) -> APIClient:
        api.logout()
        if user is not None:
            sign_in(api, user)
        return api

    return signed_in


# --- products and labels ------------------------------------------------------------------


@pytest.fixture
def new_product(world: World) -> Callable[..., Product]:
    """`new_product(**fields)`: another product of enterprise A in the World's category (its
    label starts a chain of its own: a chain is product + plant + body)."""

    def create(**fields) -> Product:
        return ProductFactory(enterprise=world.enterprise, category=world.category, **fields)

    return create


@pytest.fixture
def issue_label(world: World) -> Callable[..., Label]:
    """`issue_label(product=None, **dossier_fields)`: an approved application of body X, its
    certificate and its signed label, issued by labels.services.label_issue. Dossier fields
    override the complete dossier of tests.factories before the label is issued."""

    def issue(product: Product | None = None, **dossier_fields) -> Label:
        application = build_application(world, Status.APPROVED, product=product)
        if dossier_fields:
            DossierVersion.objects.filter(application=application, number=1).update(
                **dossier_fields
            )
        return label_issue(certificate_id=application.certificate.pk)

    return issue


@pytest.fixture
def label(issue_label) -> Label:
    return issue_label()


def a_session_waits_on_a_lock() -> bool:
    """Whether another PostgreSQL session is waiting on a lock (polled for up to 10 s)."""
    with connection.cursor() as cursor:
        for _ in range(1000):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            threading.Event().wait(0.01)
    return False
