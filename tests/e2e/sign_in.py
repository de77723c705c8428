"""Signing in through the browser as a person does: username and password, then, for staff, the
code of their authenticator app. The demo gives staff logins a known secret (accounts/demo.py);
the code is computed here from it and typed into the page."""

import re
import time

from django.conf import settings
from playwright.sync_api import Page, expect

from accounts.demo import demo_totp_code
from oversight.demo import DEMO_PASSWORD

# The periods whose code each person has used: a code is accepted once, and the platform takes
# the codes of the period before and after the current one too.
_USED: dict[str, set[int]] = {}


def second_factor_code(username: str) -> str:
    """An unused code of this person's authenticator app, as the app would show it (waiting for
    the next period if the three accepted ones were used)."""
    period = settings.MFA_TOTP_PERIOD
    used = _USED.setdefault(username, set())
    while True:
        now = time.time()
        counter = int(now) // period
        for candidate in (counter, counter + 1, counter - 1):
            if candidate not in used:
                used.add(candidate)
                return demo_totp_code(username, at=candidate * period)[0]
        time.sleep(period - now % period + 0.1)


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    form = page.locator("main form")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Password").fill(DEMO_PASSWORD)
    with page.expect_navigation(wait_until="load"):
        form.get_by_role("button", name="Log in").click()
    if "/accounts/2fa/authenticate/" in page.url:
        page.locator("main input[name='code']").fill(second_factor_code(username))
        with page.expect_navigation(wait_until="load"):
            page.locator("main").get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/portal/$"))
