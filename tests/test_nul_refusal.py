"""The refusal of NUL characters in a path or a query (config/middleware.py) answers with the
security headers every other answer carries, and still comes before anything that reads the
path or the query."""

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/directory/?q=%00", 400),
        ("/labels/a%00b/", 404),
        ("/portal/applications/?status=a%00b", 400),
        ("/api/v1/labels/A%00B/", 404),
        ("/api/v1/applications/?status=a%00b", 400),
    ],
)
def test_a_refusal_carries_the_security_headers(path, status) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get("/directory/")

    response = client.get(path)

    assert response.status_code == status
    assert {name: response.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS
    assert response["Content-Security-Policy"] == page["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_the_refusal_comes_first_after_the_header_middleware() -> None:
    """Only the middleware that writes headers on the way out runs before the refusal; nothing
    that reads the path, the query or the database (sessions, static files, the language,
    the second factor, the lockout)."""
    middleware = settings.MIDDLEWARE
    refusal = middleware.index("config.middleware.nul_refusal")

    assert middleware[:refusal] == [
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
        "csp.middleware.CSPMiddleware",
    ]
