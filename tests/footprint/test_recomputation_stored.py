"""The platform's recomputation through the Django path: stored at submission, beside the
enterprise's declared figures, unchanged by a newer factor version."""

from decimal import Decimal

import pytest

from certification import services as certification_services
from certification.errors import ActorNotPermitted, TransitionNotAllowed
from certification.inventory import services as inventory_services
from certification.models import Status
from footprint import services
from footprint.models import EmissionFactorDataset, Recomputation
from footprint.selectors import factor_current_by_code
from footprint.services.recomputation import RecomputationImpossible
from tests.factories import COMPLETE_DOSSIER
from tests.footprint.footprint_data import (
    EXPECTED_BIOGENIC,
    EXPECTED_BY_STAGE,
    EXPECTED_DEVIATION,
    EXPECTED_FOSSIL,
    EXPECTED_PRIMARY_SHARE,
    EXPECTED_TOTAL,
    GRID,
    HAND_LINES,
)

pytestmark = pytest.mark.django_db


def places(value: Decimal, digits: int = 9) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-digits))


@pytest.fixture
def submitted(application_at, enterprise_admin, enter_lines, submit):
    """A draft with the hand-computed inventory, submitted by the enterprise."""
    application = application_at(Status.DRAFT)
    enter_lines(application, enterprise_admin)
    return submit(enterprise_admin, application)


def test_submission_stores_the_hand_computed_recomputation(submitted):
    version = submitted.dossier_versions.get(number=1)
    stored = Recomputation.objects.get(dossier_version=version)

    assert version.is_frozen
    assert stored.total == EXPECTED_TOTAL
    assert stored.by_stage == EXPECTED_BY_STAGE
    assert (stored.fossil, stored.biogenic) == (EXPECTED_FOSSIL, EXPECTED_BIOGENIC)
    assert stored.primary_data_share is not None
    assert places(stored.primary_data_share, 12) == places(EXPECTED_PRIMARY_SHARE, 12)
    assert stored.declared_total == COMPLETE_DOSSIER["declared_total"]
    assert stored.deviation is not None
    assert places(stored.deviation, 12) == places(EXPECTED_DEVIATION, 12)
    assert (stored.material, stored.materiality, stored.material_stages) == (
        False,
        Decimal("0.05"),
        [],
    )
    assert (stored.gwp_set, stored.lines_count) == ("AR6", 7)
    assert stored.computed_by == submitted.created_by
    # Seeded with the version's id: the interval is reproducible, and brackets the total.
    assert (stored.uncertainty_seed, stored.uncertainty_draws) == (version.pk, 10_000)
    assert stored.uncertainty_p2_5 is not None
    assert stored.uncertainty_median is not None
    assert stored.uncertainty_p97_5 is not None
    assert stored.uncertainty_p2_5 < stored.uncertainty_median < stored.uncertainty_p97_5
    assert stored.uncertainty_p2_5 < EXPECTED_TOTAL < stored.uncertainty_p97_5


def test_the_declared_figures_stay_the_enterprises(submitted):
    version = submitted.dossier_versions.get(number=1)

    assert version.declared_total == COMPLETE_DOSSIER["declared_total"]
    assert version.stage_results == COMPLETE_DOSSIER["stage_results"]
    assert version.recomputation.declared_by_stage == {
        stage: str(Decimal(value).normalize())
        for stage, value in COMPLETE_DOSSIER["stage_results"].items()
    }


def test_the_same_version_recomputes_to_the_same_interval(submitted):
    version = submitted.dossier_versions.get(number=1)
    first = Recomputation.objects.get(dossier_version=version)

    again = services.recomputation_run(dossier_version=version)
    assert again is not None

    assert (again.pk, again.total) == (first.pk, first.total)
    assert (again.uncertainty_mean, again.uncertainty_p2_5, again.uncertainty_p97_5) == (
        first.uncertainty_mean,
        first.uncertainty_p2_5,
        first.uncertainty_p97_5,
    )


def test_a_dossier_without_inventory_is_submitted_without_a_recomputation(
    application_at, enterprise_admin, submit
):
    application = application_at(Status.DRAFT)

    submit(enterprise_admin, application)

    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert not Recomputation.objects.exists()


@pytest.mark.parametrize(
    "line",
    [
        {"uncertainty_gsd": Decimal("999999.999999")},  # the interval runs past any column
        {"amount": Decimal("1E15"), "unit": "t"},  # a total past any column
    ],
)
def test_figures_too_large_to_record_refuse_the_submission_with_a_message(
    application_at, enterprise_admin, enter_lines, submit, line
):
    application = application_at(Status.DRAFT)
    spec = {**HAND_LINES[0], **line}
    enter_lines(application, enterprise_admin, [spec])

    with pytest.raises(RecomputationImpossible, match="too large to record"):
        submit(enterprise_admin, application)

    application.refresh_from_db()
    assert application.status == Status.DRAFT
    assert not Recomputation.objects.exists()
    assert not application.dossier_versions.get(number=1).is_frozen


