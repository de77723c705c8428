"""Who may read and write what through /api/v1/: foreign objects are 404, errors are problems."""

from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.settings import api_settings

import config.api_urls
from accounts.roles import Role
from audits.models import BlacklistEntry, Evaluation, PeerReview
from certification.models import (
    Application,
    ApplicationEvent,
    ApplicationVariant,
    EvidenceFile,
    Notification,
    Product,
    Status,
)
from footprint.models import InventoryLine
from tests.factories import PDF_BYTES, ProductFactory, member_of

PROBLEM = "application/problem+json"
PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


@dataclass
class Scene:
    application: Application
    file: EvidenceFile
    finding_id: int
    notification: Notification | SimpleNamespace
    inventory_line: InventoryLine
    variant: ApplicationVariant | None = None


@pytest.fixture
def scene(world, application_at) -> Scene:
    """Enterprise A's application at body X, awaiting the enterprise after one finding, with
    two dossier versions, evidence, team, evaluation record, a peer reviewer from body Y, an
    event and a notification."""
    application = application_at(Status.AWAITING_ENTERPRISE)
    PeerReview.objects.create(
        application=application,
        reviewer=world.peer_reviewer,
        body=world.peer_body,
        assigned_by=world.body_admin,
    )
    event = ApplicationEvent.objects.create(
        application=application,
        actor=world.reviewer,
        action="request_changes",
        from_status=Status.IN_EVALUATION,
        to_status=Status.AWAITING_ENTERPRISE,
    )
    notification = Notification.objects.create(
        recipient=world.enterprise_admin,
        application=application,
        event=event,
        subject=f"{application.reference} is now: Awaiting the enterprise",
        body="Findings.",
    )
    evidence = application.evidence_files.first()
    line = InventoryLine.objects.create(
        dossier_version=application.dossier_versions.get(number=2),
        position=1,
        stage="production",
        name="Grid electricity",
        amount=Decimal("12.5"),
        unit="kWh",
        custom_factor_value=Decimal("0.5703"),
        custom_factor_unit="kgCO2e/kWh",
        custom_factor_evidence=evidence,
        justification="Supplier-specific factor, 2024 bill.",
    )
    variant = ApplicationVariant.objects.create(
        application=application,
        product=ProductFactory(enterprise=world.enterprise, category=world.category),
        scaling_factor=Decimal("1.5"),
        justification="More cells in the same housing.",
    )
    return Scene(
        application=application,
        file=evidence,
        finding_id=application.findings.get().pk,
        notification=notification,
        inventory_line=line,
        variant=variant,
    )


def upload_payload(world) -> dict:
    return {"kind": "evidence", "file": SimpleUploadedFile("bill.pdf", PDF_BYTES)}


def inventory_payload(world) -> dict:
    return {
        "file": SimpleUploadedFile(
            "inventory.csv", b"stage,name,amount,unit,factor_code\nproduction,Steam,3,t,\n"
        )
    }


