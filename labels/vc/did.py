"""Issuer identifiers: ``did:key`` (the key is the identifier) and ``did:web`` (a DID document
served over HTTPS), and how a verification method id becomes a public key.

Each certification body signs as ``did:web:<host>:bodies:<code>``; its DID document lists every key
it has used, so that a retired key still verifies what it signed before retirement and a revoked key
is reported as revoked rather than as unknown.
"""

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeGuard
from urllib.parse import quote, unquote

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .dates import format_date_time, parse_date_time
from .jws import public_key_from_jwk
from .multibase import (
    ED25519_PUBLIC_CODEC,
    base58btc_decode,
    multikey_to_public_key,
    public_key_to_multikey,
)

DID_KEY_PREFIX = "did:key:"
DID_WEB_PREFIX = "did:web:"
DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
MULTIKEY_TYPE = "Multikey"
_MULTIBASE_KEY_TYPES = {MULTIKEY_TYPE, "Ed25519VerificationKey2020"}
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?")
_SEGMENT = re.compile(r"(?!\.\.?\Z)[A-Za-z0-9._~-]+")
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class UnknownKeyError(LookupError):
    """No public key could be found for a verification method id."""


@dataclass(frozen=True)
class ResolvedKey:
    """A verification method's public key and what its controller says about its lifetime.

    ``valid_from`` and ``valid_until`` bound when the key may have signed and are compared with the
    proof's ``created``: a retired key keeps verifying what it signed while it was in service.
    ``revoked`` marks a compromised key: whoever holds it can write any ``created`` date, so nothing
    it signed is trusted any more.
    """

    public_key: Ed25519PublicKey
    controller: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    revoked: bool = False


KeyResolver = Callable[[str], ResolvedKey | Ed25519PublicKey | None]


def holds_control_character(identifier: str) -> bool:
    """Whether a DID or DID URL holds a control character (C0, DEL or C1): none is allowed in
    either (DID Core §3.1, §3.2, and RFC 3986 for the path and fragment), and a NUL cannot even
    be looked up in a PostgreSQL text column."""
    return _CONTROL_CHARACTER.search(identifier) is not None


def did_of(verification_method: str) -> str:
    """Return the DID part of a verification method id (everything before ``#``)."""
    return verification_method.split("#", 1)[0]


def did_key_from_public_key(public_key: Ed25519PublicKey) -> str:
    """Return the ``did:key`` identifier of an Ed25519 public key."""
    return DID_KEY_PREFIX + public_key_to_multikey(public_key)


def did_key_verification_method(public_key: Ed25519PublicKey) -> str:
    """Return the verification method id of a ``did:key``: the DID, ``#``, the multikey again."""
    multikey = public_key_to_multikey(public_key)
    return f"{DID_KEY_PREFIX}{multikey}#{multikey}"


def public_key_from_did_key(identifier: str) -> Ed25519PublicKey:
    """Read the Ed25519 public key out of a ``did:key`` DID or verification method id.

    The fragment, when present, must repeat the key: ``did:key:zA#zB`` would otherwise claim one key
    and name another.
    """
    did, _, fragment = identifier.partition("#")
    if not did.startswith(DID_KEY_PREFIX):
        raise UnknownKeyError(f"not a did:key identifier: {identifier!r}")
    multikey = did[len(DID_KEY_PREFIX) :]
    if fragment and fragment != multikey:
        raise UnknownKeyError("a did:key fragment must repeat the key")
    if not base58btc_decode(multikey).startswith(ED25519_PUBLIC_CODEC):
        raise UnknownKeyError("only Ed25519 did:key identifiers are supported")
    return multikey_to_public_key(multikey)


def did_web(host: str, *path: str) -> str:
    """Build a ``did:web`` identifier, e.g. ``did_web("labels.example", "bodies", "CB01")``.

    A port's colon is percent-encoded because ``:`` separates path segments in did:web.
    """
    segments = [quote(host, safe=".-")] + [quote(segment, safe="-._~") for segment in path]
    return DID_WEB_PREFIX + ":".join(segments)


def did_web_document_url(did: str) -> str:
    """Return the HTTPS address where a ``did:web`` DID document is published."""
    if not did.startswith(DID_WEB_PREFIX) or "#" in did or "/" in did:
        raise ValueError(f"not a did:web DID: {did!r}")
    host, *encoded_path = did[len(DID_WEB_PREFIX) :].split(":")
    host = unquote(host)
    path = [unquote(segment) for segment in encoded_path]
    # Decoded parts must stay a host and plain segments: "%2F", "@" or ".." would redirect the
    # request to an address the DID does not name.
    if not _HOST.fullmatch(host) or any(not _SEGMENT.fullmatch(part) for part in path):
        raise ValueError(f"not a resolvable did:web DID: {did!r}")
    location = "/".join(path) if path else ".well-known"
    return f"https://{host}/{location}/did.json"


