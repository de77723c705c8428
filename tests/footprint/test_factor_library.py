"""The emission factor library: loading, drafts, publishing, and who may do it."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from certification.errors import ActorNotPermitted, TransitionNotAllowed
from footprint import services
from footprint.models import (
    DatasetVersion,
    DatasetVersionStatus,
    EmissionFactor,
    EmissionFactorDataset,
    GlobalWarmingPotential,
    PublishedVersionImmutable,
)
from footprint.selectors import factor_current_by_code
from tests.footprint.footprint_data import GRID, GRID_CO2_2022

pytestmark = pytest.mark.django_db


def library_state() -> list:
    return sorted(
        EmissionFactor.objects.values_list(
            "version__dataset__code", "version__number", "version__status", "code", "value"
        )
    )


def grid_dataset() -> EmissionFactorDataset:
    return EmissionFactorDataset.objects.get(code="CN-ELEC-CFP")


# --- loading ------------------------------------------------------------------------------


def test_load_factors_creates_one_published_version_per_dataset_with_provenance():
    out = StringIO()
    call_command("load_factors", stdout=out)

    assert "3 loaded (43 factors)" in out.getvalue()
    assert sorted(EmissionFactorDataset.objects.values_list("code", flat=True)) == [
        "CN-ELEC-CFP",
        "CN-ELEC-CO2",
        "IPCC2006-STATIONARY",
    ]
    assert set(DatasetVersion.objects.values_list("number", "status")) == {
        (1, DatasetVersionStatus.PUBLISHED)
    }
    factor = EmissionFactor.objects.get(code=GRID_CO2_2022)
    assert (factor.value, factor.unit, factor.gas, factor.region, factor.data_year) == (
        Decimal("0.5366"),
        "kgCO2/kWh",
        "CO2",
        "CN",
        2022,
    )
    assert (factor.publisher, factor.publication_date, factor.source) == (
        "MEE/NBS",
        "2024-12-20",
        "MEE/NBS 2022 electricity CO2 factors",
    )
    # "same (Hebei)" in the file is the previous row's source, with its remark.
    hebei = EmissionFactor.objects.get(code="CN-ELEC-CO2:2022:provincial_average:CN-HE")
    assert hebei.source == "MEE/NBS 2022 electricity CO2 factors (Hebei)"
    footprint = EmissionFactor.objects.get(code=GRID)
    assert (footprint.value, footprint.gas) == (Decimal("0.6205"), "CO2e")
    assert EmissionFactor.objects.get(code="IPCC2006-STATIONARY:2006:natural_gas").value == 56100
    assert dict(
        GlobalWarmingPotential.objects.filter(gwp_set="AR6").values_list("gas", "value")
    ) == {"CO2": Decimal(1), "CH4": Decimal("27.9"), "N2O": Decimal(273)}


def test_load_factors_again_changes_nothing(factor_library, platform_admin):
    draft = services.dataset_version_create_draft(actor=platform_admin, dataset=grid_dataset())
    before = library_state()

    out = StringIO()
    call_command("load_factors", stdout=out)

    assert "0 loaded (0 factors), 3 already present" in out.getvalue()
    assert library_state() == before
    assert DatasetVersion.objects.get(pk=draft.pk).status == DatasetVersionStatus.DRAFT
    assert GlobalWarmingPotential.objects.count() == 9


# --- drafts and publishing ----------------------------------------------------------------


@pytest.mark.parametrize("editor", ["platform_admin", "regulator"])
def test_an_editor_drafts_edits_and_publishes_a_new_version(factor_library, world, editor):
    actor = world.persona(editor)
    draft = services.dataset_version_create_draft(
        actor=actor, dataset=grid_dataset(), change_note="Corrected national average."
    )
    assert (draft.number, draft.status, draft.factors.count()) == (2, "draft", 4)

    factor = draft.factors.get(code=GRID)
    services.factor_update(actor=actor, factor=factor, data={"value": Decimal("0.6300")})
    services.dataset_version_publish(actor=actor, version=draft)

    draft.refresh_from_db()
    assert (draft.status, draft.published_by) == (DatasetVersionStatus.PUBLISHED, actor)
    assert draft.published_at is not None
    current = factor_current_by_code(GRID)
    assert current is not None
    assert current.value == Decimal("0.63")
    assert EmissionFactor.objects.get(version__number=1, code=GRID).value == Decimal("0.6205")


def test_a_published_factor_cannot_be_updated_through_the_service(factor_library, platform_admin):
    factor = factor_current_by_code(GRID)
    assert factor is not None
    before = library_state()

    with pytest.raises(TransitionNotAllowed):
        services.factor_update(actor=platform_admin, factor=factor, data={"value": Decimal("1")})
    with pytest.raises(TransitionNotAllowed):
        services.factor_delete(actor=platform_admin, factor=factor)

    assert library_state() == before


def test_a_published_version_and_its_factors_refuse_changes_at_the_model(factor_library):
    factor = factor_current_by_code(GRID)
    assert factor is not None
    version = factor.version
    before = library_state()

    factor.value = Decimal("1")
    with pytest.raises(PublishedVersionImmutable):
        factor.save()
    with pytest.raises(PublishedVersionImmutable):
        factor.delete()
    version.change_note = "rewritten"
    with pytest.raises(PublishedVersionImmutable):
        version.save()
    with pytest.raises(PublishedVersionImmutable):
        version.delete()
    with pytest.raises(PublishedVersionImmutable):
        EmissionFactor.objects.create(
            version=version,
            code="CN-ELEC-CFP:2023:extra",
            name="x",
            publisher="x",
            source="x",
            factor_kind="x",
            value=1,
            unit="kgCO2e/kWh",
            gas="CO2e",
        )

    assert library_state() == before
    assert DatasetVersion.objects.get(pk=version.pk).change_note != "rewritten"


def test_the_database_refuses_an_update_of_a_published_factor(factor_library):
    factor = factor_current_by_code(GRID)
    assert factor is not None

    with pytest.raises(IntegrityError), transaction.atomic():
        EmissionFactor.objects.filter(pk=factor.pk).update(value=Decimal("1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        DatasetVersion.objects.filter(pk=factor.version_id).update(status="draft")

    assert EmissionFactor.objects.get(pk=factor.pk).value == Decimal("0.6205")


def test_a_draft_factor_can_be_added_edited_and_removed(factor_library, regulator):
    draft = services.dataset_version_create_draft(actor=regulator, dataset=grid_dataset())
    added = services.factor_create(
        actor=regulator,
        version=draft,
        data={
            "code": "CN-ELEC-CFP:2024:national_average",
            "name": "2024 national average",
            "region": "CN",
            "data_year": 2024,
            "publication_date": "2026-02",
            "publisher": "MEE/NBS/NEA",
            "source": "2024 factors",
            "licence_note": "",
            "factor_kind": "national_average",
            "value": Decimal("0.6001"),
            "unit": "kgCO2e/kWh",
            "gwp_set": "",
        },
    )
    assert added.gas == "CO2e"

    services.factor_update(actor=regulator, factor=added, data={"unit": "kgCO2e/MWh"})
    assert EmissionFactor.objects.get(pk=added.pk).unit == "kgCO2e/MWh"
    services.factor_delete(actor=regulator, factor=added)
    assert not EmissionFactor.objects.filter(pk=added.pk).exists()


def test_a_draft_factor_with_a_bad_unit_or_foreign_code_is_refused_by_field(
    factor_library, platform_admin
):
    draft = services.dataset_version_create_draft(actor=platform_admin, dataset=grid_dataset())
    factor = draft.factors.get(code=GRID)

    with pytest.raises(ValidationError) as raised:
        services.factor_update(
            actor=platform_admin,
            factor=factor,
            data={"unit": "kgCO2e/parsec", "code": "OTHER:2023:x"},
        )

    assert set(raised.value.message_dict) == {"unit", "code"}
    assert "unknown unit 'parsec'" in raised.value.message_dict["unit"][0]
    assert EmissionFactor.objects.get(pk=factor.pk).unit == "kgCO2e/kWh"


def test_one_draft_at_a_time(factor_library, platform_admin):
    services.dataset_version_create_draft(actor=platform_admin, dataset=grid_dataset())

    with pytest.raises(TransitionNotAllowed, match="is a draft already"):
        services.dataset_version_create_draft(actor=platform_admin, dataset=grid_dataset())

    assert grid_dataset().versions.count() == 2


def test_publishing_twice_is_refused(factor_library, platform_admin):
    draft = services.dataset_version_create_draft(actor=platform_admin, dataset=grid_dataset())
    services.dataset_version_publish(actor=platform_admin, version=draft)

    with pytest.raises(TransitionNotAllowed):
        services.dataset_version_publish(actor=platform_admin, version=draft)
    with pytest.raises(TransitionNotAllowed):
        services.dataset_version_discard(actor=platform_admin, version=draft)


@pytest.mark.parametrize(
    "persona",
    ["enterprise_admin", "body_admin", "reviewer", "peer_reviewer", "other_enterprise_user"],
)
def test_only_platform_admins_and_regulators_edit_the_library(
    factor_library, world, persona, platform_admin
):
    actor = world.persona(persona)
    draft = services.dataset_version_create_draft(actor=platform_admin, dataset=grid_dataset())
    factor = draft.factors.get(code=GRID)
    before = library_state()

    with pytest.raises(ActorNotPermitted):
        services.dataset_version_create_draft(
            actor=actor, dataset=EmissionFactorDataset.objects.get(code="CN-ELEC-CO2")
        )
    with pytest.raises(ActorNotPermitted):
        services.factor_update(actor=actor, factor=factor, data={"value": Decimal(2)})
    with pytest.raises(ActorNotPermitted):
        services.dataset_version_publish(actor=actor, version=draft)
    with pytest.raises(ActorNotPermitted):
        services.dataset_version_discard(actor=actor, version=draft)

    assert library_state() == before
    assert DatasetVersion.objects.get(pk=draft.pk).status == DatasetVersionStatus.DRAFT


# --- the portal ---------------------------------------------------------------------------


def test_library_search_by_name_region_year_and_publisher_shows_provenance(
    portal, world, factor_library
):
    client = portal(world.enterprise_member)
    url = reverse("footprint:factor_list")

    page = client.get(
        url, {"q": "electricity operational", "region": "CN-EAST", "year": 2022, "publisher": "MEE"}
    ).content.decode()

    assert "CN-ELEC-CO2:2022:regional_average:CN-EAST" in page
    assert "0.5617 kgCO2/kWh" in page
    assert "MEE/NBS 2022 electricity CO2 factors" in page
    assert "2024-12-20" in page
    assert "CN-ELEC-CO2:2023:regional_average:CN-EAST" not in page
    assert GRID not in page
    ipcc = client.get(url, {"publisher": "IPCC"}).content.decode()
    assert "IPCC2006-STATIONARY:2006:natural_gas" in ipcc and GRID not in ipcc


def test_library_search_pages_keep_their_filters(portal, world, factor_library, platform_admin):
    draft = services.dataset_version_create_draft(
        actor=platform_admin, dataset=EmissionFactorDataset.objects.get(code="CN-ELEC-CO2")
    )
    for year in range(2000, 2020):
        services.factor_create(
            actor=platform_admin,
            version=draft,
            data={
                "code": f"CN-ELEC-CO2:{year}:national_average",
                "name": f"grid {year}",
                "region": "CN",
                "data_year": year,
                "publication_date": str(year + 2),
                "publisher": "MEE/NBS",
                "source": "archive",
                "licence_note": "",
                "factor_kind": "national_average",
                "value": Decimal("0.6"),
                "unit": "kgCO2/kWh",
                "gwp_set": "",
            },
        )
    services.dataset_version_publish(actor=platform_admin, version=draft)
    client = portal(world.enterprise_member)
    url = reverse("footprint:factor_list")
    row = '<td data-label="Code"><code>'

    first = client.get(url, {"publisher": "MEE"}).content.decode()
    second = client.get(url, {"publisher": "MEE", "page": 2}).content.decode()

    # 33 + 20 grid CO2 factors and 4 grid footprint factors: 57, at 50 a page.
    assert (first.count(row), second.count(row)) == (50, 7)
    assert "?publisher=MEE&amp;page=2" in first
    assert "?publisher=MEE&amp;page=1" in second
    assert "IPCC2006" not in first + second


def test_library_search_needs_a_sign_in(client, factor_library):
    response = client.get(reverse("footprint:factor_list"))
    assert response.status_code == 302


def test_drafts_are_hidden_from_people_who_cannot_edit(
    portal, world, factor_library, platform_admin
):
    draft = services.dataset_version_create_draft(actor=platform_admin, dataset=grid_dataset())
    client = portal(world.body_admin)

    assert client.get(reverse("footprint:dataset_version", args=[draft.pk])).status_code == 404
    assert (
        client.post(reverse("footprint:dataset_version_publish", args=[draft.pk])).status_code
        == 404
    )
    factor = draft.factors.first()
    assert factor is not None
    assert client.get(reverse("footprint:factor_edit", args=[factor.pk])).status_code == 404
    published = grid_dataset().versions.get(number=1)
    assert client.get(reverse("footprint:dataset_version", args=[published.pk])).status_code == 200
    assert DatasetVersion.objects.get(pk=draft.pk).status == DatasetVersionStatus.DRAFT


def test_an_editor_publishes_through_the_portal(portal, world, factor_library):
    client = portal(world.regulator)
    dataset = grid_dataset()

    response = client.post(
        reverse("footprint:dataset_draft_create", args=[dataset.pk]), {"change_note": "2024 update"}
    )
    draft = dataset.versions.get(number=2)
    assert response.url == reverse("footprint:dataset_version", args=[draft.pk])
    factor = draft.factors.get(code=GRID)
    form = client.get(reverse("footprint:factor_edit", args=[factor.pk])).content.decode()
    assert "0.6205" in form

    data = {name: getattr(factor, name) or "" for name in services.FACTOR_FIELDS}
    data["value"] = "0.7"
    client.post(reverse("footprint:factor_edit", args=[factor.pk]), data)
    client.post(reverse("footprint:dataset_version_publish", args=[draft.pk]))

    page = client.get(reverse("footprint:dataset_version", args=[draft.pk])).content.decode()
    assert 'data-testid="version-status">Published<' in page
    assert 'data-testid="publish"' not in page
    current = factor_current_by_code(GRID)
    assert current is not None
    assert current.value == Decimal("0.7")


def test_the_search_page_costs_the_same_for_few_and_many_factors(portal, world, factor_library):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = portal(world.enterprise_member)
    counts = []
    for filters in ({"publisher": "IPCC"}, {}):
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("footprint:factor_list"), filters).status_code == 200
        counts.append(len(context.captured_queries))

    assert counts[0] == counts[1]
