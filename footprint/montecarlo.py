"""Monte Carlo propagation of inventory uncertainty to the footprint total.

Each line's emission is drawn from a lognormal distribution whose median is the line's
deterministic emission and whose spread is the line's geometric standard deviation (GSD), the
convention of ecoinvent: emissions cannot change sign through noise, and a factor of 1.2 either
way is as likely. Lines are drawn independently; a factor shared by many lines therefore looks
less uncertain in the total than it is, which is the usual simplification of pedigree-based
screening and is stated in any report that uses these figures.

Where a line states no uncertainty, its GSD comes from its data quality ratings through the
pedigree approach of Weidema & Wesnæs (1996), as used in ecoinvent (Frischknecht et al. 2007;
Weidema et al. 2013). The uncertainty factors below are the ones ecoinvent applies, as listed in
the "prior" column of Table 3 of Muller et al. (2016), Int J Life Cycle Assess 21:1185-1196.
They are factors on the squared GSD (the 95% interval factor), so

    ln(GSD) = ½ · √( ln(U_basic)² + Σ ln(U_indicator)² )

PACT rates data quality 1 (good) to 3 (poor); the pedigree matrix scores 1 (good) to 5 (poor).
A PACT rating maps to pedigree score 1, 3 or 5. An indicator that was not rated counts as poor:
data nobody assessed must not look more certain than data assessed as fair.

The basic uncertainty follows ecoinvent's defaults for combustion emissions: 1.05 for CO2 (and
for factors already in CO2e, which are dominated by CO2), 1.5 for CH4 and N2O.

Draws are generated in chunks of rows so that memory stays near ``chunk_elements`` × 8 bytes
whatever the number of draws and lines; the random stream is consumed in the same order whatever
the chunk size, so a seed always gives the same figures.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from footprint.engine import InventoryLine, line_emissions

PEDIGREE_FACTORS: dict[str, tuple[float, float, float, float, float]] = {
    "reliability": (1.00, 1.05, 1.10, 1.20, 1.50),
    "completeness": (1.00, 1.02, 1.05, 1.10, 1.20),
    "temporal": (1.00, 1.03, 1.10, 1.20, 1.50),
    "geographical": (1.00, 1.01, 1.02, 1.05, 1.10),
    "technological": (1.00, 1.05, 1.20, 1.50, 2.00),
}
PACT_RATING_TO_PEDIGREE_SCORE: dict[int, int] = {1: 1, 2: 3, 3: 5}
UNRATED_PEDIGREE_SCORE = 5
BASIC_UNCERTAINTY: dict[str, float] = {"CO2": 1.05, "CO2e": 1.05, "CH4": 1.5, "N2O": 1.5}
DEFAULT_CHUNK_ELEMENTS = 1_000_000


@dataclass(frozen=True, slots=True)
class UncertaintyResult:
    """Statistics of the simulated totals in kgCO2e, with the seed that reproduces them."""

    mean: float
    median: float
    p2_5: float
    p97_5: float
    std: float
    draws: int
    seed: int


def pedigree_scores(line: InventoryLine) -> dict[str, int]:
    """Pedigree score (1-5) per indicator from the line's PACT-style ratings (1-3 or None)."""
    return {
        indicator: PACT_RATING_TO_PEDIGREE_SCORE.get(
            getattr(line, indicator), UNRATED_PEDIGREE_SCORE
        )
        for indicator in PEDIGREE_FACTORS
    }


def pedigree_log_sigma(scores: Mapping[str, int], gas: str) -> float:
    """Standard deviation of ln(emission) from pedigree scores and the gas's basic uncertainty."""
    squares = math.log(BASIC_UNCERTAINTY.get(gas, BASIC_UNCERTAINTY["CO2"])) ** 2
    for indicator, score in scores.items():
        squares += math.log(PEDIGREE_FACTORS[indicator][score - 1]) ** 2
    return 0.5 * math.sqrt(squares)


def log_sigma(line: InventoryLine) -> float:
    """Standard deviation of ln(emission): from the stated GSD, the relative std, or pedigree."""
    if line.uncertainty_gsd is not None:
        return math.log(float(line.uncertainty_gsd))
    if line.uncertainty_relative_std is not None:
        relative = float(line.uncertainty_relative_std)
        # The lognormal whose coefficient of variation is `relative`.
        return math.sqrt(math.log1p(relative * relative))
    return pedigree_log_sigma(pedigree_scores(line), line.factor.gas or "CO2")


def geometric_standard_deviation(line: InventoryLine) -> float:
    return math.exp(log_sigma(line))


def simulate(
    lines: Sequence[InventoryLine],
    gwp_set: Mapping[str, Decimal],
    draws: int = 10_000,
    seed: int | None = None,
    *,
    chunk_elements: int = DEFAULT_CHUNK_ELEMENTS,
) -> UncertaintyResult:
    """Simulate ``draws`` footprint totals. Without a seed, a fresh one is drawn and returned."""
    if draws < 2:
        raise ValueError("at least two draws are needed for a spread")
    if seed is None:
        seed = secrets.randbits(63)
    emissions = np.array([float(value) for value in line_emissions(lines, gwp_set)])
    sigmas = np.array([log_sigma(line) for line in lines])
    generator = np.random.default_rng(seed)
    totals = np.zeros(draws)
    if len(lines):
        rows_per_chunk = max(1, chunk_elements // len(lines))
        for start in range(0, draws, rows_per_chunk):
            stop = min(draws, start + rows_per_chunk)
            multipliers = generator.standard_normal((stop - start, len(lines)))
            multipliers *= sigmas
            np.exp(multipliers, out=multipliers)
            totals[start:stop] = multipliers @ emissions
    low, median, high = np.percentile(totals, [2.5, 50.0, 97.5])
    return UncertaintyResult(
        mean=float(totals.mean()),
        median=float(median),
        p2_5=float(low),
        p97_5=float(high),
        std=float(totals.std(ddof=1)),
        draws=draws,
        seed=seed,
    )
