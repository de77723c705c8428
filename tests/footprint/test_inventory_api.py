"""Inventory lines, the stored recomputation and the factor library through /api/v1/."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certification.models import EvidenceKind, Status
from footprint.models import InventoryLine, Recomputation
from tests.footprint.footprint_data import GRID, GRID_CO2_2022, HAND_LINES, csv_bytes

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def inventory_url(application) -> str:
    return reverse("api-inventory", kwargs={"application_id": application.pk})


def line_url(application, line) -> str:
    return reverse(
        "api-inventory-line", kwargs={"application_id": application.pk, "line_id": line.pk}
    )


def lines_of(application) -> list:
    return list(
        InventoryLine.objects.filter(dossier_version__application=application)
        .order_by("dossier_version__number", "position")
        .values_list(
            "dossier_version__number", "position", "name", "amount", "unit", "factor__code"
        )
    )


GRID_LINE = {
    "stage": "production",
    "name": "assembly electricity",
    "amount": "20",
    "unit": "kWh",
    "factor_code": GRID,
    "is_primary": True,
    "dq_temporal": 1,
}


@pytest.fixture
def draft(application_at, factor_library):
    return application_at(Status.DRAFT)


# --- writing lines ------------------------------------------------------------------------


def test_the_enterprise_adds_edits_and_removes_a_line(api_as, world, draft):
    api = api_as(world.enterprise_member)

    created = api.post(inventory_url(draft), GRID_LINE, format="json")

    assert created.status_code == 201, created.content
    body = created.json()
    assert (
        body["position"],
        body["factor_code"],
        body["factor_dataset_version"],
        body["amount"],
        body["dossier_version"],
    ) == (1, GRID, 1, "20.000000000000", 1)
    line = InventoryLine.objects.get(pk=body["id"])
    changed = api.patch(line_url(draft, line), {"amount": "21.5", "unit": "MWh"}, format="json")
    assert changed.status_code == 200, changed.content
    assert (changed.json()["amount"], changed.json()["unit"]) == ("21.500000000000", "MWh")
    assert api.delete(line_url(draft, line)).status_code == 204
    assert lines_of(draft) == []


def test_an_enterprise_specific_factor_needs_a_justification_and_evidence(api_as, world, draft):
    api = api_as(world.enterprise_admin)
    custom = {
        "stage": "raw_material",
        "name": "casing",
        "amount": "5.1",
        "unit": "kg",
        "custom_factor_value": "12",
        "custom_factor_unit": "kgCO2e/kg",
    }

    refused = api.post(inventory_url(draft), custom, format="json")

    assert refused.status_code == 400
    assert refused["Content-Type"] == PROBLEM
    assert set(refused.json()["errors"]) == {"justification", "custom_factor_evidence"}
    evidence = draft.evidence_files.get(kind=EvidenceKind.BILL_OF_MATERIALS)
    accepted = api.post(
        inventory_url(draft),
        {**custom, "justification": "Supplier EPD", "custom_factor_evidence": evidence.pk},
        format="json",
    )
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["custom_factor_evidence"] == evidence.pk


def test_a_unit_that_does_not_fit_the_factor_is_a_field_error(api_as, world, draft):
    api = api_as(world.enterprise_admin)

    response = api.post(inventory_url(draft), {**GRID_LINE, "unit": "kg"}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "unit": [
            f"kg (mass) does not fit factor {GRID}, which is per kWh (energy). "
            "Give a net calorific value to convert it."
        ]
    }
    assert lines_of(draft) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"unit": "kWhh"}, "unit"),
        ({"factor_code": "NO-SUCH:2020:x"}, "factor_code"),
        ({"stage": "manufacturing"}, "stage"),
        ({"dq_temporal": 4}, "dq_temporal"),
        ({"uncertainty_gsd": "0.5"}, "uncertainty_gsd"),
        ({"custom_factor_value": "1", "custom_factor_unit": "kgCO2e/kWh"}, "factor_code"),
        ({"unit": "t", "factor_code": "IPCC2006-STATIONARY:2006:natural_gas"}, "unit"),
        (
            {
                "unit": "t",
                "factor_code": "IPCC2006-STATIONARY:2006:natural_gas",
                "net_calorific_value": "42",
                "net_calorific_value_unit": "GJ/m3",
            },
            "net_calorific_value_unit",
        ),
    ],
)
def test_each_bad_value_is_reported_on_its_field(api_as, world, draft, change, field):
    response = api_as(world.enterprise_admin).post(
        inventory_url(draft), {**GRID_LINE, **change}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert lines_of(draft) == []


def test_fuel_by_mass_with_its_calorific_value_is_accepted(api_as, world, draft):
    response = api_as(world.enterprise_admin).post(
        inventory_url(draft),
        {
            **GRID_LINE,
            "unit": "t",
            "factor_code": "IPCC2006-STATIONARY:2006:gas_diesel_oil",
            "net_calorific_value": "42.652",
            "net_calorific_value_unit": "GJ/t",
        },
        format="json",
    )

    assert response.status_code == 201, response.content


def test_editing_a_frozen_dossier_is_a_409(api_as, world, application_at, write_lines):
    application = application_at(Status.SUBMITTED)
    (line, *_rest) = write_lines(application.dossier_versions.get(number=1))
    before = lines_of(application)
    api = api_as(world.enterprise_admin)

    responses = [
        api.post(inventory_url(application), GRID_LINE, format="json"),
        api.patch(line_url(application, line), {"amount": "1"}, format="json"),
        api.delete(line_url(application, line)),
        api.post(
            reverse("api-inventory-import", kwargs={"application_id": application.pk}),
            {"file": _upload()},
            format="multipart",
        ),
    ]

    assert [r.status_code for r in responses] == [409, 409, 409, 409]
    assert {r["Content-Type"] for r in responses} == {PROBLEM}
    assert lines_of(application) == before


def test_a_line_of_the_frozen_version_cannot_be_changed_while_the_next_is_open(
    api_as, world, application_at, write_lines
):
    application = application_at(Status.AWAITING_ENTERPRISE)
    (line, *_rest) = write_lines(application.dossier_versions.get(number=1))
    before = lines_of(application)

    response = api_as(world.enterprise_admin).patch(
        line_url(application, line), {"amount": "1"}, format="json"
    )

    assert response.status_code == 409
    assert "frozen" in response.json()["detail"]
    assert lines_of(application) == before


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.footprint.footprint_data import GOOD_ROWS

    return SimpleUploadedFile("inventory.csv", csv_bytes(GOOD_ROWS), content_type="text/csv")


# --- who may read and write ---------------------------------------------------------------


@pytest.fixture
def scene(application_at, write_lines, factor_library):
    """An application in technical review (so with a peer reviewer) with its submitted
    inventory and stored recomputation."""
    from footprint import services

    application = application_at(Status.TECHNICAL_REVIEW)
    version = application.dossier_versions.get(number=1)
    lines = write_lines(version)
    services.recomputation_run(dossier_version=version)
    return application, lines[0]


def endpoints(application, line) -> list[tuple[str, str, dict | str | None]]:
    app = {"application_id": application.pk}
    return [
        ("get", reverse("api-inventory", kwargs=app), None),
        ("post", reverse("api-inventory", kwargs=app), GRID_LINE),
        (
            "patch",
            reverse("api-inventory-line", kwargs={**app, "line_id": line.pk}),
            {"amount": "1"},
        ),
        ("delete", reverse("api-inventory-line", kwargs={**app, "line_id": line.pk}), None),
        ("post", reverse("api-inventory-import", kwargs=app), "upload"),
        ("get", reverse("api-recomputation", kwargs=app), None),
    ]


def call(api, method, url, data):
    if data == "upload":
        return api.post(url, {"file": _upload()}, format="multipart")
    if data is None:
        return getattr(api, method)(url)
    return getattr(api, method)(url, data, format="json")


def test_another_enterprise_gets_404_on_every_endpoint(api_as, world, scene):
    application, line = scene
    before = (lines_of(application), Recomputation.objects.values().get())
    api = api_as(world.other_enterprise_user)

    statuses = [
        call(api, method, url, data).status_code
        for method, url, data in endpoints(application, line)
    ]

    assert statuses == [404] * 6
    assert (lines_of(application), Recomputation.objects.values().get()) == before


def test_a_foreign_line_id_looks_like_a_missing_one(api_as, world, scene, application_at):
    _application, line = scene
    mine = application_at(Status.DRAFT)
    api = api_as(world.enterprise_admin)

    foreign = api.patch(line_url(mine, line), {"amount": "1"}, format="json")
    missing = api.patch(line_url(mine, InventoryLine(pk=10**9)), {"amount": "1"}, format="json")

    assert (foreign.status_code, missing.status_code) == (404, 404)
    assert foreign.json() == missing.json()


def test_the_regulator_reads_but_does_not_write(api_as, world, scene):
    application, line = scene
    before = lines_of(application)
    api = api_as(world.regulator)

    statuses = [
        call(api, method, url, data).status_code
        for method, url, data in endpoints(application, line)
    ]

    assert statuses == [200, 403, 403, 403, 403, 200]
    assert lines_of(application) == before


@pytest.mark.parametrize(
    "persona", ["body_admin", "reviewer", "technical_reviewer", "peer_reviewer", "regulator"]
)
def test_the_verifiers_read_the_stored_recomputation(api_as, world, scene, persona):
    application, _line = scene

    response = api_as(world.persona(persona)).get(
        reverse("api-recomputation", kwargs={"application_id": application.pk})
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["dossier_version"], body["total"], body["material"], body["lines_count"]) == (
        1,
        "85.527750000000",
        False,
        7,
    )
    assert body["by_stage"]["production"] == "14.933"


@pytest.mark.parametrize("persona", ["enterprise_admin", "platform_admin"])
def test_the_recomputation_is_the_verifiers_side(api_as, world, scene, persona):
    application, _line = scene

    response = api_as(world.persona(persona)).get(
        reverse("api-recomputation", kwargs={"application_id": application.pk})
    )

    assert response.status_code == 404


def test_the_platform_admin_does_not_read_the_inventory(api_as, world, scene):
    application, _line = scene

    response = api_as(world.platform_admin).get(inventory_url(application))

    assert response.status_code == 404


# --- lists keep a constant query count ----------------------------------------------------


def _queries(api, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert api.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_inventory_list_costs_the_same_for_5_and_50_lines(
    api_as, world, application_at, write_lines
):
    few, many = application_at(Status.SUBMITTED), application_at(Status.SUBMITTED)
    write_lines(few.dossier_versions.get(number=1), (HAND_LINES * 8)[:5])
    write_lines(many.dossier_versions.get(number=1), (HAND_LINES * 8)[:50])
    api = api_as(world.body_admin)  # submitted: no team yet, the body's administrator reads it

    assert _queries(api, inventory_url(few)) == _queries(api, inventory_url(many))
    assert api.get(inventory_url(many)).json()["count"] == 50


def test_emission_factor_search(api_as, world, factor_library):
    api = api_as(world.enterprise_member)
    url = reverse("api-emission-factors")

    found = api.get(
        url, {"q": "operational", "region": "CN", "year": 2022, "publisher": "MEE"}
    ).json()

    assert found["count"] == 3
    codes = [factor["code"] for factor in found["results"]]
    assert GRID_CO2_2022 in codes
    grid = next(factor for factor in found["results"] if factor["code"] == GRID_CO2_2022)
    assert (
        grid["value"],
        grid["unit"],
        grid["dataset"],
        grid["dataset_version"],
        grid["publisher"],
        grid["publication_date"],
    ) == ("0.536600000000", "kgCO2/kWh", "CN-ELEC-CO2", 1, "MEE/NBS", "2024-12-20")
    assert api.get(url, {"year": "recent"}).status_code == 400
    assert api.get(url).json()["count"] == 43
    few = _queries(api, f"{url}?publisher=IPCC")
    assert few == _queries(api, url)


def test_emission_factors_need_a_sign_in(api_as, factor_library):
    assert api_as(None).get(reverse("api-emission-factors")).status_code in (401, 403)


def test_decimal_amounts_round_trip(api_as, world, draft):
    api = api_as(world.enterprise_admin)

    body = api.post(
        inventory_url(draft), {**GRID_LINE, "amount": "0.000000000001"}, format="json"
    ).json()

    assert Decimal(body["amount"]) == Decimal("1E-12")
