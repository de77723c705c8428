"""Certificates after issuance, on a frozen clock: a certificate approved through the real
procedure, a marketplace webhook endpoint, and one function that reads everything the world
sees of a label (status list bits, public page, label API, webhook outbox, certificate PDF)."""

import subprocess
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from accounts.roles import Role
from certification.models import Certificate, Status
from certification.services import application_transition
from labels.models import CertificateDocument, Label
from labels.webhooks.models import EventType, WebhookDelivery
from labels.webhooks.services import webhook_endpoint_create
from oversight.models import Surveillance
from tests.conftest import World, build_application
from tests.factories import MarketplaceFactory, member_of
from tests.labels.conftest import served_bits, stored_bits, text_by_testid

SHANGHAI = ZoneInfo("Asia/Shanghai")
ISSUED_ON = date(2026, 1, 10)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _oversight_settings() -> None:
    """Overrides tests/oversight' fixture of that name: here the certificate PDF is rendered after
    every change, as in production, since what it says is part of every rule's effect."""


@pytest.fixture(autouse=True)
def _supervision_settings(settings) -> None:
    settings.TIME_ZONE = "Asia/Shanghai"
    settings.LABEL_PUBLIC_HOST = "labels.example.cn"
    settings.LABEL_PUBLIC_SCHEME = "https"
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.SURVEILLANCE_INTERVAL_MONTHS = 12
    settings.SURVEILLANCE_GRACE_DAYS = 30
    settings.SUSPENSION_DECISION_DAYS = 5
    settings.SUSPENSION_MAX_DAYS = 180
    settings.RENEWAL_WINDOW_DAYS = 90
    settings.SURVEILLANCE_FINDING_DAYS = 30
    settings.SUPERVISION_NOTICE_DAYS = (30, 7)
    settings.CERTIFICATE_VALIDITY_DAYS = 730


@pytest.fixture
def clock() -> Iterator:
    """Frozen on the issue day; `clock.move_to(at(day))` moves it."""
    with time_machine.travel(at(ISSUED_ON), tick=False) as traveller:
        yield traveller


@pytest.fixture
def endpoint(db):
    """A marketplace endpoint subscribed to every label event of every product."""
    marketplace = MarketplaceFactory()
    admin = member_of(marketplace, Role.MARKETPLACE_ADMIN)
    registered, _secret = webhook_endpoint_create(
        actor=admin,
        marketplace=marketplace,
        url="http://127.0.0.1:9/hook",
        event_types=tuple(EventType.values),
        gtins=(),
    )
    return registered


@pytest.fixture
def certify(
    world: World, clock, django_capture_on_commit_callbacks, endpoint
) -> Callable[..., Certificate]:
    """`certify()`: an application decided and approved through the status writer today; the
    label is issued and its PDF rendered by the tasks its commit queues."""

    def approve(product=None) -> Certificate:
        application = build_application(world, Status.DECISION, product=product)
        with django_capture_on_commit_callbacks(execute=True):
            application_transition(
                actor=world.decision_maker,
                application_id=application.pk,
                action="approve",
                comment="Conforms to GB/T 24067.",
            )
        return Certificate.objects.get(application=application)

    return approve


@pytest.fixture
def certificate(certify) -> Certificate:
    return certify()


def label_of(certificate: Certificate) -> Label:
    label = Label.objects.filter(certificate=certificate).order_by("-certificate_version").first()
    assert label is not None
    return label


def first_surveillance(certificate: Certificate) -> Surveillance:
    surveillance = certificate.surveillances.order_by("number").first()
    assert surveillance is not None
    return surveillance


def pdf_text(label: Label) -> str:
    document = CertificateDocument.objects.get(label=label)
    path = Path(document.file.path)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def observe(label: Label) -> dict[str, Any]:
    """What the world sees of `label` now."""
    label = Label.objects.get(pk=label.pk)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(f"/labels/{label.serial}/?lang=en")
    api = client.get(f"/api/v1/labels/{label.serial}/")
    assert page.status_code == 200 and api.status_code == 200
    body = api.json()
    served = served_bits(client, label)
    assert served == stored_bits(label)
    pdf = client.get(f"/labels/{label.serial}/certificate.pdf")
    assert pdf.status_code == 200
    return {
        "bits": served,
        "page": text_by_testid(page, "label-status"),
        "page_history": text_by_testid(page, "status-history"),
        "page_next": text_by_testid(page, "next-surveillance"),
        "page_last": text_by_testid(page, "last-surveillance"),
        "api_status": body["status"],
        "api_reason": body["statusHistory"][-1]["reason"],
        "api_next": body["surveillance"]["nextDue"],
        "api_last": body["surveillance"]["last"],
        "api_superseded_by": body["supersededBy"],
        "webhooks": list(
            WebhookDelivery.objects.filter(label=label)
            .order_by("pk")
            .values_list("event_type", flat=True)
        ),
        "pdf": pdf_text(label),
    }


# The footprint layer's fixtures: the loaded factor library and inventories written as a frozen
# version holds them.
from tests.footprint.conftest import factor_library, write_lines  # noqa: E402,F401
