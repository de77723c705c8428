"""Fixtures for oversight: certificates of several bodies and categories, issued labels, and
blacklist entries made through the service."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from accounts.models import Organisation
from accounts.roles import Role
from certification.models import Certificate, CertificateStatus, Status
from labels.models import Label, StatusList
from labels.vc.statuslist import Bitstring
from labels.webhooks.services import webhook_endpoint_create
from tests.audits.conftest import (  # noqa: F401 (fixtures)
    NOTICE,
    _oversight_settings,
    list_subject,
)
from tests.conftest import World
from tests.factories import (
    COMPLETE_DOSSIER,
    ApplicationFactory,
    CertificationBodyFactory,
    DossierVersionFactory,
    EnterpriseFactory,
    MarketplaceFactory,
    ProductCategoryFactory,
    ProductFactory,
    member_of,
)


@pytest.fixture
def certificate_of(world: World) -> Callable[..., Certificate]:
    """`certificate_of(body, category=None, status="valid")`: a certificate written directly
    (no label), of a new enterprise's product."""

    def create(
        body: Organisation,
        category=None,
        status: str = CertificateStatus.VALID,
        enterprise: Organisation | None = None,
    ) -> Certificate:
        product = ProductFactory(
            enterprise=enterprise or EnterpriseFactory(), category=category or world.category
        )
        application = ApplicationFactory(
            product=product,
            certification_body=body,
            status=Status.APPROVED,
            created_by=world.enterprise_admin,
        )
        version = DossierVersionFactory(
            application=application, number=1, complete=True, frozen_at=timezone.now()
        )
        sequence = Certificate.objects.filter(certification_body=body).count() + 1
        assert body.code is not None
        today = timezone.localdate()
        return Certificate.objects.create(
            application=application,
            number=f"CFP-{body.code.upper()}-2026-{sequence:05d}",
            sequence=sequence,
            certification_body=body,
            enterprise=application.enterprise,
            product=product,
            dossier_version=version,
            scheme=application.scheme,
            declared_total=COMPLETE_DOSSIER["declared_total"],
            issued_on=today,
            valid_until=today + timedelta(days=django_settings.CERTIFICATE_VALIDITY_DAYS),
            status=status,
        )

    return create


@pytest.fixture
def third_body(world: World) -> Organisation:
    """Body Z: accredited for the World's category, with a reviewer of its own."""
    body = CertificationBodyFactory(name="Shenzhen Third Certification", code="stc")
    body.accredited_categories.add(world.category)
    member_of(body, Role.REVIEWER, username="third_reviewer")
    member_of(body, Role.BODY_ADMIN, username="third_admin")
    return body


@pytest.fixture
def other_category():
    return ProductCategoryFactory(code="CAT-STEEL")


def bits(label: Label) -> dict[str, bool]:
    label = Label.objects.get(pk=label.pk)
    return {
        "revocation": Bitstring.from_bytes(
            bytes(StatusList.objects.get(pk=label.revocation_list_id).bits)
        ).get(label.revocation_index),
        "suspension": Bitstring.from_bytes(
            bytes(StatusList.objects.get(pk=label.suspension_list_id).bits)
        ).get(label.suspension_index),
    }


@pytest.fixture
def endpoint(db):
    marketplace = MarketplaceFactory(name="GreenMall")
    admin = member_of(marketplace, Role.MARKETPLACE_ADMIN, username="mall_admin")
    endpoint, _ = webhook_endpoint_create(
        actor=admin,
        marketplace=marketplace,
        url="http://127.0.0.1:9/hook",
        event_types=["suspended", "revoked"],
    )
    return endpoint
