"""List pages and endpoints cost the same number of queries for 5 rows as for 50."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from accounts.roles import Role
from audits.models import BlacklistEntry, Finding, Severity
from certification.models import ApplicationEvent, Notification, Status
from tests.factories import (
    ApplicationFactory,
    DossierVersionFactory,
    EnterpriseFactory,
    ProductFactory,
    member_of,
)


def portal_url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def add_applications(world, count: int, status: str = Status.DRAFT) -> None:
    for _ in range(count):
        product = ProductFactory(enterprise=world.enterprise, category=world.category)
        ApplicationFactory(
            product=product,
            certification_body=world.body,
            status=status,
            created_by=world.enterprise_admin,
        )


def add_products(world, count: int) -> None:
    ProductFactory.create_batch(count, enterprise=world.enterprise, category=world.category)


class Rows:
    """Adds rows of one kind to a single application of enterprise A."""

    def __init__(self, world) -> None:
        self.world = world
        self.application = ApplicationFactory(
            product=world.product,
            certification_body=world.body,
            status=Status.IN_EVALUATION,
            created_by=world.enterprise_admin,
        )
        self.version = DossierVersionFactory(application=self.application, complete=True)
        self.count = 0
        self.people = [
            world.reviewer,
            world.second_reviewer,
            world.enterprise_member,
            world.body_admin,
        ]

    def findings(self, count: int) -> None:
        Finding.objects.bulk_create(
            [
                Finding(
                    application=self.application,
                    dossier_version=self.version,
                    number=self.count + i + 1,
                    severity=Severity.MINOR,
                    description=f"Finding {self.count + i + 1}",
                    raised_by=self.world.reviewer,
                )
                for i in range(count)
            ]
        )
        self.count += count

    def events(self, count: int) -> None:
        ApplicationEvent.objects.bulk_create(
            [
                ApplicationEvent(
                    application=self.application,
                    actor=self.people[(self.count + i) % len(self.people)],
                    action="start_evaluation",
                    from_status=Status.PLANNED,
                    to_status=Status.IN_EVALUATION,
                )
                for i in range(count)
            ]
        )
        self.count += count

    def notifications(self, count: int) -> None:
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient=self.world.enterprise_admin,
                    application=self.application,
                    subject=f"Notice {self.count + i}",
                    body="Body",
                    url="/portal/",
                )
                for i in range(count)
            ]
        )
        self.count += count

    def blacklist(self, count: int) -> None:
        entries = []
        for i in range(count):
            subject: dict[str, Any]
            if i % 2:
                subject = {"organisation": EnterpriseFactory()}
            else:
                subject = {"person": member_of(self.world.other_enterprise, Role.ENTERPRISE_MEMBER)}
            entries.append(
                BlacklistEntry(
                    **subject,
                    reason="Fraud",
                    source_document=f"Notice {self.count + i}",
                    effective_from=date(2025, 1, 1) + timedelta(days=i),
                    created_by=self.world.regulator,
                )
            )
        BlacklistEntry.objects.bulk_create(entries)
        self.count += count


def measure(client, url: str) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def api_results(response) -> int:
    return len(response.json()["results"])


API_LISTS = ["applications", "products", "findings", "events", "notifications", "blacklist"]


@pytest.mark.parametrize("kind", API_LISTS)
def test_api_list_queries_do_not_grow_with_rows(kind, world, api_as) -> None:
    rows = Rows(world)
    viewer = world.enterprise_admin
    url = {
        "applications": reverse("api-applications"),
        "products": reverse("api-products"),
        "findings": reverse("api-findings", args=[rows.application.pk]),
        "events": reverse("api-events", args=[rows.application.pk]),
        "notifications": reverse("api-notifications"),
        "blacklist": reverse("api-blacklist"),
    }[kind]
    add = {
        "applications": lambda n: add_applications(world, n),
        "products": lambda n: add_products(world, n),
        "findings": rows.findings,
        "events": rows.events,
        "notifications": rows.notifications,
        "blacklist": rows.blacklist,
    }[kind]
    # The rows that exist before any are added: the fixture's product, the one application.
    baseline = {"applications": 1, "products": 1}.get(kind, 0)
    client = api_as(viewer)

    add(5 - baseline)
    client.get(url)
    few, response = measure(client, url)
    assert api_results(response) == 5
    add(45)
    many, response = measure(client, url)
    assert api_results(response) == 50

    assert many == few


PORTAL_PAGES = [
    ("certification:application_list", "enterprise_admin", Status.DRAFT),
    ("certification:queue", "body_admin", Status.SUBMITTED),
    ("dashboards:tasks", "body_admin", Status.SUBMITTED),
]


@pytest.mark.parametrize(("name", "persona", "status"), PORTAL_PAGES)
def test_portal_list_queries_do_not_grow_with_rows(name, persona, status, world, api_as) -> None:
    url = portal_url(name)
    if url is None:
        pytest.skip(f"the portal page {name} is not routed yet")
    client = api_as(world.persona(persona))

    add_applications(world, 5, status)
    client.get(url)
    few, response = measure(client, url)
    assert response.context["page"].paginator.count == 5
    add_applications(world, 45, status)
    many, response = measure(client, url)
    assert response.context["page"].paginator.count == 50

    assert many == few
