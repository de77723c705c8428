"""Finding an application by what the enterprise knows it by, and taking the list away as a
spreadsheet, in a browser at 1280 px and at a 390 px phone width."""

import csv
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from accounts.models import User
from certification.models import Certificate
from oversight.demo import seed_demo
from tests.e2e.test_portal_journey import VIEWPORTS, assert_fits
from tests.e2e.test_portal_lifecycle import Portal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db) -> dict[str, User]:
    call_command("load_reference", stdout=io.StringIO())
    return seed_demo()


def search(portal: Portal, text: str) -> None:
    portal.page.goto(f"{portal.base_url}/portal/applications/")
    portal.page.get_by_test_id("application-search").fill(text)
    portal.page.get_by_role("button", name="Filter").click()
    portal.page.wait_for_load_state()


def references_shown(page: Page) -> set[str]:
    cells = page.locator("table tbody tr td:first-child").all_inner_texts()
    return {cell.strip() for cell in cells}


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_enterprise_finds_an_application_by_certificate_model_and_gtin_and_exports_it(
    page: Page,
    live_server,
    server_errors,
    demo,
    viewport,
) -> None:
    page.set_viewport_size(viewport)
    certificate = Certificate.objects.select_related("application__product").first()
    assert certificate is not None
    certified = certificate.application
    product = certified.product
    portal = Portal(page, live_server.url, server_errors)
    portal.login("ent-admin")

    assert certified.enterprise.uscc is not None
    keys = [certified.certificate.number, product.model, certified.enterprise.uscc]
    if product.gtin:
        keys.append(product.gtin.lstrip("0"))  # as printed under a barcode
    for key in keys:
        search(portal, key)
        expect(page.locator("table tbody tr").first).to_be_visible()
        assert certified.reference in references_shown(page), key
    assert_fits(portal, viewport["width"])

    # The export holds the rows of the list under its search, every one of them.
    search(portal, "")
    everything = references_shown(page)
    search(portal, certified.certificate.number)
    shown = references_shown(page)
    assert certified.reference in shown and len(shown) < len(everything)
    with page.expect_download() as download_info:
        page.get_by_test_id("export-applications-csv").click()
    download = download_info.value
    assert download.suggested_filename.startswith("applications-")
    rows = list(csv.DictReader(io.StringIO(download.path().read_text(encoding="utf-8-sig"))))
    assert {row["Reference"] for row in rows} == shown
    assert all(row["Certificate number"] == certified.certificate.number for row in rows)

    with page.expect_download() as download_info:
        page.get_by_test_id("export-applications-xlsx").click()
    sheet = load_workbook(
        io.BytesIO(download_info.value.path().read_bytes()), read_only=True
    ).active
    header, *lines = list(sheet.iter_rows(values_only=True))
    assert {line[header.index("Reference")] for line in lines} == shown
