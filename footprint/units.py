"""Units of activity data and of emission factors, as one explicit table.

Why a hand-written table and not pint: an inventory uses a few dozen units, and a verifier must be
able to read, line by line, which factor turns a tonne into kilograms or a kWh into joules. Pint
would hide that behind a registry of thousands of definitions, convert through floats unless told
otherwise, and cost tens of microseconds per conversion, which adds up over 10,000 inventory lines.
Here every factor is an exact ``Decimal`` and every conversion between two unit symbols is computed
once and cached.

Each unit belongs to a dimension and carries its factor to that dimension's base unit. Base units
are chosen so that every factor is exact: joule for energy (1 kWh = 3,600,000 J), kilogram for
mass, cubic metre for volume, tonne-kilometre for transport, kilometre for distance, square metre
for area and one item for counts.

Symbols are matched exactly first (``MJ`` is not ``mJ``), then through a short list of aliases
(``m³``, ``tkm``, ``吨``, ``千瓦时``), then case-insensitively where that cannot be ambiguous
(``kwh`` → ``kWh``, ``PCS`` → ``piece``, ``Tonne`` → ``t``): not where the first letter's
case names another prefix or unit (mega and milli, giga and gram, tera and tonne), so ``mWh`` (a
battery's capacity), ``mJ``, ``gj`` or ``T`` are refused rather than read as ``MWh``, ``MJ``,
``GJ`` or ``t``.
Megatonnes and kilotonnes are left out on purpose: "mt" is written for a metric tonne as often as
for a megatonne. Normal cubic metres (``Nm3``) are left out too: they are a volume at stated
conditions, not convertible to ``m3`` by a constant.

Emission factor units are ``<mass><gas>/<unit>``: ``kgCO2e/kWh``, ``tCO2e/MWh``, ``gCO2e/kWh``,
``kgCO2e/m3``, and for transport ``kgCO2e/t·km``, ``kgCO2e/tkm`` or ``kgCO2e/(t*km)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from footprint.messages import Message, Term, gettext_noop, message

ENERGY = Term(gettext_noop("energy"))
MASS = Term(gettext_noop("mass"))
VOLUME = Term(gettext_noop("volume"))
TRANSPORT = Term(gettext_noop("transport"))
DISTANCE = Term(gettext_noop("distance"))
COUNT = Term(gettext_noop("count"))
AREA = Term(gettext_noop("area"))


class UnitError(ValueError):
    """A unit is unknown, malformed, or of the wrong dimension for the conversion asked.

    ``message`` keeps the English template and its parameters, so the Django layer can show
    it in the reader's language; ``str()`` gives it in English.
    """

    def __init__(self, problem: Message) -> None:
        self.message = problem
        super().__init__(str(problem))


@dataclass(frozen=True, slots=True)
class Unit:
    symbol: str
    dimension: str
    factor_to_base: Decimal


_UNIT_TABLE: tuple[Unit, ...] = (
    Unit("J", ENERGY, Decimal(1)),
    Unit("kJ", ENERGY, Decimal("1E3")),
    Unit("MJ", ENERGY, Decimal("1E6")),
    Unit("GJ", ENERGY, Decimal("1E9")),
    Unit("TJ", ENERGY, Decimal("1E12")),
    Unit("Wh", ENERGY, Decimal("3.6E3")),
    Unit("kWh", ENERGY, Decimal("3.6E6")),
    Unit("MWh", ENERGY, Decimal("3.6E9")),
    Unit("GWh", ENERGY, Decimal("3.6E12")),
    Unit("TWh", ENERGY, Decimal("3.6E15")),
    # The International Table calorie, 4.1868 J, in which Chinese heat supply is billed.
    Unit("kcal", ENERGY, Decimal("4186.8")),
    Unit("Gcal", ENERGY, Decimal("4.1868E9")),
    Unit("g", MASS, Decimal("0.001")),
    Unit("kg", MASS, Decimal(1)),
    Unit("t", MASS, Decimal(1000)),
    Unit("L", VOLUME, Decimal("0.001")),
    Unit("m3", VOLUME, Decimal(1)),
    Unit("kg·km", TRANSPORT, Decimal("0.001")),
    Unit("t·km", TRANSPORT, Decimal(1)),
    Unit("km", DISTANCE, Decimal(1)),
    Unit("unit", COUNT, Decimal(1)),
    Unit("piece", COUNT, Decimal(1)),
    Unit("item", COUNT, Decimal(1)),
    Unit("m2", AREA, Decimal(1)),
)

UNITS: dict[str, Unit] = {unit.symbol: unit for unit in _UNIT_TABLE}

ALIASES: dict[str, str] = {
    "m³": "m3",
    "m^3": "m3",
    "m²": "m2",
    "m^2": "m2",
    "l": "L",
    "tonne": "t",
    "tonnes": "t",
    "tkm": "t·km",
    "t.km": "t·km",
    "t*km": "t·km",
    "t⋅km": "t·km",
    "t-km": "t·km",
    "t km": "t·km",
    "tonne·km": "t·km",
    "tonne-km": "t·km",
    "tonne.km": "t·km",
    "kgkm": "kg·km",
    "kg.km": "kg·km",
    "kg*km": "kg·km",
    "kg⋅km": "kg·km",
    "kg-km": "kg·km",
    "kg km": "kg·km",
    "pcs": "piece",
    "pc": "piece",
    # As Chinese bills, invoices and weighbridge tickets write them.
    "克": "g",
    "千克": "kg",
    "公斤": "kg",
    "吨": "t",
    "千瓦时": "kWh",
    "度": "kWh",
    "兆瓦时": "MWh",
    "兆焦": "MJ",
    "吉焦": "GJ",
    "升": "L",
    "立方米": "m3",
    "平方米": "m2",
    "公里": "km",
    "千米": "km",
    "吨公里": "t·km",
    "吨·公里": "t·km",
    "吨千米": "t·km",
    "件": "piece",
    "个": "item",
}


def _case_insensitive_index() -> dict[str, tuple[str, str]]:
    """Lower-cased symbol or alias → (that symbol or alias, the symbol it names), dropping any
    lower-cased form that two symbols share."""
    candidates: dict[str, set[tuple[str, str]]] = {}
    for name in (*UNITS, *ALIASES):
        candidates.setdefault(name.lower(), set()).add((name, ALIASES.get(name, name)))
    return {
        key: min(names)
        for key, names in candidates.items()
        if len({symbol for _name, symbol in names}) == 1
    }


_CASE_INSENSITIVE = _case_insensitive_index()
# Symbols whose first letter, written in the other case, is another prefix or unit (mega/milli,
# giga/gram, tera/tonne): ``mWh`` or ``T`` must not be read as one of them (see the module).
_FIRST_LETTER_CASE_MATTERS = frozenset({"MJ", "GJ", "TJ", "MWh", "GWh", "TWh", "Gcal", "g", "t"})


@lru_cache(maxsize=1024)
def lookup(symbol: str) -> Unit:
    """The unit a symbol names; raise ``UnitError`` when nothing matches."""
    text = symbol.strip() if isinstance(symbol, str) else ""
    name = ALIASES.get(text, text)
    if name not in UNITS:
        written, folded = _CASE_INSENSITIVE.get(text.lower(), ("", ""))
        if folded and (text[:1] == written[:1] or written not in _FIRST_LETTER_CASE_MATTERS):
            name = folded
    if name not in UNITS:
        raise UnitError(
            message(
                gettext_noop("unknown unit %(unit)r; known units: %(known)s"),
                unit=symbol,
                known=", ".join(UNITS),
            )
        )
    return UNITS[name]


def dimension_of(symbol: str) -> str:
    return lookup(symbol).dimension


@lru_cache(maxsize=4096)
def conversion_factor(from_unit: str, to_unit: str) -> Decimal:
    """The number to multiply an amount in ``from_unit`` by to express it in ``to_unit``."""
    source = lookup(from_unit)
    target = lookup(to_unit)
    if source.dimension != target.dimension:
        raise UnitError(
            message(
                gettext_noop(
                    "cannot convert %(unit)s (%(dimension)s) to %(to)s (%(to_dimension)s)"
                ),
                unit=source.symbol,
                dimension=source.dimension,
                to=target.symbol,
                to_dimension=target.dimension,
            )
        )
    return source.factor_to_base / target.factor_to_base


def convert(amount: Decimal, from_unit: str, to_unit: str) -> Decimal:
    return amount * conversion_factor(from_unit, to_unit)


# Emission factor units: "<mass><gas>/<unit>", such as kgCO2/kWh, tCO2/MWh or kgCH4/t.

GAS_ALIASES: dict[str, str] = {
    "CO2": "CO2",
    "CO2E": "CO2e",
    "CO2EQ": "CO2e",
    "CO2-EQ": "CO2e",
    "CO2-E": "CO2e",
    "CO2EQUIVALENT": "CO2e",
    "CH4": "CH4",
    "N2O": "N2O",
}
GASES: tuple[str, ...] = ("CO2", "CH4", "N2O", "CO2e")
# The gases an inventory line may give directly by mass, converted with the dossier's GWP set
# (the gases of the shipped GWP table).
DIRECT_GASES: tuple[str, ...] = ("CO2", "CH4", "N2O")
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_EMITTED_MASS = re.compile(r"^(g|kg|t)\s*([A-Za-z0-9\-]+)$")


@dataclass(frozen=True, slots=True)
class FactorUnit:
    """A parsed emission factor unit: kilograms of ``gas`` per one ``per_unit``."""

    text: str
    mass_in_kilograms: Decimal
    gas: str
    per_unit: Unit


@dataclass(frozen=True, slots=True)
class RatioUnit:
    """A unit such as ``GJ/t`` for a net calorific value: numerator per denominator."""

    text: str
    numerator: Unit
    denominator: Unit


def _split_ratio(text: str) -> tuple[str, str]:
    """Numerator and denominator of ``a/b``; a denominator in brackets, ``a/(t*km)``, is
    unwrapped."""
    parts = text.split("/") if isinstance(text, str) else []
    numerator, denominator = (part.strip() for part in parts) if len(parts) == 2 else ("", "")
    if denominator.startswith("(") and denominator.endswith(")"):
        denominator = denominator[1:-1].strip()
    if not numerator or not denominator:
        raise UnitError(
            message(gettext_noop("%(unit)r is not of the form '<unit>/<unit>'"), unit=text)
        )
    return numerator, denominator


def normalise_gas(name: str) -> str:
    """The canonical gas name (CO2, CH4, N2O, CO2e) for a spelling such as 'CO₂eq'."""
    key = name.strip().translate(_SUBSCRIPTS).upper()
    if key not in GAS_ALIASES:
        raise UnitError(
            message(
                gettext_noop("unknown greenhouse gas %(gas)r; known gases: %(known)s"),
                gas=name,
                known=", ".join(GASES),
            )
        )
    return GAS_ALIASES[key]


@lru_cache(maxsize=1024)
def parse_factor_unit(text: str) -> FactorUnit:
    """Parse ``kgCO2e/kWh`` into (1 kg, CO2e, kWh); raise ``UnitError`` when it does not parse."""
    numerator, denominator = _split_ratio(text)
    match = _EMITTED_MASS.match(numerator.translate(_SUBSCRIPTS))
    if match is None:
        raise UnitError(
            message(
                gettext_noop(
                    "emission factor unit %(unit)r must start with g, kg or t followed by a "
                    "gas, as in kgCO2e/kWh"
                ),
                unit=text,
            )
        )
    mass_symbol, gas = match.groups()
    return FactorUnit(
        text=text,
        mass_in_kilograms=lookup(mass_symbol).factor_to_base,
        gas=normalise_gas(gas),
        per_unit=lookup(denominator),
    )


@lru_cache(maxsize=256)
def parse_ratio_unit(text: str) -> RatioUnit:
    """Parse a ratio unit such as ``GJ/t`` or ``MJ/m3``."""
    numerator, denominator = _split_ratio(text)
    return RatioUnit(text=text, numerator=lookup(numerator), denominator=lookup(denominator))
