"""Recompute a product carbon footprint from its inventory, as a verifier does.

A footprint is ``Σ amount × emission factor × GWP`` over the inventory lines, per life-cycle stage
(DOMAIN.md §3). The engine works on plain dataclasses so that the Django layer, the importer and
the tests all feed it the same way, and so that it can run without a database.

Arithmetic is ``Decimal`` so that a hand computation in a verification report matches the figure on
screen digit for digit. Each line's product is taken at 28 significant digits; sums are carried at
80 digits, which makes them exact for any realistic inventory, so the total does not depend on the
order of the lines and always equals the sum of the stage totals.

Speed comes from doing the unit work once per distinct (line unit, factor unit, calorific value
unit) combination and once per distinct factor, not once per line.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal, localcontext
from functools import lru_cache
from pathlib import Path

from footprint.messages import Message, gettext_noop, message
from footprint.units import (
    ENERGY,
    UnitError,
    conversion_factor,
    lookup,
    normalise_gas,
    parse_factor_unit,
    parse_ratio_unit,
)

RAW_MATERIAL = "raw_material"
PRODUCTION = "production"
DISTRIBUTION = "distribution"
USE = "use"
END_OF_LIFE = "end_of_life"
STANDARD_STAGES: tuple[str, ...] = (RAW_MATERIAL, PRODUCTION, DISTRIBUTION, USE, END_OF_LIFE)

DEFAULT_MATERIALITY = Decimal("0.05")
DATA_QUALITY_RATINGS = (1, 2, 3)
DATA_QUALITY_INDICATORS = (
    "technological",
    "temporal",
    "geographical",
    "completeness",
    "reliability",
)

_LINE_CONTEXT = Context(prec=28)
# Wide enough that adding thousands of 28-digit products spanning many magnitudes stays exact.
_SUM_CONTEXT = Context(prec=80)


# Where a line's factor comes from.
LIBRARY = "library"  # a factor of the platform's library, named by its code
SUPPLIER = "supplier"  # the enterprise's own or its supplier's, with its source and evidence
DIRECT = "direct"  # none: the line is a mass of a greenhouse gas, weighted by the GWP set
FACTOR_KINDS = (LIBRARY, SUPPLIER, DIRECT)
SUPPLIER_FACTOR_CODE = "ENTERPRISE-SPECIFIC"


class FootprintError(ValueError):
    """An inventory cannot be computed for a reason other than units, such as a missing GWP."""

    def __init__(self, problem: Message) -> None:
        self.message = problem
        super().__init__(str(problem))


@dataclass(frozen=True, slots=True)
class Factor:
    """An emission factor. ``gas`` is read from ``unit`` when not given, and must agree with it.

    A factor already in CO2e (``kgCO2e/kWh``) is not multiplied by a GWP again. A supplier
    factor carries its ``source`` and the name of its ``evidence`` file; a direct gas line's
    factor is one kilogram of the gas per kilogram (see ``direct_gas_factor``).
    """

    code: str
    value: Decimal
    unit: str
    gas: str | None = None
    kind: str = LIBRARY
    source: str = ""
    evidence: str = ""

    def __post_init__(self) -> None:
        parsed = parse_factor_unit(self.unit)
        if self.gas is not None and normalise_gas(self.gas) != parsed.gas:
            raise UnitError(
                message(
                    gettext_noop("factor %(code)s: gas %(gas)r disagrees with its unit %(unit)r"),
                    code=self.code,
                    gas=self.gas,
                    unit=self.unit,
                )
            )
        if self.kind not in FACTOR_KINDS:
            raise ValueError(f"factor {self.code}: kind must be one of {FACTOR_KINDS}")
        object.__setattr__(self, "gas", parsed.gas)  # canonical spelling, e.g. 'co2eq' → CO2e
        if not isinstance(self.value, Decimal):
            raise TypeError(f"factor {self.code}: value must be a Decimal, not {type(self.value)}")


def direct_gas_factor(gas: str) -> Factor:
    """What a line giving a mass of ``gas`` is multiplied by: 1 kg of the gas per kg, so that
    the dossier's GWP set alone turns it into CO2e."""
    canonical = normalise_gas(gas)
    return Factor(code=canonical, value=Decimal(1), unit=f"kg{canonical}/kg", kind=DIRECT)


