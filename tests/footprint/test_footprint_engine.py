"""Recomputation of a footprint, checked against figures worked out by hand."""

from decimal import Decimal, localcontext
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footprint.engine import (
    DISTRIBUTION,
    END_OF_LIFE,
    PRODUCTION,
    RAW_MATERIAL,
    STANDARD_STAGES,
    USE,
    Factor,
    FootprintError,
    InventoryLine,
    load_gwp_sets,
    recompute,
)
from footprint.units import (
    AREA,
    COUNT,
    ENERGY,
    TRANSPORT,
    VOLUME,
    UnitError,
    convert,
    lookup,
    parse_factor_unit,
    parse_ratio_unit,
)

# The published GWP100 table shipped as reference data (reference/gwp.csv), verbatim.
GWP_CSV = """gas,ar4,ar5,ar6,note
CO2,1,1,1,
CH4,25,28,27.9,AR6 overall value; AR6 splits fossil and non-fossil methane \
(unconfirmed split: 29.8 / 27.0)
N2O,298,265,273,
"""

AR5 = {"CO2": Decimal(1), "CH4": Decimal(28), "N2O": Decimal(265)}
AR6 = {"CO2": Decimal(1), "CH4": Decimal("27.9"), "N2O": Decimal(273)}

# MEE/NBS 2022 national average grid factor (operational CO2).
GRID_2022 = Factor("CN-ELEC-CO2-2022-CN", Decimal("0.5366"), "kgCO2/kWh")
# MEE/NBS/NEA 2023 electricity carbon footprint factor (life cycle, already CO2e).
GRID_FOOTPRINT_2023 = Factor("CN-ELEC-CFP-2023-CN", Decimal("0.6205"), "kgCO2e/kWh")
# IPCC 2006 Vol.2 Table 2.2 default for gas/diesel oil.
DIESEL = Factor("IPCC2006-STATIONARY-DIESEL", Decimal("74100"), "kgCO2/TJ")
LANDFILL_METHANE = Factor("TEST-LANDFILL-CH4", Decimal("0.5"), "kgCH4/t")
ROAD_FREIGHT = Factor("TEST-ROAD-FREIGHT", Decimal("0.0712"), "kgCO2e/tkm")
UNIT_FACTOR = Factor("TEST-ONE-PER-KWH", Decimal(1), "kgCO2e/kWh")


def line(
    amount: str, unit: str, factor: Factor, stage: str = PRODUCTION, **fields: object
) -> InventoryLine:
    return InventoryLine(
        stage=stage,
        name=f"{amount} {unit}",
        amount=Decimal(amount),
        unit=unit,
        factor=factor,
        **fields,  # type: ignore[arg-type]
    )


# Units


def test_megawatt_hours_and_kilowatt_hours_convert_both_ways():
    assert convert(Decimal("2.5"), "MWh", "kWh") == Decimal(2500)
    assert convert(Decimal(2500), "kWh", "MWh") == Decimal("2.5")
    assert convert(Decimal(1), "kWh", "MJ") == Decimal("3.6")
    assert convert(Decimal(1), "TJ", "GJ") == Decimal(1000)


def test_transport_units_and_their_spellings_convert():
    assert convert(Decimal(1500), "kg·km", "t·km") == Decimal("1.5")
    assert convert(Decimal("1.5"), "tkm", "kg·km") == Decimal(1500)
    assert lookup("t.km").symbol == "t·km"
    assert lookup("tkm").dimension == TRANSPORT


def test_aliases_and_unambiguous_case_are_accepted():
    assert lookup("m³").symbol == "m3"
    assert lookup("m³").dimension == VOLUME
    assert lookup("m²").dimension == AREA
    assert lookup("kwh").symbol == "kWh"
    assert lookup("piece").dimension == COUNT
    assert lookup(" GJ ").dimension == ENERGY


@pytest.mark.parametrize(
    ("written", "symbol"),
    [
        ("KWH", "kWh"),
        ("MWH", "MWh"),
        ("KG", "kg"),
        ("PCS", "piece"),
        ("Tonne", "t"),
        ("TONNES", "t"),
        ("TKM", "t·km"),
        ("T-km", "t·km"),
        ("M3", "m3"),
    ],
)
def test_case_is_folded_where_the_first_letter_cannot_mean_another_prefix(written, symbol):
    assert lookup(written).symbol == symbol


