"""Writes of the PACT host: partner clients and their tokens, the footprint index, received
events and the delivery of our answers to footprint requests."""

import secrets
from collections import defaultdict
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Organisation
from certification.footprint.bridge import gwp_values
from certification.footprint.models import InventoryLine
from labels.models import Label

from . import conf, delivery, events, filters, identifiers, quality, representation, selectors
from .errors import PactError
from .models import (
    AccessToken,
    DeliveryStatus,
    EventKind,
    Footprint,
    InboundEvent,
    OutboundEvent,
    PartnerClient,
)
from .units import declared_unit

INDEX_BATCH = 200


# --- clients and tokens -------------------------------------------------------------------


@transaction.atomic
def partner_client_create(
    *,
    name: str,
    organisation: Organisation | None = None,
    data_owners: list[Organisation] | tuple = (),
    outbound_events_url: str = "",
    outbound_bearer_token: str = "",
) -> tuple[PartnerClient, str]:
    """A new client and its secret, which is shown once and stored only as a hash."""
    if not name.strip():
        raise ValidationError({"name": "Name the partner."})
    secret = secrets.token_urlsafe(32)
    client = PartnerClient(
        name=name.strip(),
        organisation=organisation,
        client_id=f"pact-{secrets.token_urlsafe(12)}",
        secret_hash=selectors.token_hash(secret),
        outbound_events_url=outbound_events_url,
        outbound_bearer_token=outbound_bearer_token,
    )
    client.full_clean()
    client.save()
    client.data_owners.set(data_owners)
    return client, secret


def client_authenticate(client_id: str, secret: str) -> PartnerClient | None:
    client = selectors.partner_client_get(client_id)
    # Hash comparison in constant time; an unknown id costs the same hash as a known one.
    presented = selectors.token_hash(secret)
    expected = client.secret_hash if client else selectors.token_hash(secrets.token_hex(32))
    if client is None or not secrets.compare_digest(presented, expected):
        return None
    return client


def access_token_issue(*, client: PartnerClient) -> tuple[str, int]:
    """A fresh bearer token and its lifetime in seconds. The client's expired tokens go at the
    same time, so the table holds live tokens only."""
    lifetime = conf.token_seconds()
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        client.access_tokens.filter(expires_at__lte=now).delete()
        AccessToken.objects.create(
            token_hash=selectors.token_hash(raw),
            client=client,
            created_at=now,
            expires_at=now + timedelta(seconds=lifetime),
        )
    return raw, lifetime


# --- the footprint index ------------------------------------------------------------------


def footprints_index() -> int:
    """Index every label that has no footprint row yet; the PACT reads call this first, so a
    label is served from its first request on. Costs one query when nothing is new.

    A product family's variant labels are not exchanged (yet): their figures are the
    representative's scaled, which the PACT representation does not compute, and their
    certificate's product is the representative's, whose chain they must not enter."""
    count = 0
    while True:
        labels = list(
            Label.objects.filter(pact_footprint__isnull=True, variant__isnull=True)
            .select_related("certificate__dossier_version")
            .order_by("pk")[:INDEX_BATCH]
        )
        if not labels:
            return count
        Footprint.objects.bulk_create(_index_rows(labels), ignore_conflicts=True)
        count += len(labels)
        if len(labels) < INDEX_BATCH:
            return count


def _index_rows(labels: list[Label]) -> list[Footprint]:
    versions = {label.certificate.dossier_version for label in labels}
    lines_by_version: dict[int, list[InventoryLine]] = defaultdict(list)
    for line in (
        InventoryLine.objects.filter(dossier_version__in=[version.pk for version in versions])
        .select_related("factor__version__dataset")
        .order_by("dossier_version_id", "position")
    ):
        lines_by_version[line.dossier_version_id].append(line)
    gwp_by_set = {
        gwp_set: gwp_values(gwp_set)
        for gwp_set in {version.gwp_set for version in versions if version.gwp_set}
    }
    rows = []
    for label in labels:
        version = label.certificate.dossier_version
        unit = declared_unit(version.unit_description, version.reference_flow)
        place = identifiers.geography(version.geography)
        lines = lines_by_version[version.pk]
        rows.append(
            Footprint(
                label=label,
                pf_id=identifiers.footprint_id(label.serial),
                declared_unit=unit.unit,
                declared_unit_amount=unit.amount,
                product_mass=unit.mass,
                v2_declared_unit=unit.v2_unit or "",
                v2_unitary_amount=unit.v2_amount,
                geography_country=place.country,
                geography_subdivision=place.subdivision,
                geography_region=place.region,
                data_quality=quality.data_quality(lines, gwp_by_set.get(version.gwp_set, {})),
                secondary_sources=quality.secondary_sources(lines),
            )
        )
    return rows


