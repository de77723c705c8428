"""The interactive API documentation works without internet: Swagger UI comes from the
platform's own static files, under its Content-Security-Policy, and lists the operations."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_api_docs_render_from_our_own_host(live_server, page: Page, server_errors) -> None:
    requested: list[str] = []
    blocked: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    page.goto(f"{live_server.url}/api/docs/")

    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(
        "Carbon label certification API"
    )
    elsewhere = [url for url in requested if not url.startswith(live_server.url)]
    assert elsewhere == [], f"the docs page reached other hosts: {elsewhere}"
    assert blocked == [], f"the Content-Security-Policy blocked parts of the page: {blocked}"
