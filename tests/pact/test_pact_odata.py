"""The v2 ListFootprints `$filter`: the OData subset of the v2 specification (created, updated,
productCategoryCpc, pcf/geographyCountry, pcf/referencePeriodStart/End with eq/lt/le/gt/ge;
and; productIds/any and companyIds/any with eq), compared with what the v2 document states;
400 BadRequest for what cannot be parsed, 400 NotImplemented for OData outside the subset
(CONTRACTS §7)."""

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from labels import services as label_services
from labels.models import Label
from pact.identifiers import footprint_id
from tests.conftest import World
from tests.pact import openapi
from tests.pact.conftest import Pact


def pf(label: Label) -> str:
    return str(footprint_id(label.serial))


def listed(pact: Pact, text: str) -> list[dict]:
    response = pact.footprints(2, {"$filter": text})
    assert response.status_code == 200, response.content
    return openapi.assert_response(2, "/2/footprints", "get", response)["data"]


def ids(pact: Pact, text: str) -> list[str]:
    return [item["id"] for item in listed(pact, text)]


@pytest.fixture
def three(issue_label, new_product, world: World) -> tuple[Label, Label, Label]:
    """A label issued a year ago on a 2024 study, one on a 2025 study in Jiangsu, and one on a
    2025 study in China, revoked since (so its footprint has `updated`)."""
    old = issue_label(
        product=new_product(),
        reference_period_start=date(2024, 1, 1),
        reference_period_end=date(2024, 12, 31),
    )
    Label.objects.filter(pk=old.pk).update(issued_at=timezone.now() - timedelta(days=365))
    jiangsu = issue_label(
        product=new_product(),
        geography="CN-JS",
        reference_period_start=date(2025, 1, 1),
        reference_period_end=date(2025, 12, 31),
    )
    revoked = issue_label(
        product=new_product(),
        reference_period_start=date(2025, 1, 1),
        reference_period_end=date(2025, 12, 31),
    )
    label_services.label_change_status(
        actor=world.body_admin, label_id=revoked.pk, action="revoke", reason="Data falsified."
    )
    return old, jiangsu, revoked


def test_the_conformance_filters_are_answered(signed_in: Pact, three) -> None:
    """The two filters of the PACT conformance tests: a date, written unquoted as they send it,
    and a product."""
    _, jiangsu, revoked = three
    everything = listed(signed_in, "")
    # Jiangsu's label was issued before the revoked one, perhaps in an earlier second.
    jiangsu_created = everything[1]["created"]

    assert ids(signed_in, f"created ge {jiangsu_created}") == [pf(jiangsu), pf(revoked)]
    assert ids(signed_in, f"created ge '{everything[0]['created']}'") == [pf(x) for x in three]
    product = everything[1]["productIds"][0]
    assert ids(signed_in, f"productIds/any(productId:(productId eq '{product}'))") == [pf(jiangsu)]


def test_without_a_filter_or_with_an_empty_one_everything_is_listed(signed_in, three) -> None:
    assert ids(signed_in, "") == ids(signed_in, "   ") == [pf(x) for x in three]


@pytest.mark.parametrize(
    ("name", "read"),
    [
        ("created", lambda document: document["created"]),
        ("updated", lambda document: document.get("updated")),
        ("productCategoryCpc", lambda document: document["productCategoryCpc"]),
        ("pcf/geographyCountry", lambda document: document["pcf"].get("geographyCountry")),
        ("pcf/referencePeriodStart", lambda document: document["pcf"]["referencePeriodStart"]),
        ("pcf/referencePeriodEnd", lambda document: document["pcf"]["referencePeriodEnd"]),
    ],
)
def test_each_property_compares_with_the_value_the_document_states(
    signed_in: Pact, three, name: str, read
) -> None:
    documents = listed(signed_in, "")
    stated = {document["id"]: read(document) for document in documents}
    assert any(value is not None for value in stated.values())
    for value in set(stated.values()) - {None}:
        literal = "'" + value.replace("'", "''") + "'"
        expected = {
            "eq": [i for i, v in stated.items() if v is not None and v == value],
            "lt": [i for i, v in stated.items() if v is not None and v < value],
            "le": [i for i, v in stated.items() if v is not None and v <= value],
            "gt": [i for i, v in stated.items() if v is not None and v > value],
            "ge": [i for i, v in stated.items() if v is not None and v >= value],
        }
        for operator, wanted in expected.items():
            assert ids(signed_in, f"{name} {operator} {literal}") == wanted, (operator, value)


def test_the_reference_period_between_midnights(signed_in: Pact, three) -> None:
    old, jiangsu, revoked = three

    assert ids(signed_in, "pcf/referencePeriodStart lt '2024-06-01T12:00:00Z'") == [pf(old)]
    assert ids(signed_in, "pcf/referencePeriodStart ge '2024-06-01T12:00:00Z'") == [
        pf(jiangsu),
        pf(revoked),
    ]
    assert ids(signed_in, "pcf/referencePeriodStart eq '2024-06-01T12:00:00Z'") == []
    # The end is stated as the exclusive midnight after the last day.
    assert ids(signed_in, "pcf/referencePeriodEnd eq '2025-01-01T00:00:00Z'") == [pf(old)]
    assert ids(signed_in, "pcf/referencePeriodEnd le '2025-12-31T23:59:59Z'") == [pf(old)]