# --- events -------------------------------------------------------------------------------


def event_receive(
    *, client: PartnerClient, spec: int, kind: str, event: dict, events_url: str
) -> InboundEvent:
    """Record an incoming event. A footprint request also gets its outbox row, in the same
    transaction, and the task that answers it is queued once that commits. A repeated event
    (same source and id) is recorded and answered once."""
    try:
        with transaction.atomic():
            inbound, created = InboundEvent.objects.get_or_create(
                client=client,
                source=event["source"],
                event_id=event["id"],
                defaults={"spec": spec, "kind": kind, "body": event},
            )
            if created and kind == EventKind.REQUEST_CREATED:
                outbound = OutboundEvent.objects.create(
                    request=inbound, target_url=client.outbound_events_url, source=events_url
                )
                transaction.on_commit(lambda: _queue_answer(outbound.pk), robust=True)
    except IntegrityError:
        # The same event arrived twice at once; the other request recorded it.
        inbound = InboundEvent.objects.get(
            client=client, source=event["source"], event_id=event["id"]
        )
    return inbound


def _queue_answer(outbound_event_id: int) -> None:
    from .tasks import pact_request_answer

    pact_request_answer.delay(outbound_event_id)


def request_answer_compose(outbound: OutboundEvent) -> dict:
    """RequestFulfilled with the footprints that match now, newest first, or RequestRejected
    when none does (the spec: an empty Fulfilled is not allowed)."""
    request = outbound.request
    spec = request.spec
    event_id = request.event_id
    footprints_index()
    try:
        criteria = events.request_criteria(spec, request.body.get("data") or {})
    except PactError as error:  # the view checked it; a rule may have changed since
        return events.rejected(
            spec,
            request_event_id=event_id,
            source=outbound.source,
            code="BadRequest",
            message=error.message,
        )
    now = timezone.now()
    queryset = filters.apply(
        selectors.footprints_for_client(request.client, spec=spec), criteria, now=now
    )
    rows = list(queryset.order_by("-label_id")[: conf.request_max_footprints()])
    if not rows:
        return events.rejected(
            spec,
            request_event_id=event_id,
            source=outbound.source,
            code="NotFound",
            message="No certified footprint matches the request.",
        )
    footprints = [
        representation.product_footprint(view, spec=spec, now=now)
        for view in selectors.footprint_views(rows)
    ]
    return events.fulfilled(
        spec, request_event_id=event_id, source=outbound.source, footprints=footprints
    )


def request_answer_deliver(*, outbound_event_id: int) -> str:
    """One attempt to deliver the answer to a footprint request. Raises DeliveryFailed when the
    partner did not take it and the 72-hour window is still open, so the task retries."""
    outbound = OutboundEvent.objects.select_related("request__client").get(pk=outbound_event_id)
    if outbound.status != DeliveryStatus.PENDING:
        return outbound.status
    now = timezone.now()
    client = outbound.request.client
    # A client deactivated since its request gets nothing more from us.
    if now > outbound.created_at + conf.delivery_window() or not client.is_active:
        OutboundEvent.objects.filter(pk=outbound.pk, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.ABANDONED
        )
        return DeliveryStatus.ABANDONED
    if outbound.body is None:
        body = request_answer_compose(outbound)
        kind = EventKind.REQUEST_FULFILLED if "pfs" in body["data"] else EventKind.REQUEST_REJECTED
        # Only the first composer's answer stands, so every retry sends the same event id.
        OutboundEvent.objects.filter(pk=outbound.pk, body__isnull=True).update(body=body, kind=kind)
        outbound.refresh_from_db()
    assert outbound.body is not None
    result = delivery.post_event(
        outbound.target_url, outbound.body, bearer_token=client.outbound_bearer_token
    )
    changes: dict = {
        "attempts": F("attempts") + 1,
        "last_status_code": result.status_code,
        "last_error": result.error,
    }
    if result.succeeded:
        changes.update(status=DeliveryStatus.DELIVERED, delivered_at=timezone.now())
    OutboundEvent.objects.filter(pk=outbound.pk, status=DeliveryStatus.PENDING).update(**changes)
    if not result.succeeded:
        raise delivery.DeliveryFailed(result.error or f"HTTP {result.status_code}")
    return DeliveryStatus.DELIVERED
