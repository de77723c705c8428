"""Integers in query strings and paths: ASCII digits within the database's range, else a clear
answer (400 for a malformed filter, 404 for an address or page that cannot exist), never 500.

`"²".isdigit()` is true yet `int("²")` fails; 2**63 and above overflow the database's integers.
"""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from certification.models import Status
from config.api import Pagination
from tests.second_factor import sign_in

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
NOT_INTEGERS = ["²", "١٢", "-1", "1e3", "1.5", "0x10"]
TOO_LARGE = [str(2**63), "18446744073709551615", "9" * 40]


def _assert_invalid(response, field: str) -> None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    assert list(response.json()["errors"]) == [field]


@pytest.fixture
def marketplace_client(api_as, marketplace_admin):
    return api_as(marketplace_admin)


@pytest.mark.parametrize("value", NOT_INTEGERS + TOO_LARGE + ["0"])
def test_the_delivery_list_refuses_an_endpoint_that_is_no_id(marketplace_client, value) -> None:
    response = marketplace_client.get("/api/v1/webhooks/deliveries/", {"endpoint": value})

    _assert_invalid(response, "endpoint")


@pytest.mark.parametrize("value", ["1", str(2**63 - 1)])
def test_the_delivery_list_takes_any_id(marketplace_client, value) -> None:
    response = marketplace_client.get("/api/v1/webhooks/deliveries/", {"endpoint": value})

    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("value", NOT_INTEGERS + TOO_LARGE + ["0", "10000"])
def test_the_factor_search_refuses_a_year_that_is_no_year(api_as, enterprise_admin, value) -> None:
    response = api_as(enterprise_admin).get("/api/v1/emission-factors/", {"year": value})

    _assert_invalid(response, "year")


def test_the_factor_search_takes_a_year(api_as, enterprise_admin) -> None:
    response = api_as(enterprise_admin).get("/api/v1/emission-factors/", {"year": "2022"})

    assert response.status_code == 200


@pytest.mark.parametrize("value", NOT_INTEGERS + TOO_LARGE)
def test_an_inventory_version_that_cannot_exist_is_not_found(
    api_as,
    application_at,
    enterprise_admin,
    value,
) -> None:
    application = application_at(Status.SUBMITTED)
    api_url = reverse("api-inventory", kwargs={"application_id": application.pk})
    page_url = reverse("footprint:inventory", kwargs={"pk": application.pk})
    portal = Client()
    sign_in(portal, enterprise_admin)

    response = api_as(enterprise_admin).get(api_url, {"version": value})
    page = portal.get(page_url, {"version": value})

    assert (response.status_code, response["Content-Type"]) == (404, PROBLEM)
    assert page.status_code == 404


@pytest.mark.parametrize("value", TOO_LARGE)
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/applications/{}/",
        "/api/v1/products/{}/",
        "/api/v1/notifications/{}/read/",
        "/api/v1/webhooks/endpoints/{}/",
        "/api/v1/webhooks/deliveries/{}/",
    ],
)
def test_an_id_in_an_api_path_beyond_the_database_is_not_found(
    api_as,
    marketplace_admin,
    enterprise_admin,
    path,
    value,
) -> None:
    user = marketplace_admin if "webhooks" in path else enterprise_admin
    client = api_as(user)
    url = path.format(value)

    response = client.post(url) if url.endswith("/read/") else client.get(url)

    assert (response.status_code, response["Content-Type"]) == (404, PROBLEM)


@pytest.mark.parametrize("value", TOO_LARGE)
def test_an_id_in_a_portal_path_beyond_the_database_is_not_found(enterprise_admin, value) -> None:
    portal = Client()
    sign_in(portal, enterprise_admin)

    assert portal.get(f"/portal/applications/{value}/").status_code == 404


@pytest.mark.parametrize("value", NOT_INTEGERS + TOO_LARGE)
def test_a_page_that_cannot_exist_is_not_found_and_a_bad_page_size_refused(
    api_as,
    enterprise_admin,
    value,
) -> None:
    client = api_as(enterprise_admin)

    page = client.get("/api/v1/applications/", {"page": value})
    size = client.get("/api/v1/applications/", {"page_size": value})

    assert (page.status_code, page["Content-Type"]) == (404, PROBLEM)
    _assert_invalid(size, "page_size")


def test_an_empty_page_is_not_found(api_as, enterprise_admin) -> None:
    response = api_as(enterprise_admin).get("/api/v1/applications/?page=")

    assert (response.status_code, response["Content-Type"]) == (404, PROBLEM)


@pytest.mark.parametrize(("asked", "served"), [("1", 1), ("", 50), ("200", 200)])
def test_a_page_size_asks_for_at_most_the_maximum(
    api_as, enterprise_admin, application_at, asked, served
) -> None:
    for _ in range(3):
        application_at(Status.DRAFT)
    client = api_as(enterprise_admin)

    response = client.get("/api/v1/applications/", {"page_size": asked})

    assert response.status_code == 200
    assert len(response.json()["results"]) == min(served, 3)
    assert (response.json()["next"] is None) == (served >= 3)


@pytest.mark.parametrize(("asked", "served"), [("7", 7), ("200", 200), ("201", 200), ("", 50)])
def test_a_page_size_past_the_maximum_is_served_as_the_maximum(asked, served) -> None:
    request = Request(APIRequestFactory().get("/api/v1/applications/", {"page_size": asked}))

    assert Pagination().get_page_size(request) == served


# --- ids in request bodies ----------------------------------------------------------------


@pytest.mark.parametrize("value", [2**63, 18446744073709551615])
def test_an_id_in_a_body_that_cannot_exist_is_refused_or_not_found(
    api_as,
    application_at,
    world,
    enterprise_admin,
    body_admin,
    marketplace_admin,
    value,
) -> None:
    draft = application_at(Status.DRAFT)
    in_peer_review = application_at(Status.TECHNICAL_REVIEW)
    cases = [
        (
            enterprise_admin,
            "/api/v1/products/",
            {
                "enterprise": value,
                "category": "LIB-CONSUMER",
                "name": "Cell",
                "model": "C1",
                "manufacturer": "M",
                "plant_address": "Wuxi",
            },
            "enterprise",
        ),
        (
            enterprise_admin,
            "/api/v1/applications/",
            {
                "product": value,
                "certification_body": world.body.code,
                "scheme": "national_pilot",
                "product_rule_name": "PCR",
                "product_rule_version": "1",
            },
            "product",
        ),
        (
            marketplace_admin,
            "/api/v1/webhooks/endpoints/",
            {"marketplace": value, "url": "https://shop.example/hook"},
            "marketplace",
        ),
        (
            body_admin,
            f"/api/v1/applications/{in_peer_review.pk}/peer-review/",
            {"reviewer": value},
            "reviewer",
        ),
        (
            enterprise_admin,
            f"/api/v1/applications/{draft.pk}/inventory/",
            {
                "stage": "raw_material",
                "name": "Steel",
                "amount": "1",
                "unit": "kg",
                "custom_factor_evidence": value,
            },
            "custom_factor_evidence",
        ),
    ]
    for user, url, body, field in cases:
        response = api_as(user).post(url, body, format="json")

        assert response.status_code in (400, 404), (url, response.content)
        assert response["Content-Type"] == PROBLEM
        if response.status_code == 400:
            assert field in response.json()["errors"], (url, response.json())
