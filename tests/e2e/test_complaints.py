"""An anonymous visitor reports a problem from a label's public page and gets a reference; the
issuing body's administrator handles the complaint in the portal; the regulator sees it in the
portal's complaint list."""

from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import BrowserContext, Page, expect

from accounts.models import User
from labels.models import Label
from oversight.complaints.models import Complaint, ComplaintStatus
from oversight.demo import seed_demo
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.sign_in import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_label(transactional_db, live_server, settings) -> Label:
    settings.LABEL_PUBLIC_HOST = urlsplit(live_server.url).netloc
    settings.LABEL_PUBLIC_SCHEME = "http"
    call_command("load_reference", stdout=StringIO())
    seed_demo()  # commits: the approval's on-commit task issues the label
    return Label.objects.get()


def signed_in(new_context, live_server, username: str) -> Page:
    context: BrowserContext = new_context()
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    page = context.new_page()
    log_in(page, live_server.url, username)
    return page


def test_a_visitor_reports_a_label_the_body_handles_it_the_regulator_sees_it(
    page: Page,
    new_context,
    live_server,
    server_errors,
    demo_label,
) -> None:
    serial = demo_label.serial

    # 1. An anonymous visitor opens the public page and follows "Report a problem".
    page.goto(f"{live_server.url}/labels/{serial}/")
    expect(page.get_by_test_id("label-status")).to_have_text("✓ VALID")
    with page.expect_navigation(wait_until="load"):
        page.get_by_test_id("report-problem").click()
    expect(page).to_have_url(f"{live_server.url}/complaints/report/{serial}/")
    page.get_by_label("The footprint value is false").check()
    page.get_by_label("Describe the problem").fill(
        "The shop shows 40 kgCO2e, not the certified value."
    )
    page.get_by_label("Your e-mail or phone (optional)").fill("shopper@example.cn")
    with page.expect_navigation(wait_until="load"):
        page.get_by_test_id("complaint-submit").click()
    complaint = Complaint.objects.get()
    expect(page.get_by_test_id("complaint-reference")).to_have_text(complaint.reference)
    follow_url = page.get_by_test_id("follow-link").inner_text()
    assert follow_url.startswith(f"{live_server.url}/complaints/follow/")

    # 2. The body's administrator assigns herself, acknowledges, investigates and decides.
    body = signed_in(new_context, live_server, "body-admin")
    body.get_by_role("link", name="Complaints").click()
    with body.expect_navigation(wait_until="load"):
        body.get_by_role("link", name=complaint.reference).click()
    expect(body.get_by_test_id("complaint-status")).to_have_text("Received")
    handler = User.objects.get(username="body-admin")
    body.get_by_label("Handler").select_option(value=str(handler.pk))
    with body.expect_navigation(wait_until="load"):
        body.get_by_test_id("complaint-assign").click()
    expect(body.get_by_test_id("complaint-handler")).to_have_text(str(handler))
    for step, status in (("acknowledge", "Acknowledged"), ("investigate", "Under investigation")):
        with body.expect_navigation(wait_until="load"):
            body.get_by_test_id(f"complaint-{step}").click()
        expect(body.get_by_test_id("complaint-status")).to_have_text(status)
    decide = body.get_by_test_id("decide-form")
    decide.get_by_label("Unfounded").check()
    decide.get_by_label("Reasons for the decision").fill(
        "The shop showed an older draft; the certified value is on the pack."
    )
    with body.expect_navigation(wait_until="load"):
        body.get_by_test_id("complaint-decide").click()
    expect(body.get_by_test_id("complaint-status")).to_have_text("Decided")
    expect(body.get_by_test_id("complaint-outcome")).to_have_text("Unfounded")
    assert Complaint.objects.get().status == ComplaintStatus.DECIDED

    # 3. The regulator sees it, decided, in the portal's complaint list.
    regulator = signed_in(new_context, live_server, "regulator")
    regulator.goto(f"{live_server.url}/portal/complaints/")
    row = regulator.get_by_test_id("complaint-row").filter(has_text=complaint.reference)
    expect(row).to_contain_text("Decided · Unfounded")
    expect(row).to_contain_text(serial)
    # ... and on the dashboard, counted against the issuing body.
    regulator.goto(f"{live_server.url}/portal/oversight/dashboard/")
    panel = regulator.get_by_test_id("panel-complaints")
    expect(panel.locator("tbody tr")).to_have_count(1)
    expect(panel.locator("tbody tr")).to_contain_text(
        Label.objects.get(serial=serial).certificate.certification_body.name
    )
    expect(panel.locator("tbody tr td").nth(1)).to_have_text("1")

    # 4. The visitor's private link shows the outcome.
    page.goto(follow_url)
    expect(page.get_by_test_id("complaint-outcome")).to_have_text("Unfounded")
