"""GET {base}/{2,3}/footprints and /footprints/{id}: certified labels as ProductFootprints,
validated against the official OpenAPI files, paginated, shared only with the partners the
enterprise chose, and following the label's life (CONTRACTS §7)."""

import uuid
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from labels import keys
from labels import services as label_services
from labels.models import Label
from pact import services
from pact.identifiers import footprint_id
from tests.conftest import World, build_application
from tests.factories import ProductFactory
from tests.pact import openapi
from tests.pact.conftest import HOST, Pact, basic, demo_enterprise, utc

SPECS = [2, 3]


def pf_id(label: Label) -> str:
    return str(footprint_id(label.serial))


def listed(pact: Pact, spec: int, params=None) -> dict:
    response = pact.footprints(spec, params)
    assert response.status_code == 200, response.content
    return openapi.assert_response(spec, f"/{spec}/footprints", "get", response)


def fetched(pact: Pact, spec: int, label: Label) -> dict:
    response = pact.footprint(spec, pf_id(label))
    assert response.status_code == 200, response.content
    body = openapi.assert_response(spec, f"/{spec}/footprints/{{id}}", "get", response)
    assert openapi.undeclared_properties(spec, "ProductFootprint", body["data"]) == []
    return body["data"]


# --- what a footprint says ----------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS)
def test_list_and_get_validate_against_the_official_schema(
    signed_in: Pact, issue_label, new_product, spec: int
) -> None:
    labels = [issue_label(product=new_product()) for _ in range(3)]

    body = listed(signed_in, spec)

    assert [item["id"] for item in body["data"]] == [pf_id(label) for label in labels]
    for item in body["data"]:
        assert openapi.undeclared_properties(spec, "ProductFootprint", item) == []
    assert fetched(signed_in, spec, labels[1]) == body["data"][1]


def test_v2_footprint_of_a_piece_with_known_mass_is_per_kilogram(
    signed_in: Pact, label: Label, world: World
) -> None:
    """The factory dossier: a functional unit of 1 battery pack (6.2 kg), 85.4 kgCO2e of which
    0.5 biogenic, cradle to grave, AR6, reference year 2024."""
    footprint = fetched(signed_in, 2, label)

    product = label.certificate.product
    assert footprint["id"] == str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:carbonlabel:{label.serial}"))
    assert footprint["specVersion"] == "2.3.3"
    assert (footprint["version"], footprint["status"]) == (1, "Active")
    assert "updated" not in footprint and "precedingPfIds" not in footprint
    assert utc(footprint["created"]) == label.issued_at.replace(microsecond=0)
    assert utc(footprint["validityPeriodStart"]) == label.valid_from
    assert utc(footprint["validityPeriodEnd"]) == label.valid_until
    assert footprint["companyName"] == world.enterprise.name
    assert footprint["companyIds"] == [f"urn:uscc:{world.enterprise.uscc}"]
    assert footprint["productIds"] == [
        f"urn:gtin:{label.gtin}",
        f"urn:carbonlabel:product:{product.pk}",
    ]
    assert footprint["productCategoryCpc"] == "4642"
    assert footprint["productNameCompany"] == f"{product.name} {product.model}"
    assert label.serial in footprint["comment"]
    pcf = footprint["pcf"]
    assert (pcf["declaredUnit"], pcf["unitaryProductAmount"]) == ("kilogram", "6.2")
    assert Decimal(pcf["pCfIncludingBiogenic"]) == (Decimal("85.4") / Decimal("6.2")).quantize(
        Decimal("1e-12")
    )
    assert Decimal(pcf["pCfExcludingBiogenic"]) == (Decimal("84.9") / Decimal("6.2")).quantize(
        Decimal("1e-12")
    )
    assert pcf["fossilGhgEmissions"] == pcf["pCfExcludingBiogenic"]
    assert (pcf["characterizationFactors"], pcf["ipccCharacterizationFactorsSources"]) == (
        "AR6",
        ["AR6"],
    )
    assert pcf["crossSectoralStandardsUsed"] == ["ISO Standard 14067"]
    assert (pcf["referencePeriodStart"], pcf["referencePeriodEnd"]) == (
        "2024-01-01T00:00:00Z",
        "2025-01-01T00:00:00Z",
    )
    assert pcf["geographyCountry"] == "CN"
    assert pcf["assurance"] == {
        "assurance": True,
        "coverage": "product level",
        "level": "reasonable",
        "providerName": world.body.name,
        "completedAt": label.certificate.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "standardName": "ISO 14064-3",
        "comments": pcf["assurance"]["comments"],
    }
    assert "boundary" not in pcf["assurance"]  # cradle to grave has no 2.x value


