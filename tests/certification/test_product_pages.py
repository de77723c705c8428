"""The enterprise's product page: its facts and applications, and corrections until the
product is first submitted (after that its identity is on a body's file, a certificate, a
label: the service refuses, whatever sends the change)."""

import pytest
from django.test import Client

from certification import services
from certification.errors import ActorNotPermitted, TransitionNotAllowed
from certification.models import ApplicationEvent, Product, Status
from tests.second_factor import sign_in

CHANGES = {
    "name": "Power bank II",
    "model": "PB-21",
    "trademark": "Voltia",
    "manufacturer": "Voltia",
    "plant_address": "Ningde, Fujian",
    "gtin": "",
}


def signed_in(user) -> Client:
    return sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), user)


def form_data(product: Product, **changes) -> dict:
    return {**CHANGES, "category": product.category_id, **changes}


def test_the_enterprise_corrects_a_product_before_submitting_it(world, application_at) -> None:
    application = application_at(Status.DRAFT)
    product = application.product
    client = signed_in(world.enterprise_member)

    page = client.get(f"/portal/products/{product.pk}/").content.decode()
    assert 'data-testid="edit-product"' in page
    assert application.reference in page

    response = client.post(f"/portal/products/{product.pk}/edit/", form_data(product), follow=True)

    assert response.redirect_chain == [(f"/portal/products/{product.pk}/", 302)]
    product.refresh_from_db()
    assert (product.name, product.model, product.gtin) == ("Power bank II", "PB-21", None)


def test_a_too_long_name_is_refused_with_the_field_and_the_limit(world, application_at) -> None:
    product = application_at(Status.DRAFT).product
    response = signed_in(world.enterprise_admin).post(
        f"/portal/products/{product.pk}/edit/", form_data(product, name="P" * 201)
    )
    assert response.context["form"].errors["name"] == [
        "“Product name” is too long: at most 200 characters (it has 201)."
    ]
    assert Product.objects.get(pk=product.pk).name == product.name


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.APPROVED, Status.REJECTED])
def test_a_submitted_product_is_no_longer_changed(world, application_at, status) -> None:
    product = application_at(status).product
    client = signed_in(world.enterprise_admin)

    page = client.get(f"/portal/products/{product.pk}/").content.decode()
    assert 'data-testid="edit-product"' not in page
    assert 'data-testid="product-locked"' in page
    response = client.post(f"/portal/products/{product.pk}/edit/", form_data(product), follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "This product has been submitted for certification: it can no longer be changed here. "
        "Report a change on the certificate's page instead."
    ]
    with pytest.raises(TransitionNotAllowed):
        services.product_update(
            actor=world.enterprise_admin, product_id=product.pk, data={"name": "Renamed"}
        )
    assert Product.objects.get(pk=product.pk).name == product.name


def test_a_draft_withdrawn_unsubmitted_leaves_the_product_editable(world, application_at) -> None:
    application = application_at(Status.WITHDRAWN, withdrawn_from=Status.DRAFT)
    ApplicationEvent.objects.create(
        application=application,
        actor=world.enterprise_admin,
        action="withdraw",
        from_status=Status.DRAFT,
        to_status=Status.WITHDRAWN,
    )
    services.product_update(
        actor=world.enterprise_admin, product_id=application.product_id, data={"model": "PB-22"}
    )
    assert Product.objects.get(pk=application.product_id).model == "PB-22"


def test_others_read_or_see_nothing(world, application_at, other_enterprise_user) -> None:
    product = application_at(Status.DRAFT).product
    assert signed_in(other_enterprise_user).get(f"/portal/products/{product.pk}/").status_code == (
        404
    )
    assert signed_in(world.body_admin).get(f"/portal/products/{product.pk}/").status_code == 404
    regulator = signed_in(world.regulator)
    page = regulator.get(f"/portal/products/{product.pk}/")
    assert page.status_code == 200
    assert 'data-testid="edit-product"' not in page.content.decode()
    assert regulator.get(f"/portal/products/{product.pk}/edit/").status_code == 404
    with pytest.raises(ActorNotPermitted):
        services.product_update(actor=world.regulator, product_id=product.pk, data={"name": "X"})