def test_geography_country_is_that_of_documents_stating_one(signed_in: Pact, three) -> None:
    old, _, revoked = three

    assert ids(signed_in, "pcf/geographyCountry eq 'CN'") == [pf(old), pf(revoked)]
    assert ids(signed_in, "pcf/geographyCountry eq 'DE'") == []


def test_updated_only_matches_footprints_that_changed(signed_in: Pact, three) -> None:
    revoked = three[2]

    assert ids(signed_in, "updated ge '2000-01-01T00:00:00Z'") == [pf(revoked)]
    assert ids(signed_in, "updated lt '2000-01-01T00:00:00Z'") == []


def test_updated_matches_a_footprint_whose_signing_key_was_revoked(
    signed_in: Pact, three, world: World
) -> None:
    old = three[0]
    label_services.signing_key_revoke(
        actor=world.body_admin, key_id=old.signing_key_id, reason="Leaked."
    )
    revoked_at = Label.objects.get(pk=old.pk).key_revoked_at
    assert revoked_at is not None
    moment = revoked_at.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")

    # Every label of the fixture was signed with the revoked key: all three changed now.
    assert ids(signed_in, f"updated ge '{moment}'") == [pf(x) for x in three]
    assert ids(signed_in, f"updated eq '{moment}'") == [pf(x) for x in three]


def test_any_on_product_and_company_ids(signed_in: Pact, three, world: World) -> None:
    old = three[0]
    company = f"urn:uscc:{world.enterprise.uscc}"

    assert ids(signed_in, f"companyIds/any(c:c eq '{company}')") == [pf(x) for x in three]
    assert ids(signed_in, "companyIds/any(c:(c eq 'urn:uscc:91350100M000100Y43'))") == []
    assert ids(signed_in, f"productIds/any(p:(p eq 'urn:gtin:{old.gtin}'))") == [pf(old)]
    assert ids(signed_in, "productIds/any(p:(p eq 'urn:gtin:06901234567892'))") == []


def test_and_combines_with_and_without_parentheses(signed_in: Pact, three, world: World) -> None:
    revoked = three[2]
    company = f"urn:uscc:{world.enterprise.uscc}"
    both = (
        f"(companyIds/any(c:(c eq '{company}'))) and "
        "((pcf/referencePeriodStart ge '2025-01-01T00:00:00Z') and "
        "(pcf/referencePeriodEnd lt '2027-01-01T00:00:00Z')) and "
        "pcf/geographyCountry eq 'CN'"
    )

    assert ids(signed_in, both) == [pf(revoked)]


def test_the_next_link_keeps_the_filter(signed_in: Pact, three, world: World) -> None:
    company = f"urn:uscc:{world.enterprise.uscc}"
    text = f"companyIds/any(c:c eq '{company}')"

    first = signed_in.footprints(2, {"$filter": text, "limit": 2})

    link = first["Link"]
    url = urlsplit(link[1 : link.index(">")])
    assert parse_qs(url.query)["$filter"] == [text]
    rest = signed_in.get(f"{url.path}?{url.query}")
    assert [item["id"] for item in rest.json()["data"]] == [pf(three[2])]


@pytest.mark.parametrize(
    "text",
    [
        "created ge",
        "created ge 'not a date'",
        "created gee '2024-01-01T00:00:00Z'",
        "(created ge '2024-01-01T00:00:00Z'",
        "created ge '2024-01-01T00:00:00Z')",
        "pcf/geographyCountry eq CN",
        "pcf/geographyCountry eq 'CN",
        "productIds/any(p:(q eq 'urn:gtin:06901234567892'))",
        "productIds/any(p eq 'x')",
        "created ge '2024-01-01T00:00:00Z' and",
        "created ge 2024-01-01T00:00:00Z; drop table",
        "'CN' eq pcf/geographyCountry",
        "(" * 40 + "created ge '2024-01-01'" + ")" * 40,
        "__import__('os')",
        # Instants whose date, or the day on either side of it, in the platform's time zone
        # is past a year a date can hold.
        "pcf/referencePeriodEnd ge '0001-01-01T00:00:00Z'",
        "pcf/referencePeriodStart ge '9999-12-31T20:00:00Z'",
    ],
)
def test_an_unparseable_filter_is_bad_request(signed_in: Pact, three, text: str) -> None:
    response = signed_in.footprints(2, {"$filter": text})

    assert response.status_code == 400
    body = openapi.assert_response(2, "/2/footprints", "get", response)
    assert body["code"] == "BadRequest"
    assert "$filter" in body["message"]


@pytest.mark.parametrize(
    "text",
    [
        "created ge '2024-01-01T00:00:00Z' or created lt '2023-01-01T00:00:00Z'",
        "not (created ge '2024-01-01T00:00:00Z')",
        "pcf/geographyCountry ne 'CN'",
        "companyName eq 'GreenCell'",
        "productIds/all(p:p eq 'urn:gtin:06901234567892')",
        "productIds/any(p:p ne 'urn:gtin:06901234567892')",
    ],
)
def test_odata_outside_the_subset_is_not_implemented(signed_in: Pact, three, text: str) -> None:
    response = signed_in.footprints(2, {"$filter": text})

    assert response.status_code == 400
    assert openapi.assert_response(2, "/2/footprints", "get", response)["code"] == (
        "NotImplemented"
    )


def test_a_repeated_filter_is_bad_request(signed_in: Pact, three) -> None:
    response = signed_in.footprints(
        2, [("$filter", "created ge '2024-01-01'"), ("$filter", "created lt '2027-01-01'")]
    )

    assert response.status_code == 400
    assert response.json()["code"] == "BadRequest"
