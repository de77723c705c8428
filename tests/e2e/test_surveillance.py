"""A surveillance in the browser: the body plans it and a reviewer runs it, the enterprise
updates its activity data and uploads evidence, the decision maker continues the certificate,
and the label's public page shows the new last-surveillance date."""

from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from labels.models import Label
from oversight.demo import seed_demo, seed_supervision_demo
from oversight.models import Surveillance
from tests.e2e.test_portal_lifecycle import Portal
from tests.factories import make_pdf

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def due_soon(transactional_db, live_server, settings) -> Surveillance:
    """The demo's certificate whose surveillance is due in 20 days."""
    settings.LABEL_PUBLIC_HOST = urlsplit(live_server.url).netloc
    settings.LABEL_PUBLIC_SCHEME = "http"
    call_command("load_reference", stdout=StringIO())
    call_command("load_factors", stdout=StringIO())
    seed_supervision_demo(seed_demo())
    return Surveillance.objects.get(certificate__product__model="GC-ESS-30K")


def test_a_surveillance_from_plan_to_decision(
    page: Page, live_server, server_errors, due_soon, tmp_path
) -> None:
    portal = Portal(page, live_server.url, server_errors)
    certificate = due_soon.certificate
    label = Label.objects.get(certificate=certificate)
    surveillance_url = f"{live_server.url}/portal/supervision/surveillances/{due_soon.pk}/"
    today = timezone.localdate().isoformat()

    # The body's administrator finds the surveillance due and plans it.
    portal.login("body-admin")
    portal.submit(page.locator("nav.mainnav").get_by_role("link", name="Certificates"))
    due = page.get_by_test_id("surveillances-due")
    expect(due).to_contain_text(certificate.number)
    portal.submit(due.locator("tr", has_text=certificate.number).get_by_role("link"))
    expect(page.get_by_test_id("surveillance-status")).to_have_text("Due")
    plan = page.get_by_test_id("plan-form")
    plan.get_by_label("Planned date").fill(today)
    plan.get_by_label("Mode").select_option("remote")
    plan.get_by_label("张伟 Zhang Wei").first.check()
    plan.get_by_label("Team lead").select_option(label="张伟 Zhang Wei")
    portal.submit(page.get_by_test_id("save-plan"))
    portal.submit(page.get_by_test_id("step-plan"))
    expect(page.get_by_test_id("surveillance-status")).to_have_text("Planned")
    portal.logout()

    # The reviewer declares and starts it.
    portal.login("reviewer")
    page.goto(surveillance_url)
    portal.submit(page.get_by_test_id("declare"))
    portal.submit(page.get_by_test_id("step-start"))
    expect(page.get_by_test_id("surveillance-status")).to_have_text("In progress")
    portal.logout()

    # The enterprise updates the latest reference period's data and uploads its evidence.
    portal.login("ent-admin")
    page.goto(surveillance_url)
    bills = tmp_path / "energy-bills-2026.pdf"
    bills.write_bytes(make_pdf())
    page.get_by_label("Kind of evidence").select_option("evidence")
    page.get_by_label("File").set_input_files(str(bills))
    portal.submit(page.get_by_role("button", name="Upload evidence"))
    page.goto(surveillance_url)
    portal.submit(page.get_by_test_id("inventory-link"))
    row = page.get_by_test_id("line-5")
    expect(row).to_contain_text("Cell and pack assembly electricity")
    portal.submit(row.get_by_role("link", name="Edit"))
    page.get_by_label("Amount").first.fill("20.1")
    portal.submit(page.get_by_test_id("save-line"))
    expect(page.get_by_test_id("line-5")).to_contain_text("20.1 kWh")
    portal.logout()

    # The reviewer recomputes with the current factor library, reports and submits.
    portal.login("reviewer")
    page.goto(surveillance_url)
    portal.submit(page.get_by_test_id("recompute"))
    expect(page.get_by_test_id("deviation")).to_contain_text("within the materiality threshold")
    page.get_by_label("Surveillance report").fill("Data for 2026 checked; plant unchanged.")
    portal.submit(page.get_by_test_id("save-report"))
    portal.submit(page.get_by_test_id("step-submit_report"))
    expect(page.get_by_test_id("surveillance-status")).to_have_text("Awaiting decision")
    portal.logout()

    # Someone not on the team decides: the certificate continues.
    portal.login("decision-maker")
    page.goto(surveillance_url)
    page.get_by_test_id("comment-continue").fill("Surveillance passed; certificate continues.")
    portal.submit(page.get_by_test_id("step-continue"))
    expect(page.get_by_test_id("outcome")).to_contain_text("Certificate continued")
    portal.logout()

    # The public page shows the new last surveillance.
    page.goto(f"{live_server.url}/labels/{label.serial}/?lang=en")
    expect(page.get_by_test_id("label-status")).to_have_text("✓ VALID")
    expect(page.get_by_test_id("last-surveillance")).to_have_text(
        f"{today} · Certificate continued"
    )
    page.screenshot(path=str(tmp_path / "public-page.png"), full_page=True)
