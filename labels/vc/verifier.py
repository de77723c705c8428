"""Verify a signed carbon label the way anyone outside the platform can.

Needs only ``cryptography``, ``rfc8785``, ``base58`` and the standard library. Keys and status
lists come through injected callables, so the same code serves the public page, the API, the
management command and a third party's own checks, and tests never touch the network.

The checks run in a fixed order and stop at the first failure, whose reason code is the answer:
format, issuer key, proof, validity period, status, then (optionally) the transparency log. A
later check means nothing once an earlier one has failed: the status of a tampered credential is
whatever the tamperer pointed it at.
"""

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from .dataintegrity import ASSERTION_METHOD, CRYPTOSUITE, PROOF_TYPE, verify_proof
from .dates import parse_date_time
from .did import (
    KeyResolver,
    ResolvedKey,
    holds_control_character,
    resolve_verification_method,
)
from .jcs import canonicalize, loads_strict
from .statuslist import (
    CREDENTIALS_V2_CONTEXT,
    ENTRY_TYPE,
    LIST_CREDENTIAL_TYPE,
    LIST_TYPE,
    REVOCATION,
    SUSPENSION,
    Bitstring,
)


class Reason(StrEnum):
    """The reason codes shared by the public page, the API and the command line (CONTRACTS §8)."""

    VALID = "VALID"
    TAMPERED = "TAMPERED"
    UNKNOWN_ISSUER = "UNKNOWN_ISSUER"
    KEY_REVOKED = "KEY_REVOKED"
    REVOKED = "REVOKED"
    SUSPENDED = "SUSPENDED"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    STATUS_UNAVAILABLE = "STATUS_UNAVAILABLE"
    NOT_IN_LOG = "NOT_IN_LOG"
    MALFORMED = "MALFORMED"


@dataclass(frozen=True)
class Check:
    """One step of verification, shown to people in this order."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class VerificationResult:
    """The checks that ran and the one reason code they led to."""

    reason: Reason
    checks: tuple[Check, ...]

    @property
    def valid(self) -> bool:
        return self.reason is Reason.VALID

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape used by the verification endpoint and ``--json``."""
        return {
            "verified": self.valid,
            "reason": self.reason.value,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
        }


StatusListFetcher = Callable[[str], Mapping[str, Any] | str | bytes]
LogChecker = Callable[[Mapping[str, Any]], bool]
# Whether a status list issued by the second DID may vouch for a label of the first.
IssuerMatcher = Callable[[str, str], bool]

_DECIMAL_INDEX = re.compile(r"(0|[1-9][0-9]*)\Z")
# Revocation is reported before suspension when both bits are set: it is the final word.
_STATUS_ORDER = {REVOCATION: 0, SUSPENSION: 1}
_REASON_FOR_PURPOSE = {REVOCATION: Reason.REVOKED, SUSPENSION: Reason.SUSPENDED}


_CHECK_FOR_REASON = {
    Reason.MALFORMED: "format",
    Reason.UNKNOWN_ISSUER: "issuer",
    Reason.KEY_REVOKED: "issuer",
    Reason.TAMPERED: "proof",
    Reason.NOT_YET_VALID: "validity",
    Reason.EXPIRED: "validity",
    Reason.STATUS_UNAVAILABLE: "status",
    Reason.REVOKED: f"status:{REVOCATION}",
    Reason.SUSPENDED: f"status:{SUSPENSION}",
    Reason.NOT_IN_LOG: "log",
}


