"""A shopper scans the demo label's QR code with a phone and sees it valid; the certification
body suspends the label in the portal; the shopper's page, reloaded, says SUSPENDED."""

import io
from io import StringIO
from urllib.parse import urlsplit

import pytest
import zxingcpp
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import Page, Response, expect

from accounts.models import User
from labels import services
from labels.models import Label, LabelStatus
from oversight.demo import seed_demo
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.sign_in import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
OVERFLOW_TOLERANCE_PX = 2
STATUS_TIMEOUT_MS = 1_000


@pytest.fixture
def demo_label(transactional_db, live_server, settings) -> Label:
    """The demo data with the public host set to the live server first, so that the label's QR
    code, credential and status list URLs all point at it."""
    settings.LABEL_PUBLIC_HOST = urlsplit(live_server.url).netloc
    settings.LABEL_PUBLIC_SCHEME = "http"
    call_command("load_reference", stdout=StringIO())
    seed_demo()  # commits: the approval's on-commit task issues the label
    return Label.objects.get()


@pytest.fixture
def phone(new_context) -> Page:
    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=3)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context.new_page()


def record_server_errors(page: Page) -> list[str]:
    errors: list[str] = []

    def record(response: Response) -> None:
        if response.status >= 500:
            errors.append(f"{response.status} {response.request.method} {response.url}")

    page.on("response", record)
    return errors


def test_a_phone_scans_the_label_and_sees_the_suspension(
    page: Page,
    phone: Page,
    live_server,
    server_errors,
    demo_label,
    tmp_path,
) -> None:
    phone_errors = record_server_errors(phone)
    serial = demo_label.serial

    # 1. The QR code, as served, carries the GS1 Digital Link of the label on this server.
    qr = phone.request.get(f"{live_server.url}/labels/{serial}/qr.png")
    assert qr.ok
    [barcode] = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.body())))
    url = barcode.text
    assert url == f"{live_server.url}/01/06901234567816/21/{serial}"

    # 2. The phone opens it: the resolver sends it to the verification page, which says VALID.
    response = phone.goto(url)
    assert response is not None and response.ok
    expect(phone).to_have_url(f"{live_server.url}/labels/{serial}/")
    expect(phone.get_by_test_id("label-status")).to_have_text("✓ VALID")
    expect(phone.get_by_test_id("reason")).to_have_text("VALID")
    expect(phone.get_by_test_id("checks").locator("li.fail")).to_have_count(0)
    expect(phone.get_by_test_id("checks").locator("li.ok")).to_have_count(7)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + OVERFLOW_TOLERANCE_PX, (
        f"the label page is {width}px wide at a {PHONE['width']}px viewport"
    )
    screenshot = tmp_path / "public-label-390x844.png"
    phone.screenshot(path=screenshot, full_page=True)
    assert screenshot.stat().st_size > 0

    # 3. The body's administrator suspends the label in the portal, giving the reason.
    log_in(page, live_server.url, "body-admin")
    page.goto(f"{live_server.url}/portal/labels/{serial}/")
    expect(page.get_by_test_id("label-status")).to_have_text("Valid")
    page.get_by_test_id("reason-suspend").fill("Surveillance audit: meter data missing.")
    with page.expect_navigation(wait_until="load"):
        page.get_by_test_id("label-suspend").click()
    expect(page.locator(".message.success")).to_have_text("The label is now: Suspended.")
    expect(page.get_by_test_id("label-status")).to_have_text("Suspended")
    assert Label.objects.get(pk=demo_label.pk).status == LabelStatus.SUSPENDED

    # 4. The shopper reloads: the page says SUSPENDED at once.
    phone.reload()
    expect(phone.get_by_test_id("label-status")).to_have_text(
        "! SUSPENDED", timeout=STATUS_TIMEOUT_MS
    )
    expect(phone.get_by_test_id("reason")).to_have_text("SUSPENDED", timeout=STATUS_TIMEOUT_MS)
    expect(phone.get_by_test_id("verdict")).to_contain_text(
        "Surveillance audit: meter data missing.", timeout=STATUS_TIMEOUT_MS
    )
    phone.screenshot(path=tmp_path / "public-label-suspended-390x844.png", full_page=True)
    assert phone_errors == []


def test_an_open_page_turns_not_trusted_when_the_signing_key_is_revoked(
    phone: Page, live_server, demo_label
) -> None:
    """The label keeps its status (valid); the page still reloads itself, as it does on a
    status change, since status.json's verdict no longer matches the one it shows."""
    phone.goto(f"{live_server.url}/labels/{demo_label.serial}/")
    expect(phone.get_by_test_id("label-status")).to_have_text("✓ VALID")
    body_admin = User.objects.get(username="body-admin")

    services.signing_key_revoke(
        actor=body_admin, key_id=demo_label.signing_key_id, reason="The HSM backup was lost."
    )

    # Not reloaded by the test: the page's own check (every 5 s) must notice.
    expect(phone.get_by_test_id("label-status")).to_have_text("✕ NOT TRUSTED", timeout=15_000)
    expect(phone.get_by_test_id("reason")).to_have_text("KEY_REVOKED")
