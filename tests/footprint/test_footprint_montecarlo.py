"""Monte Carlo uncertainty of the footprint total."""

import math
from decimal import Decimal
from typing import Any

import pytest

from footprint.engine import PRODUCTION, Factor, InventoryLine, recompute
from footprint.montecarlo import (
    PEDIGREE_FACTORS,
    geometric_standard_deviation,
    pedigree_scores,
    simulate,
)

AR6 = {"CO2": Decimal(1), "CH4": Decimal("27.9"), "N2O": Decimal(273)}
GRID_FOOTPRINT_2023 = Factor("CN-ELEC-CFP-2023-CN", Decimal("0.6205"), "kgCO2e/kWh")
LANDFILL_METHANE = Factor("TEST-LANDFILL-CH4", Decimal("0.5"), "kgCH4/t")


def electricity(amount: str, **fields: object) -> InventoryLine:
    return InventoryLine(
        stage=PRODUCTION,
        name="grid electricity",
        amount=Decimal(amount),
        unit="kWh",
        factor=GRID_FOOTPRINT_2023,
        **fields,  # type: ignore[arg-type]
    )


INVENTORY = [
    electricity("12345", uncertainty_gsd=Decimal("1.05")),
    electricity("2500", uncertainty_relative_std=Decimal("0.03")),
    electricity("800", technological=1, temporal=1, geographical=2, completeness=1, reliability=1),
]


def test_same_seed_gives_the_same_numbers():
    first = simulate(INVENTORY, AR6, draws=5000, seed=20250317)
    again = simulate(INVENTORY, AR6, draws=5000, seed=20250317)
    assert first == again


def test_different_seeds_give_different_numbers():
    assert simulate(INVENTORY, AR6, seed=1).mean != simulate(INVENTORY, AR6, seed=2).mean


def test_chunk_size_does_not_change_the_numbers():
    whole = simulate(INVENTORY, AR6, draws=3000, seed=7)
    chunked = simulate(INVENTORY, AR6, draws=3000, seed=7, chunk_elements=10)
    assert whole == chunked


def test_without_a_seed_the_returned_seed_reproduces_the_run():
    first = simulate(INVENTORY, AR6, draws=2000)
    assert simulate(INVENTORY, AR6, draws=2000, seed=first.seed) == first


def test_interval_contains_the_deterministic_total_for_small_uncertainty():
    deterministic = float(recompute(INVENTORY, AR6).total)
    result = simulate(INVENTORY, AR6, draws=10_000, seed=42)
    assert result.p2_5 < deterministic < result.p97_5
    # The deterministic figure is each line's median, so the medians almost coincide.
    assert result.median == pytest.approx(deterministic, rel=0.005)
    assert result.p2_5 < result.median < result.p97_5
    assert result.std > 0


def test_stated_gsd_sets_the_spread_of_a_single_line():
    # One line with GSD 1.1: the 97.5th percentile is median × 1.1^1.96.
    result = simulate([electricity("1000", uncertainty_gsd=Decimal("1.1"))], AR6, seed=3)
    assert result.p97_5 / result.median == pytest.approx(1.1**1.959964, rel=0.01)


def test_relative_std_sets_the_coefficient_of_variation():
    result = simulate([electricity("1000", uncertainty_relative_std=Decimal("0.2"))], AR6, seed=4)
    assert result.std / result.mean == pytest.approx(0.2, rel=0.05)


def test_gsd_of_one_means_no_uncertainty():
    result = simulate([electricity("1000", uncertainty_gsd=Decimal(1))], AR6, seed=5)
    assert (result.p2_5, result.p97_5, result.std) == (620.5, 620.5, 0.0)


def test_pact_rating_maps_to_pedigree_scores():
    rated = electricity("1", technological=1, temporal=2, geographical=3)
    assert pedigree_scores(rated) == {
        "reliability": 5,  # not rated counts as poor
        "completeness": 5,
        "temporal": 3,
        "geographical": 5,
        "technological": 1,
    }


def test_pedigree_gsd_for_fair_ratings_matches_the_hand_computation():
    # PACT 2 (fair) is pedigree score 3 on every indicator: factors 1.10 (reliability),
    # 1.05 (completeness), 1.10 (temporal), 1.02 (geographical), 1.20 (technological), and
    # basic uncertainty 1.05 for CO2e. ln(GSD) = ½·√Σ ln(U)² = ½·√0.056563 = 0.118915.
    fair = electricity(
        "1", technological=2, temporal=2, geographical=2, completeness=2, reliability=2
    )
    factors = [PEDIGREE_FACTORS[indicator][2] for indicator in PEDIGREE_FACTORS] + [1.05]
    expected = math.exp(0.5 * math.sqrt(sum(math.log(factor) ** 2 for factor in factors)))
    assert geometric_standard_deviation(fair) == pytest.approx(expected)
    assert geometric_standard_deviation(fair) == pytest.approx(1.12627, abs=1e-5)


def test_unrated_line_is_as_uncertain_as_a_poorly_rated_one():
    poor = electricity(
        "1", technological=3, temporal=3, geographical=3, completeness=3, reliability=3
    )
    assert geometric_standard_deviation(electricity("1")) == geometric_standard_deviation(poor)


def test_methane_has_a_wider_basic_uncertainty_than_carbon_dioxide():
    good: dict[str, Any] = {
        "technological": 1,
        "temporal": 1,
        "geographical": 1,
        "completeness": 1,
        "reliability": 1,
    }
    methane = InventoryLine(PRODUCTION, "landfill", Decimal(20), "t", LANDFILL_METHANE, **good)
    assert geometric_standard_deviation(electricity("1", **good)) == pytest.approx(1.05**0.5)
    assert geometric_standard_deviation(methane) == pytest.approx(1.5**0.5)


def test_at_least_two_draws_are_needed():
    with pytest.raises(ValueError, match="two draws"):
        simulate(INVENTORY, AR6, draws=1, seed=1)


def test_empty_inventory_simulates_to_zero():
    result = simulate([], AR6, draws=100, seed=1)
    assert (result.mean, result.p2_5, result.p97_5) == (0.0, 0.0, 0.0)
