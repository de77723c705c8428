"""Our answers to partners' footprint requests: composed from the footprints that match when
the answer is first made, and POSTed to the partner's events endpoint by the task in
`tasks.py`, which retries until it is taken or the window closes."""

from django.db.models import F
from django.utils import timezone

from . import conf, delivery, events, filters, representation, selectors
from .errors import PactError
from .index import footprints_index
from .models import DeliveryStatus, EventKind, OutboundEvent


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
