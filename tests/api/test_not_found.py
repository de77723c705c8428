"""An address under /api/ that nothing serves answers problem+json 404, like every API error;
elsewhere the portal's 404 page."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/v2/", "/api/v1/applications/x/"])
def test_an_unrouted_api_address_answers_problem_json(api_as, enterprise_admin, path) -> None:
    response = api_as(enterprise_admin).get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "https://carbonlabel.example/problems/not_found",
        "title": "Not found.",
        "status": 404,
        "detail": "No such address in the API.",
        "code": "not_found",
    }


def test_an_unrouted_portal_address_answers_a_page(client) -> None:
    response = client.get("/portal/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