@pytest.mark.parametrize(
    ("threshold", "material", "stages"),
    [
        (Decimal("0.05"), False, []),
        (Decimal("0.001"), True, ["production"]),
    ],
)
def test_materiality_flag_follows_the_setting(
    settings, application_at, enterprise_admin, enter_lines, submit, threshold, material, stages
):
    settings.MATERIALITY_THRESHOLD = threshold
    application = application_at(Status.DRAFT)
    enter_lines(application, enterprise_admin)

    submit(enterprise_admin, application)

    stored = Recomputation.objects.get(dossier_version__application=application)
    assert (stored.materiality, stored.material, stored.material_stages) == (
        threshold,
        material,
        stages,
    )


def test_a_declared_figure_far_from_the_inventory_is_flagged(
    application_at, enterprise_admin, enter_lines, submit
):
    application = application_at(Status.DRAFT)
    enter_lines(application, enterprise_admin)
    certification_services.dossier_update(
        actor=enterprise_admin, application=application, data={"declared_total": Decimal("80")}
    )

    submit(enterprise_admin, application)

    stored = Recomputation.objects.get(dossier_version__application=application)
    assert stored.declared_total == Decimal("80")
    assert stored.deviation is not None
    assert places(stored.deviation, 12) == places((EXPECTED_TOTAL - 80) / 80, 12)
    assert stored.material is True


def test_a_factor_version_published_after_submission_does_not_change_the_result(
    submitted, platform_admin, application_at, enterprise_admin, enter_lines
):
    version = submitted.dossier_versions.get(number=1)
    stored_before = Recomputation.objects.filter(dossier_version=version).values().get()
    grid_v1 = factor_current_by_code(GRID)
    assert grid_v1 is not None

    draft = services.dataset_version_create_draft(
        actor=platform_admin, dataset=EmissionFactorDataset.objects.get(code="CN-ELEC-CFP")
    )
    services.factor_update(
        actor=platform_admin, factor=draft.factors.get(code=GRID), data={"value": Decimal("0.9")}
    )
    services.dataset_version_publish(actor=platform_admin, version=draft)

    # The stored result is as it was, and recomputing the submitted version gives it again:
    # its lines point at the factors of version 1, which cannot change.
    assert Recomputation.objects.filter(dossier_version=version).values().get() == stored_before
    rerun = services.recomputation_run(dossier_version=version)
    assert rerun is not None
    assert rerun.total == EXPECTED_TOTAL
    assert {line.factor_id for line in version.inventory_lines.filter(factor__code=GRID)} == {
        grid_v1.pk
    }
    assert grid_v1.value == Decimal("0.6205")
    # A line entered now takes the newly published factor.
    other = application_at(Status.DRAFT)
    (line,) = enter_lines(
        other,
        enterprise_admin,
        [
            {
                "stage": "use",
                "name": "grid",
                "amount": Decimal(1),
                "unit": "kWh",
                "factor_code": GRID,
            }
        ],
    )
    assert (line.factor.version.number, line.factor.value) == (2, Decimal("0.9"))


def test_resubmission_stores_the_new_versions_recomputation(
    application_at, enterprise_admin, write_lines, enter_lines, submit
):
    application = application_at(Status.AWAITING_ENTERPRISE)
    write_lines(application.dossier_versions.get(number=1))
    copied = inventory_services.inventory_copy_from_previous(
        actor=enterprise_admin, application=application
    )
    assert copied == 7
    second = application.dossier_versions.get(number=2)
    line = second.inventory_lines.get(position=1)
    inventory_services.inventory_line_update(
        actor=enterprise_admin, application=application, line=line, data={"amount": Decimal("5")}
    )

    certification_services.application_transition(
        actor=enterprise_admin, application_id=application.pk, action="resubmit"
    )

    stored = Recomputation.objects.get(dossier_version=second)
    # 5 kg instead of 5.1 kg at 12 kgCO2e/kg: 1.2 less.
    assert stored.total == EXPECTED_TOTAL - Decimal("1.2")
    assert stored.uncertainty_seed == second.pk


def test_the_team_recomputes_now(application_at, reviewer, write_lines):
    application = application_at(Status.IN_EVALUATION)
    version = application.dossier_versions.get(number=1)
    write_lines(version)

    stored = inventory_services.recomputation_refresh(actor=reviewer, application=application)

    assert (stored.dossier_version, stored.total, stored.computed_by) == (
        version,
        EXPECTED_TOTAL,
        reviewer,
    )


@pytest.mark.parametrize(
    "persona",
    [
        "enterprise_admin",
        "body_admin",
        "technical_reviewer",
        "peer_reviewer",
        "regulator",
        "other_enterprise_user",
    ],
)
def test_only_the_team_recomputes(application_at, world, write_lines, persona):
    application = application_at(Status.IN_EVALUATION)
    write_lines(application.dossier_versions.get(number=1))

    with pytest.raises(ActorNotPermitted):
        inventory_services.recomputation_refresh(
            actor=world.persona(persona), application=application
        )

    assert not Recomputation.objects.exists()


def test_recompute_now_needs_a_submitted_inventory(application_at, reviewer):
    application = application_at(Status.IN_EVALUATION)

    with pytest.raises(TransitionNotAllowed, match="no inventory lines"):
        inventory_services.recomputation_refresh(actor=reviewer, application=application)
