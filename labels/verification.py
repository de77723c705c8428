"""The platform's verifier: the standalone checks of labels.vc.verifier, with keys, status
lists and the transparency log read from our own database. The public page, POST
/vc-api/credentials/verify and `manage.py verify_label` all call `verify`, so they give the same
reason codes."""

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve

from accounts.models import Organisation
from accounts.roles import OrganisationKind
from audits.transparency.selectors import log_issuance_digests

from . import conformance, keys, statuslists
from .models import SigningKey, StatusList
from .vc.did import DID_WEB_PREFIX, ResolvedKey, did_of, holds_control_character
from .vc.jcs import canonicalize, loads_strict
from .vc.statuslist import LIST_CREDENTIAL_TYPE
from .vc.verifier import VerificationResult, verify_credential


def resolve_key(verification_method: str) -> ResolvedKey | None:
    """did:web keys of our bodies come from the database; did:key keys of our bodies too, so
    that a body's did:key form verifies with the same lifetime and revocation."""
    did, _, fragment = verification_method.partition("#")
    if holds_control_character(verification_method):
        key = None  # no key of ours is named so, and PostgreSQL cannot look a NUL up
    elif did.startswith(DID_WEB_PREFIX):
        code = _body_code(did)
        key = (
            SigningKey.objects.select_related("body")
            .filter(body__code=code, fragment=fragment)
            .first()
        )
    elif did.startswith("did:key:"):
        key = (
            SigningKey.objects.select_related("body")
            .filter(public_key_multibase=did.removeprefix("did:key:"))
            .first()
        )
    else:
        key = None
    if key is None:
        return None
    return ResolvedKey(
        public_key=keys.public_key(key),
        controller=did,
        # Proofs carry whole seconds; a key made within the second of its first proof is in
        # service for that proof.
        valid_from=key.created_at.replace(microsecond=0),
        valid_until=key.retired_at,
        revoked=key.revoked_at is not None,
    )


def _body_code(did: str) -> str | None:
    prefix = keys.did_web(settings.LABEL_PUBLIC_HOST, "bodies", "")
    return did.removeprefix(prefix) if did.startswith(prefix) else None


def fetch_status_list(url: str) -> Mapping[str, Any]:
    """Read a status list of ours straight from the database; anything else is unavailable."""
    parts = urlsplit(url)
    if parts.netloc != settings.LABEL_PUBLIC_HOST:
        raise LookupError("not a status list of this platform")
    try:
        match = resolve(parts.path)
    except Resolver404 as error:
        raise LookupError("no such status list") from error
    if match.view_name == "labels:conformance_status_list" and conformance.enabled():
        return conformance.conformance_status_list_get(match.kwargs["purpose"])
    if match.view_name != "labels:status_list":
        raise LookupError("no such status list")
    status_list = StatusList.objects.select_related("body").get(
        body__code=match.kwargs["code"],
        purpose=match.kwargs["purpose"],
        number=match.kwargs["number"],
    )
    return statuslists.current_credential(status_list)


def trusted_issuers() -> set[str]:
    """Our bodies' did:web identifiers and the did:key forms of their keys."""
    bodies = Organisation.objects.filter(
        kind=OrganisationKind.CERTIFICATION_BODY, code__isnull=False
    ).values_list("code", flat=True)
    issuers = {
        keys.did_web(settings.LABEL_PUBLIC_HOST, "bodies", code)
        for code in bodies
        if code is not None
    }
    issuers |= {
        "did:key:" + multibase
        for multibase in SigningKey.objects.values_list("public_key_multibase", flat=True)
    }
    # VC_API_TEST_ISSUER (never in production): the conformance suites' issuer too.
    test_issuer = conformance.issuer_did() if conformance.enabled() else None
    if test_issuer:
        issuers.add(test_issuer)
    return issuers


def logged_issuer(did: str) -> bool:
    """Whether a credential of this issuer must have its issuance in the transparency log.

    Only certification bodies' labels (their did:web or the did:key form of a body key) are
    logged. The VC-API test issuer's credentials are not labels and are never logged: the log
    check (NOT_IN_LOG) applies to body issuers only.
    """
    return _body_of(did) is not None


def _body_of(did: str) -> int | None:
    """Asked before the format check (which refuses a DID with a control character): such a
    DID names no body, and PostgreSQL cannot look a NUL up."""
    if holds_control_character(did):
        return None
    if did.startswith(DID_WEB_PREFIX):
        code = _body_code(did)
        return Organisation.objects.filter(code=code).values_list("pk", flat=True).first()
    if did.startswith("did:key:"):
        return (
            SigningKey.objects.filter(public_key_multibase=did.removeprefix("did:key:"))
            .values_list("body_id", flat=True)
            .first()
        )
    return None


def same_body(label_issuer: str, list_issuer: str) -> bool:
    """A body's did:key labels use the body's did:web status lists."""
    body = _body_of(label_issuer)
    return body is not None and body == _body_of(list_issuer)


def issuance_in_log(document: Mapping[str, Any]) -> bool:
    """Whether the transparency log holds this very credential's issuance: the issuance entry
    of its label serial pins the SHA-256 of the credential's RFC 8785 form. A body key that
    signs outside the platform (stolen, or misused) makes credentials that fail here."""
    subject = document.get("credentialSubject")
    serial = subject.get("labelSerial") if isinstance(subject, Mapping) else None
    if not isinstance(serial, str) or not serial:
        return False
    digest = hashlib.sha256(canonicalize(document)).hexdigest()
    return digest in log_issuance_digests(serial)


def _parsed(credential: Mapping[str, Any] | str | bytes) -> Mapping[str, Any] | None:
    if isinstance(credential, str | bytes):
        try:
            credential = loads_strict(credential)
        except (ValueError, RecursionError):
            return None
    return credential if isinstance(credential, Mapping) else None


def _logged_kind(credential: Mapping[str, Any] | str | bytes) -> bool:
    """Whether the log must hold this credential: whatever a body signs, except its status
    lists (published at their own addresses and re-signed at each change, never logged). A
    conformance suite's test issuer is not a body: it has no log."""
    document = _parsed(credential)
    if document is None:
        return True  # the format check refuses it first
    issuer = document.get("issuer")
    issuer = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if not isinstance(issuer, str):
        return True  # the format check refuses it first
    if not logged_issuer(issuer):
        return False
    types = document.get("type")
    return LIST_CREDENTIAL_TYPE not in (types if isinstance(types, list) else [types])


def verify(
    credential: Mapping[str, Any] | str | bytes, *, now: datetime | None = None
) -> VerificationResult:
    """Every label a body signs must also be in the transparency log (NOT_IN_LOG otherwise)."""
    return verify_credential(
        credential,
        resolve_key=resolve_key,
        fetch_status_list=fetch_status_list,
        now=now,
        trusted_issuers=trusted_issuers(),
        same_issuer=same_body,
        in_log=issuance_in_log if _logged_kind(credential) else None,
    )


__all__ = ["did_of", "issuance_in_log", "verify"]
