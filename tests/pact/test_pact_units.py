"""The pure mappings: a dossier's free-text unit to PACT's declared unit, and its geography."""

import uuid
from decimal import Decimal

import pytest

from pact.identifiers import Geography, footprint_id, geography
from pact.units import declared_unit, product_mass_per_declared_unit

D = Decimal


@pytest.mark.parametrize(
    ("unit", "flow", "v3", "mass", "v2"),
    [
        (
            "1 kWh of battery energy capacity",
            "1/5.12 of one 5.12 kWh pack",
            ("kilowatt hour", D(1)),
            None,
            ("kilowatt hour", D(1)),
        ),
        (
            "1 battery pack delivering 1 kWh over its service life",
            "1 battery pack, 6.2 kg",
            ("piece", D(1)),
            D("6.2"),
            ("kilogram", D("6.2")),
        ),
        ("1 battery pack", "1 battery pack", ("piece", D(1)), None, None),
        ("1 t of cement", "", ("kilogram", D(1000)), D(1000), ("kilogram", D(1000))),
        ("1吨水泥", "", ("kilogram", D(1000)), D(1000), ("kilogram", D(1000))),
        ("1 千瓦时", "", ("kilowatt hour", D(1)), None, ("kilowatt hour", D(1))),
        (
            "Energy delivered, per MWh",
            "",
            ("kilowatt hour", D(1000)),
            None,
            ("kilowatt hour", D(1000)),
        ),
        ("每平方米人造板", "", ("square meter", D(1)), None, ("square meter", D(1))),
        ("500 ml bottle", "", ("liter", D("0.5")), None, ("liter", D("0.5"))),
        ("1 tyre", "1 tyre, 9 kg", ("piece", D(1)), D(9), ("kilogram", D(9))),
        ("1台房间空调器", "1台, 35千克", ("piece", D(1)), D(35), ("kilogram", D(35))),
        ("1 tonne-kilometre", "", ("ton kilometer", D(1)), None, ("ton kilometer", D(1))),
        ("2 m³", "", ("cubic meter", D(2)), None, ("cubic meter", D(2))),
        ("", "", ("piece", D(1)), None, None),
        ("0 kWh", "", ("kilowatt hour", D(1)), None, ("kilowatt hour", D(1))),
    ],
)
def test_declared_unit(unit: str, flow: str, v3: tuple, mass, v2) -> None:
    declared = declared_unit(unit, flow)

    assert (declared.unit, declared.amount) == v3
    assert declared.mass == mass
    assert (declared.v2_unit, declared.v2_amount) == (v2 or (None, None))


def test_the_v3_mass_is_zero_when_not_relevant_or_not_stated() -> None:
    assert product_mass_per_declared_unit(None) == 0
    assert product_mass_per_declared_unit(D("6.2")) == D("6.2")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CN", Geography(country="CN")),
        ("cn", Geography(country="CN")),
        ("CN-JS", Geography(subdivision="CN-JS")),
        ("Eastern Asia", Geography(region="Eastern Asia")),
        ("eastern asia", Geography(region="Eastern Asia")),
        ("中国", Geography(country="CN")),
        ("China (national grid)", Geography(country="CN")),
        ("", Geography(country="CN")),
    ],
)
def test_geography(text: str, expected: Geography) -> None:
    assert geography(text) == expected


def test_the_footprint_id_is_uuid5_of_the_credential_id() -> None:
    assert footprint_id("4BNKHZNCT1XN") == uuid.uuid5(
        uuid.NAMESPACE_URL, "urn:carbonlabel:4BNKHZNCT1XN"
    )
    assert footprint_id("4BNKHZNCT1XN").version == 5
