"""The VC-API test issuer (CONTRACTS §8), on only when ``VC_API_TEST_ISSUER`` is true.

It exists so that the W3C conformance suites (Data Integrity EdDSA, Bitstring Status List) can
drive the platform's signing and status code through the W3C VC-API: ``POST
/vc-api/credentials/issue`` signs any VC 2.0 credential with ``eddsa-jcs-2022`` as a ``did:key``
made once and kept (encrypted like the bodies' keys), and ``POST /vc-api/credentials/status``
sets a revocation or suspension bit in its own status lists. Its credentials are not labels:
no body issued them, the transparency log does not hold them, and production mode refuses to
start with the switch on (settings, and ``check --deploy``).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from . import keys
from .models import (
    ConformanceCredential,
    ConformanceIssuerKey,
    ConformanceStatusList,
    StatusPurpose,
)
from .statuslists import LIST_VALIDITY, RESIGN_BEFORE, public_url
from .vc.dataintegrity import sign
from .vc.dates import format_date_time, parse_date_time
from .vc.did import DID_KEY_PREFIX, did_key_verification_method
from .vc.jcs import CanonicalizationError, canonicalize
from .vc.multibase import public_key_to_multikey
from .vc.statuslist import (
    CREDENTIALS_V2_CONTEXT,
    ENTRY_TYPE,
    LIST_TYPE,
    MINIMUM_LENGTH,
    Bitstring,
    StatusListFullError,
    build_status_list_credential,
    random_free_index,
    status_entry,
)

PURPOSES = (StatusPurpose.REVOCATION.value, StatusPurpose.SUSPENSION.value)
ISSUE_OPTIONS = {"credentialId", "credentialStatus"}
STATUS_FIELDS = {"credentialId", "credentialStatus", "status", "indexAllocator"}
# VC-API names the list type where the entry type is meant; both are read as a request.
REQUEST_TYPES = {ENTRY_TYPE, LIST_TYPE}
MAX_ID_LENGTH = 500


class ConformanceRequestError(ValueError):
    """A request the test issuer refuses; ``status`` is the HTTP answer (400, 404 or 409)."""

    def __init__(self, detail: str, status: int = 400) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status


def enabled() -> bool:
    return bool(getattr(settings, "VC_API_TEST_ISSUER", False))


# --- The key -----------------------------------------------------------------------------


def _key_row() -> ConformanceIssuerKey:
    row = ConformanceIssuerKey.objects.filter(pk=1).first()
    if row is not None:
        return row
    secret = Ed25519PrivateKey.generate()
    try:
        with transaction.atomic():
            return ConformanceIssuerKey.objects.create(
                pk=1,
                public_key_multibase=public_key_to_multikey(secret.public_key()),
                private_key_encrypted=keys.private_key_encrypt(secret),
            )
    except IntegrityError:  # another request made it first: use that one
        return ConformanceIssuerKey.objects.get(pk=1)


def issuer_did() -> str | None:
    """The test issuer's did:key, once it exists (it is made by the first issuance)."""
    multibase = ConformanceIssuerKey.objects.filter(pk=1).values_list(
        "public_key_multibase", flat=True
    )
    found = multibase.first()
    return DID_KEY_PREFIX + found if found else None


def _signer() -> tuple[str, str, Ed25519PrivateKey]:
    """The did, the verification method and the private key of the test issuer."""
    row = _key_row()
    private_key = keys.private_key_decrypt(row.private_key_encrypted)
    return (
        DID_KEY_PREFIX + row.public_key_multibase,
        did_key_verification_method(private_key.public_key()),
        private_key,
    )


# --- Status lists ------------------------------------------------------------------------


def status_list_url(purpose: str) -> str:
    return public_url(reverse("labels:conformance_status_list", args=[purpose]))


def _list_locked(purpose: str) -> ConformanceStatusList:
    ConformanceStatusList.objects.get_or_create(
        purpose=purpose, defaults={"bits": Bitstring(MINIMUM_LENGTH).to_bytes()}
    )
    return ConformanceStatusList.objects.select_for_update(no_key=True).get(purpose=purpose)


def _sign_list(status_list: ConformanceStatusList) -> None:
    did, method, private_key = _signer()
    moment = timezone.now()
    credential = build_status_list_credential(
        url=status_list_url(status_list.purpose),
        issuer=did,
        status_purpose=status_list.purpose,
        bitstring=Bitstring.from_bytes(bytes(status_list.bits)),
        valid_from=moment,
        valid_until=moment + LIST_VALIDITY,
        ttl=timedelta(seconds=settings.STATUS_LIST_TTL_SECONDS),
    )
    status_list.credential = sign(credential, private_key, method, format_date_time(moment))
    status_list.signed_at = moment
    status_list.save(update_fields=["credential", "signed_at"])