@dataclass(frozen=True, slots=True)
class InventoryLine:
    """One activity of the inventory: an amount, its unit, and the factor that applies to it.

    ``net_calorific_value`` (with ``net_calorific_value_unit``, such as ``GJ/t``) turns a mass or
    volume of fuel into energy when the factor is per unit of energy; it is ignored otherwise.
    Uncertainty is either ``uncertainty_gsd`` (geometric standard deviation, ≥ 1) or
    ``uncertainty_relative_std`` (standard deviation over mean); without either, the Monte Carlo
    simulation derives it from the data quality ratings (1 good … 3 poor, as in PACT).
    """

    stage: str
    name: str
    amount: Decimal
    unit: str
    factor: Factor
    net_calorific_value: Decimal | None = None
    net_calorific_value_unit: str | None = None
    is_primary: bool = False
    is_biogenic: bool = False
    technological: int | None = None
    temporal: int | None = None
    geographical: int | None = None
    completeness: int | None = None
    reliability: int | None = None
    uncertainty_gsd: Decimal | None = None
    uncertainty_relative_std: Decimal | None = None
    justification: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.stage, str) or not self.stage.strip():
            raise ValueError(f"line {self.name!r}: stage must be a non-empty string")
        if not isinstance(self.amount, Decimal):
            raise TypeError(
                f"line {self.name!r}: amount must be a Decimal, not {type(self.amount)}"
            )
        if (self.net_calorific_value is None) != (self.net_calorific_value_unit is None):
            raise ValueError(f"line {self.name!r}: a net calorific value and its unit go together")
        for rating_name in DATA_QUALITY_INDICATORS:
            rating = getattr(self, rating_name)
            if rating is not None and rating not in DATA_QUALITY_RATINGS:
                raise ValueError(f"line {self.name!r}: {rating_name} rating must be 1, 2 or 3")
        if self.uncertainty_gsd is not None and self.uncertainty_relative_std is not None:
            raise ValueError(f"line {self.name!r}: give a GSD or a relative std, not both")
        if self.uncertainty_gsd is not None and self.uncertainty_gsd < 1:
            raise ValueError(f"line {self.name!r}: a geometric standard deviation is at least 1")
        if self.uncertainty_relative_std is not None and self.uncertainty_relative_std < 0:
            raise ValueError(f"line {self.name!r}: a relative standard deviation is not negative")


@dataclass(frozen=True, slots=True)
class LineContribution:
    index: int
    stage: str
    name: str
    gas: str
    gas_kilograms: Decimal
    co2e_kilograms: Decimal
    is_primary: bool
    is_biogenic: bool
    share_of_total: Decimal | None


@dataclass(frozen=True)
class Result:
    """Recomputed footprint in kgCO2e, and how it compares to what the enterprise declared.

    ``deviation`` is ``|declared − recomputed| / |declared|``: the claim under verification is the
    reference, as materiality in ISO 14064-3 is judged against the reported figure. ``material``
    is true when the deviation of the total is strictly above ``materiality``; stages are judged
    the same way and listed in ``material_stages``.
    """

    total: Decimal
    by_stage: dict[str, Decimal]
    fossil: Decimal
    biogenic: Decimal
    primary_data_share: Decimal | None
    materiality: Decimal
    declared_total: Decimal | None = None
    deviation: Decimal | None = None
    material: bool = False
    stage_deviations: dict[str, Decimal] = field(default_factory=dict)
    material_stages: tuple[str, ...] = ()
    lines: tuple[LineContribution, ...] = ()