def verification_method_entry(
    did: str,
    fragment: str,
    public_key: Ed25519PublicKey,
    *,
    expires: datetime | None = None,
    revoked: datetime | None = None,
) -> dict[str, Any]:
    """Describe one key as a Multikey verification method for a DID document.

    ``expires`` marks the retirement of a key (it signed nothing after that instant); ``revoked``
    marks a compromised key. Both stay in the document so verifiers can say which applies.
    The document states whole seconds, as proofs do: ``expires`` is rounded up, so that a proof
    made in the second of the retirement, before it, verifies from the document as it does
    against the exact instant (a proof's second s is before the instant r exactly when s is
    before r rounded up).
    """
    entry: dict[str, Any] = {
        "id": f"{did}#{fragment}",
        "type": MULTIKEY_TYPE,
        "controller": did,
        "publicKeyMultibase": public_key_to_multikey(public_key),
    }
    if expires is not None:
        entry["expires"] = format_date_time(_next_whole_second(expires))
    if revoked is not None:
        entry["revoked"] = format_date_time(revoked)
    return entry


def _next_whole_second(moment: datetime) -> datetime:
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + timedelta(seconds=1)


def did_document(did: str, methods: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Build a DID document whose keys may all sign credentials (``assertionMethod``)."""
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": [dict(method) for method in methods],
        "assertionMethod": [method["id"] for method in methods],
    }


def _absolute(reference: str, did: str) -> str:
    return did + reference if reference.startswith("#") else reference


def _listed(document: Mapping[str, Any], name: str) -> list[Any]:
    value = document.get(name, [])
    return value if isinstance(value, list) else []


def _find_method(document: Mapping[str, Any], verification_method: str) -> Mapping[str, Any]:
    did = document.get("id")
    if not isinstance(did, str) or did != did_of(verification_method):
        raise UnknownKeyError("the DID document belongs to another DID")

    def matches(method: Any) -> TypeGuard[Mapping[str, Any]]:
        return (
            isinstance(method, Mapping)
            and isinstance(method.get("id"), str)
            and _absolute(method["id"], did) == verification_method
        )

    assertion_methods = _listed(document, "assertionMethod")
    for method in assertion_methods:
        if matches(method):
            return method
    # A key may sign credentials only if the document lists it under assertionMethod.
    references = {_absolute(item, did) for item in assertion_methods if isinstance(item, str)}
    if verification_method not in references:
        raise UnknownKeyError("the key is not listed under assertionMethod")
    for method in _listed(document, "verificationMethod"):
        if matches(method):
            return method
    raise UnknownKeyError(f"no verification method {verification_method!r}")


def key_from_did_document(document: Mapping[str, Any], verification_method: str) -> ResolvedKey:
    """Resolve a verification method id against a DID document.

    Reads Multikey (``publicKeyMultibase``) and JsonWebKey (``publicKeyJwk``) Ed25519 keys, with
    ``expires`` as the end of the key's signing period and ``revoked`` as a compromise.
    """
    method = _find_method(document, verification_method)
    if method.get("type") in _MULTIBASE_KEY_TYPES and "publicKeyMultibase" in method:
        public_key = multikey_to_public_key(method["publicKeyMultibase"])
    elif isinstance(method.get("publicKeyJwk"), Mapping):
        public_key = public_key_from_jwk(method["publicKeyJwk"])
    else:
        raise UnknownKeyError("the verification method holds no Ed25519 key")
    expires = method.get("expires")
    return ResolvedKey(
        public_key=public_key,
        controller=_absolute(str(method.get("controller", document["id"])), document["id"]),
        valid_until=parse_date_time(expires) if expires is not None else None,
        revoked=method.get("revoked") is not None,
    )


def resolver_from_did_documents(
    documents: Iterable[Mapping[str, Any]],
) -> Callable[[str], ResolvedKey]:
    """Make a key resolver over DID documents already at hand (fetched, cached or from files)."""
    by_did = {document["id"]: document for document in documents}

    def resolve(verification_method: str) -> ResolvedKey:
        document = by_did.get(did_of(verification_method))
        if document is None:
            raise UnknownKeyError(f"no DID document for {did_of(verification_method)!r}")
        return key_from_did_document(document, verification_method)

    return resolve


def resolve_verification_method(
    verification_method: str, resolver: KeyResolver | None
) -> ResolvedKey:
    """Find the key for a verification method id. Raise ``UnknownKeyError`` when there is none.

    A ``did:key`` carries its public key, but not whether its holder has since retired or
    revoked it: the resolver is asked first, so a registry that knows the key can say so, and
    the id itself is the fallback. A resolver answer for a ``did:key`` must be that same key.
    """
    if verification_method.startswith(DID_KEY_PREFIX):
        embedded = public_key_from_did_key(verification_method)
        try:
            found = resolver(verification_method) if resolver is not None else None
        except UnknownKeyError:
            found = None  # a resolver that knows nothing of this key: the id itself speaks
        if found is None:
            return ResolvedKey(public_key=embedded, controller=did_of(verification_method))
        known = found if isinstance(found, ResolvedKey) else ResolvedKey(public_key=found)
        if _raw(known.public_key) != _raw(embedded):
            raise UnknownKeyError(f"the resolver returned another key for {verification_method!r}")
        return known
    if resolver is None:
        raise UnknownKeyError(f"no resolver for {did_of(verification_method)!r}")
    found = resolver(verification_method)
    if found is None:
        raise UnknownKeyError(f"unknown verification method {verification_method!r}")
    if isinstance(found, Ed25519PublicKey):
        return ResolvedKey(public_key=found)
    return found


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