def conformance_status_list_get(purpose: str) -> dict[str, Any]:
    """The signed list credential of ``purpose``, re-signed first when unsigned or near its end."""
    if purpose not in PURPOSES:
        raise ConformanceRequestError("no such status list", status=404)
    with transaction.atomic():
        status_list = _list_locked(purpose)
        if status_list.signed_at is None or (
            status_list.signed_at + LIST_VALIDITY - RESIGN_BEFORE < timezone.now()
        ):
            _sign_list(status_list)
        return status_list.credential


def _allocate(purpose: str) -> int:
    status_list = _list_locked(purpose)
    taken = set(
        ConformanceCredential.objects.filter(**{f"{purpose}_index__isnull": False}).values_list(
            f"{purpose}_index", flat=True
        )
    )
    # The same margin as the bodies' lists: random draws stay quick.
    if len(taken) >= status_list.length * 3 // 4:
        raise ConformanceRequestError("the test issuer's status list is full", status=409)
    try:
        index = random_free_index(taken, status_list.length)
    except StatusListFullError as error:
        raise ConformanceRequestError(str(error), status=409) from error
    status_list.allocated = len(taken) + 1
    status_list.save(update_fields=["allocated"])
    if status_list.signed_at is None:
        _sign_list(status_list)
    return index


# --- Issuing -----------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _check_credential(credential: Any) -> dict[str, Any]:
    if not isinstance(credential, Mapping):
        raise ConformanceRequestError('"credential" must be a JSON object')
    context = credential.get("@context")
    if not isinstance(context, list) or not context or context[0] != CREDENTIALS_V2_CONTEXT:
        raise ConformanceRequestError(
            f'"@context" must be a list starting with {CREDENTIALS_V2_CONTEXT} (VC 2.0 only)'
        )
    types = credential.get("type")
    if "VerifiableCredential" not in _as_list(types) or not all(
        isinstance(t, str) for t in _as_list(types)
    ):
        raise ConformanceRequestError('"type" must include "VerifiableCredential"')
    subject = credential.get("credentialSubject")
    subjects = _as_list(subject)
    if not subjects or not all(isinstance(item, Mapping) and item for item in subjects):
        raise ConformanceRequestError('"credentialSubject" must be a non-empty object or list')
    if "proof" in credential:
        raise ConformanceRequestError("the credential already has a proof")
    for name in ("validFrom", "validUntil"):
        if name in credential:
            try:
                parse_date_time(credential[name])
            except ValueError as error:
                raise ConformanceRequestError(f'"{name}": {error}') from error
    if "id" in credential and not isinstance(credential["id"], str):
        raise ConformanceRequestError('"id" must be a string')
    return copy.deepcopy(dict(credential))


def _check_issuer(credential: dict[str, Any], did: str) -> None:
    issuer = credential.get("issuer")
    if issuer is None:
        credential["issuer"] = did
        return
    identifier = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if identifier is None and isinstance(issuer, Mapping):
        credential["issuer"] = {**issuer, "id": did}
        return
    if identifier != did:
        raise ConformanceRequestError(f'"issuer" must be the test issuer, {did}, or be left out')


def _requested_purposes(value: Any, where: str) -> list[str]:
    """The purposes a status request names; every entry is ``{"type", "statusPurpose"?}``."""
    purposes: list[str] = []
    for entry in _as_list(value):
        if not isinstance(entry, Mapping) or entry.get("type") not in REQUEST_TYPES:
            raise ConformanceRequestError(
                f'{where}: each entry is an object with "type": "{ENTRY_TYPE}"'
            )
        purpose = entry.get("statusPurpose")
        if purpose is None:
            purposes.extend(PURPOSES)
        elif purpose in PURPOSES:
            purposes.append(purpose)
        else:
            raise ConformanceRequestError(
                f'{where}: "statusPurpose" is "revocation" or "suspension"'
            )
    return list(dict.fromkeys(purposes))


def _status_request(credential: dict[str, Any], options: Mapping[str, Any]) -> list[str]:
    """The purposes to allocate: from ``options.credentialStatus``, or from entries of the
    credential that name a type and purpose but no list yet (the rest are signed as given)."""
    purposes = []
    if "credentialStatus" in options:
        purposes = _requested_purposes(options["credentialStatus"], "options.credentialStatus")
    if "credentialStatus" in credential:
        entries = _as_list(credential["credentialStatus"])
        requests = [e for e in entries if isinstance(e, Mapping) and "statusListIndex" not in e]
        if requests:
            purposes += _requested_purposes(requests, "credentialStatus")
        credential["credentialStatus"] = [e for e in entries if e not in requests]
    return list(dict.fromkeys(purposes))


def _check_options(options: Any) -> dict[str, Any]:
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise ConformanceRequestError('"options" must be a JSON object')
    unsupported = sorted(set(options) - ISSUE_OPTIONS)
    if unsupported:
        raise ConformanceRequestError(f"unsupported options: {', '.join(unsupported)}")
    credential_id = options.get("credentialId")
    if credential_id is not None and (
        not isinstance(credential_id, str) or not 0 < len(credential_id) <= MAX_ID_LENGTH
    ):
        raise ConformanceRequestError('"options.credentialId" must be a non-empty string')
    return dict(options)