@lru_cache(maxsize=4096)
def amount_multiplier(line_unit: str, factor_unit: str, calorific_unit: str | None) -> Decimal:
    """What multiplies a line's amount (and its calorific value, when one is needed) so that it is
    expressed in the factor's per-unit.

    Raises ``UnitError`` when the line's unit cannot be brought to the factor's per-unit,
    including a mass or volume of fuel without the net calorific value that would do it.
    """
    per_unit = parse_factor_unit(factor_unit).per_unit
    unit = lookup(line_unit)
    if unit.dimension == per_unit.dimension:
        return conversion_factor(unit.symbol, per_unit.symbol)
    if per_unit.dimension != ENERGY:
        return conversion_factor(unit.symbol, per_unit.symbol)  # raises the dimension mismatch
    if calorific_unit is None:
        raise UnitError(
            message(
                gettext_noop(
                    "cannot convert %(unit)s (%(dimension)s) to %(to)s (%(to_dimension)s) "
                    "without a net calorific value"
                ),
                unit=unit.symbol,
                dimension=unit.dimension,
                to=per_unit.symbol,
                to_dimension=per_unit.dimension,
            )
        )
    calorific = parse_ratio_unit(calorific_unit)
    if calorific.numerator.dimension != ENERGY:
        raise UnitError(
            message(
                gettext_noop("net calorific value unit %(ncv_unit)r must be energy per amount"),
                ncv_unit=calorific_unit,
            )
        )
    to_calorific_basis = conversion_factor(unit.symbol, calorific.denominator.symbol)
    to_factor_basis = conversion_factor(calorific.numerator.symbol, per_unit.symbol)
    return to_calorific_basis * to_factor_basis


@lru_cache(maxsize=4096)
def needs_calorific_value(line_unit: str, factor_unit: str) -> bool:
    return lookup(line_unit).dimension != parse_factor_unit(factor_unit).per_unit.dimension


def _gwp(gas: str, gwp_set: Mapping[str, Decimal]) -> Decimal:
    if gas == "CO2e":
        return Decimal(1)
    if gas not in gwp_set:
        raise FootprintError(message(gettext_noop("the GWP set has no value for %(gas)s"), gas=gas))
    return gwp_set[gas]


def _line_figures(
    line: InventoryLine,
    gwp_set: Mapping[str, Decimal],
    factor_cache: dict[tuple[Decimal, str], tuple[str, Decimal, Decimal]],
) -> tuple[str, Decimal, Decimal]:
    """(gas, kg of gas, kg CO2e) for one line; ``factor_cache`` holds per-factor constants."""
    factor = line.factor
    key = (factor.value, factor.unit)
    constants = factor_cache.get(key)
    if constants is None:
        parsed = parse_factor_unit(factor.unit)
        gas_per_unit = factor.value * parsed.mass_in_kilograms
        constants = (parsed.gas, gas_per_unit, _gwp(parsed.gas, gwp_set))
        factor_cache[key] = constants
    gas, gas_per_unit, gwp = constants
    try:
        multiplier = amount_multiplier(line.unit, factor.unit, line.net_calorific_value_unit)
    except UnitError as error:
        raise UnitError(
            message(
                gettext_noop("line %(line)r (%(stage)s): %(problem)s"),
                line=line.name,
                stage=line.stage,
                problem=error.message,
            )
        ) from error
    amount = line.amount * multiplier
    if line.net_calorific_value is not None and needs_calorific_value(line.unit, factor.unit):
        amount *= line.net_calorific_value
    gas_kilograms = amount * gas_per_unit
    return gas, gas_kilograms, gas_kilograms * gwp


def line_emissions(lines: Sequence[InventoryLine], gwp_set: Mapping[str, Decimal]) -> list[Decimal]:
    """kg CO2e of each line, in order; the Monte Carlo simulation starts from these."""
    factor_cache: dict[tuple[Decimal, str], tuple[str, Decimal, Decimal]] = {}
    with localcontext(_LINE_CONTEXT):
        return [_line_figures(line, gwp_set, factor_cache)[2] for line in lines]


def _relative_deviation(declared: Decimal, recomputed: Decimal) -> Decimal:
    if declared == 0:
        return Decimal(0) if recomputed == 0 else Decimal("Infinity")
    return abs(declared - recomputed) / abs(declared)


