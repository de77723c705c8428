"""The schema says what the API answers, failures included (config/schema.py), and the API
refuses what the schema rules out: NUL characters, empty API keys."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from certification.models import Status
from config.uploads import ALLOWED

PROBLEM = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"


@pytest.fixture(scope="module")
def schema() -> dict:
    import json

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))


def _operation(schema: dict, method: str, path: str) -> dict:
    return schema["paths"][path][method.lower()]


def _statuses(schema: dict, method: str, path: str) -> set[str]:
    return set(_operation(schema, method, path)["responses"])


def test_every_error_answer_is_a_documented_problem(schema) -> None:
    errors = 0
    for operations in schema["paths"].values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    errors += 1
                    assert list(response["content"]) == [PROBLEM]
                    assert response["content"][PROBLEM]["schema"] == {"$ref": PROBLEM_REF}
    problem = schema["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance", "code", "errors"} <= set(
        problem["properties"]
    )
    assert errors > 200


@pytest.mark.parametrize(
    ("method", "path", "present", "absent"),
    [
        # a body: 400; a workflow step: 409; an object in the path: 404
        ("POST", "/api/v1/applications/{application_id}/transitions/", {"400", "409", "404"}, ()),
        # no body, no query, no workflow step
        ("GET", "/api/v1/products/{product_id}/", {"401", "403", "404", "429"}, {"400", "409"}),
        # paginated: page_size can be refused, a page past the end is not found
        ("GET", "/api/v1/categories/", {"400", "404"}, {"409"}),
        # a body, but not a workflow step
        ("POST", "/api/v1/products/", {"400"}, {"409", "404"}),
        # the sign-in: locked out (429), a wrong password or code (400), staff without an
        # authenticator app (403); never a workflow step
        ("POST", "/api/v1/auth/token/", {"400", "401", "403", "429"}, {"409"}),
        ("GET", "/api/v1/gtins/{gtin}/labels/", {"304", "400", "404", "429"}, {"409"}),
        ("POST", "/api/v1/webhooks/endpoints/{endpoint_id}/test/", {"409", "404"}, {"400"}),
    ],
)
def test_the_errors_follow_from_the_view(schema, method, path, present, absent) -> None:
    statuses = _statuses(schema, method, path)

    assert set(present) <= statuses
    assert not set(absent) & statuses


def test_a_rate_limit_says_when_to_come_back(schema) -> None:
    response = _operation(schema, "GET", "/api/v1/labels/{serial}/")["responses"]["429"]

    assert "Retry-After" in response["headers"]


def test_every_paginated_list_is_documented_as_the_envelope(schema) -> None:
    lists = 0
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        names = {parameter["name"] for parameter in (operation or {}).get("parameters", [])}
        if "page" not in names:
            continue
        lists += 1
        reference = operation["responses"]["200"]["content"]["application/json"]["schema"]
        envelope = schema["components"]["schemas"][reference["$ref"].rsplit("/", 1)[1]]
        assert {"count", "next", "previous", "results"} == set(envelope["properties"]), path
    assert lists == 16


def test_evidence_downloads_have_the_types_an_upload_can_have(schema) -> None:
    path = "/api/v1/applications/{application_id}/files/{file_id}/"
    content = _operation(schema, "GET", path)["responses"]["200"]["content"]

    assert set(content) == set(ALLOWED)


def test_api_keys_are_listed_only_where_a_key_is_accepted(schema) -> None:
    def schemes(method: str, path: str) -> list:
        return [next(iter(item), None) for item in _operation(schema, method, path)["security"]]

    assert "ApiKey" not in schemes("GET", "/api/v1/applications/")
    assert "ApiKey" in schemes("GET", "/api/v1/webhooks/endpoints/")
    # anyone may look a label up
    assert {"ApiKey", None} <= set(schemes("GET", "/api/v1/labels/{serial}/"))


def test_the_security_requirements_are_those_the_view_enforces(schema) -> None:
    def requirements(method: str, path: str) -> list:
        return _operation(schema, method, path)["security"]

    # Anyone may look one label up; a batch needs credentials (401 in the view's initial()).
    assert requirements("POST", "/api/v1/labels/batch/") == [
        {"ApiKey": []},
        {"tokenAuth": []},
        {"cookieAuth": []},
    ]
    # A complaint is filed by a person, signed in or not, never with an API key (403).
    assert requirements("POST", "/api/v1/complaints/") == [
        {"tokenAuth": []},
        {"cookieAuth": []},
        {},
    ]
    assert requirements("GET", "/api/v1/complaints/") == [{"tokenAuth": []}, {"cookieAuth": []}]


def test_request_constraints_the_server_enforces_are_in_the_schema(schema) -> None:
    components = schema["components"]["schemas"]

    assert components["TeamInputRequest"]["properties"]["members"]["minItems"] == 1
    assert components["LabelBatchInputRequest"]["properties"]["keys"]["minItems"] == 1
    body = components["ApplicationListInputRequest"]["properties"]["certification_body"]
    assert "nullable" not in body
    amount = components["InventoryLineCreateInputRequest"]["properties"]["amount"]["pattern"]
    assert re.fullmatch(amount, "2.5") and re.fullmatch(amount, ".5")
    assert not re.fullmatch(amount, "") and not re.fullmatch(amount, "-")
    name = components["ProductListInputRequest"]["properties"]["name"]["pattern"]
    assert re.search(name, "Pack") and not re.search(name, "   ")
    assert not re.search(name, "Pa\x00ck")


def test_bodies_are_documented_as_json(schema) -> None:
    body = _operation(schema, "POST", "/api/v1/products/")["requestBody"]["content"]
    upload = _operation(schema, "POST", "/api/v1/applications/{application_id}/files/")

    assert list(body) == ["application/json"]
    assert list(upload["requestBody"]["content"]) == ["multipart/form-data"]


# --- what the server refuses --------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/labels/A%00B/",
        "/api/v1/certificates/A%00B/label/",
        "/api/v1/labels/A%00B/badge.svg",
        "/api/v1/complaints/A%00B/",
    ],
)
def test_a_nul_in_an_api_path_names_nothing(api_as, world, path) -> None:
    response = api_as(world.enterprise_admin).get(path)

    assert (response.status_code, response["Content-Type"]) == (404, PROBLEM)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/emission-factors/?q=a%00b", "q"),
        ("/api/v1/applications/?status=a%00b", "status"),
        ("/api/v1/webhooks/deliveries/?label=a%00b", "label"),
    ],
)
def test_a_nul_in_a_query_parameter_is_invalid(api_as, world, path, field) -> None:
    response = api_as(world.enterprise_admin).get(path)

    assert (response.status_code, response["Content-Type"]) == (400, PROBLEM)
    assert list(response.json()["errors"]) == [field]


def test_a_nul_anywhere_in_a_json_body_is_refused(api_as, world, application_at) -> None:
    application = application_at(Status.DRAFT)
    body = {"stages_excluded": [{"stage": "use", "reason": "a\x00b"}]}

    response = api_as(world.enterprise_admin).patch(
        f"/api/v1/applications/{application.pk}/dossier/", body, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (400, "parse_error")


def test_a_body_key_that_names_no_field_is_ignored_even_with_a_nul(
    api_as, world, application_at
) -> None:
    application = application_at(Status.DRAFT)
    body = {"goal": "Quantify the footprint.", "no\x00field": {"a": 1}}

    response = api_as(world.enterprise_admin).patch(
        f"/api/v1/applications/{application.pk}/dossier/", body, format="json"
    )

    assert response.status_code == 200, response.json()


def test_a_nul_in_a_looked_up_slug_is_invalid(api_as, world) -> None:
    """A form body is not parsed as JSON: the lookup itself refuses the NUL."""
    body = {"name": "a", "model": "b", "manufacturer": "c", "plant_address": "d"}

    response = api_as(world.enterprise_admin).post(
        "/api/v1/products/", {**body, "category": "LIB\x00"}, format="multipart"
    )

    assert response.status_code == 400, response.json()
    assert list(response.json()["errors"]) == ["category"]


def test_an_empty_api_key_header_is_refused(key_client, issue_label) -> None:
    label = issue_label()
    response = key_client(None).get(f"/api/v1/labels/{label.serial}/", HTTP_X_API_KEY="")

    assert (response.status_code, response.json()["code"]) == (401, "invalid_api_key")
