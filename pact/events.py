"""PACT events as CloudEvents 1.0 in structured JSON mode: the type names of each version, the
checks an incoming event passes, and the answers we send to a footprint request."""

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from .errors import BadRequest, NotImplementedByHost
from .filters import Criteria, criteria_from_event_data, criteria_from_fragment, parse_instant
from .models import EventKind

SPECVERSION = "1.0"

# As the OpenAPI files name them (`const` of each event schema).
EVENT_TYPES: dict[int, dict[str, str]] = {
    2: {
        EventKind.PUBLISHED: "org.wbcsd.pathfinder.ProductFootprint.Published.v1",
        EventKind.REQUEST_CREATED: "org.wbcsd.pathfinder.ProductFootprintRequest.Created.v1",
        EventKind.REQUEST_FULFILLED: "org.wbcsd.pathfinder.ProductFootprintRequest.Fulfilled.v1",
        EventKind.REQUEST_REJECTED: "org.wbcsd.pathfinder.ProductFootprintRequest.Rejected.v1",
    },
    3: {
        EventKind.PUBLISHED: "org.wbcsd.pact.ProductFootprint.PublishedEvent.3",
        EventKind.REQUEST_CREATED: "org.wbcsd.pact.ProductFootprint.RequestCreatedEvent.3",
        EventKind.REQUEST_FULFILLED: "org.wbcsd.pact.ProductFootprint.RequestFulfilledEvent.3",
        EventKind.REQUEST_REJECTED: "org.wbcsd.pact.ProductFootprint.RequestRejectedEvent.3",
    },
}
# RFC 9562 text form, as JSON Schema's `uuid` format has it: no braces, no `urn:uuid:`.
UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
KIND_OF_TYPE = {
    spec: {name: kind for kind, name in types.items()} for spec, types in EVENT_TYPES.items()
}


def event_kind(spec: int, event: Any) -> str:
    """The kind of a valid incoming event; BadRequest for a malformed envelope, NotImplemented
    for a type this version does not define."""
    if not isinstance(event, dict):
        raise BadRequest("The body must be a CloudEvent: a JSON object.")
    if event.get("specversion") != SPECVERSION:
        raise BadRequest('specversion must be "1.0".')
    for name in ("id", "source", "type"):
        if not isinstance(event.get(name), str) or not event[name].strip():
            raise BadRequest(f"The event needs a non-empty string {name}.")
    if len(event["id"]) > 300 or len(event["source"]) > 500:
        raise BadRequest("The event id or source is too long.")
    parse_instant(event.get("time"), "time")
    kind = KIND_OF_TYPE[spec].get(event["type"])
    if kind is None:
        raise NotImplementedByHost(
            f"Events of type {event['type']!r} are not implemented under /{spec}/events."
        )
    if not isinstance(event.get("data"), dict):
        raise BadRequest("The event needs a data object.")
    if kind == EventKind.PUBLISHED:
        _check_footprint_ids(event["data"].get("pfIds"))
    return kind


def _check_footprint_ids(pf_ids: Any) -> None:
    """A PublishedEvent names footprints by their ids, which are UUIDs in both versions; a
    product URN or anything else in their place is a malformed event."""
    if not isinstance(pf_ids, list) or not all(
        isinstance(pf_id, str) and UUID_TEXT.fullmatch(pf_id) for pf_id in pf_ids
    ):
        raise BadRequest("data.pfIds must be a list of footprint ids (UUIDs).")


def request_criteria(spec: int, data: dict) -> Criteria:
    """What a RequestCreated event asks for; one that names nothing is refused at once rather
    than answered with every footprint the partner may read."""
    if spec == 2:
        fragment = data.get("pf")
        if not isinstance(fragment, dict):
            raise BadRequest("data.pf must be a ProductFootprint fragment.")
        criteria = criteria_from_fragment(fragment)
    else:
        criteria = criteria_from_event_data(data)
    if criteria.is_empty():
        raise BadRequest(
            "The request names no criterion this host filters by "
            "(product, company, geography, classification, validity, status)."
        )
    return criteria


def fulfilled(spec: int, *, request_event_id: str, source: str, footprints: list[dict]) -> dict:
    return _event(
        spec,
        EventKind.REQUEST_FULFILLED,
        source,
        {"requestEventId": request_event_id, "pfs": footprints},
    )


def rejected(spec: int, *, request_event_id: str, source: str, code: str, message: str) -> dict:
    return _event(
        spec,
        EventKind.REQUEST_REJECTED,
        source,
        {"requestEventId": request_event_id, "error": {"code": code, "message": message}},
    )


def _event(spec: int, kind: str, source: str, data: dict, now: datetime | None = None) -> dict:
    moment = now or timezone.now()
    return {
        "type": EVENT_TYPES[spec][kind],
        "specversion": SPECVERSION,
        "id": str(uuid.uuid4()),
        "source": source,
        "time": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "data": data,
    }