def conformance_credential_issue(*, credential: Any, options: Any) -> dict[str, Any]:
    """Sign ``credential`` as the test issuer, with status entries when the request asks."""
    options = _check_options(options)
    document = _check_credential(credential)
    with transaction.atomic():
        did, method, private_key = _signer()
        _check_issuer(document, did)
        purposes = _status_request(document, options)
        credential_id = options.get("credentialId") or document.get("id")
        if purposes:
            if not credential_id or len(credential_id) > MAX_ID_LENGTH:
                raise ConformanceRequestError(
                    'status entries need a way to name the credential later: give "id" '
                    'or "options.credentialId" (at most 500 characters)'
                )
            if ConformanceCredential.objects.filter(credential_id=credential_id).exists():
                raise ConformanceRequestError(
                    f"a credential {credential_id} was already issued", status=409
                )
            indexes = {purpose: _allocate(purpose) for purpose in purposes}
            entries = [
                status_entry(list_url=status_list_url(p), index=i, status_purpose=p)
                for p, i in indexes.items()
            ]
            document["credentialStatus"] = [*document.get("credentialStatus", []), *entries]
            ConformanceCredential.objects.create(
                credential_id=credential_id,
                revocation_index=indexes.get(StatusPurpose.REVOCATION.value),
                suspension_index=indexes.get(StatusPurpose.SUSPENSION.value),
            )
        # One entry is written as an object, as the specifications' examples do.
        if document.get("credentialStatus") == []:
            del document["credentialStatus"]
        elif len(document.get("credentialStatus", ())) == 1:
            document["credentialStatus"] = document["credentialStatus"][0]
        try:
            canonicalize(document)
        except (CanonicalizationError, ValueError, UnicodeEncodeError, RecursionError) as error:
            raise ConformanceRequestError(f"the credential is outside I-JSON: {error}") from error
        return sign(document, private_key, method, format_date_time(timezone.now()))


# --- Status changes ----------------------------------------------------------------------


def _status_purposes(value: Any) -> list[tuple[str, Mapping]]:
    if isinstance(value, list) and not value:
        raise ConformanceRequestError('"credentialStatus" names at least one entry')
    purposes = []
    for entry in _as_list(value):
        if not isinstance(entry, Mapping) or entry.get("type") not in REQUEST_TYPES:
            raise ConformanceRequestError(
                f'"credentialStatus" entries are objects with "type": "{ENTRY_TYPE}"'
            )
        purpose = entry.get("statusPurpose")
        if purpose not in PURPOSES:
            raise ConformanceRequestError('"statusPurpose" is "revocation" or "suspension"')
        purposes.append((purpose, entry))
    return purposes


def conformance_status_set(*, request: Any) -> dict[str, Any]:
    """VC-API updateCredentialStatus: set or clear the named bits of one issued credential."""
    if not isinstance(request, Mapping):
        raise ConformanceRequestError("the body must be a JSON object")
    unknown = sorted(set(request) - STATUS_FIELDS)
    if unknown:
        raise ConformanceRequestError(f"unknown fields: {', '.join(unknown)}")
    credential_id, status = request.get("credentialId"), request.get("status")
    if not isinstance(credential_id, str) or not credential_id:
        raise ConformanceRequestError('"credentialId" must be a non-empty string')
    if not isinstance(status, bool):
        raise ConformanceRequestError('"status" must be true or false')
    if "credentialStatus" not in request:
        raise ConformanceRequestError('"credentialStatus" is required')
    named = _status_purposes(request["credentialStatus"])
    with transaction.atomic():
        issued = (
            ConformanceCredential.objects.select_for_update(no_key=True)
            .filter(credential_id=credential_id)
            .first()
        )
        if issued is None:
            raise ConformanceRequestError("no credential with this id", status=404)
        changed = []
        for purpose, entry in named:
            index = getattr(issued, f"{purpose}_index")
            if index is None:
                raise ConformanceRequestError(f"the credential has no {purpose} entry")
            expected = status_entry(
                list_url=status_list_url(purpose), index=index, status_purpose=purpose
            )
            for field in ("id", "statusListIndex", "statusListCredential"):
                if field in entry and entry[field] != expected[field]:
                    raise ConformanceRequestError(f'"{field}" does not match the credential')
            status_list = _list_locked(purpose)
            bitstring = Bitstring.from_bytes(bytes(status_list.bits))
            if bitstring.get(index) != status:
                bitstring.set(index, status)
                status_list.bits = bitstring.to_bytes()
                status_list.save(update_fields=["bits"])
                _sign_list(status_list)
            changed.append(expected)
    return {"credentialId": credential_id, "credentialStatus": changed, "status": status}
