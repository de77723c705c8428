"""A newly invited reviewer signs in with the password, is sent to set up an authenticator app,
reads the secret off the page (as an app would scan the QR code), types the app's code, and
reaches the portal; at the next sign-in the code is asked after the password."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Membership
from accounts.roles import Role
from tests.factories import CertificationBodyFactory, UserFactory
from tests.second_factor import totp_code

PASSWORD = "correct horse battery"


@pytest.fixture
def newcomer(transactional_db):
    body = CertificationBodyFactory(code="new-body")
    user = UserFactory(username="newcomer", display_name="New Reviewer")
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.create(user=user, organisation=body, role=Role.REVIEWER)
    return user


def _password_step(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    form = page.locator("main form")
    form.get_by_label("Username").fill("newcomer")
    form.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation(wait_until="load"):
        form.get_by_role("button", name="Log in").click()


def test_a_reviewer_enrols_an_authenticator_app_and_signs_in_with_it(
    page: Page, live_server, server_errors, newcomer
) -> None:
    base = live_server.url
    _password_step(page, base)
    # Nothing but enrolment: the portal, the admin, the API all lead here.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/$"))
    page.goto(f"{base}/portal/applications/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/$"))
    page.goto(f"{base}/admin/")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/$"))

    with page.expect_navigation(wait_until="load"):
        page.locator("main").get_by_role("link", name="Activate").click()
    # The password once more before changing how the account signs in.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    page.locator("main input[name='password']").fill(PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.locator("main").get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("main input[name='code']").fill(totp_code(secret))
    with page.expect_navigation(wait_until="load"):
        page.locator("main").get_by_role("button", name="Activate").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))

    page.goto(f"{base}/portal/")
    expect(page.get_by_test_id("who")).to_have_text("New Reviewer")

    # Next time: the password, then the code.
    page.context.clear_cookies()
    _password_step(page, base)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    page.locator("main input[name='code']").fill(totp_code(secret, periods_ahead=1))
    with page.expect_navigation(wait_until="load"):
        page.locator("main").get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
