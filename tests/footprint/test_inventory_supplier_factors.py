"""Supplier factors and gases emitted, through the Django path: a real inventory imported in one
file (API and portal), its evidence checked against the dossier, the lines recomputed at
submission and shown on the workbench with their sources; the portal form and the API keep the
same rules."""

import re
import subprocess
from decimal import Decimal
from pathlib import Path
from shutil import which

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from certification.inventory import services as inventory_services
from certification.models import Application, Status
from footprint import services
from footprint.models import GlobalWarmingPotential, InventoryLine, Recomputation
from tests.factories import EvidenceFileFactory
from tests.footprint.footprint_data import (
    GRID,
    HAND_LINES,
    REALISTIC_BY_STAGE,
    REALISTIC_ROWS,
    REALISTIC_TOTAL,
    SUPPLIER_EVIDENCE,
    inventory_csv,
    inventory_xlsx,
)

pytestmark = pytest.mark.django_db


def with_supplier_evidence(application: Application) -> Application:
    """The supplier documents the realistic inventory names, uploaded to the open version."""
    version = application.dossier_versions.order_by("-number").first()
    assert version is not None
    for name in SUPPLIER_EVIDENCE:
        version.files.add(
            EvidenceFileFactory(
                application=application,
                original_name=name,
                uploaded_by=application.created_by,
            )
        )
    return application


@pytest.fixture
def draft(application_at, factor_library) -> Application:
    return with_supplier_evidence(application_at(Status.DRAFT))