def _ordered_stages(stages: Iterable[str]) -> list[str]:
    """Standard stages in life-cycle order, then custom stages in order of first appearance."""
    present = dict.fromkeys(stages)
    standard = [stage for stage in STANDARD_STAGES if stage in present]
    return standard + [stage for stage in present if stage not in STANDARD_STAGES]


def recompute(
    lines: Sequence[InventoryLine],
    gwp_set: Mapping[str, Decimal],
    declared_total: Decimal | None = None,
    declared_by_stage: Mapping[str, Decimal] | None = None,
    materiality: Decimal = DEFAULT_MATERIALITY,
) -> Result:
    """Totals in kgCO2e per stage and overall, and the deviation from the declared figures.

    A declared stage missing from the inventory counts as recomputed zero, so an emptied stage
    shows up as a deviation rather than disappearing.
    """
    if materiality < 0:
        raise ValueError("materiality must not be negative")
    factor_cache: dict[tuple[Decimal, str], tuple[str, Decimal, Decimal]] = {}
    with localcontext(_LINE_CONTEXT):
        figures = [_line_figures(line, gwp_set, factor_cache) for line in lines]

    with localcontext(_SUM_CONTEXT):
        stage_sums: dict[str, Decimal] = {}
        fossil = biogenic = primary = absolute = Decimal(0)
        for line, (_gas, _gas_kilograms, co2e) in zip(lines, figures, strict=True):
            stage_sums[line.stage] = stage_sums.get(line.stage, Decimal(0)) + co2e
            if line.is_biogenic:
                biogenic += co2e
            else:
                fossil += co2e
            # Absolute values keep the share within 0..1 when removals (negative lines) exist.
            absolute += abs(co2e)
            if line.is_primary:
                primary += abs(co2e)
        total = fossil + biogenic

    # The sums stay unrounded: rounding them would let the total drift from the sum of stages.
    by_stage = {stage: stage_sums[stage] for stage in _ordered_stages(stage_sums)}
    with localcontext(_LINE_CONTEXT):
        contributions = tuple(
            LineContribution(
                index=index,
                stage=line.stage,
                name=line.name,
                gas=gas,
                gas_kilograms=gas_kilograms,
                co2e_kilograms=co2e,
                is_primary=line.is_primary,
                is_biogenic=line.is_biogenic,
                share_of_total=co2e / total if total else None,
            )
            for index, (line, (gas, gas_kilograms, co2e)) in enumerate(
                zip(lines, figures, strict=True)
            )
        )
        deviation = None if declared_total is None else _relative_deviation(declared_total, total)
        stage_deviations = {
            stage: _relative_deviation(declared, by_stage.get(stage, Decimal(0)))
            for stage, declared in (declared_by_stage or {}).items()
        }
        return Result(
            total=total,
            by_stage=by_stage,
            fossil=fossil,
            biogenic=biogenic,
            primary_data_share=primary / absolute if absolute else None,
            materiality=materiality,
            declared_total=declared_total,
            deviation=deviation,
            material=deviation is not None and deviation > materiality,
            stage_deviations=stage_deviations,
            material_stages=tuple(
                stage
                for stage, stage_deviation in stage_deviations.items()
                if stage_deviation > materiality
            ),
            lines=contributions,
        )


def load_gwp_sets(path: str | Path) -> dict[str, dict[str, Decimal]]:
    """Read GWP100 sets from a CSV shaped like ``gas,ar4,ar5,ar6,note``.

    Returns ``{"AR4": {"CO2": 1, "CH4": 25, ...}, "AR5": {...}, ...}``: every column other than
    ``gas`` and ``note`` is a set, named in upper case.
    """
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        columns = list(reader.fieldnames or ())
    if "gas" not in columns or not rows:
        raise ValueError(f"{path}: expected a 'gas' column and at least one row")
    set_names = [name for name in columns if name not in ("gas", "note")]
    sets: dict[str, dict[str, Decimal]] = {name.upper(): {} for name in set_names}
    for row in rows:
        gas = normalise_gas(row["gas"])
        for name in set_names:
            value = (row[name] or "").strip()
            if value:
                sets[name.upper()][gas] = Decimal(value)
    return sets