# name, method, payload builder (world, scene → data), request format
ENDPOINTS = [
    ("api-token", "post", lambda w, s: {"username": "x", "password": "y"}, "json"),
    ("api-categories", "get", None, None),
    ("api-bodies", "get", None, None),
    ("api-products", "get", None, None),
    (
        "api-products",
        "post",
        lambda w, s: {
            "enterprise": w.enterprise.pk,
            "name": "Power bank",
            "model": "PB-30",
            "manufacturer": "Voltia",
            "plant_address": "Ningde",
            "category": "LIB-CONSUMER",
            "gtin": "6901234567892",
        },
        "json",
    ),
    ("api-product", "get", None, None),
    ("api-applications", "get", None, None),
    (
        "api-applications",
        "post",
        lambda w, s: {
            "product": w.product.pk,
            "certification_body": "cqc",
            "scheme": "national_pilot",
            "product_rule_name": "Lithium-ion batteries",
            "product_rule_version": "2025",
        },
        "json",
    ),
    ("api-application", "get", None, None),
    ("api-transitions", "post", lambda w, s: {"action": "resubmit"}, "json"),
    ("api-events", "get", None, None),
    ("api-dossier", "get", None, None),
    ("api-dossier", "patch", lambda w, s: {"goal": "Rewritten goal."}, "json"),
    ("api-dossier-versions", "get", None, None),
    ("api-dossier-diff", "get", None, None),
    ("api-files", "get", None, None),
    ("api-files", "post", lambda w, s: upload_payload(w), "multipart"),
    ("api-file", "get", None, None),
    ("api-file", "delete", None, None),
    ("api-team", "get", None, None),
    (
        "api-team",
        "put",
        lambda w, s: {
            "members": [w.reviewer.pk, w.second_reviewer.pk],
            "lead": w.second_reviewer.pk,
        },
        "json",
    ),
    ("api-team-declaration", "post", lambda w, s: {"has_conflict": False}, "json"),
    ("api-findings", "get", None, None),
    (
        "api-findings",
        "post",
        lambda w, s: {"severity": "minor", "description": "Cut-off not justified."},
        "json",
    ),
    ("api-finding-answer", "post", lambda w, s: {"response": "Justified now."}, "json"),
    ("api-finding-close", "post", None, "json"),
    ("api-finding-reopen", "post", None, "json"),
    ("api-evaluation", "get", None, None),
    ("api-evaluation", "patch", lambda w, s: {"opinion": "adverse"}, "json"),
    ("api-peer-review", "get", None, None),
    ("api-peer-review", "post", lambda w, s: {"reviewer": w.peer_reviewer.pk}, "json"),
    ("api-peer-declaration", "post", lambda w, s: {"has_conflict": False}, "json"),
    ("api-notifications", "get", None, None),
    ("api-notification-read", "post", None, "json"),
    ("api-blacklist", "get", None, None),
    (
        "api-blacklist",
        "post",
        lambda w, s: {
            "organisation": w.enterprise.pk,
            "reason": "Fraud",
            "source_document": "Notice 1",
            "effective_from": "2025-01-01",
        },
        "json",
    ),
    ("api-inventory", "get", None, None),
    (
        "api-inventory",
        "post",
        lambda w, s: {
            "stage": "production",
            "name": "Natural gas",
            "amount": "3.2",
            "unit": "m3",
            "custom_factor_value": "2.16",
            "custom_factor_unit": "kgCO2e/m3",
            "justification": "Supplier data.",
        },
        "json",
    ),
    ("api-inventory-import", "post", lambda w, s: inventory_payload(w), "multipart"),
    ("api-inventory-line", "patch", lambda w, s: {"name": "Renamed"}, "json"),
    ("api-inventory-line", "delete", None, None),
    ("api-recomputation", "get", None, None),
    ("api-emission-factors", "get", None, None),
    ("api-variants", "get", None, None),
    (
        "api-variants",
        "post",
        lambda w, s: {
            "product": s.variant.product_id,
            "scaling_factor": "0.5",
            "justification": "Half the cells.",
        },
        "json",
    ),
    ("api-variant", "delete", None, None),
]
OBJECT_ENDPOINTS = [
    e
    for e in ENDPOINTS
    if e[0]
    not in {
        "api-token",
        "api-categories",
        "api-bodies",
        "api-products",
        "api-applications",
        "api-notifications",
        "api-blacklist",
        "api-emission-factors",
    }
]
WRITES = [e for e in ENDPOINTS if e[1] != "get"]


def endpoint_id(endpoint) -> str:
    return f"{endpoint[1].upper()} {endpoint[0]}"


def url_for(name: str, scene: Scene, **overrides) -> str:
    application_id = overrides.get("application_id", scene.application.pk)
    kwargs = {
        "api-product": {"product_id": overrides.get("product_id", scene.application.product_id)},
        "api-dossier-diff": {"application_id": application_id, "number": 2},
        "api-file": {
            "application_id": application_id,
            "file_id": overrides.get("file_id", scene.file.pk),
        },
        "api-notification-read": {
            "notification_id": overrides.get("notification_id", scene.notification.pk)
        },
        "api-inventory-line": {
            "application_id": application_id,
            "line_id": overrides.get("line_id", scene.inventory_line.pk),
        },
        "api-variant": {
            "application_id": application_id,
            "variant_id": overrides.get("variant_id", scene.variant.pk if scene.variant else 0),
        },
    }.get(name)
    if kwargs is None and "finding" in name and name != "api-findings":
        kwargs = {
            "application_id": application_id,
            "finding_id": overrides.get("finding_id", scene.finding_id),
        }
    if kwargs is None:
        pattern = next(p for p in config.api_urls.urlpatterns if p.name == name)
        kwargs = (
            {"application_id": application_id} if "application_id" in str(pattern.pattern) else {}
        )
    return reverse(name, kwargs=kwargs)


