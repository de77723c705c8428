"""Browser tests: Playwright (pytest-playwright) driving Debian's chromium.

The tests use Debian's chromium (/usr/bin/chromium, installed by the set-up) rather than a
browser downloaded by `playwright install`.
Without it they skip, unless REQUIRE_INTEGRATION is set, in which case they fail.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, Response

# Playwright's sync API keeps an asyncio loop running in this thread (in a greenlet), which
# Django's async-safety check takes for async code. The ORM calls of these tests (seeding,
# reading back what the portal wrote) are plain synchronous code: tell Django so. The live
# server answers the browser from its own thread, where no loop runs.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch options (--headed, --slowmo) plus Debian's chromium."""
    if not CHROMIUM.exists():
        reason = (
            f"{CHROMIUM} is missing: install Debian's chromium "
            "(scripts/system-packages.sh --with-browser) to run the browser tests"
        )
        if os.environ.get("REQUIRE_INTEGRATION"):
            pytest.fail(reason)
        pytest.skip(reason)
    return {
        "headless": True,
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    # An English-speaking browser: the portal picks the language from Accept-Language.
    # A test may ask for another with @pytest.mark.browser_context_args(locale=...).
    return {**browser_context_args, "locale": "en-US"}


@pytest.fixture
def context(new_context) -> BrowserContext:
    context = new_context()
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def server_errors(page: Page) -> Iterator[list[str]]:
    """Every 5xx answer the browser received; the test fails if there is any."""
    errors: list[str] = []

    def record(response: Response) -> None:
        if response.status >= 500:
            errors.append(f"{response.status} {response.request.method} {response.url}")

    page.on("response", record)
    yield errors
    assert errors == [], f"the server answered with errors: {errors}"