@pytest.mark.parametrize("written", ["mJ", "mWh", "mwh", "gj", "gwh", "tj", "T", "G", "gcal"])
def test_a_prefix_written_in_the_other_case_is_refused_not_read_as_another(written):
    """mWh (a battery's capacity) is not MWh: a billion times less. A refusal names the unit;
    reading it as the other would change the footprint silently."""
    with pytest.raises(UnitError, match="unknown unit"):
        lookup(written)


def test_unknown_unit_is_a_unit_error_naming_it():
    with pytest.raises(UnitError, match="unknown unit 'furlong'"):
        lookup("furlong")


def test_dimension_mismatch_names_both_units_and_dimensions():
    with pytest.raises(UnitError, match=r"cannot convert kWh \(energy\) to kg \(mass\)"):
        convert(Decimal(1), "kWh", "kg")


def test_unit_error_is_a_value_error():
    assert issubclass(UnitError, ValueError)


@pytest.mark.parametrize(
    ("text", "kilograms", "gas", "per_unit"),
    [
        ("kgCO2/kWh", Decimal(1), "CO2", "kWh"),
        ("kgCO2e/kWh", Decimal(1), "CO2e", "kWh"),
        ("kgCO2/TJ", Decimal(1), "CO2", "TJ"),
        ("tCO2/MWh", Decimal(1000), "CO2", "MWh"),
        ("kgCH4/t", Decimal(1), "CH4", "t"),
        ("gN2O/kg", Decimal("0.001"), "N2O", "kg"),
        ("kgCO₂eq/m³", Decimal(1), "CO2e", "m3"),
    ],
)
def test_emission_factor_units_parse(text, kilograms, gas, per_unit):
    parsed = parse_factor_unit(text)
    assert (parsed.mass_in_kilograms, parsed.gas, parsed.per_unit.symbol) == (
        kilograms,
        gas,
        per_unit,
    )


@pytest.mark.parametrize("text", ["kgCO2", "CO2/kWh", "kgSF6/kWh", "kgCO2/furlong", "/kWh"])
def test_malformed_emission_factor_units_are_unit_errors(text):
    with pytest.raises(UnitError):
        parse_factor_unit(text)


def test_calorific_value_units_parse():
    parsed = parse_ratio_unit("GJ/t")
    assert (parsed.numerator.symbol, parsed.denominator.symbol) == ("GJ", "t")


# Hand-computed footprints


def test_grid_electricity_with_the_2022_national_factor():
    # 12,345 kWh × 0.5366 kgCO2/kWh = 6,624.327 kgCO2 (CO2 GWP = 1)
    result = recompute([line("12345", "kWh", GRID_2022)], AR5)
    assert result.total == Decimal("6624.327")
    assert result.lines[0].gas == "CO2"


def test_electricity_in_megawatt_hours_with_the_2023_footprint_factor():
    # 2.5 MWh = 2,500 kWh; 2,500 kWh × 0.6205 kgCO2e/kWh = 1,551.25 kgCO2e
    result = recompute([line("2.5", "MWh", GRID_FOOTPRINT_2023)], AR5)
    assert result.total == Decimal("1551.25")


def test_factor_in_tonnes_per_megawatt_hour_gives_the_same_figure():
    # 0.5366 tCO2/MWh = 0.5366 kgCO2/kWh; 12.345 MWh → 6.624327 t = 6,624.327 kg
    factor = Factor("GRID-T-PER-MWH", Decimal("0.5366"), "tCO2/MWh")
    assert recompute([line("12.345", "MWh", factor)], AR5).total == Decimal("6624.327")


def test_diesel_by_mass_through_its_net_calorific_value():
    # 3.2 t × 42.652 GJ/t = 136.4864 GJ = 0.1364864 TJ
    # 0.1364864 TJ × 74,100 kgCO2/TJ = 10,113.64224 kgCO2
    diesel = line(
        "3.2",
        "t",
        DIESEL,
        stage=DISTRIBUTION,
        net_calorific_value=Decimal("42.652"),
        net_calorific_value_unit="GJ/t",
    )
    assert recompute([diesel], AR5).total == Decimal("10113.64224")


