"""Names the public reads (organisations, products, addresses) keep no bidirectional control
characters (U+202A-U+202E, U+2066-U+2069): "\u202eLLETS" would read "STELL" backwards-forwards.
They are dropped as the field is saved, whichever way the text came in."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Organisation, OrganisationKind
from certification.models import Application, Product

pytestmark = pytest.mark.django_db

CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def hostile(text: str) -> str:
    return "\u202e" + text[:2] + "\u2066" + text[2:] + "\u202c\u2069\u202a\u202b\u202d\u2067\u2068"


def test_the_api_stores_product_texts_without_controls(api_as, world) -> None:
    response = api_as(world.enterprise_admin).post(
        "/api/v1/products/",
        {
            "category": "LIB-CONSUMER",
            "name": hostile("Power cell"),
            "model": hostile("PC-10"),
            "trademark": hostile("Volta"),
            "manufacturer": hostile("Volta Works"),
            "plant_address": hostile("1 Harbour Road, Ningbo"),
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    product = Product.objects.get(pk=response.json()["id"])
    assert (
        product.name,
        product.model,
        product.trademark,
        product.manufacturer,
        product.plant_address,
    ) == ("Power cell", "PC-10", "Volta", "Volta Works", "1 Harbour Road, Ningbo")
    assert response.json()["name"] == "Power cell"


def test_the_api_stores_an_application_address_without_controls(api_as, world) -> None:
    response = api_as(world.enterprise_admin).post(
        "/api/v1/applications/",
        {
            "product": world.product.pk,
            "certification_body": world.body.code,
            "scheme": "national_pilot",
            "product_rule_name": hostile("PCR batteries"),
            "product_rule_version": "1.0",
            "plant_address": hostile("2 Harbour Road"),
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    application = Application.objects.get(pk=response.json()["id"])
    assert (application.plant_address, application.product_rule_name) == (
        "2 Harbour Road",
        "PCR batteries",
    )


def test_an_organisation_saved_any_way_keeps_no_controls(world) -> None:
    organisation = Organisation.objects.create(
        kind=OrganisationKind.ENTERPRISE,
        uscc="91350100M000100Y43",
        name=hostile("华东电池"),
        legal_name=hostile("华东电池有限公司"),
        address=hostile("宁波市港口路1号"),
    )
    world.enterprise.name = hostile("Renamed")
    world.enterprise.save()

    organisation.refresh_from_db()
    world.enterprise.refresh_from_db()
    assert (organisation.name, organisation.legal_name, organisation.address) == (
        "华东电池",
        "华东电池有限公司",
        "宁波市港口路1号",
    )
    assert world.enterprise.name == "Renamed"
    assert not any(c in organisation.name for c in CONTROLS)


def test_ordinary_text_is_untouched(world) -> None:
    text = "Zhōngguó 中国 — «ok» \u200d\u00a0done"
    product = Product.objects.get(pk=world.product.pk)
    product.name = text
    product.save()

    product.refresh_from_db()
    assert product.name == text


def test_a_name_of_controls_only_is_refused_as_blank(world) -> None:
    product = Product(
        enterprise=world.enterprise,
        category=world.product.category,
        name="\u202e\u2066",
        model="M",
        manufacturer="X",
        plant_address="Y",
    )

    with pytest.raises(ValidationError) as error:
        product.full_clean()

    assert error.value.message_dict["name"] == ["This field cannot be blank."]
