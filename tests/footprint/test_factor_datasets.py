"""Additional factor datasets: one file each, loaded by `manage.py load_factors` as versions of
the library, checked row by row. The values here are test data, not published factors."""

import shutil
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from certification.errors import ActorNotPermitted, TransitionNotAllowed
from certification.inventory import services as inventory_services
from certification.models import Status
from footprint import services
from footprint.importer import ImportErrors
from footprint.models import (
    DatasetVersion,
    DatasetVersionStatus,
    EmissionFactor,
    EmissionFactorDataset,
)
from footprint.selectors import factor_current_by_code
from tests.footprint.footprint_data import DATASET_ROW as ROW
from tests.footprint.footprint_data import REFERENCE, dataset_csv, inventory_csv
from tests.footprint.footprint_data import dataset_row as row

pytestmark = pytest.mark.django_db

CEMENT = ROW["code"]
SECOND = row(code="TEST-MATERIALS:2023:lime", name="lime, test value", value="0.9")


def library() -> list:
    return sorted(
        EmissionFactor.objects.filter(version__dataset__code="TEST-MATERIALS").values_list(
            "version__number", "version__status", "code", "value"
        )
    )


def write(directory: Path, name: str, rows: list[dict]) -> Path:
    path = directory / name
    path.write_bytes(dataset_csv(rows))
    return path


def load(*paths: Path, draft: bool = False) -> str:
    out = StringIO()
    options = {"draft": True} if draft else {}
    call_command("load_factors", *[f"--dataset={path}" for path in paths], stdout=out, **options)
    return out.getvalue()


def test_a_dataset_file_becomes_a_published_version_with_every_source(tmp_path):
    path = write(tmp_path, "materials.csv", [ROW, SECOND])

    out = load(path)

    assert "materials.csv: TEST-MATERIALS version 1 published (2 factors)" in out
    dataset = EmissionFactorDataset.objects.get(code="TEST-MATERIALS")
    assert (dataset.name, dataset.publisher) == ("Test material factors", "Test publisher")
    version = dataset.versions.get()
    assert (version.number, version.status, version.change_note) == (
        1,
        DatasetVersionStatus.PUBLISHED,
        "Loaded from materials.csv.",
    )
    cement = factor_current_by_code(CEMENT)
    assert cement is not None
    assert (
        cement.value,
        cement.unit,
        cement.gas,
        cement.gwp_set,
        cement.region,
        cement.data_year,
        cement.publication_date,
        cement.publisher,
        cement.source,
    ) == (
        Decimal("0.5"),
        "tCO2e/t",
        "CO2e",
        "AR6",
        "CN",
        2023,
        "2025-01",
        "Test publisher",
        "Test fixture, table 1",
    )


def test_the_same_file_again_changes_nothing_and_a_changed_file_is_the_next_version(
    tmp_path, application_at, enterprise_admin
):
    first = write(tmp_path, "materials.csv", [ROW, SECOND])
    load(first)
    application = application_at(Status.DRAFT)
    inventory_services.inventory_line_create(
        actor=enterprise_admin,
        application=application,
        data={
            "stage": "raw_material",
            "name": "cement",
            "amount": Decimal("2"),
            "unit": "t",
            "factor_code": CEMENT,
        },
    )

    again = load(first)
    changed = write(tmp_path, "materials-2.csv", [row(value="0.55"), SECOND])
    out = load(changed)

    assert "TEST-MATERIALS unchanged, version 1 holds these factors" in again
    assert "materials-2.csv: TEST-MATERIALS version 2 published (2 factors)" in out
    assert library() == [
        (1, "published", CEMENT, Decimal("0.5")),
        (1, "published", SECOND["code"], Decimal("0.9")),
        (2, "published", CEMENT, Decimal("0.55")),
        (2, "published", SECOND["code"], Decimal("0.9")),
    ]
    current = factor_current_by_code(CEMENT)
    assert current is not None
    assert current.value == Decimal("0.55")
    # The line keeps the factor version it was entered with.
    line = application.dossier_versions.get().inventory_lines.get()
    assert (line.factor.value, line.factor.version.number) == (Decimal("0.5"), 1)
    # Loading the first file once more does not turn the library back.
    assert "unchanged, version 1 holds these factors" in load(first)
    assert DatasetVersion.objects.filter(dataset__code="TEST-MATERIALS").count() == 2


