"""Writes of the PACT host: partner clients and their tokens, and received events (the
footprint index is `index.py`, the answers to footprint requests `answers.py`)."""

import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Organisation

from . import conf, selectors
from .models import AccessToken, EventKind, InboundEvent, OutboundEvent, PartnerClient
from .tasks import pact_request_answer

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
        found = InboundEvent.objects.filter(
            client=client, source=event["source"], event_id=event["id"]
        ).first()
        if found is None:
            raise  # not a repeat: a constraint the event broke
        inbound = found
    return inbound


def _queue_answer(outbound_event_id: int) -> None:
    pact_request_answer.delay(outbound_event_id)
