"""The v3 ListFootprints filters: each one matching and not matching, OR within a repeated
parameter, AND across parameters, and `{"data": []}` when nothing matches (CONTRACTS §7)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from labels import keys
from labels import services as label_services
from labels.models import Label
from pact.identifiers import footprint_id
from tests.conftest import World
from tests.pact import openapi
from tests.pact.conftest import Pact


def ids(pact: Pact, params) -> list[str]:
    response = pact.footprints(3, params)
    assert response.status_code == 200, response.content
    body = openapi.assert_response(3, "/3/footprints", "get", response)
    return [item["id"] for item in body["data"]]


def pf(label: Label) -> str:
    return str(footprint_id(label.serial))


@pytest.fixture
def two(issue_label, new_product) -> tuple[Label, Label]:
    """Two labels of enterprise A: a piece in China, and one whose study is for Jiangsu."""
    first = issue_label(product=new_product())
    second = issue_label(product=new_product(gtin=None), geography="CN-JS")
    return first, second


def instant(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_without_filters_everything_shared_is_listed(signed_in: Pact, two) -> None:
    assert ids(signed_in, {}) == [pf(two[0]), pf(two[1])]


@pytest.mark.parametrize(
    ("value", "matches"),
    [
        ("gtin of first", [0]),
        ("gtin of first, 13 digits", [0]),
        ("product of second", [1]),
        ("URN:GTIN:upper case", [0]),
        ("urn:gtin:06901234567892", []),
        ("urn:gtin:06900000000008", []),  # a wrong check digit matches nothing
        ("urn:example:other", []),
    ],
)
def test_product_id(signed_in: Pact, two, value: str, matches: list[int]) -> None:
    first, second = two
    value = {
        "gtin of first": f"urn:gtin:{first.gtin}",
        "gtin of first, 13 digits": f"urn:gtin:{first.gtin.lstrip('0')}",
        "product of second": f"urn:carbonlabel:product:{second.certificate.product_id}",
        "URN:GTIN:upper case": f"URN:GTIN:{first.gtin}",
    }.get(value, value)

    assert ids(signed_in, {"productId": value}) == [pf(two[i]) for i in matches]


def test_company_id(signed_in: Pact, two, world: World) -> None:
    uscc = world.enterprise.uscc
    assert uscc is not None

    assert ids(signed_in, {"companyId": f"urn:uscc:{uscc}"}) == [pf(two[0]), pf(two[1])]
    assert ids(signed_in, {"companyId": f"urn:uscc:{uscc.lower()}"}) == [pf(two[0]), pf(two[1])]
    assert ids(signed_in, {"companyId": f"urn:uscc:{world.other_enterprise.uscc}"}) == []
    assert ids(signed_in, {"companyId": "urn:lei:5493001KJTIIGC8Y1R12"}) == []


@pytest.mark.parametrize(
    ("value", "matches"),
    [
        ("CN", [0, 1]),
        ("cn", [0, 1]),
        ("CN-JS", [1]),
        ("cn-js", [1]),
        ("Eastern Asia", [0, 1]),
        ("asia", [0, 1]),
        ("CN-GD", []),
        ("DE", []),
        ("Western Europe", []),
    ],
)
def test_geography(signed_in: Pact, two, value: str, matches: list[int]) -> None:
    assert ids(signed_in, {"geography": value}) == [pf(two[i]) for i in matches]


def test_the_subdivision_is_the_footprints_geography(signed_in: Pact, two) -> None:
    pcf = signed_in.footprint(3, pf(two[1])).json()["data"]["pcf"]

    assert pcf["geographyCountrySubdivision"] == "CN-JS"
    assert "geographyCountry" not in pcf


@pytest.mark.parametrize(
    ("value", "matches"),
    [
        ("urn:carbonlabel:category:LIB-CONSUMER", True),
        ("urn:carbonlabel:category:lib", True),
        ("urn:pact:productclassification:un-cpc:4642", True),
        ("urn:carbonlabel:category:CEMENT-CEMENT", False),
        ("urn:pact:productclassification:un-cpc:3744", False),
        ("urn:pact:productclassification:un-cpc:0000", False),
    ],
)
def test_classification(signed_in: Pact, two, value: str, matches: bool) -> None:
    assert ids(signed_in, {"classification": value}) == (
        [pf(two[0]), pf(two[1])] if matches else []
    )


def test_valid_on_after_and_before(signed_in: Pact, two) -> None:
    label = Label.objects.get(pk=two[0].pk)
    start, end = label.valid_from, label.valid_until
    everything = [pf(two[0]), pf(two[1])]

    assert ids(signed_in, {"validOn": instant(timezone.now())}) == everything
    assert ids(signed_in, {"validOn": instant(end + timedelta(days=1))}) == []
    assert ids(signed_in, {"validOn": "1999-01-01T00:00Z"}) == []
    assert ids(signed_in, {"validAfter": instant(start - timedelta(days=1))}) == everything
    assert ids(signed_in, {"validAfter": instant(start)}) == []
    assert ids(signed_in, {"validBefore": instant(end + timedelta(seconds=1))}) == everything
    assert ids(signed_in, {"validBefore": instant(end)}) == []


def test_a_date_with_an_offset_or_without_a_time(signed_in: Pact, two) -> None:
    everything = [pf(two[0]), pf(two[1])]
    today = timezone.now().date()

    assert ids(signed_in, {"validOn": f"{today.isoformat()}T12:00:00+08:00"}) == everything
    # A forgotten percent-encoding turns "+08:00" into " 08:00".
    response = signed_in.get(
        signed_in.url("footprints-3") + f"?validOn={today.isoformat()}T12:00:00+08:00"
    )
    assert [item["id"] for item in response.json()["data"]] == everything
    assert ids(signed_in, {"validAfter": "1999-01-01"}) == everything


def test_status(signed_in: Pact, two, world: World) -> None:
    label_services.label_change_status(
        actor=world.body_admin, label_id=two[1].pk, action="revoke", reason="Data falsified."
    )

    assert ids(signed_in, {"status": "Active"}) == [pf(two[0])]
    assert ids(signed_in, {"status": "deprecated"}) == [pf(two[1])]
    assert ids(signed_in, {"status": ["Active", "Deprecated"]}) == [pf(two[0]), pf(two[1])]


def test_status_of_a_label_signed_with_a_revoked_key(
    signed_in: Pact, issue_label, new_product, world: World
) -> None:
    older = issue_label(product=new_product())
    keys.signing_key_rotate(world.body)  # the older label's key is retired: still Active
    newer = issue_label(product=new_product())
    assert ids(signed_in, {"status": "Active"}) == [pf(older), pf(newer)]

    label_services.signing_key_revoke(
        actor=world.body_admin, key_id=older.signing_key_id, reason="Leaked."
    )

    assert ids(signed_in, {"status": "Active"}) == [pf(newer)]
    assert ids(signed_in, {"status": "Deprecated"}) == [pf(older)]


@pytest.mark.parametrize("value", ["Retired", "", "Active,Deprecated", "活跃"])
def test_an_unknown_status_matches_nothing_rather_than_being_an_error(
    signed_in: Pact, two, value: str
) -> None:
    assert ids(signed_in, {"status": value}) == []
    assert ids(signed_in, {"status": [value, "Active"]}) == [pf(two[0]), pf(two[1])]


def test_values_of_one_parameter_are_ored_and_parameters_are_anded(
    signed_in: Pact, two, world: World
) -> None:
    first, second = two
    either = [f"urn:gtin:{first.gtin}", f"urn:carbonlabel:product:{second.certificate.product_id}"]

    assert ids(signed_in, {"productId": either}) == [pf(first), pf(second)]
    assert ids(signed_in, {"productId": either, "geography": "CN-JS"}) == [pf(second)]
    assert ids(signed_in, {"productId": either, "geography": "DE"}) == []
    assert ids(
        signed_in,
        {
            "productId": f"urn:gtin:{first.gtin}",
            "companyId": f"urn:uscc:{world.enterprise.uscc}",
            "classification": "urn:carbonlabel:category:LIB",
            "status": "Active",
        },
    ) == [pf(first)]


def test_parameter_names_are_read_case_insensitively(signed_in: Pact, two) -> None:
    first, _ = two

    assert ids(signed_in, {"productid": f"urn:gtin:{first.gtin}"}) == [pf(first)]
    assert ids(signed_in, {"GEOGRAPHY": "cn-js", "validon": instant(timezone.now())}) == [
        pf(two[1])
    ]


def test_an_unmatched_filter_answers_an_empty_list(signed_in: Pact, two) -> None:
    response = signed_in.footprints(3, {"productId": "urn:gtin:00000000000000"})

    assert response.status_code == 200
    assert response.json() == {"data": []}
    assert "Link" not in response
    openapi.assert_response(3, "/3/footprints", "get", response)


def test_an_empty_value_matches_nothing(signed_in: Pact, two) -> None:
    assert ids(signed_in, {"productId": ""}) == []


@pytest.mark.parametrize("number", ["²", "١٢", str(2**63), "18446744073709551615"])
def test_a_product_number_that_cannot_exist_matches_nothing(
    signed_in: Pact, two, number: str
) -> None:
    assert ids(signed_in, {"productId": f"urn:carbonlabel:product:{number}"}) == []


@pytest.mark.parametrize(
    "params",
    [
        {"validOn": "yesterday"},
        {"validAfter": "2025-13-01"},
        {"validBefore": ["2025-01-01", "2026-01-01"]},
    ],
)
def test_a_malformed_filter_is_bad_request(signed_in: Pact, two, params: dict) -> None:
    response = signed_in.footprints(3, params)

    assert response.status_code == 400
    assert openapi.assert_response(3, "/3/footprints", "get", response)["code"] == "BadRequest"
