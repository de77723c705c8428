"""POST {base}/{2,3}/events: CloudEvents in structured JSON. Published, Fulfilled and Rejected
events are recorded; a RequestCreated event is answered later by the task pact_request_answer,
which POSTs RequestFulfilled or RequestRejected to the partner's events endpoint (here a local
HTTP server), retrying with exponential backoff (CONTRACTS §7)."""

import json
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.utils import timezone

from labels.models import Label
from pact import answers
from pact.delivery import DeliveryFailed
from pact.events import EVENT_TYPES
from pact.identifiers import footprint_id
from pact.models import DeliveryStatus, EventKind, InboundEvent, OutboundEvent, PartnerClient
from pact.tasks import pact_request_answer
from tests.pact import openapi
from tests.pact.conftest import Pact, Partner, Receiver, cloud_event

SPECS = [2, 3]


def accepted(pact: Pact, spec: int, event) -> None:
    response = pact.post_event(spec, event)
    assert response.status_code == 200, response.content
    assert response.content == b""
    openapi.assert_response(spec, f"/{spec}/events", "post", response)


def refused(pact: Pact, spec: int, event, code: str) -> dict:
    response = pact.post_event(spec, event)
    assert response.status_code == 400, response.content
    body = openapi.assert_response(spec, f"/{spec}/events", "post", response)
    assert body["code"] == code
    return body


def request_for(
    spec: int, label: Label | None = None, *, gtin: str | None = None, **fields
) -> dict:
    if gtin is None:
        assert label is not None
        gtin = label.gtin
    data = (
        {"pf": {"productIds": [f"urn:gtin:{gtin}"]}, "comment": "Please send the PCF."}
        if spec == 2
        else {"productId": [f"urn:gtin:{gtin}"], "comment": "Please send."}
    )
    return cloud_event(spec, EventKind.REQUEST_CREATED, data, **fields)


# --- events that are recorded -------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize(
    "kind", [EventKind.PUBLISHED, EventKind.REQUEST_FULFILLED, EventKind.REQUEST_REJECTED]
)
def test_notifications_are_accepted_with_an_empty_200_and_recorded_once(
    signed_in: Pact,
    partner: Partner,
    spec: int,
    kind: str,
) -> None:
    data: Any = {
        EventKind.PUBLISHED: {"pfIds": ["079e425a-464f-528d-341d-4a944a1dfd70"]},
        EventKind.REQUEST_FULFILLED: {"requestEventId": "r-1", "pfs": []},
        EventKind.REQUEST_REJECTED: {
            "requestEventId": "r-1",
            "error": {"code": "NotFound", "message": "None."},
        },
    }[EventKind(kind)]
    event = cloud_event(spec, kind, data, id="event-1")

    accepted(signed_in, spec, event)
    accepted(signed_in, spec, event)

    recorded = InboundEvent.objects.get()
    assert (recorded.client, recorded.spec, recorded.kind, recorded.event_id) == (
        partner.client,
        spec,
        kind,
        "event-1",
    )
    assert recorded.body == event
    assert OutboundEvent.objects.count() == 0


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize(
    "data",
    [
        {"pfIds": ["urn:gtin:4712345060507"]},
        {"pfIds": ["079e425a-464f-528d-341d-4a944a1dfd70", "urn:gtin:4712345060507"]},
        {"pfIds": ["urn:uuid:079e425a-464f-528d-341d-4a944a1dfd70"]},
        {"pfIds": ["079e425a464f528d341d4a944a1dfd70"]},
        {"pfIds": [42]},
        {"pfIds": "079e425a-464f-528d-341d-4a944a1dfd70"},
        {},
    ],
    ids=["URN", "a URN among ids", "urn:uuid", "no hyphens", "number", "not a list", "none"],
)
def test_a_published_event_whose_pf_ids_are_not_footprint_ids_is_bad_request(
    signed_in: Pact, spec: int, data: dict
) -> None:
    body = refused(signed_in, spec, cloud_event(spec, EventKind.PUBLISHED, data), "BadRequest")

    assert "pfIds" in body["message"]
    assert InboundEvent.objects.count() == 0


