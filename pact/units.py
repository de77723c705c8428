"""From a dossier's free-text functional or declared unit to PACT's declared unit.

The dossier states the unit in words ("1 kWh of battery energy capacity", "1 battery pack
delivering 1 kWh over its service life", "1 吨水泥"). PACT wants a unit from a fixed list and an
amount. The rules, in order:

1. The text starts with an amount (default 1) and a known unit: that unit, the amount scaled to
   it ("1 t" is 1000 kilogram, "1 MWh" is 1000 kilowatt hour).
2. Otherwise a known unit after "per" or "每" anywhere: that unit, amount 1.
3. Otherwise the unit counts things ("1 battery pack", "1台"): `piece`, with the leading amount.

v3 has `piece`; 2.x does not. For 2.x a piece is expressed by mass (kilogram, with the mass of the
piece as unitaryProductAmount) when the reference flow or the unit states the mass in kg, g or t;
without a known mass a piece has no 2.x form and the footprint is served under /3 only.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

KILOGRAM = "kilogram"
LITER = "liter"
CUBIC_METER = "cubic meter"
SQUARE_METER = "square meter"
KILOWATT_HOUR = "kilowatt hour"
MEGAJOULE = "megajoule"
TON_KILOMETER = "ton kilometer"
PIECE = "piece"

V2_UNITS = (LITER, KILOGRAM, CUBIC_METER, KILOWATT_HOUR, MEGAJOULE, TON_KILOMETER, SQUARE_METER)
# The spec: mass is not relevant for energy and logistics, and is then reported as 0.
MASSLESS_UNITS = (KILOWATT_HOUR, MEGAJOULE, TON_KILOMETER)

# alias → (PACT unit, how many PACT units one of it is). Compared in lower case.
ALIASES: dict[str, tuple[str, Decimal]] = {}


def _alias(unit: str, factor: str, *names: str) -> None:
    for name in names:
        ALIASES[name] = (unit, Decimal(factor))


_alias(
    KILOGRAM, "1", "kg", "kgs", "kilogram", "kilograms", "kilogramme", "kilogrammes", "千克", "公斤"
)
_alias(KILOGRAM, "0.001", "g", "gram", "grams", "克")
_alias(KILOGRAM, "1000", "t", "ton", "tons", "tonne", "tonnes", "metric ton", "metric tons", "吨")
_alias(LITER, "1", "l", "liter", "liters", "litre", "litres", "升")
_alias(LITER, "0.001", "ml", "milliliter", "milliliters", "millilitre", "millilitres", "毫升")
_alias(
    CUBIC_METER,
    "1",
    "m3",
    "m³",
    "cubic meter",
    "cubic meters",
    "cubic metre",
    "cubic metres",
    "立方米",
)
_alias(
    SQUARE_METER,
    "1",
    "m2",
    "m²",
    "square meter",
    "square meters",
    "square metre",
    "square metres",
    "平方米",
)
_alias(
    KILOWATT_HOUR,
    "1",
    "kwh",
    "kw·h",
    "kw.h",
    "kilowatt hour",
    "kilowatt hours",
    "kilowatt-hour",
    "kilowatt-hours",
    "千瓦时",
    "度",
)
_alias(
    KILOWATT_HOUR,
    "1000",
    "mwh",
    "mw·h",
    "megawatt hour",
    "megawatt hours",
    "megawatt-hour",
    "megawatt-hours",
    "兆瓦时",
)
_alias(
    KILOWATT_HOUR,
    "0.001",
    "wh",
    "w·h",
    "watt hour",
    "watt hours",
    "watt-hour",
    "watt-hours",
    "瓦时",
)
_alias(MEGAJOULE, "1", "mj", "megajoule", "megajoules", "兆焦")
_alias(MEGAJOULE, "1000", "gj", "gigajoule", "gigajoules", "吉焦")
_alias(MEGAJOULE, "0.001", "kj", "kilojoule", "kilojoules", "千焦")
_alias(
    TON_KILOMETER,
    "1",
    "tkm",
    "t·km",
    "t.km",
    "t-km",
    "ton kilometer",
    "ton kilometers",
    "ton-kilometer",
    "ton-kilometers",
    "tonne kilometre",
    "tonne kilometres",
    "tonne-kilometre",
    "tonne-kilometres",
    "吨公里",
)
_alias(
    PIECE,
    "1",
    "piece",
    "pieces",
    "pc",
    "pcs",
    "item",
    "items",
    "unit",
    "units",
    "个",
    "件",
    "台",
    "只",
    "块",
    "套",
    "片",
    "组",
    "支",
    "根",
    "条",
    "部",
)

# Longest first, so "kwh" wins over "kw…" prefixes and "metric ton" over "m".
_BY_LENGTH = sorted(ALIASES, key=len, reverse=True)
_LEADING_AMOUNT = re.compile(r"\s*(\d+(?:[.,]\d+)?)?\s*")
_PER = re.compile(r"(?:\bper\s+|每\s*)(?:1\s*)?", re.IGNORECASE)
_MASS = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(kg|kilograms?|千克|公斤|g|grams?|克|t|tonnes?|tons?|吨)"
    r"(?![a-z])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DeclaredUnit:
    unit: str  # v3 declaredUnitOfMeasurement
    amount: Decimal  # v3 declaredUnitAmount
    mass: Decimal | None  # kg of `amount` units; None when the dossier does not say
    v2_unit: str | None  # v2 declaredUnit; None when 2.x cannot express the unit
    v2_amount: Decimal | None  # v2 unitaryProductAmount: v2 declared units in the label's unit


def declared_unit(unit_description: str, reference_flow: str = "") -> DeclaredUnit:
    unit, amount = _unit_and_amount(unit_description or "")
    if unit == KILOGRAM:
        mass: Decimal | None = amount
    elif unit in MASSLESS_UNITS:
        mass = None
    else:
        mass = _mass(reference_flow) or _mass(unit_description)
    if unit in V2_UNITS:
        return DeclaredUnit(unit, amount, mass, unit, amount)
    if mass:
        return DeclaredUnit(unit, amount, mass, KILOGRAM, mass)
    return DeclaredUnit(unit, amount, mass, None, None)


def product_mass_per_declared_unit(mass: Decimal | None) -> Decimal:
    """v3 productMassPerDeclaredUnit: the mass when known; 0 for energy and transport units as
    the spec says, and 0 too when the dossier states no mass (docs/pact.md)."""
    return mass if mass is not None else Decimal(0)


def _unit_and_amount(text: str) -> tuple[str, Decimal]:
    lowered = text.strip().lower()
    leading = _LEADING_AMOUNT.match(lowered)
    assert leading is not None  # the pattern matches the empty string
    amount = _number(leading.group(1)) if leading.group(1) else Decimal(1)
    found = _alias_at(lowered, leading.end())
    if found:
        unit, factor = found
        return unit, _positive(amount * factor)
    for per in _PER.finditer(lowered):
        found = _alias_at(lowered, per.end())
        if found:
            unit, factor = found
            return unit, factor
    return PIECE, _positive(amount)


def _alias_at(text: str, position: int) -> tuple[str, Decimal] | None:
    rest = text[position:]
    for name in _BY_LENGTH:
        if not rest.startswith(name):
            continue
        following = rest[len(name) : len(name) + 1]
        # "t" must not match the start of "tyre"; CJK units need no separator.
        if name.isascii() and following and (following.isalnum() and following.isascii()):
            continue
        return ALIASES[name]
    return None


def _mass(text: str) -> Decimal | None:
    match = _MASS.search(text or "")
    if not match:
        return None
    unit, factor = ALIASES[match.group(2).lower()]
    assert unit == KILOGRAM
    mass = _number(match.group(1)) * factor
    return mass if mass > 0 else None


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def _positive(amount: Decimal) -> Decimal:
    """A declared unit amount is strictly positive; "0 kWh" is a typing slip for 1."""
    return amount if amount > 0 else Decimal(1)