def test_v3_footprint_keeps_the_labels_own_unit(
    signed_in: Pact, label: Label, world: World
) -> None:
    footprint = fetched(signed_in, 3, label)

    assert footprint["specVersion"] == "3.0.3"
    assert "version" not in footprint
    assert footprint["productClassifications"] == [
        "urn:carbonlabel:category:LIB-CONSUMER",
        "urn:carbonlabel:category:LIB",
        "urn:pact:productclassification:un-cpc:4642",
    ]
    pcf = footprint["pcf"]
    assert (
        pcf["declaredUnitOfMeasurement"],
        pcf["declaredUnitAmount"],
        pcf["productMassPerDeclaredUnit"],
    ) == ("piece", "1", "6.2")
    assert (
        pcf["pcfIncludingBiogenicUptake"],
        pcf["pcfExcludingBiogenicUptake"],
        pcf["fossilGhgEmissions"],
        pcf["biogenicCO2Uptake"],
    ) == ("85.4", "85.4", "84.9", "0")
    assert pcf["ipccCharacterizationFactors"] == ["AR6"]
    assert pcf["crossSectoralStandards"] == ["ISO14067"]
    assert pcf["verification"]["providerName"] == world.body.name
    assert pcf["verification"]["coverage"] == "product level"


def test_a_declared_unit_in_kwh_with_removals_and_a_cradle_to_gate_boundary(
    signed_in: Pact,
    issue_label,
    new_product,
) -> None:
    label = issue_label(
        product=new_product(),
        unit_kind="declared",
        unit_description="1 kWh of battery energy capacity",
        reference_flow="1/5.12 of one 5.12 kWh pack",
        boundary="cradle_to_gate",
        stages_included=["raw_material", "production"],
        stage_results={"raw_material": "61.2", "production": "14.8"},
        fossil_emissions=Decimal("76.5"),
        biogenic_emissions=Decimal("0.5"),
        biogenic_removals=Decimal("1.0"),
        declared_total=Decimal("76.0"),
    )
    label.certificate.declared_total = Decimal("76.0")
    label.certificate.save(update_fields=["declared_total"])

    v2 = fetched(signed_in, 2, label)["pcf"]
    v3 = fetched(signed_in, 3, label)["pcf"]

    assert (v2["declaredUnit"], v2["unitaryProductAmount"]) == ("kilowatt hour", "1")
    assert (
        v2["pCfIncludingBiogenic"],
        v2["pCfExcludingBiogenic"],
        v2["biogenicCarbonWithdrawal"],
    ) == ("76", "76.5", "-1")
    assert v2["assurance"]["boundary"] == "Cradle-to-Gate"
    assert (v3["declaredUnitOfMeasurement"], v3["productMassPerDeclaredUnit"]) == (
        "kilowatt hour",
        "0",
    )
    assert (
        v3["pcfIncludingBiogenicUptake"],
        v3["pcfExcludingBiogenicUptake"],
        v3["biogenicCO2Uptake"],
    ) == ("76", "77", "-1")


