"""Importing a real inventory in one file in a browser, at 1280 px and at a 390 px phone width:
a file with a problem imports nothing and names its row and column; the corrected file replaces
the lines, supplier factors shown with their source and evidence, the methane line as a gas."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from accounts.models import User
from certification.models import Application, Status
from oversight.demo import seed_demo
from tests.e2e.test_portal_journey import VIEWPORTS, assert_fits
from tests.e2e.test_portal_lifecycle import Portal
from tests.factories import EvidenceFileFactory
from tests.footprint.footprint_data import REALISTIC_ROWS, SUPPLIER_EVIDENCE, inventory_xlsx

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db) -> dict[str, User]:
    call_command("load_reference", stdout=StringIO())
    call_command("load_factors", stdout=StringIO())
    return seed_demo()


@pytest.fixture
def draft(demo) -> Application:
    """The demo's first draft, with the supplier documents the inventory names uploaded."""
    application = Application.objects.filter(status=Status.DRAFT).order_by("pk").first()
    assert application is not None
    version = application.dossier_versions.order_by("-number").first()
    assert version is not None
    for name in SUPPLIER_EVIDENCE:
        version.files.add(
            EvidenceFileFactory(
                application=application, original_name=name, uploaded_by=demo["ent-admin"]
            )
        )
    return application


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_enterprise_imports_its_inventory_in_one_file(
    page: Page, live_server, server_errors, draft, tmp_path, viewport
) -> None:
    page.set_viewport_size(viewport)
    broken = [dict(row) for row in REALISTIC_ROWS]
    broken[5]["unit"] = "kWh"  # the methane line given as energy
    (tmp_path / "broken.xlsx").write_bytes(inventory_xlsx(broken))
    (tmp_path / "inventory.xlsx").write_bytes(inventory_xlsx(REALISTIC_ROWS))
    portal = Portal(page, live_server.url, server_errors)
    portal.login("ent-admin")
    page.goto(f"{live_server.url}/portal/footprint/applications/{draft.pk}/inventory/")
    lines_before = draft.dossier_versions.get().inventory_lines.count()
    form = page.get_by_test_id("import-form")

    # A file with a problem: nothing imported, the row and column named.
    form.locator("input[type=file]").set_input_files(tmp_path / "broken.xlsx")
    with page.expect_navigation(wait_until="load"):
        page.get_by_test_id("import").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("Nothing was imported")
    problem = errors.locator("tbody tr")
    expect(problem).to_have_count(1)
    expect(problem.locator("td").nth(0)).to_have_text("7")
    expect(problem.locator("td").nth(1)).to_have_text("unit")
    expect(problem.locator("td").nth(2)).to_contain_text("a line with a gas gives the mass emitted")
    assert draft.dossier_versions.get().inventory_lines.count() == lines_before
    assert_fits(portal, viewport["width"])

    # The corrected file replaces every line.
    form = page.get_by_test_id("import-form")
    form.locator("input[type=file]").set_input_files(tmp_path / "inventory.xlsx")
    portal.submit(page.get_by_test_id("import"))
    expect(page.locator(".message.success")).to_contain_text("Imported 10 lines")
    table = page.get_by_test_id("inventory-lines")
    expect(table.locator("tbody tr")).to_have_count(10)
    cathode = page.get_by_test_id("line-1")
    expect(cathode).to_contain_text("Cathode active material NCM811")
    expect(cathode).to_contain_text("15.2 kgCO2e/kg")
    expect(cathode).to_contain_text("Source: Supplier EPD S-P-10231 (2024)")
    expect(cathode.get_by_role("link", name="cathode-epd-2024.pdf")).to_be_visible()
    expect(page.get_by_test_id("line-4")).to_contain_text("CN-ELEC-CFP:2023:national_average")
    methane = page.get_by_test_id("line-6")
    expect(methane.get_by_test_id("direct-gas")).to_be_visible()
    expect(methane).to_contain_text("CH4")
    expect(page.get_by_test_id("line-7")).to_contain_text("kgCO2e/(t*km)")
    expect(page.get_by_test_id("preview")).to_be_visible()
    assert draft.dossier_versions.get().inventory_lines.filter(direct_gas="CH4").count() == 1
    assert_fits(portal, viewport["width"])