def stored(application: Application) -> list[InventoryLine]:
    return list(
        InventoryLine.objects.filter(dossier_version__application=application)
        .select_related("factor", "custom_factor_evidence")
        .order_by("position")
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


# --- the realistic inventory --------------------------------------------------------------


def test_a_real_inventory_imports_in_one_file_through_the_api(api_as, world, draft):
    response = api_import(
        api_as(world.enterprise_admin), draft, inventory_csv(REALISTIC_ROWS), "inventory.csv"
    )

    assert response.status_code == 200, response.content
    assert response.json() == {"imported": 10}
    lines = stored(draft)
    cathode, graphite, casing, electricity, _gas, methane, freight, _use, co2, n2o = lines
    assert cathode.custom_factor_evidence is not None
    assert (
        cathode.factor,
        cathode.custom_factor_value,
        cathode.custom_factor_unit,
        cathode.custom_factor_source,
        cathode.custom_factor_evidence.original_name,
        cathode.justification,
        cathode.direct_gas,
    ) == (
        None,
        Decimal("15.2"),
        "kgCO2e/kg",
        "Supplier EPD S-P-10231 (2024)",
        "cathode-epd-2024.pdf",
        "Sole cathode supplier; the EPD covers this grade.",
        "",
    )
    assert cathode.custom_factor_evidence.application_id == draft.pk
    assert graphite.custom_factor_evidence is not None
    assert (graphite.unit, graphite.custom_factor_evidence.original_name) == (
        "kg",
        "graphite-lca-2024.pdf",
    )
    assert casing.custom_factor_unit == "tCO2e/t"
    assert electricity.factor is not None
    assert (electricity.factor.code, electricity.unit) == (GRID, "kWh")
    assert (methane.direct_gas, methane.factor, methane.custom_factor_value, methane.unit) == (
        "CH4",
        None,
        None,
        "kg",
    )
    assert (freight.unit, freight.custom_factor_unit) == ("kg·km", "kgCO2e/(t*km)")
    assert (co2.direct_gas, n2o.direct_gas, n2o.amount, n2o.unit) == (
        "CO2",
        "N2O",
        Decimal("0.2"),
        "g",
    )


def test_the_imported_inventory_is_recomputed_at_submission_with_the_dossiers_gwp_set(
    api_as, world, draft, enterprise_admin, submit
):
    api_import(api_as(enterprise_admin), draft, inventory_csv(REALISTIC_ROWS), "inventory.csv")

    submit(enterprise_admin, draft)

    recomputation = Recomputation.objects.get(dossier_version__application=draft)
    assert (recomputation.gwp_set, recomputation.lines_count) == ("AR6", 10)
    assert recomputation.total == REALISTIC_TOTAL
    assert {stage: Decimal(value) for stage, value in recomputation.by_stage.items()} == (
        REALISTIC_BY_STAGE
    )
    # |85.4 − 84.67964| / 85.4, within the 5 % threshold
    assert recomputation.deviation is not None
    assert recomputation.deviation.quantize(Decimal("0.000001")) == Decimal("0.008435")
    assert recomputation.material is False


def test_a_real_inventory_imports_through_the_portal_and_its_lines_are_shown(portal, world, draft):
    client = portal(world.enterprise_admin)

    response = portal_import(client, draft, inventory_xlsx(REALISTIC_ROWS), "inventory.xlsx")

    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Imported 10 lines; they replace the earlier ones." in page
    cathode = page[page.index('data-testid="line-1"') :]
    cathode = cathode[: cathode.index("</tr>")]
    assert "15.2 kgCO2e/kg" in cathode
    assert "Source: Supplier EPD S-P-10231 (2024)" in cathode
    assert "cathode-epd-2024.pdf</a>" in cathode
    methane = page[page.index('data-testid="line-6"') :]
    assert 'data-testid="direct-gas"' in methane[: methane.index("</tr>")]
    preview = page[page.index('data-testid="preview"') :]
    assert "84.680" in preview


def test_the_workbench_recomputes_each_line_and_shows_its_source_and_evidence(
    api_as, portal, world, draft, enterprise_admin, submit
):
    api_import(api_as(enterprise_admin), draft, inventory_csv(REALISTIC_ROWS), "inventory.csv")
    submit(enterprise_admin, draft)

    page = (
        portal(world.body_admin)
        .get(reverse("footprint:workbench", args=[draft.pk]))
        .content.decode()
    )

    assert "<strong>84.680 kgCO2e</strong>" in page
    lines = page[page.index('data-testid="workbench-lines"') :]
    cathode = lines[lines.index('data-testid="workbench-line-1"') :]
    cathode = cathode[: cathode.index("</tr>")]
    assert "Supplier EPD S-P-10231 (2024)" in cathode
    assert "cathode-epd-2024.pdf</a>" in cathode
    assert "Sole cathode supplier" in cathode
    assert re.search(r'data-testid="line-co2e">31\.920<', cathode)
    electricity = lines[lines.index('data-testid="workbench-line-4"') :]
    electricity = electricity[: electricity.index("</tr>")]
    assert "MEE/NBS/NEA" in electricity and "CN-ELEC-CFP v1" in electricity
    methane = lines[lines.index('data-testid="workbench-line-6"') :]
    methane = methane[: methane.index("</tr>")]
    assert "CH4" in methane and "× GWP100 27.9 (AR6)" in methane
    assert re.search(r'data-testid="line-co2e">0\.419<', methane)
    n2o = lines[lines.index('data-testid="workbench-line-10"') :]
    assert "× GWP100 273 (AR6)" in n2o[: n2o.index("</tr>")]


# --- evidence and gases checked against the dossier --------------------------------------


def test_evidence_of_another_application_is_not_a_file_of_this_dossier(
    api_as, world, application_at, factor_library
):
    application = application_at(Status.DRAFT)
    with_supplier_evidence(application_at(Status.DRAFT))  # same names, another dossier
    before = stored(application)

    response = api_import(
        api_as(world.enterprise_admin), application, inventory_csv(REALISTIC_ROWS[:1]), "a.csv"
    )

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["row"], error["column"]) == (2, "factor_evidence")
    assert error["message"].startswith(
        "no evidence file of this dossier version is named 'cathode-epd-2024.pdf'; its files are:"
    )
    assert stored(application) == before


def test_a_gas_without_a_gwp_in_the_table_is_refused(api_as, world, draft):
    GlobalWarmingPotential.objects.filter(gas="CH4").delete()

    response = api_import(
        api_as(world.enterprise_admin), draft, inventory_csv(REALISTIC_ROWS), "inventory.csv"
    )

    assert response.status_code == 400
    assert [(e["row"], e["column"], e["message"]) for e in response.json()["errors"]] == [
        (7, "gas", "'CH4' is not a gas a line can give by mass; use one of CO2, N2O")
    ]
    assert stored(draft) == []