@pytest.mark.parametrize("spec", SPECS)
def test_the_demo_footprint_carries_data_quality_and_factor_sources(
    demo, pact: Pact, spec: int
) -> None:
    """The demo's certified inventory: primary data share from the platform's recomputation,
    its factor library versions, and (2.x) emission-weighted data quality ratings."""
    client, secret = services.partner_client_create(
        name="Demo buyer", data_owners=[demo_enterprise()]
    )
    pact.access_token = pact.token(basic(client.client_id, secret)).json()["access_token"]
    label = Label.objects.get()

    footprint = fetched(pact, spec, label)

    pcf = footprint["pcf"]
    recomputation = label.certificate.dossier_version.recomputation
    assert recomputation.primary_data_share is not None
    share = (recomputation.primary_data_share * Decimal(100)).quantize(Decimal("0.01"))
    assert pcf["primaryDataShare"] == (
        float(share) if spec == 2 else format(share.normalize(), "f")
    )
    assert [source["name"] for source in pcf["secondaryEmissionFactorSources"]]
    if spec == 2:
        assert (pcf["declaredUnit"], pcf["unitaryProductAmount"]) == ("kilowatt hour", "1")
        dqi = pcf["dqi"]
        assert 0 < dqi["coveragePercent"] <= 100
        assert all(1 <= dqi[name] <= 3 for name in dqi if name.endswith("DQR"))
        assert pcf["assurance"]["boundary"] == "Cradle-to-Gate"
    else:
        assert "dqi" not in pcf
        assert pcf["declaredUnitOfMeasurement"] == "kilowatt hour"


def test_a_piece_without_a_known_mass_is_served_under_v3_only(
    signed_in: Pact, issue_label, new_product
) -> None:
    piece = issue_label(
        product=new_product(), unit_description="1 battery pack", reference_flow="1 battery pack"
    )

    assert listed(signed_in, 2)["data"] == []
    assert [item["id"] for item in listed(signed_in, 3)["data"]] == [pf_id(piece)]
    response = signed_in.footprint(2, pf_id(piece))
    assert response.status_code == 404
    assert response.json()["code"] == "NoSuchFootprint"


# --- not found, not shared ----------------------------------------------------------------


@pytest.mark.parametrize(("spec", "code"), [(2, "NoSuchFootprint"), (3, "NotFound")])
@pytest.mark.parametrize("footprint", ["unknown uuid", "non-existent-id"])
def test_an_unknown_id_is_404(signed_in: Pact, label, spec: int, code: str, footprint: str) -> None:
    value = str(uuid.uuid4()) if footprint == "unknown uuid" else footprint

    response = signed_in.footprint(spec, value)

    assert response.status_code == 404
    body = openapi.assert_response(spec, f"/{spec}/footprints/{{id}}", "get", response)
    assert body == {"code": code, "message": f"No footprint has the id {value!r}."}


@pytest.mark.parametrize("spec", SPECS)
def test_a_footprint_not_shared_with_the_client_is_403_and_not_listed(
    signed_in: Pact,
    world: World,
    spec: int,
) -> None:
    rival = ProductFactory(enterprise=world.other_enterprise, category=world.category)
    application = build_application(world, "approved", product=rival)
    foreign = label_services.label_issue(certificate_id=application.certificate.pk)

    response = signed_in.footprint(spec, pf_id(foreign))

    assert response.status_code == 403
    body = openapi.assert_response(spec, f"/{spec}/footprints/{{id}}", "get", response)
    assert body["code"] == "AccessDenied"
    assert listed(signed_in, spec)["data"] == []


# --- pagination ---------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS)
def test_pages_hold_exactly_limit_items_and_link_to_the_next_on_the_request_host(
    signed_in: Pact,
    issue_label,
    new_product,
    spec: int,
) -> None:
    labels = [issue_label(product=new_product()) for _ in range(5)]
    seen: list[str] = []
    response = signed_in.footprints(spec, {"limit": 2})
    pages = 0
    while True:
        pages += 1
        body = openapi.assert_response(spec, f"/{spec}/footprints", "get", response)
        seen += [item["id"] for item in body["data"]]
        link = response.get("Link")
        if link is None:
            assert len(body["data"]) == 1
            break
        assert len(body["data"]) == 2
        assert link.startswith("<https://") and link.endswith('>; rel="next"')
        url = urlsplit(link[1 : link.index(">")])
        assert (url.scheme, url.netloc, url.path) == (
            "https",
            HOST,
            signed_in.url(f"footprints-{spec}"),
        )
        response = signed_in.get(url.path + "?" + url.query)
    assert pages == 3
    assert seen == [pf_id(label) for label in labels]