def call(client, endpoint, world, scene, **overrides):
    name, method, payload, request_format = endpoint
    data = payload(world, scene) if payload else None
    request = getattr(client, method)
    if method == "get":
        return request(url_for(name, scene, **overrides))
    return request(url_for(name, scene, **overrides), data, format=request_format)


def state(scene: Scene) -> dict:
    """What any write would change."""
    application = Application.objects.get(pk=scene.application.pk)
    evaluation = Evaluation.objects.get(application=application)
    return {
        "applications": list(Application.objects.values_list("pk", "status", "updated_at")),
        "products": Product.objects.count(),
        "events": ApplicationEvent.objects.count(),
        "notifications": list(Notification.objects.values_list("pk", "read_at")),
        "dossier": list(application.dossier_versions.values_list("number", "goal", "frozen_at")),
        "dossier_files": sorted(application.dossier_versions.values_list("number", "files")),
        "evidence": EvidenceFile.objects.count(),
        "team": list(application.team.values_list("user_id", "is_lead", "declaration")),
        "findings": list(application.findings.values_list("number", "status", "response")),
        "evaluation": (evaluation.opinion, evaluation.updated_at),
        "peer_reviews": list(
            PeerReview.objects.values_list("reviewer_id", "declaration", "is_current")
        ),
        "blacklist": BlacklistEntry.objects.count(),
        "inventory": list(InventoryLine.objects.values_list("pk", "name", "amount")),
        "variants": list(
            ApplicationVariant.objects.values_list("pk", "product_id", "scaling_factor")
        ),
    }


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["type"] == f"https://carbonlabel.example/problems/{body['code']}"
    if code is not None:
        assert body["code"] == code
    return body


# The marketplace APIs have rules of their own, tested with them: the public label lookups
# (CONTRACTS §6) answer anonymous callers by design (tests/api), and the webhook endpoints
# belong to marketplaces, not to the certification procedure (tests/labels/webhooks).
# The complaints API takes complaints from anyone, signed in or not (CONTRACTS §10); its
# permissions are tested in tests/oversight.
PUBLIC_LOOKUP_MODULES = {"labels.apis", "labels.webhooks.apis", "oversight.complaints.apis"}


def test_every_endpoint_and_method_is_covered() -> None:
    routed = set()
    for pattern in config.api_urls.urlpatterns:
        view = cast(Any, pattern.callback).view_class
        if view.__module__ in PUBLIC_LOOKUP_MODULES:
            continue
        for method in ("get", "post", "put", "patch", "delete"):
            if hasattr(view, method):
                routed.add((pattern.name, method))

    assert {(name, method) for name, method, *_ in ENDPOINTS} == routed


# --- anonymous ----------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e[0] != "api-token"], ids=endpoint_id)
def test_anonymous_is_refused_everywhere(api, world, scene, endpoint, nothing_changes) -> None:
    before = state(scene)

    with nothing_changes(scene.application):
        response = call(api, endpoint, world, scene)

    body = assert_problem(response, 401, "not_authenticated")
    assert body["detail"] == "Authentication credentials were not provided."
    # The challenge is that of the first authentication class in the settings.
    first_authenticator = api_settings.DEFAULT_AUTHENTICATION_CLASSES[0]()  # type: ignore[operator]  # stubs: the setting as dotted paths, not the imported classes
    assert response["WWW-Authenticate"] == first_authenticator.authenticate_header(
        response.wsgi_request
    )
    assert state(scene) == before


def test_anonymous_token_request_with_bad_credentials_is_a_400_problem(api, world) -> None:
    response = api.post(
        reverse("api-token"), {"username": "ent_admin", "password": "wrong"}, format="json"
    )

    body = assert_problem(response, 400, "invalid")
    assert body["errors"] == {"non_field_errors": ["Unable to log in with provided credentials."]}


