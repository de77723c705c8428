"""Data quality of a certified inventory in PACT terms.

The inventory rates every line 1 (good) to 3 (poor) on five dimensions, the scale of the PACT 2.x
DataQualityIndicators. As 2.x defines them, each indicator is the average of the ratings weighted
by emissions, over the lines above 5% of the footprint; `coveragePercent` is the share of the
footprint those rated lines carry. Weights are absolute emissions, so removals count by size.

v3 rates on 1 to 5 with a different matrix, and the dossier holds no such ratings, so /3 carries
no `dqi`.
"""

from collections.abc import Sequence
from decimal import Decimal

from footprint import engine
from footprint.bridge import core_line
from footprint.models import InventoryLine

THRESHOLD = Decimal("0.05")
INDICATORS = {
    "technologicalDQR": "dq_technological",
    "temporalDQR": "dq_temporal",
    "geographicalDQR": "dq_geographical",
    "completenessDQR": "dq_completeness",
    "reliabilityDQR": "dq_reliability",
}


def data_quality(lines: Sequence[InventoryLine], gwp: dict[str, Decimal]) -> dict | None:
    """The v2 `dqi` object, or None when the inventory cannot be weighted or nothing is rated."""
    if not lines:
        return None
    try:
        emissions = [
            abs(value) for value in engine.line_emissions([core_line(line) for line in lines], gwp)
        ]
    except ValueError:  # a unit mismatch or a gas without GWP: unweighable, so no dqi
        return None
    total = sum(emissions, Decimal(0))
    if not total:
        return None
    rated = [
        (line, weight)
        for line, weight in zip(lines, emissions, strict=True)
        if weight / total > THRESHOLD
        and all(getattr(line, field) is not None for field in INDICATORS.values())
    ]
    covered = sum((weight for _, weight in rated), Decimal(0))
    if not covered:
        return None
    quality: dict[str, float] = {"coveragePercent": _number(covered / total * 100)}
    for name, field in INDICATORS.items():
        weighted = sum((getattr(line, field) * weight for line, weight in rated), Decimal(0))
        quality[name] = _number(weighted / covered)
    return quality


def secondary_sources(lines: Sequence[InventoryLine]) -> list[dict[str, str]]:
    """The factor library versions the lines used; enterprise-specific factors are not
    secondary databases."""
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for line in lines:
        if line.factor is None:
            continue
        version = line.factor.version
        key = (version.dataset.name, str(version.number))
        seen.setdefault(key, {"name": key[0], "version": key[1]})
    return sorted(seen.values(), key=lambda source: (source["name"], source["version"]))


def _number(value: Decimal) -> float:
    # 2.x types these as numbers; two decimals are what a rating can mean.
    return float(value.quantize(Decimal("0.01")))
