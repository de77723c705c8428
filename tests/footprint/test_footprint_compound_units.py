"""Compound emission factor units (per tonne-kilometre in brackets, per MWh, in grams), the units
added to the table (Wh, TWh, kcal, Gcal, Chinese names), and the units that must be refused."""

from decimal import Decimal

import pytest

from footprint.engine import Factor, InventoryLine, recompute
from footprint.units import (
    ENERGY,
    MASS,
    TRANSPORT,
    VOLUME,
    UnitError,
    convert,
    lookup,
    parse_factor_unit,
)

AR6 = {"CO2": Decimal(1), "CH4": Decimal("27.9"), "N2O": Decimal(273)}


def total(amount: str, unit: str, factor_value: str, factor_unit: str) -> Decimal:
    factor = Factor("TEST", Decimal(factor_value), factor_unit)
    line = InventoryLine(
        stage="production", name="x", amount=Decimal(amount), unit=unit, factor=factor
    )
    return recompute([line], AR6).total


@pytest.mark.parametrize(
    ("text", "kilograms", "gas", "per_unit"),
    [
        ("kgCO2e/(t*km)", Decimal(1), "CO2e", "t·km"),
        ("kgCO2e/(t·km)", Decimal(1), "CO2e", "t·km"),
        ("kgCO2e / (t km)", Decimal(1), "CO2e", "t·km"),
        ("kgCO2e/t·km", Decimal(1), "CO2e", "t·km"),
        ("kgCO2e/tkm", Decimal(1), "CO2e", "t·km"),
        ("kgCO2e/t-km", Decimal(1), "CO2e", "t·km"),
        ("gCO2e/(kg*km)", Decimal("0.001"), "CO2e", "kg·km"),
        ("tCO2e/MWh", Decimal(1000), "CO2e", "MWh"),
        ("gCO2e/kWh", Decimal("0.001"), "CO2e", "kWh"),
        ("kgCO2e/m3", Decimal(1), "CO2e", "m3"),
        ("kgCO2e/m^3", Decimal(1), "CO2e", "m3"),
        ("kgCO2e/Gcal", Decimal(1), "CO2e", "Gcal"),
        ("kgCO2e/吨", Decimal(1), "CO2e", "t"),
        ("kgCO2e/吨公里", Decimal(1), "CO2e", "t·km"),
    ],
)
def test_compound_factor_units_parse(text, kilograms, gas, per_unit):
    parsed = parse_factor_unit(text)
    assert (parsed.mass_in_kilograms, parsed.gas, parsed.per_unit.symbol) == (
        kilograms,
        gas,
        per_unit,
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("kgCO2e/t/km", "is not of the form '<unit>/<unit>'"),
        ("kgCO2e/()", "is not of the form '<unit>/<unit>'"),
        ("kgCO2e/(t*km", "unknown unit '(t*km'"),
        ("kgCO2e/(furlong)", "unknown unit 'furlong'"),
        ("MtCO2e/t", "must start with g, kg or t"),
        ("kgCO2e/Nm3", "unknown unit 'Nm3'"),
    ],
)
def test_malformed_compound_units_are_refused_with_the_reason(text, problem):
    with pytest.raises(UnitError, match=problem.replace("(", r"\(").replace("*", r"\*")):
        parse_factor_unit(text)


@pytest.mark.parametrize(
    ("amount", "unit", "factor_value", "factor_unit", "expected"),
    [
        # transport work: 30,000 kg·km = 30 t·km
        ("30000", "kg·km", "0.07", "kgCO2e/(t*km)", "2.1"),
        ("30", "tkm", "70", "gCO2e/(t·km)", "2.1"),
        # energy: 2.5 MWh = 2,500 kWh; 1 kWh = 0.001 MWh
        ("2.5", "MWh", "620.5", "gCO2e/kWh", "1551.25"),
        ("1000", "kWh", "0.6205", "tCO2e/MWh", "620.5"),
        ("1", "Gcal", "56.1", "kgCO2/GJ", "234.87948"),
        ("1", "TWh", "0.5", "kgCO2e/MWh", "500000"),
        # volume: 250 L = 0.25 m3
        ("250", "L", "2.16", "kgCO2e/m3", "0.54"),
        # mass: 1.6 kg at 12 tCO2e/t
        ("1.6", "kg", "12", "tCO2e/t", "19.2"),
        ("1.6", "公斤", "12", "kgCO2e/kg", "19.2"),
    ],
)
def test_amounts_convert_to_the_factors_unit(amount, unit, factor_value, factor_unit, expected):
    assert total(amount, unit, factor_value, factor_unit) == Decimal(expected)


@pytest.mark.parametrize(
    ("unit", "factor_unit", "problem"),
    [
        ("kg", "kgCO2e/(t*km)", r"cannot convert kg \(mass\) to t·km \(transport\)"),
        ("km", "kgCO2e/(t*km)", r"cannot convert km \(distance\) to t·km \(transport\)"),
        ("m3", "kgCO2e/kg", r"cannot convert m3 \(volume\) to kg \(mass\)"),
        ("kWh", "kgCO2e/m3", r"cannot convert kWh \(energy\) to m3 \(volume\)"),
        ("t", "kgCO2/TJ", r"t \(mass\) to TJ \(energy\) without a net calorific value"),
    ],
)
def test_incompatible_units_are_a_clear_error(unit, factor_unit, problem):
    with pytest.raises(UnitError, match=problem):
        total("1", unit, "1", factor_unit)


@pytest.mark.parametrize(
    ("alias", "symbol", "dimension"),
    [
        ("度", "kWh", ENERGY),
        ("千瓦时", "kWh", ENERGY),
        ("吉焦", "GJ", ENERGY),
        ("吨", "t", MASS),
        ("tonnes", "t", MASS),
        ("立方米", "m3", VOLUME),
        ("升", "L", VOLUME),
        ("吨公里", "t·km", TRANSPORT),
        ("tonne-km", "t·km", TRANSPORT),
        ("kg km", "kg·km", TRANSPORT),
    ],
)
def test_units_as_bills_and_invoices_write_them(alias, symbol, dimension):
    unit = lookup(alias)
    assert (unit.symbol, unit.dimension) == (symbol, dimension)


def test_calories_are_international_table_calories():
    assert convert(Decimal(1), "Gcal", "GJ") == Decimal("4.1868")
    assert convert(Decimal(1000), "kcal", "kJ") == Decimal("4186.8")
    assert convert(Decimal(1), "kWh", "Wh") == Decimal(1000)


@pytest.mark.parametrize("ambiguous", ["mt", "Mt", "kt", "Nm3", "ton"])
def test_units_that_would_be_ambiguous_are_not_known(ambiguous):
    with pytest.raises(UnitError, match="unknown unit"):
        lookup(ambiguous)