def test_a_token_signs_in_an_api_client(api, world, scene) -> None:
    world.enterprise_admin.set_password("correct horse battery")
    world.enterprise_admin.save()

    response = api.post(
        reverse("api-token"),
        {"username": "ent_admin", "password": "correct horse battery"},
        format="json",
    )
    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")

    listed = api.get(reverse("api-applications"))
    assert [a["id"] for a in listed.json()["results"]] == [scene.application.pk]


# --- another organisation -----------------------------------------------------------------


@pytest.mark.parametrize("endpoint", OBJECT_ENDPOINTS, ids=endpoint_id)
def test_another_enterprise_gets_404_for_every_object(
    api_as, world, scene, endpoint, nothing_changes
) -> None:
    before = state(scene)
    client = api_as(world.other_enterprise_user)

    with nothing_changes(scene.application):
        response = call(client, endpoint, world, scene)

    body = assert_problem(response, 404, "not_found")
    assert body["detail"] == "Not found."
    assert state(scene) == before


@pytest.mark.parametrize("endpoint", OBJECT_ENDPOINTS, ids=endpoint_id)
def test_a_foreign_object_looks_exactly_like_a_missing_one(api_as, world, scene, endpoint) -> None:
    client = api_as(world.other_enterprise_user)
    missing = {
        "application_id": 999_999,
        "product_id": 999_999,
        "notification_id": 999_999,
        "line_id": 999_999,
        "variant_id": 999_999,
    }

    foreign = call(client, endpoint, world, scene)
    absent = call(client, endpoint, world, scene, **missing)

    assert (foreign.status_code, foreign.json()) == (absent.status_code, absent.json())


def test_another_enterprise_lists_none_of_this_ones_objects(api_as, world, scene) -> None:
    client = api_as(world.other_enterprise_user)

    assert client.get(reverse("api-applications")).json()["results"] == []
    assert client.get(reverse("api-products")).json()["results"] == []
    assert client.get(reverse("api-notifications")).json()["results"] == []


def test_another_enterprise_cannot_create_for_this_one(api_as, world, scene) -> None:
    client = api_as(world.other_enterprise_user)
    before = state(scene)
    endpoint = next(e for e in ENDPOINTS if e[:2] == ("api-products", "post"))

    foreign = call(client, endpoint, world, scene)
    payload = endpoint[2]
    assert payload is not None
    missing = client.post(
        reverse("api-products"), {**payload(world, scene), "enterprise": 999_999}, format="json"
    )
    application = call(
        client, next(e for e in ENDPOINTS if e[:2] == ("api-applications", "post")), world, scene
    )

    body = assert_problem(foreign, 400, "invalid")
    assert body["errors"] == {"enterprise": ["Not one of your enterprises."]}
    assert missing.json() == foreign.json()
    assert_problem(application, 404, "not_found")
    assert state(scene) == before


# --- the regulator ------------------------------------------------------------------------

REGULATOR_READS = [
    e
    for e in ENDPOINTS
    if e[1] == "get" and e[0] not in {"api-inventory", "api-recomputation", "api-emission-factors"}
]


@pytest.mark.parametrize("endpoint", REGULATOR_READS, ids=endpoint_id)
def test_the_regulator_reads_applications_dossiers_and_files(
    api_as, world, scene, endpoint
) -> None:
    response = call(api_as(world.regulator), endpoint, world, scene)

    assert response.status_code == 200


def test_the_regulator_downloads_evidence(api_as, world, scene) -> None:
    response = api_as(world.regulator).get(url_for("api-file", scene))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (f'attachment; filename="{scene.file.original_name}"')


