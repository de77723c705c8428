"""The regulator draws the demo label's certificate in the portal; the drawn inspector records a
nonconforming outcome; anyone sees the result on the public page, and the label is suspended."""

from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from labels.models import Label, LabelStatus
from oversight.demo import seed_demo
from oversight.models import SamplingItem
from tests.e2e.sign_in import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_label(transactional_db, live_server, settings) -> Label:
    settings.LABEL_PUBLIC_HOST = urlsplit(live_server.url).netloc
    settings.LABEL_PUBLIC_SCHEME = "http"
    call_command("load_reference", stdout=StringIO())
    seed_demo()
    return Label.objects.get()


def log_out(page: Page) -> None:
    page.locator("header").get_by_role("button", name="Log out").click()


def test_a_draw_its_reinspection_and_the_public_result(
    page: Page,
    live_server,
    server_errors,
    demo_label,
    tmp_path,
) -> None:
    base = live_server.url
    log_in(page, base, "regulator")
    page.get_by_role("link", name="Random sampling", exact=True).click()
    form = page.get_by_test_id("draw-form")
    form.get_by_label("Published seed").fill("2026-12-public")
    form.get_by_label("Certificates to draw").fill("1")
    form.get_by_role("button", name="Draw and record").click()
    expect(page.get_by_test_id("draw")).to_contain_text(demo_label.certificate.number)
    item = SamplingItem.objects.get()
    log_out(page)

    log_in(page, base, item.inspector.username)
    page.goto(f"{base}/portal/oversight/reinspections/")
    page.get_by_role("link", name=demo_label.certificate.number).click()
    form = page.get_by_test_id("reinspection-form")
    form.get_by_label("Outcome").select_option("nonconforming")
    form.get_by_label("Action if nonconforming").select_option("suspend")
    form.get_by_label("Findings").fill("Energy bills do not match the inventory.")
    form.get_by_role("button", name="Record the re-inspection").click()
    expect(page.get_by_test_id("reinspection-status")).to_have_text("Completed")
    log_out(page)

    page.goto(f"{base}/oversight/sampling/")
    public = page.get_by_test_id("public-draw")
    expect(public).to_contain_text("2026-12-public")
    expect(public).to_contain_text("Nonconforming (Suspend the certificate)")
    expect(public).not_to_contain_text("Energy bills")
    page.screenshot(path=str(tmp_path / "public-sampling.png"), full_page=True)
    demo_label.refresh_from_db()
    assert demo_label.status == LabelStatus.SUSPENDED