@pytest.mark.parametrize("spec", SPECS)
def test_an_event_type_of_the_other_version_is_not_implemented(signed_in: Pact, spec: int) -> None:
    other = 3 if spec == 2 else 2
    event = cloud_event(other, EventKind.PUBLISHED, {"pfIds": []})

    body = refused(signed_in, spec, event, "NotImplemented")

    assert event["type"] in body["message"]
    assert InboundEvent.objects.count() == 0


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize(
    "broken",
    [
        "not json",
        "array",
        "no id",
        "no source",
        "no time",
        "bad time",
        "specversion 0.3",
        "no data",
        "NaN",
        "Infinity",
        "lone surrogate",
        "NUL",
        "NUL in a key of the event",
        "a number past a double",
    ],
)
def test_a_malformed_event_is_bad_request_and_not_recorded(
    signed_in: Pact, spec: int, broken: str
) -> None:
    event: Any = cloud_event(spec, EventKind.PUBLISHED, {"pfIds": []})
    if broken == "not json":
        event = b"{not json"
    elif broken == "array":
        event = [event]
    elif broken == "no id":
        del event["id"]
    elif broken == "no source":
        event["source"] = ""
    elif broken == "no time":
        del event["time"]
    elif broken == "bad time":
        event["time"] = "yesterday"
    elif broken == "specversion 0.3":
        event["specversion"] = "0.3"
    elif broken in ("NaN", "Infinity"):  # not JSON, though Python's json writes it
        event["data"]["score"] = float(broken.lower())
    elif broken == "lone surrogate":
        event["id"] = "e\ud800"
    elif broken == "NUL":
        event["data"]["comment"] = "a\x00b"
    elif broken == "NUL in a key of the event":
        event["extension\x00"] = "x"  # the whole event is stored
    elif broken == "a number past a double":
        event["data"]["score"] = "@BIG@"
        event = json.dumps(event).replace('"@BIG@"', "1e400").encode()
    else:
        del event["data"]

    refused(signed_in, spec, event, "BadRequest")

    assert InboundEvent.objects.count() == 0