REGULATOR_WRITE_STATUS = {
    ("api-products", "post"): 403,
    ("api-applications", "post"): 403,
    ("api-transitions", "post"): 403,
    ("api-dossier", "patch"): 403,
    ("api-files", "post"): 403,
    ("api-file", "delete"): 403,
    ("api-team", "put"): 403,
    ("api-team-declaration", "post"): 403,
    ("api-findings", "post"): 403,
    ("api-finding-answer", "post"): 403,
    ("api-finding-close", "post"): 403,
    ("api-finding-reopen", "post"): 403,
    ("api-evaluation", "patch"): 403,
    ("api-peer-review", "post"): 403,
    ("api-peer-declaration", "post"): 403,
    ("api-notification-read", "post"): 404,
    ("api-inventory", "post"): 403,
    ("api-inventory-import", "post"): 403,
    ("api-inventory-line", "patch"): 403,
    ("api-inventory-line", "delete"): 403,
    ("api-variants", "post"): 403,
    ("api-variant", "delete"): 403,
}


KNOWN_DEVIATIONS: dict = {}


@pytest.mark.parametrize(
    "endpoint",
    [
        pytest.param(e, marks=KNOWN_DEVIATIONS.get((e[0], e[1]), ()), id=endpoint_id(e))
        for e in WRITES
        if (e[0], e[1]) in REGULATOR_WRITE_STATUS
    ],
)
def test_every_write_by_the_regulator_is_refused_and_changes_nothing(
    api_as,
    world,
    scene,
    endpoint,
    nothing_changes,
    media_root,
) -> None:
    before = state(scene)
    client = api_as(world.regulator)

    with nothing_changes(scene.application):
        response = call(client, endpoint, world, scene)

    assert_problem(response, REGULATOR_WRITE_STATUS[(endpoint[0], endpoint[1])])
    assert state(scene) == before
    assert not any(media_root.rglob("*.*"))


def test_the_regulator_adds_blacklist_entries_and_others_may_not(api_as, world, scene) -> None:
    endpoint = next(e for e in ENDPOINTS if e[:2] == ("api-blacklist", "post"))

    refused = call(api_as(world.body_admin), endpoint, world, scene)
    body = assert_problem(refused, 403, "permission_denied")
    assert body["detail"] == "Only regulators add blacklist entries."
    assert BlacklistEntry.objects.count() == 0

    added = call(api_as(world.regulator), endpoint, world, scene)
    assert added.status_code == 201
    entry = BlacklistEntry.objects.get()
    assert (entry.organisation, entry.created_by) == (world.enterprise, world.regulator)


# --- bodies, peer reviewers, the platform operator ----------------------------------------


def listed_ids(client) -> list[int]:
    return [a["id"] for a in client.get(reverse("api-applications")).json()["results"]]


def test_a_body_sees_only_the_applications_assigned_to_it(
    api_as, world, scene, application_at
) -> None:
    other_body_admin = member_of(world.peer_body, Role.BODY_ADMIN)
    at_peer_body = application_at(Status.SUBMITTED)
    Application.objects.filter(pk=at_peer_body.pk).update(certification_body=world.peer_body)

    client = api_as(other_body_admin)
    assert listed_ids(client) == [at_peer_body.pk]
    assert_problem(client.get(url_for("api-application", scene)), 404, "not_found")
    assert_problem(client.get(url_for("api-dossier", scene)), 404, "not_found")

    for person in (world.body_admin, world.technical_reviewer, world.decision_maker):
        client = api_as(person)
        assert listed_ids(client) == [scene.application.pk]
        assert_problem(
            client.get(url_for("api-application", scene, application_id=at_peer_body.pk)),
            404,
            "not_found",
        )


def test_a_peer_reviewer_sees_only_what_it_peer_reviews(
    api_as, world, scene, application_at
) -> None:
    not_peer_reviewed = application_at(Status.IN_EVALUATION)
    client = api_as(world.peer_reviewer)

    assert listed_ids(client) == [scene.application.pk]
    assert client.get(url_for("api-dossier", scene)).status_code == 200
    assert client.get(url_for("api-file", scene)).status_code == 200
    for name in ("api-application", "api-dossier", "api-files", "api-findings"):
        response = client.get(url_for(name, scene, application_id=not_peer_reviewed.pk))
        assert_problem(response, 404, "not_found")


def test_the_platform_admin_cannot_read_the_dossier_or_download_evidence(
    api_as, world, scene
) -> None:
    client = api_as(world.platform_admin)

    assert client.get(url_for("api-application", scene)).status_code == 200
    for name in (
        "api-file",
        "api-files",
        "api-dossier",
        "api-dossier-versions",
        "api-dossier-diff",
        "api-evaluation",
    ):
        assert_problem(client.get(url_for(name, scene)), 404, "not_found")


