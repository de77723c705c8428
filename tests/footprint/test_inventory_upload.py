"""Importing an inventory file through the Django upload path, API and portal alike: a good
file replaces the lines; any problem imports nothing and says where."""

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certification.models import Application, Status
from footprint import services
from footprint.bridge import core_line
from footprint.engine import recompute
from footprint.models import InventoryLine
from tests.footprint.footprint_data import (
    GOOD_ROWS,
    GOOD_TOTAL,
    GRID,
    HAND_LINES,
    PNG_NAMED_XLSX,
    bad_unit_in_row_7,
    csv_bytes,
    xlsx_bytes,
    zip_bomb,
)

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
AR6 = {"CO2": Decimal(1), "CH4": Decimal("27.9"), "N2O": Decimal(273)}


@pytest.fixture
def draft(application_at, enterprise_admin, enter_lines) -> Application:
    """A draft whose inventory already holds the seven hand-computed lines."""
    application = application_at(Status.DRAFT)
    enter_lines(application, enterprise_admin)
    return application


def lines_of(application: Application) -> list:
    return list(
        InventoryLine.objects.filter(dossier_version__application=application)
        .order_by("position")
        .values_list(
            "pk",
            "position",
            "stage",
            "name",
            "amount",
            "unit",
            "factor__code",
            "custom_factor_value",
        )
    )


def api_import(api, application, content: bytes, name: str):
    return api.post(
        reverse("api-inventory-import", kwargs={"application_id": application.pk}),
        {"file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def portal_import(client, application, content: bytes, name: str):
    return client.post(
        reverse("footprint:inventory_import", args=[application.pk]),
        {"file": SimpleUploadedFile(name, content)},
    )


# --- good files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (xlsx_bytes(GOOD_ROWS), "inventory.xlsx"),
        (csv_bytes(GOOD_ROWS), "inventory.csv"),
    ],
    ids=["xlsx", "csv"],
)
def test_a_good_file_replaces_every_line(api_as, world, draft, content, name):
    response = api_import(api_as(world.enterprise_member), draft, content, name)

    assert response.status_code == 200, response.content
    assert response.json() == {"imported": 6}
    lines = list(
        InventoryLine.objects.filter(dossier_version__application=draft)
        .select_related("factor")
        .order_by("position")
    )
    assert [(line.position, line.stage, line.unit) for line in lines] == [
        (1, "production", "kWh"),
        (2, "production", "MWh"),
        (3, "distribution", "m3"),
        (4, "use", "kWh"),
        (5, "end_of_life", "kWh"),
        (6, "raw_material", "kWh"),
    ]
    first, _office, gas, use, end_of_life, _upstream = lines
    assert (
        first.name,
        first.is_primary,
        first.uncertainty_gsd,
        first.dq_reliability,
        first.justification,
    ) == ("注塑车间电力", True, Decimal("1.05"), 1, "meter readings Jan-Dec 2024")
    assert (
        gas.net_calorific_value,
        gas.net_calorific_value_unit,
        gas.uncertainty_relative_std,
    ) == (Decimal("36.4"), "MJ/m3", Decimal("0.1"))
    assert (use.dq_technological, end_of_life.is_biogenic) == (3, True)
    factors = [line.factor for line in lines]
    assert None not in factors
    assert {factor.version.number for factor in factors if factor} == {1}
    assert recompute([core_line(line) for line in lines], AR6).total == GOOD_TOTAL


def test_a_good_file_through_the_portal(portal, world, draft):
    client = portal(world.enterprise_admin)

    response = portal_import(client, draft, xlsx_bytes(GOOD_ROWS), "inventory.xlsx")

    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Imported 6 lines; they replace the earlier ones." in page
    assert len(lines_of(draft)) == 6


# --- bad files: nothing imported, every problem named -------------------------------------

