"""Every admin list and change page renders, and domain state is read-only there."""

import pytest
from django.contrib import admin
from django.test import Client

from accounts.apikeys import api_key_create
from accounts.models import ApiKey
from accounts.roles import ApiScope, Role
from certification.models import Application, Status
from tests.factories import MarketplaceFactory, member_of
from tests.second_factor import sign_in


@pytest.fixture
def operator(world) -> Client:
    user = world.platform_admin
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, user)
    return client


def test_every_admin_page_renders(operator, application_at) -> None:
    application_at(Status.APPROVED)
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert operator.get(url).status_code == 200, url
        first = model._default_manager.first()
        if first is not None:
            assert operator.get(f"{url}{first.pk}/change/").status_code == 200, url


def test_applications_cannot_be_edited_in_the_admin(operator, application_at) -> None:
    application = application_at(Status.SUBMITTED)
    response = operator.post(
        f"/admin/certification/application/{application.pk}/change/", {"status": Status.APPROVED}
    )
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert Application.objects.count() == 1


def test_api_keys_are_revoked_in_the_portal_never_deleted_in_the_admin(operator, world) -> None:
    mall = MarketplaceFactory(name="GreenMall")
    admin_user = member_of(mall, Role.MARKETPLACE_ADMIN, username="mall_admin")
    api_key, _text = api_key_create(
        actor=admin_user, organisation=mall, name="shop", scopes=[ApiScope.LABELS_READ]
    )

    response = operator.post(f"/admin/accounts/apikey/{api_key.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert ApiKey.objects.filter(pk=api_key.pk).exists()
