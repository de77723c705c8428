"""A reviewer makes a security key (WebAuthn, here Chromium's virtual authenticator) their
second factor, and signs in with the password and the key."""

import re

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import Page, expect

from accounts.models import Membership
from accounts.roles import Role
from tests.factories import CertificationBodyFactory, UserFactory

PASSWORD = "correct horse battery"


@pytest.fixture
def newcomer(transactional_db):
    body = CertificationBodyFactory(code="key-body")
    user = UserFactory(username="keyholder", display_name="Key Holder")
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.create(user=user, organisation=body, role=Role.REVIEWER)
    return user


@pytest.fixture
def authenticator(page: Page) -> str:
    """A platform authenticator inside the browser that says yes to every request."""
    session = page.context.new_cdp_session(page)
    session.send("WebAuthn.enable")
    added = session.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return added["authenticatorId"]


def _password_step(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    form = page.locator("main form")
    form.get_by_label("Username").fill("keyholder")
    form.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation(wait_until="load"):
        form.get_by_role("button", name="Log in").click()


def test_a_reviewer_signs_in_with_a_security_key(
    page: Page, live_server, server_errors, newcomer, authenticator
) -> None:
    base = live_server.url.replace("127.0.0.1", "localhost")  # a WebAuthn relying party is a name
    _password_step(page, base)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/$"))

    page.goto(f"{base}/accounts/2fa/webauthn/add/")
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    page.locator("main input[name='password']").fill(PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.locator("main").get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/webauthn/add/$"))
    page.locator("main input[name='name']").fill("My key")
    with page.expect_navigation(wait_until="load"):
        page.locator("main").get_by_role("button", name="Add", exact=True).click()
    assert Authenticator.objects.filter(user=newcomer, type=Authenticator.Type.WEBAUTHN).exists()
    page.goto(f"{base}/portal/")
    expect(page.get_by_test_id("who")).to_have_text("Key Holder")

    # Next time: the password, then the key.
    page.context.clear_cookies()
    _password_step(page, base)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    with page.expect_navigation(wait_until="load"):
        page.locator("main").get_by_role("button", name=re.compile("security key", re.I)).click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
    expect(page.get_by_test_id("who")).to_have_text("Key Holder")