@pytest.mark.parametrize("spec", SPECS)
def test_events_need_a_valid_token(pact: Pact, partner: Partner, spec: int) -> None:
    response = pact.post_event(
        spec, cloud_event(spec, EventKind.PUBLISHED, {"pfIds": []}), token="invalid-access-token"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "BadRequest"
    assert InboundEvent.objects.count() == 0


# --- footprint requests -------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS)
def test_a_request_is_answered_later_with_the_matching_footprints(
    signed_in: Pact,
    answering_partner: Partner,
    receiver: Receiver,
    label: Label,
    spec: int,
    django_capture_on_commit_callbacks,
) -> None:
    request = request_for(spec, label)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        accepted(signed_in, spec, request)
    assert receiver.requests == []  # nothing is sent before the request is committed
    assert len(callbacks) == 1
    callbacks[0]()

    [received] = receiver.requests
    assert received.headers["Content-Type"] == "application/cloudevents+json; charset=UTF-8"
    assert received.headers["Authorization"] == "Bearer token-the-partner-issued-to-us"
    answer = received.body
    openapi.assert_valid(spec, "RequestFulfilledEvent", answer)
    assert answer["type"] == EVENT_TYPES[spec][EventKind.REQUEST_FULFILLED]
    assert answer["specversion"] == "1.0"
    assert answer["source"] == f"https://pact.example.cn/pact/{spec}/events"
    assert answer["data"]["requestEventId"] == request["id"]
    [footprint] = answer["data"]["pfs"]
    openapi.assert_valid(spec, "ProductFootprint", footprint)
    assert footprint["id"] == str(footprint_id(label.serial))
    assert footprint == signed_in.footprint(spec, footprint["id"]).json()["data"]
    outbound = OutboundEvent.objects.get()
    assert (outbound.status, outbound.attempts, outbound.kind, outbound.last_status_code) == (
        DeliveryStatus.DELIVERED,
        1,
        EventKind.REQUEST_FULFILLED,
        200,
    )
    assert outbound.body == answer


@pytest.mark.parametrize("spec", SPECS)
def test_a_request_for_an_unknown_product_is_rejected(
    signed_in: Pact,
    answering_partner: Partner,
    receiver: Receiver,
    label: Label,
    spec: int,
    django_capture_on_commit_callbacks,
) -> None:
    request = request_for(spec, gtin="06901234567892")

    with django_capture_on_commit_callbacks(execute=True):
        accepted(signed_in, spec, request)

    [received] = receiver.requests
    answer = received.body
    openapi.assert_valid(spec, "RequestRejectedEvent", answer)
    assert answer["type"] == EVENT_TYPES[spec][EventKind.REQUEST_REJECTED]
    assert answer["data"] == {
        "requestEventId": request["id"],
        "error": {"code": "NotFound", "message": "No certified footprint matches the request."},
    }
    openapi.assert_valid(spec, "Error", answer["data"]["error"])
    assert OutboundEvent.objects.get().kind == EventKind.REQUEST_REJECTED


def test_a_v3_request_with_an_unknown_status_is_accepted_and_rejected_later(
    signed_in: Pact,
    answering_partner: Partner,
    receiver: Receiver,
    label: Label,
    django_capture_on_commit_callbacks,
) -> None:
    """An unknown status matches nothing, as in ListFootprints: the request is answered with
    RequestRejected NotFound, not refused."""
    request = cloud_event(3, EventKind.REQUEST_CREATED, {"status": "Gone"})

    with django_capture_on_commit_callbacks(execute=True):
        accepted(signed_in, 3, request)

    [received] = receiver.requests
    assert received.body["type"] == EVENT_TYPES[3][EventKind.REQUEST_REJECTED]
    assert received.body["data"]["error"]["code"] == "NotFound"


def test_a_v3_request_takes_every_v3_filter(
    signed_in: Pact,
    answering_partner: Partner,
    receiver: Receiver,
    issue_label,
    new_product,
    world,
    django_capture_on_commit_callbacks,
) -> None:
    wanted = issue_label(product=new_product(), geography="CN-JS")
    issue_label(product=new_product())
    data = {
        "companyId": [f"urn:uscc:{world.enterprise.uscc}"],
        "geography": ["CN-JS"],
        "classification": ["urn:carbonlabel:category:LIB"],
        "status": "Active",
        "validOn": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
    }

    with django_capture_on_commit_callbacks(execute=True):
        accepted(signed_in, 3, cloud_event(3, EventKind.REQUEST_CREATED, data))

    pfs = receiver.requests[0].body["data"]["pfs"]
    assert [footprint["id"] for footprint in pfs] == [str(footprint_id(wanted.serial))]


def test_a_repeated_request_is_answered_once(
    signed_in: Pact,
    answering_partner: Partner,
    receiver: Receiver,
    label: Label,
    django_capture_on_commit_callbacks,
) -> None:
    request = request_for(3, label)

    with django_capture_on_commit_callbacks(execute=True):
        accepted(signed_in, 3, request)
        accepted(signed_in, 3, request)

    assert len(receiver.requests) == 1
    assert OutboundEvent.objects.count() == 1


def test_a_request_the_host_cannot_answer_is_refused_at_once(
    signed_in: Pact,
    partner: Partner,
    label: Label,
    django_capture_on_commit_callbacks,
) -> None:
    """No events endpoint is registered for this partner: the spec wants a 4xx now rather than
    an acceptance never followed by an answer."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        body = refused(signed_in, 3, request_for(3, label), "BadRequest")

    assert "No events endpoint" in body["message"]
    assert callbacks == []
    assert InboundEvent.objects.count() == OutboundEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("spec", "data"),
    [
        (2, {"pf": {}}),
        (2, {"comment": "no fragment"}),
        (3, {"comment": "anything"}),
        (3, {"productId": 42}),
    ],
)
def test_a_request_that_names_nothing_usable_is_bad_request(
    signed_in: Pact,
    answering_partner: Partner,
    spec: int,
    data: dict,
) -> None:
    refused(signed_in, spec, cloud_event(spec, EventKind.REQUEST_CREATED, data), "BadRequest")

    assert InboundEvent.objects.count() == 0


# --- delivery and retries -----------------------------------------------------------------


@pytest.fixture
def eager_retries():
    """Tasks are eager in tests, and eager Celery runs a retry at once instead of after the
    backoff, but only when eager errors do not propagate (the settings make them propagate, so
    that a failing task fails its test)."""
    from config.celery import app

    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = previous


def test_an_answer_the_partner_refused_with_500_is_retried_with_the_same_event(
    signed_in: Pact,
    answering_partner: Partner,
    receiver: Receiver,
    label: Label,
    django_capture_on_commit_callbacks,
    eager_retries,
) -> None:
    receiver.statuses = [500]

    with django_capture_on_commit_callbacks(execute=True):
        accepted(signed_in, 3, request_for(3, label))

    first, second = receiver.requests
    assert first.body == second.body
    outbound = OutboundEvent.objects.get()
    assert (outbound.status, outbound.attempts, outbound.last_status_code) == (
        DeliveryStatus.DELIVERED,
        2,
        200,
    )


def test_a_failed_attempt_schedules_a_retry_with_backoff(
    signed_in: Pact,
    answering_partner: Partner,
    receiver: Receiver,
    label: Label,
    django_capture_on_commit_callbacks,
) -> None:
    """Run as a worker would (not eagerly): the failure raises Retry and sends the retry to the
    broker with an exponential-backoff countdown."""
    receiver.statuses = [503]
    with django_capture_on_commit_callbacks(execute=False):
        accepted(signed_in, 3, request_for(3, label))
    outbound = OutboundEvent.objects.get()

    pact_request_answer.push_request(id="task-1", retries=0, is_eager=False, called_directly=False)
    try:
        with (
            mock.patch.object(pact_request_answer, "apply_async") as scheduled,
            pytest.raises(Retry),
        ):
            pact_request_answer.run(outbound.pk)
    finally:
        pact_request_answer.pop_request()

    scheduled.assert_called_once()
    options = scheduled.call_args.kwargs
    assert 0 <= options["countdown"] <= 30  # first retry: up to 30 s, with full jitter
    assert options["retries"] == 1
    outbound.refresh_from_db()
    assert (outbound.status, outbound.attempts, outbound.last_status_code) == (
        DeliveryStatus.PENDING,
        1,
        503,
    )
    assert "503" in outbound.last_error

    # The scheduled retry, when the worker runs it, delivers the same answer.
    assert answers.request_answer_deliver(outbound_event_id=outbound.pk) == "delivered"
    assert receiver.requests[0].body == receiver.requests[1].body


def test_delivery_stops_after_the_72_hour_window(
    signed_in: Pact,
    answering_partner: Partner,
    receiver: Receiver,
    label: Label,
    django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        accepted(signed_in, 3, request_for(3, label))
    OutboundEvent.objects.update(created_at=timezone.now() - timedelta(hours=73))
    outbound = OutboundEvent.objects.get()

    assert answers.request_answer_deliver(outbound_event_id=outbound.pk) == "abandoned"
    assert receiver.requests == []
    assert OutboundEvent.objects.get().status == DeliveryStatus.ABANDONED


def test_a_client_deactivated_since_its_request_gets_no_answer(
    signed_in: Pact,
    answering_partner: Partner,
    receiver: Receiver,
    label: Label,
    django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        accepted(signed_in, 3, request_for(3, label))
    PartnerClient.objects.filter(pk=answering_partner.client.pk).update(is_active=False)

    pact_request_answer.delay(OutboundEvent.objects.get().pk)

    assert receiver.requests == []
    assert OutboundEvent.objects.get().status == DeliveryStatus.ABANDONED


def test_a_delivered_answer_is_not_sent_again(
    signed_in: Pact,
    answering_partner: Partner,
    receiver: Receiver,
    label: Label,
    django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        accepted(signed_in, 3, request_for(3, label))
    outbound = OutboundEvent.objects.get()

    assert answers.request_answer_deliver(outbound_event_id=outbound.pk) == "delivered"
    assert len(receiver.requests) == 1


def test_plain_http_to_a_remote_partner_is_refused(
    signed_in: Pact,
    answering_partner: Partner,
    label: Label,
    django_capture_on_commit_callbacks,
) -> None:
    """The request carries the partner's bearer token; only the machine itself may be reached
    over plain http."""
    PartnerClient.objects.filter(pk=answering_partner.client.pk).update(
        outbound_events_url="http://partner.example/3/events"
    )
    with django_capture_on_commit_callbacks(execute=False):
        accepted(signed_in, 3, request_for(3, label))
    outbound = OutboundEvent.objects.get()

    with pytest.raises(DeliveryFailed, match="must use https"):
        answers.request_answer_deliver(outbound_event_id=outbound.pk)
    outbound.refresh_from_db()
    assert (outbound.attempts, outbound.last_status_code) == (1, None)
