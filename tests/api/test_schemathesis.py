"""The API keeps its schema: schemathesis runs every operation of `/api/schema/` with all its
checks as an enterprise user (token), a reviewer (token) and a marketplace (API key), through
the WSGI application, and no check may fail.

Runs are derandomized (the same requests every time) and small per operation: the three
callers take one to two minutes under `-n 2`.
"""

import json
import zlib
from dataclasses import dataclass

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.specs.openapi import checks as openapi_checks

from accounts.apikeys import api_key_create
from accounts.models import Membership, Organisation, User
from accounts.roles import ApiScope, OrganisationKind, Role
from audits.models import Finding
from certification.models import EvidenceFile, Status
from config.throttles import (
    AnonymousLookupThrottle,
    AnonymousThrottle,
    ApiKeyThrottle,
    ComplaintThrottle,
    PersonThrottle,
)
from config.wsgi import application
from labels import services as label_services
from labels.webhooks import services as webhook_services
from labels.webhooks.models import EventType
from tests.conftest import World, build_application
from tests.second_factor import api_token

MAX_EXAMPLES = 4

# Operations whose accepted input depends on what exists, or on rules between fields, which no
# JSON schema can state: a schema-valid request is rightly refused with a 400 naming the field,
# so `positive_data_acceptance` does not apply to them (each for the reason given). Every other
# operation must accept any request its schema allows.
STATEFUL_INPUT = {
    "POST /api/v1/applications/": "the product and the body must exist",
    "POST /api/v1/products/": "the category must exist",
    "PUT /api/v1/applications/{application_id}/team/": "the members must exist",
    "POST /api/v1/applications/{application_id}/peer-review/": "the reviewer must exist",
    "POST /api/v1/complaints/": "the label must exist; an attachment is judged by content",
    "POST /api/v1/webhooks/endpoints/": "a reachable public https URL",
    "POST /api/v1/auth/token/": "the username and password must match an account",
    "POST /api/v1/labels/batch/": "one kind of key per item; a GTIN's check digit",
    "POST /api/v1/applications/{application_id}/inventory/": "a library factor or a custom one",
    "POST /api/v1/applications/{application_id}/files/": "a PDF, PNG, JPEG, XLSX, DOCX or CSV",
    "POST /api/v1/applications/{application_id}/inventory/import/": "the template's columns",
    "PATCH /api/v1/applications/{application_id}/inventory/{line_id}/": "as the POST",
    "PATCH /api/v1/applications/{application_id}/dossier/": "periods, stages and totals agree",
    "PATCH /api/v1/applications/{application_id}/evaluation/": "skipping the site visit only "
    "on recertification",
    "POST /api/v1/applications/{application_id}/team/declaration/": "a conflict needs a note",
    "POST /api/v1/applications/{application_id}/peer-review/declaration/": "the same",
    "PATCH /api/v1/webhooks/endpoints/{endpoint_id}/": "a reachable public https URL",
    "GET /api/v1/gtins/{gtin}/labels/": "a GTIN's check digit",
    "POST /api/v1/applications/{application_id}/variants/": "one of the enterprise's products, "
    "under a product rule that allows families",
}
load_all_checks()
# Every check schemathesis has. The stateful ones (use_after_free, ensure_resource_availability)
# and object_level_authorization act on what a run learns across operations and identities; in
# this run of single operations they find nothing to compare and pass.
ALL_CHECKS = CHECKS.get_all()
# Objects the positive cases name in their paths, set by `callers` for the running test.
SEEDED: dict[str, list] = {}


@dataclass
class Caller:
    name: str
    headers: dict[str, str]


def _served_schema() -> dict:
    """The schema `/api/schema/` serves, as JSON."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


schema = schemathesis.openapi.from_dict(_served_schema())
schema.app = application
CALLERS = ["enterprise", "reviewer", "marketplace"]


@schema.hook
def map_case(context, case):
    """A schema-valid case names objects that exist (those seeded for the test), so that detail
    routes give their successful answers too; a negative case keeps its generated values."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return case
    for name, value in (case.path_parameters or {}).items():
        seeded = "certificate_number" if "/certificates/" in case.path else name
        choices = SEEDED.get(seeded)
        if choices:
            case.path_parameters[name] = choices[zlib.crc32(str(value).encode()) % len(choices)]
    return case


@pytest.fixture
def callers(world: World) -> dict[str, Caller]:
    """The three callers, and something for each to read: applications at several stages, a
    label, a webhook endpoint with a delivery."""
    applications = [
        build_application(world, status)
        for status in (Status.DRAFT, Status.IN_EVALUATION, Status.AWAITING_ENTERPRISE)
    ]
    approved = build_application(world, Status.APPROVED)
    applications.append(approved)
    label = label_services.label_issue(certificate_id=approved.certificate.pk)
    marketplace = Organisation.objects.create(kind=OrganisationKind.MARKETPLACE, name="GreenMall")
    administrator = User.objects.create_user(username="mall-admin", email="mall@example.cn")
    Membership.objects.create(
        user=administrator, organisation=marketplace, role=Role.MARKETPLACE_ADMIN
    )
    _api_key, key = api_key_create(
        actor=administrator,
        organisation=marketplace,
        name="shop",
        scopes=[ApiScope.LABELS_READ, ApiScope.WEBHOOKS_MANAGE],
    )
    endpoint, _secret = webhook_services.webhook_endpoint_create(
        actor=administrator,
        marketplace=marketplace,
        url="https://shop.example.cn/hooks/labels",
        event_types=list(EventType.values),
    )
    SEEDED.clear()
    SEEDED.update(
        {
            "application_id": [application.pk for application in applications],
            "product_id": [world.product.pk],
            "file_id": list(
                EvidenceFile.objects.filter(application__in=applications).values_list(
                    "pk", flat=True
                )
            ),
            "finding_id": list(
                Finding.objects.filter(application__in=applications).values_list("pk", flat=True)
            ),
            "number": [1, 2],
            "serial": [label.serial],
            "gtin": [label.gtin],
            "certificate_number": [approved.certificate.number],
            "endpoint_id": [endpoint.pk],
            "fmt": ["svg", "png"],
        }
    )
    return {
        "enterprise": Caller(
            "enterprise", {"Authorization": f"Token {_token(world.enterprise_admin)}"}
        ),
        "reviewer": Caller("reviewer", {"Authorization": f"Token {_token(world.reviewer)}"}),
        "marketplace": Caller("marketplace", {"X-API-Key": key}),
    }


def _token(user: User) -> str:
    # Staff tokens work only when obtained with a second factor (docs/api.md).
    return api_token(user)


@pytest.fixture
def served_in_this_transaction(monkeypatch):
    """Requests answered by the WSGI application in this test's database transaction."""
    # Rate limits have their own tests; here they would turn most complaints into 429s.
    for throttle in (
        AnonymousThrottle,
        AnonymousLookupThrottle,
        ApiKeyThrottle,
        ComplaintThrottle,
        PersonThrottle,
    ):
        monkeypatch.setattr(throttle, "rate", "1000000/hour", raising=False)
    # As Django's test client does: the test's connection must outlive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize("caller_name", CALLERS)
@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_keeps_its_schema(
    case, caller_name: str, callers: dict[str, Caller], served_in_this_transaction
) -> None:
    caller = callers[caller_name]
    checks = [
        check
        for check in ALL_CHECKS
        if not (
            check is openapi_checks.positive_data_acceptance
            and case.operation.label in STATEFUL_INPUT
        )
    ]
    case.call_and_validate(headers=caller.headers, checks=checks)