def test_a_file_with_one_bad_row_imports_nothing_and_keeps_the_earlier_lines(
    api_as, world, draft, enterprise_admin, enter_lines
):
    enter_lines(draft, enterprise_admin, HAND_LINES[1:3])
    before = [(line.pk, line.name) for line in stored(draft)]
    rows = [dict(row) for row in REALISTIC_ROWS]
    rows[6]["unit"] = "kg"  # road freight in kilograms against a factor per t·km

    response = api_import(api_as(world.enterprise_admin), draft, inventory_csv(rows), "inv.csv")

    assert response.status_code == 400
    assert [(e["row"], e["column"], e["message"]) for e in response.json()["errors"]] == [
        (8, "unit", "kg (mass) does not fit the supplier factor, which is per t·km (transport)")
    ]
    assert [(line.pk, line.name) for line in stored(draft)] == before


def test_a_value_beyond_the_databases_limits_is_named_at_its_supplier_column(api_as, world, draft):
    rows = [dict(REALISTIC_ROWS[0], factor_source="x" * 501)]

    response = api_import(api_as(world.enterprise_admin), draft, inventory_csv(rows), "inv.csv")

    assert response.status_code == 400
    ((row, column),) = [(e["row"], e["column"]) for e in response.json()["errors"]]
    assert (row, column) == (2, "factor_source")


def _compile_catalogue(directory: Path, entries: dict[str, str]) -> None:
    messages = directory / "zh_Hans" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    lines = ['msgid ""', 'msgstr "Content-Type: text/plain; charset=UTF-8\\n"', ""]
    for msgid, msgstr in entries.items():
        lines += ["#, python-format", f'msgid "{msgid}"', f'msgstr "{msgstr}"', ""]
    (messages / "django.po").write_text("\n".join(lines), encoding="utf-8")
    msgfmt = which("msgfmt")
    assert msgfmt is not None
    subprocess.run(
        [msgfmt, "-o", str(messages / "django.mo"), str(messages / "django.po")],
        check=True,
    )


@pytest.mark.skipif(which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
def test_row_problems_are_given_in_the_readers_language(
    settings, tmp_path, world, draft, enterprise_admin
):
    _compile_catalogue(
        tmp_path,
        {
            "a line with a gas gives the mass emitted: use g, kg or t, not %(unit)s "
            "(%(dimension)s)": "含气体的行填写排放质量：请用 g、kg 或 t，"
            "而非 %(unit)s（%(dimension)s）",
            "energy": "能量",
        },
    )
    settings.LOCALE_PATHS = [tmp_path]
    rows = [dict(REALISTIC_ROWS[5], unit="kWh")]

    with translation.override("zh-hans"):
        outcome = inventory_services.inventory_import(
            actor=enterprise_admin, application=draft, content=inventory_csv(rows), filename="a.csv"
        )

    assert [(issue.row, issue.column, issue.message) for issue in outcome.errors] == [
        (2, "unit", "含气体的行填写排放质量：请用 g、kg 或 t，而非 kWh（能量）")
    ]


# --- export and import back ---------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_supplier_factors_and_gases_export_and_import_back(
    api_as, portal, world, draft, enterprise_admin, file_format
):
    api_import(api_as(enterprise_admin), draft, inventory_csv(REALISTIC_ROWS), "inventory.csv")
    fields = (
        "stage",
        "name",
        "amount",
        "unit",
        "factor_id",
        "custom_factor_value",
        "custom_factor_unit",
        "custom_factor_source",
        "custom_factor_evidence_id",
        "direct_gas",
        "justification",
        "net_calorific_value",
        "is_primary",
        "uncertainty_gsd",
    )
    before = [tuple(getattr(line, name) for name in fields) for line in stored(draft)]
    client = portal(enterprise_admin)

    exported = client.get(reverse("footprint:inventory_export", args=[draft.pk, file_format]))
    response = portal_import(client, draft, exported.content, f"back.{file_format}")

    assert response.status_code == 302
    after = [tuple(getattr(line, name) for name in fields) for line in stored(draft)]
    assert after == before


# --- the portal form and the API: the same rules ------------------------------------------

GAS_LINE = {
    "stage": "production",
    "name": "methane vented",
    "amount": "0.015",
    "unit": "kg",
    "direct_gas": "CH4",
}


