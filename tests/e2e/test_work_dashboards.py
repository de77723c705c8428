"""The dashboards and the spreadsheet start in a browser, on the demo data: the enterprise's
dashboard and its start of several applications at 1280 px and at a 390 px phone width, the
body's open tasks with their due dates (one overdue) and a team member reassigned at 1280 px."""

import re
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from accounts.models import User
from certification.models import Application, ApplicationBatch, Product, Status
from oversight.demo import seed_demo, seed_supervision_demo, seed_worklist_demo
from tests.e2e.test_portal_journey import DESKTOP, VIEWPORTS, assert_fits
from tests.e2e.test_portal_lifecycle import Portal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db, live_server, settings) -> dict[str, User]:
    settings.LABEL_PUBLIC_HOST = urlsplit(live_server.url).netloc
    settings.LABEL_PUBLIC_SCHEME = "http"
    call_command("load_reference", stdout=StringIO())
    people = seed_demo()
    seed_supervision_demo(people)
    seed_worklist_demo(people)
    return people


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_enterprise_reads_its_dashboard_and_starts_applications_from_a_spreadsheet(
    page: Page, live_server, server_errors, demo, viewport, tmp_path
) -> None:
    page.set_viewport_size(viewport)
    portal = Portal(page, live_server.url, server_errors)
    portal.login("ent-admin")

    # The dashboard: certificates by expiry and labels by status as charts, surveillance due.
    portal.submit(page.locator("nav.mainnav").get_by_role("link", name="Dashboard"))
    expect(page.get_by_test_id("chart-expiry")).to_be_visible()
    expect(page.get_by_test_id("chart-labels")).to_be_visible()
    overdue = page.get_by_test_id("surveillance-due").locator("tr", has_text="GC-ESS-40K")
    expect(overdue.get_by_test_id("overdue")).to_have_text("overdue")
    expect(page.get_by_test_id("surveillance-overdue-count")).to_have_text("1")
    renewable = page.get_by_test_id("certificates-by-expiry").locator("tr", has_text="GC-ESS-60K")
    expect(renewable.get_by_test_id("renew")).to_be_visible()
    assert_fits(portal, viewport["width"])

    # Several applications from one file: one registered product, one new.
    portal.submit(page.locator("nav.mainnav").get_by_role("link", name="Applications", exact=True))
    portal.submit(page.get_by_test_id("bulk-start-link"))
    expect(page.get_by_test_id("template-xlsx")).to_be_visible()
    assert_fits(portal, viewport["width"])
    spreadsheet = tmp_path / "products.csv"
    spreadsheet.write_text(
        "gtin,model,product_name,manufacturer,plant_address,category,body,scheme,"
        "product_rule,product_rule_version\n"
        "06901234567892,,,,,,cqc-demo,national_pilot,Li-ion PCR,2026\n"
        ",GC-HOME-3K,Home battery,GreenCell,Changzhou,LIB-STORAGE,cqc-demo,national_pilot,"
        "Li-ion PCR,2026\n",
        encoding="utf-8",
    )
    page.get_by_label("Spreadsheet (.xlsx or .csv)").set_input_files(str(spreadsheet))
    portal.submit(page.get_by_role("button", name="Preview"))
    expect(page.get_by_test_id("bulk-summary")).to_have_text(
        re.compile(r"2 draft applications will be created for .*GreenCell")
    )
    expect(page.get_by_test_id("bulk-row-3")).to_contain_text("new product")
    assert_fits(portal, viewport["width"])
    assert not Product.objects.filter(model="GC-HOME-3K").exists()

    portal.submit(page.get_by_role("button", name="Create 2 draft applications"))
    expect(page.locator(".message.success")).to_have_text("2 draft applications created.")
    batch = ApplicationBatch.objects.get()
    references = sorted(batch.applications.values_list("reference", flat=True))
    table = page.get_by_test_id("application-table")
    for reference in references:
        expect(table.get_by_role("link", name=reference)).to_be_visible()
    assert set(batch.applications.values_list("status", flat=True)) == {Status.DRAFT}
    assert_fits(portal, viewport["width"])


def test_the_body_sees_its_open_tasks_by_due_date_and_reassigns_a_member(
    page: Page, live_server, server_errors, demo
) -> None:
    page.set_viewport_size(DESKTOP)
    portal = Portal(page, live_server.url, server_errors)
    overdue = Application.objects.get(product__model="GC-ESS-70K")
    planned = Application.objects.get(product__model="GC-ESS-80K")
    portal.login("body-admin")

    portal.submit(page.locator("nav.mainnav").get_by_role("link", name="My tasks"))
    expect(page.locator("h1")).to_have_text("My open tasks")
    row = page.get_by_test_id(f"task-application-{overdue.pk}")
    expect(row.get_by_test_id("overdue")).to_have_text("overdue")
    expect(row).to_contain_text("Accept or reject the application")
    # Soonest due first: the overdue surveillance and the overdue acceptance lead the list.
    rows = page.get_by_test_id("tasks").locator("tbody tr")
    expect(rows.nth(0).get_by_test_id("overdue")).to_be_visible()
    expect(rows.nth(1)).to_have_attribute("data-testid", f"task-application-{overdue.pk}")
    expect(page.get_by_test_id("overdue-count")).to_have_text("2")
    assert_fits(portal, DESKTOP["width"])

    reassign = page.get_by_test_id(f"reassign-application-{planned.pk}")
    reassign.locator("summary").click()
    reassign.get_by_label("Take off").select_option(label=str(demo["reviewer2"]))
    reassign.get_by_label("Put on instead").select_option(label=str(demo["reviewer3"]))
    portal.submit(reassign.get_by_role("button", name="Reassign"))
    expect(page.locator(".message.success")).to_have_text(
        f"{demo['reviewer3']} replaces {demo['reviewer2']} on the team."
    )
    expect(page.get_by_test_id(f"task-application-{planned.pk}")).to_contain_text(
        f"{demo['reviewer3']} — not yet declared"
    )
    assert set(planned.team.values_list("user__username", flat=True)) == {"reviewer", "reviewer3"}
