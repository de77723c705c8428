"""The public directory of certified products: searchable by product name, model, GTIN and
enterprise, paginated, and showing only what the labels themselves state."""

import html as html_module
import re
from collections.abc import Callable

import pytest

from labels import services
from labels.models import Label
from tests.factories import COMPLETE_DOSSIER, ProductFactory

PAGE_SIZE = 25


def listed(response) -> list[str]:
    """The serials the directory lists, in order."""
    assert response.status_code == 200
    return re.findall(
        r'<td data-label="Product"><a href="/labels/([0-9A-Z]+)/">', response.content.decode()
    )


@pytest.fixture
def catalogue(issue_label, new_product, world) -> dict[str, Label]:
    rival = ProductFactory(
        enterprise=world.other_enterprise,
        category=world.category,
        name="Rival cell module",
        model="RC-7",
        gtin="06901234567892",
    )
    return {
        "pack": issue_label(
            new_product(
                name="储能电池包 Energy storage pack", model="GC-ESS-20K", gtin="06901234567816"
            )
        ),
        "heat pump": issue_label(new_product(name="Air-source heat pump", model="HP-300", gtin="")),
        "rival": issue_label(rival),
    }


@pytest.mark.parametrize(
    "query, expected",
    [
        ("heat PUMP", ["heat pump"]),
        ("储能电池包", ["pack"]),
        ("HP-300", ["heat pump"]),
        ("ess-20k", ["pack"]),
        ("06901234567816", ["pack"]),
        ("6901234567816", ["pack"]),
        ("6901234567892", ["rival"]),
        ("Hangzhou Rival", ["rival"]),
        ("Ningde Voltia", ["heat pump", "pack"]),
        ("no such product", []),
    ],
)
def test_the_directory_finds_products_by_name_model_gtin_and_enterprise(
    catalogue,
    anon,
    query,
    expected,
) -> None:
    response = anon.get("/directory/", {"q": query})

    assert sorted(listed(response)) == sorted(catalogue[name].serial for name in expected)
    if not expected:
        assert "No certified product matches." in response.content.decode()


def test_the_directory_finds_a_label_by_certificate_number_and_serial(catalogue, anon) -> None:
    pack = catalogue["pack"]

    assert listed(anon.get("/directory/", {"q": pack.certificate.number})) == [pack.serial]
    assert listed(anon.get("/directory/", {"q": pack.serial.lower()})) == [pack.serial]


def test_the_directory_lists_valid_and_suspended_labels_only(catalogue, world, anon) -> None:
    for name, action in (("pack", "suspend"), ("heat pump", "revoke"), ("rival", "cancel")):
        services.label_change_status(
            actor=world.body_admin, label_id=catalogue[name].pk, action=action, reason="Audit."
        )
    response = anon.get("/directory/")

    assert listed(response) == [catalogue["pack"].serial]
    row = re.search(r"<tr><td data-label=\"Product\">.*?</tr>", response.content.decode(), re.S)
    assert row is not None and "Suspended" in row.group(0)


def test_the_directory_shows_a_label_signed_with_a_revoked_key_as_not_trusted(
    catalogue, world, anon
) -> None:
    services.signing_key_revoke(
        actor=world.body_admin, key_id=catalogue["pack"].signing_key_id, reason="Lost"
    )
    response = anon.get("/directory/", {"q": catalogue["pack"].serial})

    assert listed(response) == [catalogue["pack"].serial]
    assert '<td data-label="Status">Not trusted</td>' in response.content.decode()


def test_the_directory_shows_the_label_facts_and_never_the_dossier(catalogue, anon) -> None:
    response = anon.get("/directory/", {"q": "heat pump"})
    page = html_module.unescape(response.content.decode())

    label = catalogue["heat pump"]
    subject = label.credential["credentialSubject"]
    assert "Air-source heat pump HP-300" in page
    assert (
        f"{subject['footprint']['value']} kgCO2e / {subject['footprint']['declaredUnit']}" in page
    )
    assert subject["certificationBody"]["name"] in page
    for field in (
        "goal",
        "practitioner",
        "cut_off_criteria",
        "allocation_procedure",
        "data_quality_statement",
        "uncertainty_statement",
        "limitations",
    ):
        assert COMPLETE_DOSSIER[field] not in page, field
    for secret in (
        "Metering matches the inventory.",
        "Plant manager, energy manager",
        "Recomputed within 0.4% of the declared figure.",
        "study_report.pdf",
        str(COMPLETE_DOSSIER["fossil_emissions"]).rstrip("0"),
        label.certificate.application.reference,
    ):
        assert secret not in page, secret


def test_the_public_page_never_shows_the_dossier_either(catalogue, anon) -> None:
    label = catalogue["pack"]
    page = html_module.unescape(anon.get(f"/labels/{label.serial}/").content.decode())

    assert label.serial in page
    for field in (
        "goal",
        "practitioner",
        "cut_off_criteria",
        "allocation_procedure",
        "data_quality_statement",
        "uncertainty_statement",
        "limitations",
    ):
        assert COMPLETE_DOSSIER[field] not in page, field
    assert "Metering matches the inventory." not in page
    assert label.certificate.application.reference not in page


@pytest.fixture
def many(issue_label, new_product) -> Callable[[int, str], list[Label]]:
    def issue(count: int, name: str) -> list[Label]:
        return [
            issue_label(new_product(name=name, model=f"M-{number:03d}")) for number in range(count)
        ]

    return issue


def test_the_directory_is_paginated(many, anon) -> None:
    labels = many(PAGE_SIZE + 1, "Heat pump")
    newest_first = [label.serial for label in reversed(labels)]

    first = anon.get("/directory/")
    second = anon.get("/directory/", {"page": 2})

    assert listed(first) == newest_first[:PAGE_SIZE]
    assert listed(second) == newest_first[PAGE_SIZE:]
    assert "Page 1 of 2" in first.content.decode()
    assert "Page 2 of 2" in second.content.decode()
    assert listed(anon.get("/directory/", {"page": 99})) == newest_first[PAGE_SIZE:]
    assert listed(anon.get("/directory/", {"page": "x"})) == newest_first[:PAGE_SIZE]


def test_the_next_page_of_a_search_keeps_the_search(many, anon) -> None:
    others = many(3, "Solar inverter")  # older: an unfiltered second page would show them
    heat_pumps = many(PAGE_SIZE + 1, "Heat pump")

    first = anon.get("/directory/", {"q": "heat pump"})
    assert len(listed(first)) == PAGE_SIZE
    [next_link] = re.findall(r'href="(\?[^"]*)">Next', first.content.decode())

    second = anon.get("/directory/" + html_module.unescape(next_link))

    assert not set(listed(second)) & {label.serial for label in others}
    assert listed(second) == [heat_pumps[0].serial]
    assert 'name="q" value="heat pump"' in second.content.decode()
