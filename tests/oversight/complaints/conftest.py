"""Fixtures for complaints and appeals: a certified label whose certification has a recorded
technical review and approval (so that "involved" people exist), complaints at any status,
and a marketplace webhook endpoint to see the outbox."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from certification.models import ApplicationEvent, Status
from certification.workflow import Action
from labels.models import Label
from labels.webhooks.models import EventType, WebhookDelivery, WebhookEndpoint
from labels.webhooks.services import webhook_endpoint_create
from oversight.complaints import services as complaint_services
from oversight.complaints.models import Complaint, ComplaintStatus
from tests.conftest import World
from tests.factories import MarketplaceFactory, member_of

# The label fixtures have one home, tests/labels/conftest.py (issue_label and label:
# tests/conftest.py); imported here, not copied.
from tests.labels.conftest import (  # noqa: F401
    _label_settings,
    anon,
    client_as,
    other_body_admin,
)


@pytest.fixture(autouse=True)
def _oversight_settings() -> None:
    """Overrides tests/oversight' fixture of that name: these tests run with the label fixtures'
    own settings, the certificate PDF rendered as in production."""


def record_certification_steps(world: World, issued: Label) -> None:
    """The steps of the label's certification that involve people: the team evaluated, the
    technical reviewer passed it, the decision maker approved."""
    application = issued.certificate.application
    steps = [
        (world.reviewer, Action.COMPLETE_EVALUATION, Status.IN_EVALUATION, Status.TECHNICAL_REVIEW),
        (
            world.technical_reviewer,
            Action.PASS_TECHNICAL_REVIEW,
            Status.TECHNICAL_REVIEW,
            Status.PEER_REVIEW,
        ),
        (world.decision_maker, Action.APPROVE, Status.DECISION, Status.APPROVED),
    ]
    ApplicationEvent.objects.bulk_create(
        [
            ApplicationEvent(
                application=application,
                actor=actor,
                action=action,
                from_status=from_status,
                to_status=to_status,
                comment="Recorded.",
            )
            for actor, action, from_status, to_status in steps
        ]
    )


@pytest.fixture
def certified(world: World, label: Label) -> Label:
    record_certification_steps(world, label)
    return label


@pytest.fixture
def second_decision_maker(world: World) -> User:
    """A decision maker of body X who took no part in the World's certifications."""
    return member_of(world.body, Role.DECISION_MAKER, username="decision_maker2")


@pytest.fixture
def submit(certified: Label) -> Callable[..., Complaint]:
    """`submit(**fields)`: an anonymous complaint about the certified label."""

    def create(**fields) -> Complaint:
        values = {
            "actor": None,
            "label_serial": certified.serial,
            "category": "false_value",
            "description": "The footprint on the pack is half the maker's own figure.",
            "contact": "shopper@example.cn",
            "language": "en",
            **fields,
        }
        return complaint_services.complaint_submit(**values).complaint

    return create


# How to bring a complaint to each status: (step, who) in order, after assigning body_admin.
PATH: dict[str, list[str]] = {
    ComplaintStatus.RECEIVED: [],
    ComplaintStatus.ACKNOWLEDGED: ["acknowledge"],
    ComplaintStatus.INVESTIGATING: ["acknowledge", "investigate"],
    ComplaintStatus.DECIDED: ["acknowledge", "investigate", "decide"],
    ComplaintStatus.CLOSED: ["acknowledge", "investigate", "decide", "close"],
}


@pytest.fixture
def complaint_at(world: World, submit) -> Callable[..., Complaint]:
    """`complaint_at(status)`: a complaint handled by body_admin (uninvolved), brought to
    `status` through the services (decided as unfounded)."""

    def build(status: str, *, handler: User | None = None) -> Complaint:
        complaint = submit()
        handler = handler or world.body_admin
        complaint_services.complaint_assign(
            actor=world.body_admin, complaint_id=complaint.pk, handler=handler
        )
        for step in PATH[status]:
            complaint_services.complaint_transition(
                actor=handler,
                complaint_id=complaint.pk,
                step=step,
                comment="Checked the invoices." if step == "decide" else "",
                outcome="unfounded" if step == "decide" else "",
            )
        return Complaint.objects.get(pk=complaint.pk)

    return build


@pytest.fixture
def webhook_endpoint(settings, world: World) -> WebhookEndpoint:
    """A marketplace subscribed to every label event, for every GTIN."""
    settings.WEBHOOK_ALLOW_HTTP = True
    marketplace = MarketplaceFactory(name="GreenMall")
    admin = member_of(marketplace, Role.MARKETPLACE_ADMIN, username="mall_admin")
    endpoint, _secret = webhook_endpoint_create(
        actor=admin,
        marketplace=marketplace,
        url="http://127.0.0.1:9/hook",
        event_types=tuple(EventType.values),
    )
    return endpoint


def outbox(endpoint: WebhookEndpoint) -> list[tuple[str, str]]:
    """(event type, label status in the payload) of every delivery owed to the endpoint."""
    return [
        (d.event_type, d.payload["data"]["status"])
        for d in WebhookDelivery.objects.filter(endpoint=endpoint).order_by("pk")
    ]


def api_status(client, issued: Label) -> str:
    response = client.get(f"/api/v1/labels/{issued.serial}/")
    assert response.status_code == 200
    return response.json()["status"]


def days_ago(days: int):
    return timezone.now() - timedelta(days=days)