def test_a_draft_is_left_for_the_editors_and_stops_the_next_load(tmp_path, platform_admin):
    load(write(tmp_path, "materials.csv", [ROW]), draft=True)
    version = DatasetVersion.objects.get(dataset__code="TEST-MATERIALS")
    assert version.status == DatasetVersionStatus.DRAFT
    assert factor_current_by_code(CEMENT) is None  # a draft is not for inventories

    with pytest.raises(CommandError, match="Version 1 of TEST-MATERIALS is a draft"):
        load(write(tmp_path, "materials-2.csv", [row(value="0.55")]))

    services.dataset_version_publish(actor=platform_admin, version=version)
    current = factor_current_by_code(CEMENT)
    assert current is not None
    assert current.value == Decimal("0.5")


def test_a_file_with_problems_loads_nothing_and_lists_them(tmp_path):
    rows = [ROW, row(code="TEST-MATERIALS:2023:x", value="n/a", source="same")]
    path = write(tmp_path, "materials.csv", rows)

    with pytest.raises(CommandError) as raised:
        load(path)

    text = str(raised.value)
    assert "materials.csv: nothing was loaded" in text
    assert "row 3, column source: write the source out on every row, not 'same'" in text
    assert "row 3, column value: 'n/a' is not a number" in text
    # One transaction: not even the shipped reference data were written.
    assert not EmissionFactorDataset.objects.exists()


def test_the_databases_limits_are_checked_row_by_row():
    content = dataset_csv([ROW, row(code="TEST-MATERIALS:" + "x" * 120)])

    with pytest.raises(ImportErrors) as raised:
        services.factor_dataset_load(content=content, file_name="materials.csv")

    assert [(issue.row, issue.column) for issue in raised.value.errors] == [(3, "code")]
    assert not EmissionFactorDataset.objects.exists()


def test_a_gwp_set_the_library_does_not_offer_is_refused():
    with pytest.raises(ImportErrors) as raised:
        services.factor_dataset_load(
            content=dataset_csv([row(gwp_set="AR4")]), file_name="materials.csv"
        )

    (issue,) = raised.value.errors
    assert (issue.row, issue.column, issue.message) == (
        2,
        "gwp_set",
        "'AR4' is not one of AR5, AR6",
    )


def test_only_the_librarys_editors_load_a_dataset(world):
    with pytest.raises(ActorNotPermitted):
        services.factor_dataset_load(
            content=dataset_csv([ROW]), file_name="m.csv", actor=world.enterprise_admin
        )
    assert not EmissionFactorDataset.objects.exists()


def test_an_open_draft_made_in_the_portal_stops_the_load(tmp_path, platform_admin):
    load(write(tmp_path, "materials.csv", [ROW]))
    services.dataset_version_create_draft(
        actor=platform_admin, dataset=EmissionFactorDataset.objects.get(code="TEST-MATERIALS")
    )

    with pytest.raises(TransitionNotAllowed):
        services.factor_dataset_load(
            content=dataset_csv([row(value="0.6")]), file_name="materials-2.csv"
        )


def test_files_in_the_reference_directory_are_loaded_by_default(settings, tmp_path):
    for name in ("emission_factors.csv", "gwp.csv"):
        shutil.copy(REFERENCE / name, tmp_path / name)
    (tmp_path / "factor_datasets").mkdir()
    write(tmp_path / "factor_datasets", "materials.csv", [ROW])
    (tmp_path / "factor_datasets" / "README.md").write_text("# the format")
    settings.REFERENCE_DIR = tmp_path

    out = StringIO()
    call_command("load_factors", stdout=out)

    assert "3 loaded (43 factors)" in out.getvalue()
    assert "materials.csv: TEST-MATERIALS version 1 published (1 factors)" in out.getvalue()


def test_every_dataset_file_shipped_loads():
    out = StringIO()
    call_command("load_factors", stdout=out)  # raises on any problem of a shipped file
    shipped = sorted((REFERENCE / "factor_datasets").glob("*.csv"))
    assert out.getvalue().count("\n") == 1 + len(shipped)


def test_an_inventory_can_name_a_factor_of_a_loaded_dataset(
    tmp_path, api_as, world, application_at
):
    load(write(tmp_path, "materials.csv", [ROW]))
    application = application_at(Status.DRAFT)
    content = inventory_csv(
        [
            {
                "stage": "raw_material",
                "name": "cement",
                "amount": "2",
                "unit": "t",
                "factor_code": CEMENT,
            }
        ]
    )

    response = api_as(world.enterprise_admin).post(
        reverse("api-inventory-import", kwargs={"application_id": application.pk}),
        {"file": SimpleUploadedFile("inventory.csv", content)},
        format="multipart",
    )

    assert response.status_code == 200, response.content
    line = application.dossier_versions.get().inventory_lines.get()
    assert (line.factor.code, line.factor.version.dataset.code) == (CEMENT, "TEST-MATERIALS")