@pytest.mark.parametrize(
    ("amount", "unit", "calorific_value", "calorific_unit"),
    [
        ("3200", "kg", "42.652", "GJ/t"),
        ("3.2", "t", "0.042652", "TJ/t"),
        ("3200", "kg", "42.652", "MJ/kg"),
    ],
)
def test_diesel_figure_does_not_depend_on_how_units_are_written(
    amount, unit, calorific_value, calorific_unit
):
    diesel = line(
        amount,
        unit,
        DIESEL,
        net_calorific_value=Decimal(calorific_value),
        net_calorific_value_unit=calorific_unit,
    )
    assert recompute([diesel], AR5).total == Decimal("10113.64224")


def test_fuel_by_mass_without_calorific_value_cannot_be_computed():
    with pytest.raises(UnitError, match=r"t \(mass\) to TJ \(energy\) without a net calorific"):
        recompute([line("3.2", "t", DIESEL)], AR5)


def test_electricity_factor_on_an_area_is_a_dimension_mismatch():
    with pytest.raises(UnitError, match=r"line '10 m2' \(use\): cannot convert m2 \(area\) to kWh"):
        recompute([line("10", "m2", GRID_2022, stage=USE)], AR5)


def test_transport_in_tonne_kilometres():
    # 3 t carried 450 km = 1,350 t·km; 1,350 × 0.0712 kgCO2e/t·km = 96.12 kgCO2e
    result = recompute([line("1350", "t.km", ROAD_FREIGHT, stage=DISTRIBUTION)], AR5)
    assert result.total == Decimal("96.12")
    # the same haul in kg·km: 1,350,000 kg·km = 1,350 t·km
    assert recompute([line("1350000", "kg·km", ROAD_FREIGHT)], AR5).total == Decimal("96.12")


def test_methane_under_ar5_and_ar6():
    # 20 t of waste × 0.5 kgCH4/t = 10 kgCH4; AR5: 10 × 28 = 280; AR6: 10 × 27.9 = 279
    methane = [line("20", "t", LANDFILL_METHANE, stage=END_OF_LIFE)]
    assert recompute(methane, AR5).total == Decimal(280)
    assert recompute(methane, AR6).total == Decimal("279.0")
    assert recompute(methane, AR6).lines[0].gas_kilograms == Decimal(10)


def test_factor_already_in_co2e_is_not_multiplied_by_a_gwp():
    inventory = [line("2500", "kWh", GRID_FOOTPRINT_2023)]
    assert recompute(inventory, AR5).total == recompute(inventory, AR6).total


def test_gas_missing_from_the_gwp_set_is_an_error():
    with pytest.raises(FootprintError, match="no value for CH4"):
        recompute([line("20", "t", LANDFILL_METHANE)], {"CO2": Decimal(1)})


def test_factor_gas_must_agree_with_its_unit():
    with pytest.raises(UnitError, match="disagrees"):
        Factor("BAD", Decimal(1), "kgCO2/kWh", gas="CH4")


def test_amount_must_be_a_decimal():
    with pytest.raises(TypeError):
        InventoryLine(PRODUCTION, "float", 1.1, "kWh", GRID_2022)  # type: ignore[arg-type]


def test_data_quality_rating_must_be_one_to_three():
    with pytest.raises(ValueError, match="1, 2 or 3"):
        line("1", "kWh", GRID_2022, temporal=4)


def test_gwp_sets_load_from_the_published_table(tmp_path: Path):
    path = tmp_path / "gwp.csv"
    path.write_text(GWP_CSV, encoding="utf-8")
    sets = load_gwp_sets(path)
    assert sets["AR5"] == AR5
    assert sets["AR6"] == AR6
    assert sets["AR4"]["CH4"] == Decimal(25)


# Stages, splits and shares


def test_stage_totals_fossil_biogenic_and_primary_share():
    inventory = [
        line("1000", "kWh", UNIT_FACTOR, stage=USE),
        line("300", "kWh", UNIT_FACTOR, stage=RAW_MATERIAL, is_primary=True),
        line("200", "kWh", UNIT_FACTOR, stage=RAW_MATERIAL, is_biogenic=True),
        line("500", "kWh", UNIT_FACTOR, stage="packaging", is_primary=True),
    ]
    result = recompute(inventory, AR5)
    assert list(result.by_stage.items()) == [
        (RAW_MATERIAL, Decimal(500)),
        (USE, Decimal(1000)),
        ("packaging", Decimal(500)),
    ]
    assert (result.total, result.fossil, result.biogenic) == (
        Decimal(2000),
        Decimal(1800),
        Decimal(200),
    )
    assert result.primary_data_share == Decimal("0.4")
    assert [contribution.share_of_total for contribution in result.lines] == [
        Decimal("0.5"),
        Decimal("0.15"),
        Decimal("0.1"),
        Decimal("0.25"),
    ]