def test_the_next_link_keeps_the_filters_and_can_be_called_again(
    signed_in: Pact,
    issue_label,
    new_product,
    world: World,
) -> None:
    for _ in range(3):
        issue_label(product=new_product())
    company = f"urn:uscc:{world.enterprise.uscc}"

    first = signed_in.footprints(3, {"limit": 2, "companyId": company})

    link = first["Link"]
    url = urlsplit(link[1 : link.index(">")])
    assert parse_qs(url.query) == {"limit": ["2"], "offset": ["2"], "companyId": [company]}
    again = [signed_in.get(f"{url.path}?{url.query}").json() for _ in range(2)]
    assert again[0] == again[1]
    assert len(again[0]["data"]) == 1


def test_a_limit_above_the_maximum_is_served_in_pages_of_the_maximum(
    signed_in: Pact,
    issue_label,
    new_product,
    settings,
) -> None:
    settings.PACT_MAX_PAGE_SIZE = 2
    for _ in range(3):
        issue_label(product=new_product())

    response = signed_in.footprints(3, {"limit": 50})

    assert len(response.json()["data"]) == 2
    assert "limit=2" in response["Link"]


@pytest.mark.parametrize("params", [{"limit": "ten"}, {"limit": -1}, {"offset": "x"}])
@pytest.mark.parametrize("spec", SPECS)
def test_a_malformed_limit_or_offset_is_bad_request(
    signed_in: Pact, spec: int, params: dict
) -> None:
    response = signed_in.footprints(spec, params)

    assert response.status_code == 400
    assert (
        openapi.assert_response(spec, f"/{spec}/footprints", "get", response)["code"]
        == "BadRequest"
    )


@pytest.mark.parametrize("spec", SPECS)
def test_limit_zero_is_an_empty_page_whose_next_link_makes_progress(
    signed_in: Pact, issue_label, new_product, spec: int, settings
) -> None:
    """Both OpenAPI files give `limit` a minimum of 0. The page holds nothing; footprints are
    ready to be retrieved, so it links to the next page, with the page size as its limit."""
    settings.PACT_PAGE_SIZE = 2
    labels = [issue_label(product=new_product()) for _ in range(3)]

    response = signed_in.footprints(spec, {"limit": 0, "offset": 1})

    body = openapi.assert_response(spec, f"/{spec}/footprints", "get", response)
    assert body == {"data": []}
    link = response["Link"]
    url = urlsplit(link[1 : link.index(">")])
    assert parse_qs(url.query) == {"limit": ["2"], "offset": ["1"]}
    following = signed_in.get(f"{url.path}?{url.query}")
    assert [item["id"] for item in following.json()["data"]] == [pf_id(x) for x in labels[1:]]


@pytest.mark.parametrize("spec", SPECS)
def test_limit_zero_past_the_end_has_no_next_link(signed_in: Pact, label, spec: int) -> None:
    response = signed_in.footprints(spec, {"limit": 0, "offset": 1})

    assert response.status_code == 200
    assert response.json() == {"data": []}
    assert "Link" not in response


def test_the_query_count_of_a_page_does_not_grow_with_its_rows(
    signed_in: Pact, issue_label, new_product
) -> None:
    def queries(limit: int) -> int:
        signed_in.footprints(3, {"limit": limit})  # indexes new labels first
        with CaptureQueriesContext(connection) as captured:
            response = signed_in.footprints(3, {"limit": limit})
        assert len(response.json()["data"]) == limit
        return len(captured)

    for _ in range(2):
        issue_label(product=new_product())
    small = queries(2)
    for _ in range(4):
        issue_label(product=new_product())
    assert queries(6) == small


# --- the label's life ---------------------------------------------------------------------


@pytest.mark.parametrize("action", ["revoke", "cancel", "suspend"])
def test_a_label_that_stops_certifying_is_deprecated_with_the_reason(
    signed_in: Pact,
    label: Label,
    world: World,
    action: str,
) -> None:
    label_services.label_change_status(
        actor=world.body_admin,
        label_id=label.pk,
        action=action,
        reason="Surveillance found the plant changed its cathode supplier.",
    )

    v2 = fetched(signed_in, 2, label)
    v3 = fetched(signed_in, 3, label)

    assert v2["status"] == v3["status"] == "Deprecated"
    assert "changed its cathode supplier" in v2["statusComment"]
    assert v3["comment"].startswith(v2["statusComment"])
    assert v2["version"] == 2
    assert utc(v2["updated"]) == Label.objects.get(pk=label.pk).status_changed_at.replace(
        microsecond=0
    )


