"""The product's own 400, 403, 404 and 500 pages, in the embedded default as in production:
Django's debug pages (tracebacks, URL lists) only when DJANGO_DEBUG_PAGES asks for them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from tests.second_factor import sign_in

ROOT = Path(__file__).resolve().parents[1]


def _fails_with(exception: Exception):
    def view(request):
        raise exception

    return view


urlpatterns = [
    path("boom/", _fails_with(RuntimeError("boom"))),
    path("denied/", _fails_with(PermissionDenied())),
    path("suspicious/", _fails_with(SuspiciousOperation("odd"))),
    *site_urlpatterns,
]
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"


def settings_of(**environment: str) -> tuple[str, str]:
    """(DEBUG, EMBEDDED) as config.settings computes them under `environment`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(environment)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; import django; django.setup(); "
            "print(settings.DEBUG, settings.EMBEDDED)",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    debug, embedded = result.stdout.split()
    return debug, embedded


def test_the_embedded_default_shows_no_debug_pages() -> None:
    assert settings_of() == ("False", "True")
    assert settings_of(DJANGO_DEBUG_PAGES="true") == ("True", "True")


@pytest.mark.django_db
def test_an_unknown_address_shows_the_product_404_page(client: Client) -> None:
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert b'data-testid="error-page"' in response.content
    assert b"Page not found" in response.content


@pytest.mark.django_db
def test_the_404_page_speaks_chinese(client: Client) -> None:
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    assert "页面不存在".encode() in response.content


@pytest.mark.django_db
def test_an_api_404_stays_problem_json(client: Client) -> None:
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_refusal_shows_the_product_403_page(client: Client, enterprise_admin) -> None:
    sign_in(client, enterprise_admin)
    response = client.get("/denied/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    assert b"Not allowed" in response.content


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_bad_request_shows_the_product_400_page(client: Client) -> None:
    response = client.get("/suspicious/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert b"Bad request" in response.content


@pytest.mark.django_db
def test_a_request_for_an_unknown_host_gets_the_400_page(client: Client) -> None:
    response = client.get("/", HTTP_HOST="evil.example", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert b"Bad request" in response.content


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_server_error_shows_the_product_500_page() -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/boom/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 500
    assert b'data-testid="error-page"' in response.content
    assert b"Something went wrong" in response.content
    assert b"Traceback" not in response.content


@pytest.mark.django_db
def test_a_form_sent_without_its_csrf_token_shows_the_product_page(enterprise_admin) -> None:
    client = Client(enforce_csrf_checks=True)
    sign_in(client, enterprise_admin)
    response = client.post("/portal/applications/new/", {}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "403_csrf.html" in [t.name for t in response.templates]
    assert b"The form has expired" in response.content