BAD_FILES: dict[str, Any] = {
    "bad unit in row 7 (csv)": (
        csv_bytes(bad_unit_in_row_7()),
        "inventory.csv",
        [(7, "unit", "unknown unit 'kWhh'")],
    ),
    "bad unit in row 7 (xlsx)": (
        xlsx_bytes(bad_unit_in_row_7()),
        "inventory.xlsx",
        [(7, "unit", "unknown unit 'kWhh'")],
    ),
    "empty file": (b"", "inventory.csv", [(None, None, "the file is empty")]),
    "not a spreadsheet": (
        PNG_NAMED_XLSX,
        "inventory.xlsx",
        [(None, None, "not a spreadsheet: upload an .xlsx workbook or a UTF-8 .csv file")],
    ),
    "zip bomb posing as .xlsx": (
        zip_bomb(),
        "inventory.xlsx",
        [(None, None, "refused as a possible zip bomb")],
    ),
    "wrong kind of name": (
        csv_bytes(GOOD_ROWS),
        "inventory.pdf",
        [(None, None, "Upload an .xlsx workbook or a .csv file.")],
    ),
    "header only": (
        csv_bytes([]),
        "inventory.csv",
        [(None, None, "the file has a header row but no data rows")],
    ),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_a_bad_file_imports_nothing_through_the_api(api_as, world, draft, case):
    content, name, problems = BAD_FILES[case]
    before = lines_of(draft)

    response = api_import(api_as(world.enterprise_admin), draft, content, name)

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["code"] == "import_invalid"
    assert body["detail"].startswith("Nothing was imported")
    errors = [(error["row"], error["column"], error["message"]) for error in body["errors"]]
    assert len(errors) == len(problems)
    for (row, column, message), (want_row, want_column, want_text) in zip(
        errors, problems, strict=True
    ):
        assert (row, column) == (want_row, want_column)
        assert want_text in message
    assert lines_of(draft) == before


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_a_bad_file_imports_nothing_through_the_portal(portal, world, draft, case):
    content, name, problems = BAD_FILES[case]
    before = lines_of(draft)
    client = portal(world.enterprise_admin)

    response = portal_import(client, draft, content, name)

    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="import-errors"' in page
    assert "Nothing was imported" in page
    for row, column, text in problems:
        assert text.replace("'", "&#x27;") in page
        if row is not None:
            assert f"<td>{row}</td><td>{column}</td>" in page
    assert lines_of(draft) == before


@pytest.mark.parametrize("via", ["api", "portal"])
def test_an_oversized_file_is_refused_before_it_is_read(
    settings, api_as, portal, world, draft, via
):
    content = csv_bytes(GOOD_ROWS)
    settings.INVENTORY_IMPORT_MAX_BYTES = len(content) - 1
    before = lines_of(draft)

    if via == "api":
        response = api_import(api_as(world.enterprise_admin), draft, content, "big.csv")
        assert response.status_code == 400
        (error,) = response.json()["errors"]
        assert error["message"].startswith(f"The file is {len(content)}")
        assert "the limit is" in error["message"]
    else:
        response = portal_import(portal(world.enterprise_admin), draft, content, "big.csv")
        assert response.status_code == 400
        assert "the limit is" in response.content.decode()
    assert lines_of(draft) == before


def test_every_problem_of_every_row_is_listed(api_as, world, draft):
    rows = [list(row) for row in GOOD_ROWS]
    rows[0][0] = "manufacturing"
    rows[1][4] = "NO-SUCH-FACTOR"
    rows[3][3] = "kg"
    rows[4][11] = "4"

    response = api_import(api_as(world.enterprise_admin), draft, csv_bytes(rows), "inv.csv")

    assert [(error["row"], error["column"]) for error in response.json()["errors"]] == [
        (2, "stage"),
        (3, "factor_code"),
        (5, "unit"),
        (6, "dq_geographical"),
    ]


def test_a_value_beyond_the_databases_precision_is_reported_on_its_cell(api_as, world, draft):
    rows = [list(GOOD_ROWS[0])]
    rows[0][2] = "0.0000000000001"
    before = lines_of(draft)

    response = api_import(api_as(world.enterprise_admin), draft, csv_bytes(rows), "inv.csv")

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["row"], error["column"]) == (2, "amount")
    assert "decimal places" in error["message"]
    assert lines_of(draft) == before


def test_an_import_only_resolves_published_factors(api_as, world, draft, platform_admin):
    from footprint.models import EmissionFactorDataset

    draft_version = services.dataset_version_create_draft(
        actor=platform_admin, dataset=EmissionFactorDataset.objects.get(code="CN-ELEC-CFP")
    )
    services.factor_create(
        actor=platform_admin,
        version=draft_version,
        data={
            "code": "CN-ELEC-CFP:2024:national_average",
            "name": "draft",
            "region": "CN",
            "data_year": 2024,
            "publication_date": "",
            "publisher": "MEE",
            "source": "draft",
            "licence_note": "",
            "factor_kind": "national_average",
            "value": Decimal("0.5"),
            "unit": "kgCO2e/kWh",
            "gwp_set": "",
        },
    )
    rows = [list(GOOD_ROWS[3])]
    rows[0][4] = "CN-ELEC-CFP:2024:national_average"

    response = api_import(api_as(world.enterprise_admin), draft, csv_bytes(rows), "inv.csv")

    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [(2, "factor_code")]


@pytest.mark.parametrize("persona", ["regulator", "reviewer", "other_enterprise_user"])
def test_people_who_may_not_edit_cannot_import(api_as, world, draft, persona):
    before = lines_of(draft)

    response = api_import(
        api_as(world.persona(persona)), draft, csv_bytes(GOOD_ROWS), "inventory.csv"
    )

    # Neither the body nor the regulator reads a draft never submitted: for them, its
    # inventory does not exist.
    assert (
        response.status_code
        == {"regulator": 404, "reviewer": 404, "other_enterprise_user": 404}[persona]
    )
    assert lines_of(draft) == before


# --- export and template ------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_an_export_imports_back_unchanged(
    portal, world, application_at, enterprise_admin, enter_lines, file_format
):
    application = application_at(Status.DRAFT)
    library_lines = [spec for spec in HAND_LINES if "factor_code" in spec]
    enter_lines(application, enterprise_admin, library_lines)
    client = portal(enterprise_admin)
    before = [
        (stage, name, amount, unit, code)
        for _pk, _pos, stage, name, amount, unit, code, _custom in lines_of(application)
    ]

    exported = client.get(reverse("footprint:inventory_export", args=[application.pk, file_format]))
    assert exported.status_code == 200
    assert f'.{file_format}"' in exported["Content-Disposition"]
    response = portal_import(client, application, exported.content, f"back.{file_format}")

    assert response.status_code == 302
    after = [
        (stage, name, amount, unit, code)
        for _pk, _pos, stage, name, amount, unit, code, _custom in lines_of(application)
    ]
    assert after == before


def test_the_template_lists_stages_units_and_factor_codes(portal, world, factor_library):
    from io import BytesIO

    from openpyxl import load_workbook

    response = portal(world.enterprise_member).get(reverse("footprint:inventory_template"))

    workbook = load_workbook(BytesIO(response.content))
    allowed = workbook["allowed values"]
    stages = [cell.value for cell in allowed["A"][1:] if cell.value]
    codes = [cell.value for cell in allowed["C"][1:] if cell.value]
    units = [cell.value for cell in allowed["B"][1:] if cell.value]
    assert stages == ["raw_material", "production", "distribution", "use", "end_of_life"]
    assert GRID in codes and len(codes) == 43
    assert {"kWh", "t", "t·km", "m3"} <= set(units)
