"""Marketplace administrators manage their API keys in the portal."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ApiKey, Membership, Organisation, User
from accounts.roles import ApiScope, OrganisationKind, Role
from tests.second_factor import sign_in

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, user)
    return client


def test_a_new_key_is_shown_once_and_stored_hashed(marketplace, marketplace_admin) -> None:
    client = signed_in(marketplace_admin)
    response = client.post(
        reverse("accounts:api_keys"),
        {"organisation": marketplace.pk, "name": "Storefront", "scopes": [ApiScope.LABELS_READ]},
    )
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key.startswith("clk_")
    stored = ApiKey.objects.get()
    assert stored.name == "Storefront" and stored.scopes == [ApiScope.LABELS_READ]
    assert key.encode() not in client.get(reverse("accounts:api_keys")).content


def test_a_key_needs_a_scope(marketplace, marketplace_admin) -> None:
    response = signed_in(marketplace_admin).post(
        reverse("accounts:api_keys"), {"organisation": marketplace.pk, "name": "Storefront"}
    )
    assert response.context["form"].errors["scopes"]
    assert not ApiKey.objects.exists()


def test_revoking_a_key(marketplace_admin, make_key) -> None:
    make_key()
    api_key = ApiKey.objects.get()
    signed_in(marketplace_admin).post(reverse("accounts:api_key_revoke", args=[api_key.pk]))
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None


def test_another_marketplace_cannot_see_or_revoke_the_key(db, make_key) -> None:
    make_key()
    api_key = ApiKey.objects.get()
    rival = Organisation.objects.create(kind=OrganisationKind.MARKETPLACE, name="Rival Mall")
    rival_admin = User.objects.create_user(username="rival", email="rival@example.cn")
    Membership.objects.create(user=rival_admin, organisation=rival, role=Role.MARKETPLACE_ADMIN)
    client = signed_in(rival_admin)
    assert api_key.name.encode() not in client.get(reverse("accounts:api_keys")).content
    response = client.post(reverse("accounts:api_key_revoke", args=[api_key.pk]))
    assert response.status_code == 404
    api_key.refresh_from_db()
    assert api_key.revoked_at is None


def test_people_of_other_organisations_have_no_key_page(enterprise_admin) -> None:
    assert signed_in(enterprise_admin).get(reverse("accounts:api_keys")).status_code == 404