class _Failure(Exception):
    """Stops verification at the first failed check; ``check`` names it when the reason does not."""

    def __init__(self, reason: Reason, detail: str, check: str | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.check = check or _CHECK_FOR_REASON[reason]


def _require(
    condition: bool, detail: str, reason: Reason = Reason.MALFORMED, check: str | None = None
) -> None:
    if not condition:
        raise _Failure(reason, detail, check)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _issuer_id(document: Mapping[str, Any]) -> str:
    issuer = document.get("issuer")
    identifier = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    _require(
        isinstance(identifier, str) and identifier.startswith("did:"), "the issuer is not a DID"
    )
    did = str(identifier)
    _require(not holds_control_character(did), "the issuer holds a control character")
    return did


def _check_proof_shape(document: Mapping[str, Any]) -> None:
    proof = document.get("proof")
    if not isinstance(proof, Mapping):
        raise _Failure(Reason.MALFORMED, "there must be exactly one proof object")
    _require(proof.get("type") == PROOF_TYPE, f"the proof type is not {PROOF_TYPE}")
    _require(proof.get("cryptosuite") == CRYPTOSUITE, f"the cryptosuite is not {CRYPTOSUITE}")
    _require(
        proof.get("proofPurpose") == ASSERTION_METHOD, "the proof purpose is not assertionMethod"
    )
    method = proof.get("verificationMethod")
    _require(isinstance(method, str), "no verification method")
    _require(
        not holds_control_character(str(method)),
        "the verification method holds a control character",
    )
    _require(isinstance(proof.get("proofValue"), str), "no proof value")
    _parse_date(proof, "created", required=True)


def _parse_date(document: Mapping[str, Any], name: str, required: bool = False) -> datetime | None:
    if name not in document:
        _require(not required, f"{name} is missing")
        return None
    try:
        return parse_date_time(document[name])
    except ValueError as error:
        raise _Failure(Reason.MALFORMED, f"{name}: {error}") from error


def _check_status_entry(entry: Any) -> None:
    _require(isinstance(entry, Mapping), "a credentialStatus entry is not an object")
    _require(entry.get("type") == ENTRY_TYPE, f"a credentialStatus entry is not a {ENTRY_TYPE}")
    _require(isinstance(entry.get("statusPurpose"), str), "a status entry has no statusPurpose")
    index = entry.get("statusListIndex")
    _require(
        isinstance(index, str) and bool(_DECIMAL_INDEX.match(index)),
        "statusListIndex must be a base-10 string",
    )
    _require(isinstance(entry.get("statusListCredential"), str), "no statusListCredential")
    size = entry.get("statusSize", 1)
    _require(type(size) is int and size == 1, "only one-bit status entries are supported")


def _check_format(credential: Mapping[str, Any] | str | bytes) -> dict[str, Any]:
    if isinstance(credential, str | bytes):
        try:
            credential = loads_strict(credential)
        except (ValueError, RecursionError) as error:  # RecursionError: nested too deep
            raise _Failure(Reason.MALFORMED, f"not valid JSON: {error}") from error
    if not isinstance(credential, Mapping):
        raise _Failure(Reason.MALFORMED, "a credential is a JSON object")
    document = dict(credential)
    context = document.get("@context")
    _require(
        isinstance(context, list) and bool(context) and context[0] == CREDENTIALS_V2_CONTEXT,
        "@context must start with the VC 2.0 context",
    )
    _require("VerifiableCredential" in _as_list(document.get("type")), "not a credential")
    _issuer_id(document)
    _require(isinstance(document.get("credentialSubject"), Mapping | list), "no subject")
    _parse_date(document, "validFrom")
    _parse_date(document, "validUntil")
    _check_proof_shape(document)
    if "credentialStatus" in document:
        for entry in _as_list(document["credentialStatus"]):
            _check_status_entry(entry)
    try:
        canonicalize(document)
    except ValueError as error:
        raise _Failure(Reason.MALFORMED, f"outside I-JSON: {error}") from error
    return document


def _issuer_key(
    document: Mapping[str, Any],
    resolve_key: KeyResolver | None,
    trusted_issuers: Collection[str] | None,
) -> ResolvedKey:
    """Find the signing key and check that it belonged to the issuer when the proof was made."""
    issuer = _issuer_id(document)
    method = document["proof"]["verificationMethod"]
    created = parse_date_time(document["proof"]["created"])
    unknown = Reason.UNKNOWN_ISSUER
    _require(
        trusted_issuers is None or issuer in trusted_issuers, f"{issuer} is not trusted", unknown
    )
    # Without this binding anyone could sign with their own key and name us as the issuer.
    _require(method.startswith(issuer + "#"), f"{method} is not a key of {issuer}", unknown)
    try:
        key = resolve_verification_method(method, resolve_key)
    except Exception as error:  # resolvers fail in many ways; each means the key is unknown
        raise _Failure(unknown, f"cannot resolve {method}: {error}") from error
    _require(key.controller in (None, issuer), f"{method} is controlled by another DID", unknown)
    _require(not key.revoked, f"{method} has been revoked", Reason.KEY_REVOKED)
    _require(
        key.valid_from is None or created >= key.valid_from,
        f"{method} was not in service at {created.isoformat()}",
        unknown,
    )
    _require(
        key.valid_until is None or created < key.valid_until,
        f"{method} was retired before the proof's date {created.isoformat()}",
        Reason.KEY_REVOKED,
    )
    return key


def _check_proof(document: Mapping[str, Any], key: ResolvedKey) -> str:
    result = verify_proof(document, lambda _method: key.public_key)
    _require(result.verified, result.detail, Reason.TAMPERED)
    return result.detail


def _check_validity(document: Mapping[str, Any], now: datetime) -> str:
    valid_from = _parse_date(document, "validFrom")
    valid_until = _parse_date(document, "validUntil")
    not_yet = f"not valid before {document.get('validFrom')}"
    _require(valid_from is None or now >= valid_from, not_yet, Reason.NOT_YET_VALID)
    expired = f"expired at {document.get('validUntil')}"
    _require(valid_until is None or now <= valid_until, expired, Reason.EXPIRED)
    return f"valid from {document.get('validFrom', '-')} until {document.get('validUntil', '-')}"


def _status_list(
    url: str,
    purpose: str,
    issuer: str,
    fetched: Any,
    resolve_key: KeyResolver | None,
    now: datetime,
    same_issuer: IssuerMatcher | None = None,
) -> Bitstring:
    """Check a fetched status list as strictly as the label itself; any doubt means no status."""
    unavailable = Reason.STATUS_UNAVAILABLE
    try:
        document = _check_format(fetched)
        _require(LIST_CREDENTIAL_TYPE in _as_list(document.get("type")), "not a status list")
        _require(document.get("id", url) == url, "the list names another address")
        list_issuer = _issuer_id(document)
        # A label signed with a body key's did:key form points at the body's did:web lists;
        # only a caller that knows both identify one body may say they match.
        _require(
            list_issuer == issuer or (same_issuer is not None and same_issuer(issuer, list_issuer)),
            "the list has another issuer",
        )
        key = _issuer_key(document, resolve_key, None)
        _check_proof(document, key)
        _check_validity(document, now)
        subject = document["credentialSubject"]
        _require(isinstance(subject, Mapping) and subject.get("type") == LIST_TYPE, "no list")
        # A list may declare several purposes (a string or an array of them).
        _require(purpose in _as_list(subject.get("statusPurpose")), f"not a {purpose} list")
        return Bitstring.decode(subject.get("encodedList"))
    except _Failure as failure:
        raise _Failure(unavailable, f"{url}: {failure.detail}") from failure
    except ValueError as error:
        raise _Failure(unavailable, f"{url}: {error}") from error


def _check_status(
    document: Mapping[str, Any],
    resolve_key: KeyResolver | None,
    fetch_status_list: StatusListFetcher | None,
    now: datetime,
    checks: list[Check],
    same_issuer: IssuerMatcher | None = None,
) -> None:
    entries = _as_list(document.get("credentialStatus", []))
    if not entries:
        checks.append(Check("status", True, "the credential carries no status entries"))
        return
    fetched: dict[str, Any] = {}
    issuer = _issuer_id(document)
    for entry in sorted(entries, key=lambda item: _STATUS_ORDER.get(item["statusPurpose"], 2)):
        purpose, url = entry["statusPurpose"], entry["statusListCredential"]
        name = f"status:{purpose}"
        if purpose not in _REASON_FOR_PURPOSE:
            checks.append(Check(name, True, f"status purpose {purpose!r} is not evaluated"))
            continue
        unavailable = Reason.STATUS_UNAVAILABLE
        if url not in fetched:
            if fetch_status_list is None:
                raise _Failure(unavailable, "no way to fetch status lists", name)
            try:
                fetched[url] = fetch_status_list(url)
            except Exception as error:  # a network or lookup failure: the status is unknown
                raise _Failure(unavailable, f"{url}: {error!r}", name) from error
        try:
            bitstring = _status_list(
                url, purpose, issuer, fetched[url], resolve_key, now, same_issuer
            )
        except _Failure as failure:
            raise _Failure(failure.reason, failure.detail, name) from failure
        index = int(entry["statusListIndex"])
        _require(index < len(bitstring), f"index {index} is outside the list", unavailable, name)
        _require(
            not bitstring.get(index), f"bit {index} is set", _REASON_FOR_PURPOSE[purpose], name
        )
        checks.append(Check(name, True, f"bit {index} of {url} is clear"))


def _check_log(document: Mapping[str, Any], in_log: LogChecker) -> str:
    try:
        found = in_log(document)
    except Exception as error:  # an unreachable log cannot vouch for the entry
        raise _Failure(Reason.NOT_IN_LOG, f"the log cannot be checked: {error!r}") from error
    _require(found, "the issuance is not in the transparency log", Reason.NOT_IN_LOG)
    return "the issuance is in the transparency log"


def verify_credential(
    credential: Mapping[str, Any] | str | bytes,
    *,
    resolve_key: KeyResolver | None = None,
    fetch_status_list: StatusListFetcher | None = None,
    now: datetime | None = None,
    trusted_issuers: Collection[str] | None = None,
    in_log: LogChecker | None = None,
    same_issuer: IssuerMatcher | None = None,
) -> VerificationResult:
    """Verify a label credential and return its checks and one reason code.

    ``resolve_key`` maps a verification method id to a ``ResolvedKey`` or public key (``did:key``
    needs none). ``fetch_status_list`` returns a status list credential (object or JSON text) for
    a URL. ``trusted_issuers``, when given, limits which DIDs count as known issuers: without it
    any well-signed ``did:key`` credential verifies. ``in_log`` confirms the transparency log
    entry; without it the log is not checked.
    """
    moment = now or datetime.now(UTC)
    checks: list[Check] = []
    try:
        document = _check_format(credential)
        checks.append(Check("format", True, "a VC 2.0 credential with an eddsa-jcs-2022 proof"))
        key = _issuer_key(document, resolve_key, trusted_issuers)
        method = document["proof"]["verificationMethod"]
        checks.append(Check("issuer", True, f"{method} is a key of {_issuer_id(document)}"))
        checks.append(Check("proof", True, _check_proof(document, key)))
        checks.append(Check("validity", True, _check_validity(document, moment)))
        _check_status(document, resolve_key, fetch_status_list, moment, checks, same_issuer)
        if in_log is not None:
            checks.append(Check("log", True, _check_log(document, in_log)))
    except _Failure as failure:
        checks.append(Check(failure.check, False, failure.detail))
        return VerificationResult(failure.reason, tuple(checks))
    return VerificationResult(Reason.VALID, tuple(checks))