# --- need to know (ISO/IEC 17065 confidentiality) ------------------------------------------

# What quotes the dossier: the versions and their changes, evidence, findings, the evaluation
# record, the inventory and the verifier's recomputation.
DOSSIER_READS = [
    e
    for e in ENDPOINTS
    if e[1] == "get"
    and e[0]
    in {
        "api-dossier",
        "api-dossier-versions",
        "api-dossier-diff",
        "api-files",
        "api-file",
        "api-findings",
        "api-evaluation",
        "api-inventory",
        "api-recomputation",
        "api-variants",
    }
]


@pytest.mark.parametrize("endpoint", DOSSIER_READS, ids=endpoint_id)
def test_a_reviewer_of_the_body_off_the_team_reads_nothing_of_the_file(
    api_as,
    world,
    scene,
    endpoint,
) -> None:
    off_the_team = member_of(world.body, Role.REVIEWER)
    before = state(scene)

    response = call(api_as(off_the_team), endpoint, world, scene)

    assert_problem(response, 404, "not_found")
    assert state(scene) == before


@pytest.mark.parametrize(
    "person", ["reviewer", "second_reviewer", "body_admin", "technical_reviewer", "decision_maker"]
)
@pytest.mark.parametrize(
    "endpoint", [e for e in DOSSIER_READS if e[0] != "api-recomputation"], ids=endpoint_id
)
def test_the_team_and_the_bodys_deciders_read_the_file(
    api_as, world, scene, endpoint, person
) -> None:
    response = call(api_as(getattr(world, person)), endpoint, world, scene)

    assert response.status_code == 200


@pytest.mark.parametrize("endpoint", DOSSIER_READS, ids=endpoint_id)
@pytest.mark.parametrize("withdrawn", [False, True], ids=["draft", "withdrawn draft"])
def test_the_regulator_reads_nothing_of_a_draft_never_submitted(
    api_as,
    world,
    application_at,
    endpoint,
    withdrawn,
) -> None:
    draft = application_at(
        Status.WITHDRAWN if withdrawn else Status.DRAFT, withdrawn_from=Status.DRAFT
    )
    if withdrawn:
        ApplicationEvent.objects.create(
            application=draft,
            actor=world.enterprise_admin,
            action="withdraw",
            from_status=Status.DRAFT,
            to_status=Status.WITHDRAWN,
        )
    version = draft.dossier_versions.get()
    evidence = version.files.first()
    line = InventoryLine.objects.create(
        dossier_version=version,
        position=1,
        stage="production",
        name="Grid electricity",
        amount=Decimal("1"),
        unit="kWh",
        custom_factor_value=Decimal("0.5"),
        custom_factor_unit="kgCO2e/kWh",
        justification="Bill.",
    )
    scene = Scene(
        application=draft,
        file=evidence,
        finding_id=0,
        notification=SimpleNamespace(pk=0),
        inventory_line=line,
    )

    response = call(api_as(world.regulator), endpoint, world, scene)

    assert_problem(response, 404, "not_found")


# --- problem details ----------------------------------------------------------------------


def test_an_illegal_transition_is_a_409_problem_and_changes_nothing(
    api_as,
    world,
    scene,
    nothing_changes,
) -> None:
    before = state(scene)
    client = api_as(world.enterprise_admin)

    with nothing_changes(scene.application):
        response = client.post(
            url_for("api-transitions", scene),
            {"action": "approve", "comment": "Looks fine."},
            format="json",
        )

    body = assert_problem(response, 409, "transition_not_allowed")
    assert body["title"] == "Not allowed now"
    assert body["detail"] == (
        "“Approve certification” is not possible while the application is Awaiting the enterprise."
    )
    assert state(scene) == before


def test_a_failed_guard_is_a_409_problem_with_the_guard_code(
    api_as, world, scene, add_finding
) -> None:
    add_finding(scene.application, "open")
    client = api_as(world.enterprise_member)

    response = client.post(url_for("api-transitions", scene), {"action": "resubmit"}, format="json")

    body = assert_problem(response, 409, "guard:findings_answered")
    assert body["detail"] == "Answer every open finding first."