def test_the_api_takes_a_gas_line_and_reads_it_back(api_as, world, draft):
    api = api_as(world.enterprise_admin)
    url = reverse("api-inventory", kwargs={"application_id": draft.pk})

    response = api.post(url, GAS_LINE, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["direct_gas"], body["factor_code"], body["custom_factor_value"]) == (
        "CH4",
        None,
        None,
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"factor_code": GRID}, "direct_gas"),
        ({"custom_factor_value": "1", "custom_factor_unit": "kgCO2e/kg"}, "direct_gas"),
        ({"unit": "kWh"}, "unit"),
        ({"net_calorific_value": "50", "net_calorific_value_unit": "MJ/kg"}, "net_calorific_value"),
        ({"direct_gas": "SF6"}, "direct_gas"),
        ({"direct_gas": "", "custom_factor_source": "EPD 2024"}, "custom_factor_source"),
    ],
)
def test_a_gas_line_that_breaks_a_rule_is_a_field_error(api_as, world, draft, change, field):
    api = api_as(world.enterprise_admin)
    url = reverse("api-inventory", kwargs={"application_id": draft.pk})

    response = api.post(url, {**GAS_LINE, **change}, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert stored(draft) == []


def test_the_portal_form_takes_a_supplier_factor_with_its_source(portal, world, draft):
    evidence = draft.evidence_files.get(original_name="cathode-epd-2024.pdf")
    client = portal(world.enterprise_admin)

    response = client.post(
        reverse("footprint:inventory", args=[draft.pk]),
        {
            "stage": "raw_material",
            "name": "cathode",
            "amount": "2.1",
            "unit": "kg",
            "custom_factor_value": "15.2",
            "custom_factor_unit": "kgCO2e/(t*km)",
            "custom_factor_source": "Supplier EPD S-P-10231 (2024)",
            "custom_factor_evidence": evidence.pk,
            "justification": "Sole supplier.",
        },
    )

    assert response.status_code == 400  # a mass against a factor per tonne-kilometre
    errors = re.findall(r'<p class="field-error" role="alert">(.*?)</p>', response.content.decode())
    assert errors == [
        "kg (mass) does not fit factor ENTERPRISE-SPECIFIC, which is per t·km (transport)."
    ]

    client.post(
        reverse("footprint:inventory", args=[draft.pk]),
        {
            "stage": "raw_material",
            "name": "cathode",
            "amount": "2.1",
            "unit": "kg",
            "custom_factor_value": "15.2",
            "custom_factor_unit": "kgCO2e/kg",
            "custom_factor_source": "Supplier EPD S-P-10231 (2024)",
            "custom_factor_evidence": evidence.pk,
            "justification": "Sole supplier.",
        },
    )
    (line,) = stored(draft)
    assert (line.custom_factor_source, line.custom_factor_evidence) == (
        "Supplier EPD S-P-10231 (2024)",
        evidence,
    )


def test_the_portal_form_takes_a_gas_line(portal, world, draft):
    client = portal(world.enterprise_admin)

    response = client.post(reverse("footprint:inventory", args=[draft.pk]), GAS_LINE)

    assert response.status_code == 302
    (line,) = stored(draft)
    assert (line.direct_gas, line.factor, line.unit) == ("CH4", None, "kg")
    edit = client.get(reverse("footprint:inventory_line_edit", args=[draft.pk, line.pk]))
    assert '<option value="CH4" selected>' in edit.content.decode()


def test_the_database_refuses_a_gas_line_with_a_factor(draft, write_lines):
    version = draft.dossier_versions.get()
    (line,) = write_lines(version, [{**GAS_LINE, "amount": Decimal("0.015")}])
    assert line.direct_gas == "CH4"

    with pytest.raises(IntegrityError), transaction.atomic():
        InventoryLine.objects.filter(pk=line.pk).update(custom_factor_unit="kgCO2e/kg")
    with pytest.raises(IntegrityError), transaction.atomic():
        InventoryLine.objects.filter(pk=line.pk).update(direct_gas="SF6")


def test_the_workbench_reads_the_lines_in_a_fixed_number_of_queries(
    portal, world, application_at, write_lines
):
    counts = []
    for many in (False, True):
        application = application_at(Status.IN_EVALUATION)
        version = application.dossier_versions.get(number=1)
        specs = [*HAND_LINES, {**GAS_LINE, "amount": Decimal("0.015")}]
        write_lines(version, specs * (6 if many else 1))
        services.recomputation_run(dossier_version=version)
        client = portal(world.reviewer)
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("footprint:workbench", args=[application.pk]))
        assert response.status_code == 200
        counts.append(len(context.captured_queries))

    assert counts[0] == counts[1]
