"""Small things people met on the portal: the registration form keeps the password after
another field's error, the lockout page says how long, a too-long value's error names the field
and its limit, and /favicon.ico is answered. (Browser side: tests/e2e/test_portal_journey.py.)"""

import re

import pytest
from django.test import Client

from tests.factories import make_uscc

pytestmark = pytest.mark.django_db

PASSWORD = "Carbon-label-2026!"


def registration(**changes) -> dict:
    return {
        "name": "Suzhou Solar",
        "legal_name": "Suzhou Solar Co., Ltd.",
        "uscc": make_uscc("91320500MA1234567"),
        "address": "1 Solar Road, Suzhou",
        "province": "JS",
        "display_name": "Li Na",
        "username": "lina",
        "email": "lina@example.cn",
        "password": PASSWORD,
        **changes,
    }


def password_value(html: str) -> str | None:
    match = re.search(r'<input type="password" name="password"[^>]*>', html)
    assert match, html
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


def test_the_password_is_kept_after_another_fields_error_but_never_a_refused_one() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    response = client.post("/accounts/register/", registration(uscc="not a code"))

    assert response.status_code == 200
    assert response.context["form"].has_error("uscc")
    assert password_value(response.content.decode()) == PASSWORD
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]

    refused = client.post("/accounts/register/", registration(password="short"))
    assert refused.context["form"].has_error("password")
    assert password_value(refused.content.decode()) is None


def test_the_lockout_page_says_how_long(enterprise_admin, settings) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(2):
        response = client.post(
            "/accounts/login/", {"login": enterprise_admin.username, "password": "wrong"}
        )

    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    html = response.content.decode()
    assert "Try again in 15 minutes." in html
    assert 'data-testid="lockout"' in html


def test_a_too_long_value_names_the_field_and_the_limit(enterprise_admin) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(enterprise_admin)

    response = client.post(
        "/portal/products/",
        {
            "name": "x" * 230,
            "model": "PB-1",
            "manufacturer": "Voltia",
            "plant_address": "Ningde",
        },
    )

    assert response.context["form"].errors["name"] == [
        "“Product name” is too long: at most 200 characters (it has 230)."
    ]


def test_the_favicon_is_linked_and_favicon_ico_answered() -> None:
    client = Client()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in (
        client.get("/").content.decode()
    )
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"