def test_a_step_by_the_wrong_role_is_a_403_problem(api_as, world, scene) -> None:
    response = api_as(world.body_admin).post(
        url_for("api-transitions", scene), {"action": "resubmit"}, format="json"
    )

    body = assert_problem(response, 403, "actor_not_permitted")
    assert (body["title"], body["detail"]) == (
        "Not permitted",
        "Your role does not allow this step.",
    )


def test_an_unknown_action_is_a_400_problem(api_as, world, scene) -> None:
    response = api_as(world.enterprise_admin).post(
        url_for("api-transitions", scene), {"action": "fly"}, format="json"
    )

    body = assert_problem(response, 400, "invalid")
    assert (body["title"], body["detail"]) == (
        "Validation failed",
        "One or more fields are invalid.",
    )
    assert body["errors"] == {"action": ['"fly" is not a valid choice.']}


def test_a_missing_application_is_a_404_problem(api_as, world, scene) -> None:
    response = api_as(world.enterprise_admin).get(
        url_for("api-application", scene, application_id=999_999)
    )

    body = assert_problem(response, 404, "not_found")
    assert body["detail"] == "Not found."


def test_a_legal_transition_through_the_api(
    api_as, world, scene, django_capture_on_commit_callbacks
) -> None:
    client = api_as(world.enterprise_member)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url_for("api-transitions", scene), {"action": "resubmit"}, format="json"
        )

    assert response.status_code == 200
    assert response.json()["status"] == Status.IN_EVALUATION
    assert response.json()["available_actions"] == []
    assert Application.objects.get(pk=scene.application.pk).status == Status.IN_EVALUATION


def test_reading_a_notification_marks_only_ones_own(api_as, world, scene) -> None:
    response = api_as(world.enterprise_admin).post(url_for("api-notification-read", scene))

    assert response.status_code == 200
    scene.notification.refresh_from_db()
    assert scene.notification.read_at is not None
    assert scene.notification.read_at <= timezone.now()


def test_the_chosen_body_does_not_see_a_draft(api_as, world, application_at) -> None:
    S = Status
    draft = application_at(S.DRAFT)
    client = api_as(world.body_admin)
    assert client.get(reverse("api-application", args=[draft.pk])).status_code == 404
    assert draft.pk not in [
        a["id"] for a in client.get(reverse("api-applications")).json()["results"]
    ]
    submitted = application_at(S.SUBMITTED)
    assert client.get(reverse("api-application", args=[submitted.pk])).status_code == 200


def test_a_replaced_peer_reviewer_loses_access(api_as, world, application_at) -> None:
    S = Status
    application = application_at(S.PEER_REVIEW)
    application.peer_reviews.update(is_current=False)
    client = api_as(world.peer_reviewer)
    assert client.get(reverse("api-application", args=[application.pk])).status_code == 404
    assert client.get(reverse("api-dossier", args=[application.pk])).status_code == 404


def test_the_platform_administrator_does_not_read_findings(api_as, world, application_at) -> None:
    application = application_at(Status.AWAITING_ENTERPRISE, findings="open")
    client = api_as(world.platform_admin)
    assert client.get(reverse("api-application", args=[application.pk])).status_code == 200
    assert client.get(reverse("api-findings", args=[application.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "english", "chinese"),
    [
        (
            "api-blacklist",
            "Only regulators add blacklist entries.",
            "只有监管部门可以添加黑名单记录。",
        ),
        ("api-products", "Only enterprises register products.", "只有企业可以注册产品。"),
    ],
)
def test_a_refusal_is_in_the_callers_language(api_as, world, scene, name, english, chinese) -> None:
    endpoint = next(e for e in ENDPOINTS if e[:2] == (name, "post"))
    client = api_as(world.body_admin)
    before = state(scene)

    for language, detail in (("en", english), ("zh-hans", chinese)):
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
        body = assert_problem(call(client, endpoint, world, scene), 403, "permission_denied")
        assert body["detail"] == detail
    assert state(scene) == before