def test_a_restored_label_is_active_again_and_its_version_counts_both_changes(
    signed_in: Pact,
    label: Label,
    world: World,
) -> None:
    for action in ("suspend", "restore"):
        label_services.label_change_status(
            actor=world.body_admin, label_id=label.pk, action=action, reason="Surveillance overdue."
        )

    footprint = fetched(signed_in, 2, label)

    assert (footprint["status"], footprint["version"]) == ("Active", 3)
    assert "statusComment" not in footprint


def test_an_expired_label_is_deprecated_even_before_the_expiry_task_runs(
    signed_in: Pact,
    label: Label,
) -> None:
    Label.objects.filter(pk=label.pk).update(valid_until=timezone.now() - timedelta(days=1))

    footprint = fetched(signed_in, 3, label)

    assert footprint["status"] == "Deprecated"
    assert "validity ended" in footprint["comment"]


def test_a_label_signed_with_a_revoked_key_is_deprecated_with_the_reason(
    signed_in: Pact,
    label: Label,
    world: World,
) -> None:
    """PACT knows Active and Deprecated only: a footprint whose label can no longer be trusted
    must not stay Active ("SHOULD NOT be used by data recipients")."""
    label_services.signing_key_revoke(
        actor=world.body_admin, key_id=label.signing_key_id, reason="The HSM backup was lost."
    )
    revoked_at = Label.objects.get(pk=label.pk).key_revoked_at
    assert revoked_at is not None

    v2 = fetched(signed_in, 2, label)
    v3 = fetched(signed_in, 3, label)

    assert v2["status"] == v3["status"] == "Deprecated"
    assert v2["statusComment"] == (
        f"The key that signed the label was revoked as compromised on "
        f"{revoked_at:%Y-%m-%d}: the label can no longer be trusted."
    )
    assert v3["comment"].startswith(v2["statusComment"])
    assert v2["version"] == 2
    assert utc(v2["updated"]) == revoked_at.replace(microsecond=0)


def test_a_key_retired_by_rotation_leaves_the_footprint_active(
    signed_in: Pact,
    label: Label,
    world: World,
) -> None:
    keys.signing_key_rotate(world.body)

    v2 = fetched(signed_in, 2, label)
    v3 = fetched(signed_in, 3, label)

    assert v2["status"] == v3["status"] == "Active"
    assert (v2["version"], "updated" in v2, "statusComment" in v2) == (1, False, False)


@pytest.mark.parametrize("spec", SPECS)
def test_a_renewal_names_the_revoked_label_in_preceding_pf_ids(
    signed_in: Pact,
    issue_label,
    world: World,
    spec: int,
) -> None:
    """Same product, plant and body: the new certificate's label renews the old one."""
    first = issue_label()
    label_services.label_change_status(
        actor=world.body_admin,
        label_id=first.pk,
        action="revoke",
        reason="Replaced after re-assessment.",
    )
    renewal = issue_label()

    old = fetched(signed_in, spec, first)
    new = fetched(signed_in, spec, renewal)

    assert old["status"] == "Deprecated"
    assert "precedingPfIds" not in old
    assert (new["status"], new["precedingPfIds"]) == ("Active", [pf_id(first)])


def test_a_renewal_deprecates_a_label_that_is_still_valid_and_chains_all_versions(
    signed_in: Pact,
    issue_label,
    world: World,
) -> None:
    first = issue_label()
    second = label_services.label_issue(certificate_id=first.certificate_id, certificate_version=2)
    third = issue_label()

    footprints = {item["id"]: item for item in listed(signed_in, 2)["data"]}

    assert footprints[pf_id(first)]["status"] == "Deprecated"
    assert "renewed label" in footprints[pf_id(first)]["statusComment"]
    assert footprints[pf_id(first)]["version"] == 2
    assert footprints[pf_id(second)]["precedingPfIds"] == [pf_id(first)]
    assert footprints[pf_id(third)]["precedingPfIds"] == [pf_id(first), pf_id(second)]
    assert footprints[pf_id(third)]["status"] == "Active"
