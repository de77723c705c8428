"""Marketplaces, their API keys and certified labels to look up."""

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from accounts.apikeys import api_key_create
from accounts.models import Membership, Organisation, User
from accounts.roles import ApiScope, OrganisationKind, Role
from audits.transparency.services import log_append_many
from certification.models import Product
from labels import answers
from tests.conftest import World
from tests.factories import ProductFactory


@pytest.fixture(autouse=True)
def _public_host(settings) -> None:
    settings.LABEL_PUBLIC_HOST = "labels.example.cn"
    settings.LABEL_PUBLIC_SCHEME = "https"


@pytest.fixture
def marketplace(db) -> Organisation:
    return Organisation.objects.create(kind=OrganisationKind.MARKETPLACE, name="GreenMall")


@pytest.fixture
def marketplace_admin(marketplace: Organisation) -> User:
    user = User.objects.create_user(
        username="mall-admin", email="mall@example.cn", password="x-unused-password-1"
    )
    Membership.objects.create(user=user, organisation=marketplace, role=Role.MARKETPLACE_ADMIN)
    return user


@pytest.fixture
def make_key(marketplace: Organisation, marketplace_admin: User) -> Callable[..., str]:
    def make(scopes: tuple[str, ...] = (ApiScope.LABELS_READ,), name: str = "shop") -> str:
        _api_key, key = api_key_create(
            actor=marketplace_admin, organisation=marketplace, name=name, scopes=list(scopes)
        )
        return key

    return make


@pytest.fixture
def key_client(make_key) -> Callable[[str | None], APIClient]:
    def client(key: str | None = None) -> APIClient:
        api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if key is not None:
            api.credentials(HTTP_X_API_KEY=key)
        return api

    return client


@pytest.fixture
def other_product(world: World) -> Product:
    return ProductFactory(enterprise=world.enterprise, category=world.category)


# A stored label answer is read in this many queries: the answer with the log's head, and the
# upper nodes of the inclusion proofs (the lower ones are stored with it: labels/stored.py).
STORED_READ = 2


def rendered(*labels) -> None:
    """The labels' answers rendered and stored, as the task after their commit does, once the
    log has grown past them (by 300 entries: not to a power of two), so that their proofs have
    an upper part to read, as in a log that keeps growing."""
    log_append_many([("audits:chain:head", {"n": n}, "") for n in range(300)])
    assert answers.answers_render([label.pk for label in labels]) == len(labels)