def test_empty_inventory_has_zero_total_and_no_primary_share():
    result = recompute([], AR5)
    assert (result.total, result.by_stage, result.primary_data_share) == (Decimal(0), {}, None)


# Materiality: deviation = |declared − recomputed| / declared, material when strictly above 5%


@pytest.mark.parametrize(
    ("recomputed_kwh", "deviation", "material"),
    [
        ("951", Decimal("0.049"), False),
        ("949", Decimal("0.051"), True),
        ("950", Decimal("0.05"), False),
        ("1051", Decimal("0.051"), True),
    ],
)
def test_materiality_against_the_declared_total(recomputed_kwh, deviation, material):
    result = recompute([line(recomputed_kwh, "kWh", UNIT_FACTOR)], AR5, Decimal(1000))
    assert result.deviation == deviation
    assert result.material is material


def test_materiality_threshold_is_configurable():
    result = recompute([line("970", "kWh", UNIT_FACTOR)], AR5, Decimal(1000), None, Decimal("0.02"))
    assert result.material is True


def test_no_declared_total_means_no_deviation():
    result = recompute([line("970", "kWh", UNIT_FACTOR)], AR5)
    assert (result.deviation, result.material) == (None, False)


def test_stage_deviations_are_judged_on_their_own():
    inventory = [
        line("600", "kWh", UNIT_FACTOR, stage=PRODUCTION),
        line("400", "kWh", UNIT_FACTOR, stage=DISTRIBUTION),
    ]
    declared_by_stage = {PRODUCTION: Decimal(640), DISTRIBUTION: Decimal(360), USE: Decimal(0)}
    result = recompute(inventory, AR5, Decimal(1000), declared_by_stage)
    assert result.material is False
    assert result.stage_deviations == {
        PRODUCTION: Decimal("0.0625"),
        DISTRIBUTION: Decimal("0.1111111111111111111111111111"),
        USE: Decimal(0),
    }
    assert result.material_stages == (PRODUCTION, DISTRIBUTION)


# Properties

FACTORS = [GRID_2022, GRID_FOOTPRINT_2023, LANDFILL_METHANE, DIESEL, UNIT_FACTOR]
UNITS_FOR = {
    "kWh": ["kWh", "MWh", "GJ", "J", "MJ"],
    "TJ": ["GJ", "TJ", "kWh", "J"],
    "t": ["kg", "t"],
}


@st.composite
def inventory_lines(draw: st.DrawFn) -> InventoryLine:
    factor = draw(st.sampled_from(FACTORS))
    per_unit = parse_factor_unit(factor.unit).per_unit.symbol
    return InventoryLine(
        stage=draw(st.sampled_from([*STANDARD_STAGES, "packaging"])),
        name="line",
        amount=draw(
            st.decimals(
                min_value=-1000, max_value=10**7, places=3, allow_nan=False, allow_infinity=False
            )
        ),
        unit=draw(st.sampled_from(UNITS_FOR[per_unit])),
        factor=factor,
        is_primary=draw(st.booleans()),
        is_biogenic=draw(st.booleans()),
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(inventory_lines(), max_size=40))
def test_total_is_the_sum_of_stages_and_of_fossil_and_biogenic(lines):
    result = recompute(lines, AR6)
    with localcontext() as context:
        context.prec = 80
        assert sum(result.by_stage.values(), Decimal(0)) == result.total
        assert result.fossil + result.biogenic == result.total


@settings(max_examples=150, deadline=None)
@given(st.data(), st.lists(inventory_lines(), min_size=1, max_size=40))
def test_total_does_not_depend_on_line_order(data, lines):
    shuffled = data.draw(st.permutations(lines))
    original = recompute(lines, AR5)
    reordered = recompute(shuffled, AR5)
    assert reordered.total == original.total
    assert reordered.by_stage == original.by_stage
