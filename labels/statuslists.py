"""The bodies' Bitstring Status Lists: index allocation, bit changes and signing.

Every change of a bit re-signs the list inside the same transaction, so the list that is served
is always the current one; its `ttl` (and `Cache-Control: max-age`) bounds how long anyone may
cache it.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation

from . import keys
from .models import StatusList
from .vc.dataintegrity import sign
from .vc.dates import format_date_time
from .vc.statuslist import (
    MINIMUM_LENGTH,
    Bitstring,
    build_status_list_credential,
    random_free_index,
)

LIST_VALIDITY = timedelta(days=7)
RESIGN_BEFORE = timedelta(days=1)


def public_url(path: str) -> str:
    return f"{settings.LABEL_PUBLIC_SCHEME}://{settings.LABEL_PUBLIC_HOST}{path}"


def status_list_url(status_list: StatusList) -> str:
    return public_url(
        reverse(
            "labels:status_list",
            args=[status_list.body.code, status_list.purpose, status_list.number],
        )
    )


def _open_list(body: Organisation, purpose: str) -> StatusList:
    """The body's list for `purpose` that still has room, locked; a new one when all are full."""
    current = (
        StatusList.objects.select_for_update(no_key=True)
        .filter(body=body, purpose=purpose)
        .order_by("-number")
        .first()
    )
    # Keep a margin free so that random allocation never has to search a nearly full list.
    if current is not None and current.allocated < current.length * 3 // 4:
        return current
    number = current.number + 1 if current else 1
    return StatusList.objects.create(
        body=body,
        purpose=purpose,
        number=number,
        length=MINIMUM_LENGTH,
        bits=Bitstring(MINIMUM_LENGTH).to_bytes(),
    )


def allocate_index(body: Organisation, purpose: str, taken_field: str) -> tuple[StatusList, int]:
    """Pick a random free index in the body's open list (caller holds a transaction)."""
    from .models import Label

    status_list = _open_list(body, purpose)
    taken = set(
        Label.objects.filter(**{f"{purpose}_list": status_list}).values_list(taken_field, flat=True)
    )
    index = random_free_index(taken, status_list.length)
    status_list.allocated = len(taken) + 1
    status_list.save(update_fields=["allocated"])
    return status_list, index


def sign_list(status_list: StatusList, *, now: datetime | None = None) -> StatusList:
    """Rebuild and sign the list credential from its bits."""
    moment = now or timezone.now()
    key = keys.signing_key_active(status_list.body)
    credential = build_status_list_credential(
        url=status_list_url(status_list),
        issuer=keys.body_did(status_list.body),
        status_purpose=status_list.purpose,
        bitstring=Bitstring.from_bytes(bytes(status_list.bits)),
        valid_from=moment,
        valid_until=moment + LIST_VALIDITY,
        ttl=timedelta(seconds=settings.STATUS_LIST_TTL_SECONDS),
    )
    status_list.credential = sign(
        credential, keys.private_key(key), keys.verification_method(key), format_date_time(moment)
    )
    status_list.signed_at = moment
    status_list.save(update_fields=["credential", "signed_at"])
    return status_list


def _body_locked(status_list_id: int) -> None:
    """Lock the list's body before the list: the order issuance takes (the body's key, then
    its open lists), so that a status change and an issuance of one body never deadlock."""
    body_id = StatusList.objects.values_list("body_id", flat=True).get(pk=status_list_id)
    Organisation.objects.select_for_update(no_key=True).filter(pk=body_id).first()


def set_bit(status_list_id: int, index: int, value: bool) -> StatusList:
    with transaction.atomic():
        _body_locked(status_list_id)
        status_list = (
            StatusList.objects.select_for_update(no_key=True)
            .select_related("body")
            .get(pk=status_list_id)
        )
        bitstring = Bitstring.from_bytes(bytes(status_list.bits))
        if bitstring.get(index) == value:
            return status_list
        bitstring.set(index, value)
        status_list.bits = bitstring.to_bytes()
        status_list.save(update_fields=["bits"])
        return sign_list(status_list)


def current_credential(status_list: StatusList) -> dict:
    """The signed list, re-signed first when it is unsigned or near its validUntil."""
    if status_list.signed_at is None or (
        status_list.signed_at + LIST_VALIDITY - RESIGN_BEFORE < timezone.now()
    ):
        with transaction.atomic():
            _body_locked(status_list.pk)
            locked = (
                StatusList.objects.select_for_update(no_key=True)
                .select_related("body")
                .get(pk=status_list.pk)
            )
            status_list = sign_list(locked)
    return status_list.credential
