"""Verification through the Django layer (labels.verification.verify, the public page,
status.json, the status lists and POST /vc-api/credentials/verify): every reason code a label of
ours can get, and every status change reaching what the world reads (CONTRACTS §3, §4, §8)."""

import copy
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ValidationError
from django.utils import timezone

from audits.transparency.services import log_append
from certification.errors import ActorNotPermitted
from certification.models import CertificateStatus
from labels import keys, services
from labels.models import Label, LabelEvent, LabelStatus, SigningKey, StatusList
from labels.vc.dataintegrity import sign
from labels.vc.dates import format_date_time, parse_date_time
from labels.vc.did import (
    did_key_verification_method,
    did_web_document_url,
    resolver_from_did_documents,
)
from labels.vc.jcs import canonicalize
from labels.vc.verifier import Reason, VerificationResult, verify_credential
from labels.verification import fetch_status_list, verify
from tests.labels.conftest import (
    path_of,
    public_verdict,
    run_verify_label,
    served_bits,
    stored_bits,
    unsigned,
)

# What the world reads for each status: page verdict, verifier reason, (revocation, suspension).
SHOWN = {
    LabelStatus.VALID: ("✓ VALID", Reason.VALID, (False, False)),
    LabelStatus.SUSPENDED: ("! SUSPENDED", Reason.SUSPENDED, (False, True)),
    LabelStatus.REVOKED: ("✕ REVOKED", Reason.REVOKED, (True, False)),
    # Cancellation has no reason code of its own: the revocation bit, CANCELLED on the page.
    LabelStatus.CANCELLED: ("✕ CANCELLED", Reason.REVOKED, (True, False)),
}


FAILED_CHECK = {
    Reason.VALID: None,
    Reason.SUSPENDED: "status:suspension",
    Reason.REVOKED: "status:revocation",
}


def failed_check(result: VerificationResult) -> str | None:
    failed = [check.name for check in result.checks if not check.ok]
    assert len(failed) <= 1
    return failed[0] if failed else None


def fresh(label: Label) -> Label:
    return Label.objects.get(pk=label.pk)


def change(label: Label, actor, action: str, reason: str = "") -> Label:
    return services.label_change_status(
        actor=actor, label_id=label.pk, action=action, reason=reason or f"Reason to {action}."
    )


def post_verify(client, credential: Any):
    return client.post(
        "/vc-api/credentials/verify",
        {"verifiableCredential": credential},
        content_type="application/json",
    )


# --- content ------------------------------------------------------------------------------


def _set(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target = changed
    for step in path[:-1]:
        target = target[step]
    assert target[path[-1]] != value, f"{path} already is {value!r}"
    target[path[-1]] = value
    return changed


TAMPERINGS = {
    "footprint value": (("credentialSubject", "footprint", "value"), "8.54"),
    "a stage value": (("credentialSubject", "footprint", "stages", 1, "value"), "1.48"),
    "footprint unit": (("credentialSubject", "footprint", "unit"), "gCO2e"),
    "boundary": (("credentialSubject", "footprint", "boundary"), "cradle_to_gate"),
    "certificateNumber": (("credentialSubject", "certificateNumber"), "CFP-CQC-2020-00001"),
    "holder USCC": (("credentialSubject", "holder", "USCC"), "91350100M000100Y43"),
    "holder name": (("credentialSubject", "holder", "name"), "Someone Else Co."),
    "product GTIN": (("credentialSubject", "product", "gtin"), "urn:gtin:06901234567892"),
    "product model": (("credentialSubject", "product", "model"), "LB-9999"),
    "label serial": (("credentialSubject", "labelSerial"), "ABCDEFGH2345"),
    "assurance level": (("credentialSubject", "assuranceLevel"), "limited"),
    "validUntil": (("validUntil",), "2099-12-31T00:00:00Z"),
    "validFrom": (("validFrom",), "2020-01-01T00:00:00Z"),
    "status list index": (("credentialStatus", 0, "statusListIndex"), "7"),
    "proof created": (("proof", "created"), "2099-01-01T00:00:00Z"),
}


@pytest.mark.parametrize("path, value", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_changing_any_single_field_of_an_issued_label_is_tampered(label, path, value) -> None:
    assert verify(label.credential).reason == Reason.VALID

    result = verify(_set(label.credential, path, value))

    assert result.reason == Reason.TAMPERED
    assert failed_check(result) == "proof"


def test_a_tampered_label_is_refused_by_the_verification_endpoint(label, anon) -> None:
    tampered = _set(label.credential, ("credentialSubject", "footprint", "value"), "8.54")

    response = post_verify(anon, tampered)

    assert response.status_code == 422
    body = response.json()
    assert body["verified"] is False
    assert body["reason"] == "TAMPERED"
    assert body["checks"][-1]["name"] == "proof"
    assert body["checks"][-1]["ok"] is False


def _reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _reversed_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_keys(item) for item in value]
    return value


SERIALISATIONS = {
    "sorted, indented": lambda c: json.dumps(c, sort_keys=True, indent=4),
    "reversed, compact": lambda c: json.dumps(_reversed_keys(c), separators=(",", ":")),
    "reversed, tabs and newlines": lambda c: json.dumps(
        _reversed_keys(c), indent="\t", separators=(" ,\r\n", " :\n ")
    ),
    "escaped non-ASCII": lambda c: json.dumps(c, ensure_ascii=True),
    "raw non-ASCII": lambda c: json.dumps(c, ensure_ascii=False, indent=1),
}


@pytest.mark.parametrize("serialise", SERIALISATIONS.values(), ids=SERIALISATIONS.keys())
def test_key_order_and_whitespace_do_not_matter(
    issue_label, new_product, serialise: Callable
) -> None:
    label = issue_label(new_product(name="储能电池包 Energy storage pack"))
    text = serialise(label.credential)
    assert text != json.dumps(label.credential, ensure_ascii=False)

    assert verify(text).reason == Reason.VALID
    assert verify(text.encode()).reason == Reason.VALID


def test_the_verification_endpoint_ignores_key_order_and_whitespace(label, anon) -> None:
    body = (
        '{\n  "options" : {},\n  "verifiableCredential" :\n'
        + json.dumps(_reversed_keys(label.credential), indent=3)
        + "\n}"
    )

    response = anon.post("/vc-api/credentials/verify", body, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["reason"] == "VALID"


# --- status changes -----------------------------------------------------------------------

SEQUENCES = {
    "suspend, restore, suspend, revoke": ["suspend", "restore", "suspend", "revoke"],
    "revoke": ["revoke"],
    "cancel": ["cancel"],
    "suspend, cancel": ["suspend", "cancel"],
}


@pytest.mark.parametrize("actions", SEQUENCES.values(), ids=SEQUENCES.keys())
def test_each_status_change_reaches_the_list_the_page_and_status_json_at_once(
    label,
    world,
    anon,
    actions: list[str],
) -> None:
    for action in actions:
        target = services.LABEL_TRANSITIONS[(LabelStatus(fresh(label).status), action)]

        change(label, world.body_admin, action)

        page, reason, (revoked, suspended) = SHOWN[target]
        expected_bits = {"revocation": revoked, "suspension": suspended}
        assert fresh(label).status == target
        assert stored_bits(label) == expected_bits
        assert served_bits(anon, label) == expected_bits
        assert public_verdict(anon, label) == {
            "page": page,
            "reason": reason,
            "status_json": target,
        }
        result = verify(label.credential)
        assert result.reason == reason
        assert failed_check(result) == FAILED_CHECK[reason]

    assert list(LabelEvent.objects.filter(label=label).values_list("action", "reason")) == [
        ("issued", "")
    ] + [(services._event_name(a), f"Reason to {a}.") for a in actions]


@pytest.mark.parametrize(
    "action, reason, code",
    [("suspend", "SUSPENDED", 1), ("revoke", "REVOKED", 1), ("cancel", "REVOKED", 1)],
)
def test_the_endpoint_and_the_command_give_the_same_reason_as_the_page(
    label,
    world,
    anon,
    action,
    reason,
    code,
) -> None:
    change(label, world.body_admin, action)

    response = post_verify(anon, label.credential)
    assert response.status_code == 422
    assert response.json()["reason"] == reason
    exit_code, output = run_verify_label(label.serial)
    assert exit_code == code
    assert output.splitlines()[-1] == reason
    assert public_verdict(anon, label)["reason"] == reason


def test_restoring_a_suspended_label_makes_it_valid_everywhere_again(label, world, anon) -> None:
    change(label, world.body_admin, "suspend")
    assert verify(label.credential).reason == Reason.SUSPENDED

    change(label, world.decision_maker, "restore")

    assert verify(label.credential).reason == Reason.VALID
    assert post_verify(anon, label.credential).status_code == 200
    assert run_verify_label(label.serial)[0] == 0
    assert public_verdict(anon, label) == {
        "page": "✓ VALID",
        "reason": "VALID",
        "status_json": "valid",
    }
    assert fresh(label).certificate.status == CertificateStatus.VALID


def test_a_status_change_moves_the_certificate_status_with_it(label, world) -> None:
    change(label, world.body_admin, "suspend")
    assert fresh(label).certificate.status == CertificateStatus.SUSPENDED
    change(label, world.body_admin, "cancel")
    assert fresh(label).certificate.status == CertificateStatus.CANCELLED


def test_other_labels_in_the_same_lists_are_not_affected(issue_label, world) -> None:
    first, second = issue_label(), issue_label()
    assert first.revocation_list_id == second.revocation_list_id

    change(first, world.body_admin, "revoke")

    assert verify(first.credential).reason == Reason.REVOKED
    assert verify(second.credential).reason == Reason.VALID


# --- validity period ----------------------------------------------------------------------


def test_after_valid_until_the_label_is_expired(label) -> None:
    valid_until = parse_date_time(label.credential["validUntil"])

    result = verify(label.credential, now=valid_until + timedelta(seconds=1))

    assert result.reason == Reason.EXPIRED
    assert failed_check(result) == "validity"


def test_before_valid_from_the_label_is_not_yet_valid(label) -> None:
    valid_from = parse_date_time(label.credential["validFrom"])

    result = verify(label.credential, now=valid_from - timedelta(seconds=1))

    assert result.reason == Reason.NOT_YET_VALID
    assert failed_check(result) == "validity"


def test_the_expiry_task_expires_labels_past_their_valid_until(issue_label, anon) -> None:
    due, current = issue_label(), issue_label()
    Label.objects.filter(pk=due.pk).update(valid_until=timezone.now() - timedelta(seconds=1))

    assert services.labels_expire_due() == 1

    due = fresh(due)
    assert due.status == LabelStatus.EXPIRED
    assert due.certificate.status == CertificateStatus.EXPIRED
    assert fresh(current).status == LabelStatus.VALID
    event = LabelEvent.objects.filter(label=due).last()
    assert event is not None
    assert (event.action, event.reason, event.actor) == ("expired", "Validity period ended.", None)
    verdict = public_verdict(anon, due)
    assert verdict["page"] == "⌛ EXPIRED"
    assert verdict["status_json"] == "expired"
    assert stored_bits(due) == {"revocation": False, "suspension": False}
    # Run again: nothing left to expire.
    assert services.labels_expire_due() == 0


def test_a_suspended_label_expires_too_and_its_suspension_bit_is_cleared(label, world) -> None:
    change(label, world.body_admin, "suspend")
    Label.objects.filter(pk=label.pk).update(valid_until=timezone.now() - timedelta(seconds=1))

    assert services.labels_expire_due() == 1

    assert fresh(label).status == LabelStatus.EXPIRED
    assert stored_bits(label) == {"revocation": False, "suspension": False}


def test_the_page_shows_expired_past_valid_until_before_the_task_runs(label, anon) -> None:
    Label.objects.filter(pk=label.pk).update(valid_until=timezone.now() - timedelta(seconds=1))

    verdict = public_verdict(anon, label)

    assert verdict["page"] == "⌛ EXPIRED"
    assert verdict["status_json"] == "expired"
    assert fresh(label).status == LabelStatus.VALID


@pytest.mark.parametrize("beijing_hour", [0, 1, 7, 8, 12])
def test_a_label_verifies_right_after_issue_at_any_hour_in_beijing(
    world,
    settings,
    monkeypatch,
    beijing_hour: int,
) -> None:
    """A certificate approved at 01:00 in Beijing is issued on that Beijing date; its label must
    verify at once, not only from 08:00 (midnight UTC of that date)."""
    from tests.conftest import build_application

    settings.TIME_ZONE = "Asia/Shanghai"  # the production default, whatever the environment
    day = (datetime.now(UTC) + timedelta(days=2)).date()
    moment = datetime(
        day.year, day.month, day.day, beijing_hour, 30, tzinfo=timezone.get_default_timezone()
    ).astimezone(UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)

    application = build_application(world, "approved")
    label = services.label_issue(certificate_id=application.certificate.pk)

    assert application.certificate.issued_on == day
    result = verify(label.credential, now=moment + timedelta(minutes=1))
    assert result.reason == Reason.VALID, (label.credential["validFrom"], result.to_dict())


# --- issuers and keys ---------------------------------------------------------------------


def _signed_by(document: dict[str, Any], secret: Ed25519PrivateKey, method: str) -> dict:
    return sign(document, secret, method, format_date_time(timezone.now()))


def _unregistered_did_key(label: Label) -> dict:
    secret = Ed25519PrivateKey.generate()
    method = did_key_verification_method(secret.public_key())
    document = unsigned(label.credential)
    document["issuer"] = method.split("#")[0]
    return _signed_by(document, secret, method)


def _did_web_of_another_host(label: Label) -> dict:
    did = "did:web:labels.example.com:bodies:cqc"
    document = unsigned(label.credential)
    document["issuer"] = did
    return _signed_by(
        document, keys.private_key(label.signing_key), f"{did}#{label.signing_key.fragment}"
    )


def _unknown_key_under_our_did(label: Label) -> dict:
    return _signed_by(
        unsigned(label.credential), Ed25519PrivateKey.generate(), f"{label.issuer}#key-20200101-9"
    )


def _our_did_and_key_id_with_a_stranger_key(label: Label) -> dict:
    return _signed_by(
        unsigned(label.credential),
        Ed25519PrivateKey.generate(),
        label.credential["proof"]["verificationMethod"],
    )


FORGERIES = {
    "unregistered did:key": (_unregistered_did_key, Reason.UNKNOWN_ISSUER, "issuer"),
    "did:web of another host": (_did_web_of_another_host, Reason.UNKNOWN_ISSUER, "issuer"),
    "unknown key id under our DID": (_unknown_key_under_our_did, Reason.UNKNOWN_ISSUER, "issuer"),
    "our key id, another key": (_our_did_and_key_id_with_a_stranger_key, Reason.TAMPERED, "proof"),
}


@pytest.mark.parametrize("forge, reason, check", FORGERIES.values(), ids=FORGERIES.keys())
def test_labels_signed_by_anyone_else_do_not_verify(label, anon, forge, reason, check) -> None:
    forged = forge(label)

    result = verify(forged)

    assert result.reason == reason
    assert failed_check(result) == check
    response = post_verify(anon, forged)
    assert response.status_code == 422
    assert response.json()["reason"] == reason


def test_the_did_key_form_of_a_registered_body_key_verifies(label) -> None:
    """CONTRACTS §3: did:key issuers must also verify; a body's key in did:key form is one of
    ours (labels.verification trusts and resolves it)."""
    key = label.signing_key
    method = did_key_verification_method(keys.public_key(key))
    document = unsigned(label.credential)
    document["issuer"] = keys.did_key_of(key)
    signed = _signed_by(document, keys.private_key(key), method)
    # Issued by the platform in that form, so in the transparency log like any issuance.
    log_append(
        "labels:label:issued",
        {"label": label.serial, "credentialSha256": sha256(canonicalize(signed)).hexdigest()},
        subject=label.serial,
    )

    result = verify(signed)

    assert [(c.name, c.ok) for c in result.checks][:4] == [
        ("format", True),
        ("issuer", True),
        ("proof", True),
        ("validity", True),
    ]
    assert result.reason == Reason.VALID, result.to_dict()


@pytest.mark.parametrize("with_status", [True, False], ids=["with status", "without status"])
def test_a_revoked_body_key_cannot_sign_new_did_key_labels(label, world, with_status) -> None:
    """Whoever holds a compromised key can sign anything with it: after revocation nothing it
    signs may verify, in the did:web form or the did:key form."""
    key = label.signing_key
    services.signing_key_revoke(actor=world.body_admin, key_id=key.pk, reason="Leaked.")
    document = unsigned(label.credential)
    document["issuer"] = keys.did_key_of(key)
    if not with_status:
        del document["credentialStatus"]

    result = verify(
        _signed_by(
            document, keys.private_key(key), did_key_verification_method(keys.public_key(key))
        )
    )

    assert result.reason == Reason.KEY_REVOKED, result.to_dict()
    assert failed_check(result) == "issuer"


def test_a_revoked_key_makes_its_labels_key_revoked_and_new_labels_get_a_new_key(
    issue_label,
    world,
    anon,
) -> None:
    old = issue_label()
    old_key = old.signing_key

    services.signing_key_revoke(
        actor=world.body_admin, key_id=old_key.pk, reason="The HSM backup was lost."
    )

    result = verify(old.credential)
    assert result.reason == Reason.KEY_REVOKED
    assert failed_check(result) == "issuer"
    assert post_verify(anon, old.credential).json()["reason"] == "KEY_REVOKED"
    exit_code, output = run_verify_label(old.serial)
    assert (exit_code, output.splitlines()[-1]) == (1, "KEY_REVOKED")
    assert public_verdict(anon, old)["reason"] == "KEY_REVOKED"
    page = anon.get(f"/labels/{old.serial}/").content.decode()
    assert "The signing key of this label was revoked as compromised" in page
    assert list(LabelEvent.objects.filter(label=old).values_list("action", "reason")) == [
        ("issued", ""),
        ("key_revoked", "The HSM backup was lost."),
    ]

    new = issue_label()
    assert new.signing_key != old_key
    assert new.signing_key.is_active
    assert verify(new.credential).reason == Reason.VALID
    # Its status lists were re-signed with the new key, so status changes still show.
    change(new, world.body_admin, "suspend")
    assert verify(new.credential).reason == Reason.SUSPENDED


def test_only_the_body_admin_may_revoke_a_key_and_only_with_a_reason(label, world) -> None:
    key = label.signing_key
    with pytest.raises(ActorNotPermitted):
        services.signing_key_revoke(actor=world.decision_maker, key_id=key.pk, reason="Lost.")
    with pytest.raises(ValidationError):
        services.signing_key_revoke(actor=world.body_admin, key_id=key.pk, reason="  ")

    assert SigningKey.objects.get(pk=key.pk).revoked_at is None
    assert verify(label.credential).reason == Reason.VALID


def test_key_rotation_keeps_older_labels_valid(issue_label, world) -> None:
    older = issue_label()

    new_key = keys.signing_key_rotate(world.body)

    newer = issue_label()
    assert newer.signing_key == new_key
    assert older.signing_key.pk != new_key.pk
    assert SigningKey.objects.get(pk=older.signing_key.pk).retired_at is not None
    assert verify(older.credential).reason == Reason.VALID
    assert verify(newer.credential).reason == Reason.VALID
    # A change re-signs the lists with the new key; the older label's status still reads.
    change(older, world.body_admin, "suspend")
    assert verify(older.credential).reason == Reason.SUSPENDED
    change(older, world.body_admin, "restore")
    assert verify(older.credential).reason == Reason.VALID


VERDICT_SEQUENCES = {"valid": [], "suspend": ["suspend"], **SEQUENCES}


@pytest.mark.parametrize("key_revoked", [False, True], ids=["key in service", "key revoked"])
@pytest.mark.parametrize("actions", VERDICT_SEQUENCES.values(), ids=VERDICT_SEQUENCES.keys())
def test_the_verdict_every_answer_gives_is_the_verifiers(
    label, world, actions: list[str], key_revoked: bool
) -> None:
    """``Label.verdict``, read from the label row alone, gives the reason code the verifier
    finds in the credential, a revoked key first whatever the status."""
    for action in actions:
        change(label, world.body_admin, action)
    if key_revoked:
        services.signing_key_revoke(
            actor=world.body_admin, key_id=label.signing_key_id, reason="Leaked."
        )

    verdict = fresh(label).verdict()

    assert verdict.reason == verify(label.credential).reason
    assert verdict.status == fresh(label).status
    assert verdict.valid is (verdict.reason == Reason.VALID)


def test_a_revoked_key_makes_a_suspended_label_not_trusted_on_the_page(label, world, anon):
    """Restoring the label would not make it trustworthy again: the page says what the badge
    and the API say."""
    change(label, world.body_admin, "suspend")
    services.signing_key_revoke(actor=world.body_admin, key_id=label.signing_key_id, reason="Lost")

    assert public_verdict(anon, label) == {
        "page": "✕ NOT TRUSTED",
        "reason": "KEY_REVOKED",
        "status_json": "suspended",
    }
    status = anon.get(f"/labels/{label.serial}/status.json").json()
    assert (status["valid"], status["verdict"]) == (False, "KEY_REVOKED")


def test_the_page_carries_the_verdict_its_script_compares_with_status_json(label, world, anon):
    """The open page reloads when status.json's status or verdict differs from its own: a
    key revoked while it is open must reload it, though the label's status stays valid."""

    def carried() -> tuple[str, str]:
        html = anon.get(f"/labels/{label.serial}/").content.decode()
        found = re.search(r'data-label-status="([^"]*)" data-label-verdict="([^"]*)"', html)
        assert found is not None
        return found.group(1), found.group(2)

    def served() -> tuple[str, str]:
        status = anon.get(f"/labels/{label.serial}/status.json").json()
        return status["status"], status["verdict"]

    assert carried() == served() == ("valid", "VALID")
    services.signing_key_revoke(actor=world.body_admin, key_id=label.signing_key_id, reason="Lost")
    assert carried() == served() == ("valid", "KEY_REVOKED")


@pytest.mark.parametrize("form", ["did:web", "did:key"])
def test_a_retired_key_cannot_sign_after_its_retirement(label, world, form) -> None:
    old_key = label.signing_key
    keys.signing_key_rotate(world.body)
    retired_at = SigningKey.objects.get(pk=old_key.pk).retired_at
    assert retired_at is not None
    document = unsigned(label.credential)
    method = keys.verification_method(old_key)
    if form == "did:key":
        document["issuer"] = keys.did_key_of(old_key)
        del document["credentialStatus"]
        method = did_key_verification_method(keys.public_key(old_key))
    later = sign(
        document,
        keys.private_key(old_key),
        method,
        format_date_time(retired_at + timedelta(seconds=2)),
    )

    result = verify(later, now=retired_at + timedelta(seconds=3))

    assert result.reason == Reason.KEY_REVOKED, result.to_dict()
    assert failed_check(result) == "issuer"


def test_a_key_retired_in_the_second_of_a_proof_verifies_from_the_did_document_too(
    label, world, anon
) -> None:
    """Proofs state whole seconds; the platform compares them with the exact retirement, the
    DID document states it rounded up to the next second, so a third party agrees."""
    created = parse_date_time(label.credential["proof"]["created"])
    keys.signing_key_rotate(world.body)
    retired_at = created + timedelta(microseconds=500_000)  # in the proof's second, after it
    SigningKey.objects.filter(pk=label.signing_key.pk).update(retired_at=retired_at)

    document = anon.get(path_of(did_web_document_url(label.credential["issuer"]))).json()
    third_party = verify_credential(
        label.credential,
        resolve_key=resolver_from_did_documents([document]),
        fetch_status_list=fetch_status_list,
    )

    assert verify(label.credential).reason == Reason.VALID
    assert third_party.reason == Reason.VALID, third_party.to_dict()
    method = label.credential["proof"]["verificationMethod"]
    [entry] = [entry for entry in document["verificationMethod"] if entry["id"] == method]
    assert entry["expires"] == format_date_time(created + timedelta(seconds=1))


# --- the status list itself ---------------------------------------------------------------


def _break_proof(status_list_id: int) -> None:
    status_list = StatusList.objects.get(pk=status_list_id)
    credential = status_list.credential
    value = credential["proof"]["proofValue"]
    credential["proof"]["proofValue"] = value[:-4] + ("1111" if value[-4:] != "1111" else "2222")
    status_list.credential = credential
    status_list.save(update_fields=["credential"])


@pytest.mark.parametrize("purpose", ["revocation", "suspension"])
def test_a_status_list_with_a_broken_proof_is_status_unavailable(label, anon, purpose) -> None:
    _break_proof(getattr(label, f"{purpose}_list_id"))

    result = verify(label.credential)

    assert result.reason == Reason.STATUS_UNAVAILABLE
    assert failed_check(result) == f"status:{purpose}"
    # Serving the list does not quietly re-sign it: it stays unavailable.
    served_bits(anon, label)
    assert verify(label.credential).reason == Reason.STATUS_UNAVAILABLE
    response = post_verify(anon, label.credential)
    assert response.status_code == 422
    assert response.json()["reason"] == "STATUS_UNAVAILABLE"
    assert public_verdict(anon, label)["reason"] == "STATUS_UNAVAILABLE"


# --- the endpoint's input handling --------------------------------------------------------


@pytest.mark.parametrize(
    "body, status, reason",
    [
        ("not json", 400, None),
        ("[1, 2]", 400, None),
        ('{"credential": {}}', 400, None),
        ('{"verifiableCredential": {"type": "VerifiableCredential"}}', 400, "MALFORMED"),
        ('{"verifiableCredential": "{\\"a\\": 1, \\"a\\": 2}"}', 400, "MALFORMED"),
    ],
)
def test_the_verification_endpoint_answers_400_to_malformed_input(
    anon, db, body, status, reason
) -> None:
    response = anon.post("/vc-api/credentials/verify", body, content_type="application/json")

    assert response.status_code == status
    if reason:
        assert response.json()["reason"] == reason
    else:
        assert response["Content-Type"] == "application/problem+json"


def test_a_get_of_the_verification_endpoint_describes_it_and_verifies_nothing(anon, db) -> None:
    """The resolver's gs1:verificationService redirect lands here with a GET: the answer says
    how to POST and carries no verdict."""
    response = anon.get("/vc-api/credentials/verify")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["method"] == "POST"
    assert body["contentType"] == "application/json"
    assert "verified" not in body
    assert "reason" not in body
    assert anon.put("/vc-api/credentials/verify").status_code == 405


def test_a_label_without_its_proof_is_malformed(label, anon) -> None:
    response = post_verify(anon, unsigned(label.credential))

    assert response.status_code == 400
    assert response.json()["reason"] == "MALFORMED"


def _problem_with_verdict(response, detail: str, failure: str) -> None:
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Malformed request",
        "status": 400,
        "detail": detail,
        "verified": False,
        "reason": "MALFORMED",
        "checks": [{"name": "format", "ok": False, "detail": failure}],
    }


@pytest.mark.parametrize(
    "body, detail, failure",
    [
        (
            "not json",
            "The body is not JSON.",
            "not valid JSON: Expecting value: line 1 column 1 (char 0)",
        ),
        ("[1, 2]", 'Send {"verifiableCredential": …}.', "the body holds no verifiableCredential"),
        (
            '{"credential": {}}',
            'Send {"verifiableCredential": …}.',
            "the body holds no verifiableCredential",
        ),
        ("", 'Send {"verifiableCredential": …}.', "the body holds no verifiableCredential"),
    ],
)
def test_a_body_without_a_credential_answers_the_verdict_and_the_failed_format_check(
    anon, db, body, detail, failure
) -> None:
    response = anon.post("/vc-api/credentials/verify", body, content_type="application/json")

    _problem_with_verdict(response, detail, failure)


def _named_twice(credential: dict[str, Any], member: str, first: Any) -> str:
    """The credential's JSON with `member` written twice, the signed value last (where Python's
    json, keeping the last, would read a label that verifies)."""
    text = json.dumps(credential, ensure_ascii=False)
    assert text.startswith("{")
    return "{" + json.dumps(member) + ": " + json.dumps(first) + ", " + text[1:]


def test_a_member_named_twice_in_the_body_is_malformed_as_on_the_command_line(
    label, anon, tmp_path
) -> None:
    credential = _named_twice(label.credential, "issuer", "did:web:elsewhere.example")
    assert verify(json.loads(credential)).reason == Reason.VALID  # the last member wins there

    response = anon.post(
        "/vc-api/credentials/verify",
        '{"verifiableCredential": ' + credential + "}",
        content_type="application/json",
    )

    failure = "not valid JSON: duplicate member 'issuer'"
    _problem_with_verdict(response, "A member is named twice.", failure)
    (tmp_path / "label.json").write_text(credential, encoding="utf-8")
    exit_code, output = run_verify_label(str(tmp_path / "label.json"))
    assert exit_code == 1
    assert output.splitlines() == [f"FAIL format: {failure}", "MALFORMED"]


def test_the_credential_named_twice_in_the_body_is_malformed(label, anon) -> None:
    signed = json.dumps(label.credential)
    body = '{"verifiableCredential": {"type": "VerifiableCredential"}, "verifiableCredential": '
    response = anon.post(
        "/vc-api/credentials/verify", body + signed + "}", content_type="application/json"
    )

    failure = "not valid JSON: duplicate member 'verifiableCredential'"
    _problem_with_verdict(response, "A member is named twice.", failure)


CONTROL_CHARACTERS = {
    "a NUL in the issuer": (("issuer",), "\x00", "the issuer holds a control character"),
    "a newline in the issuer": (("issuer",), "\n", "the issuer holds a control character"),
    "a NUL in the key": (
        ("proof", "verificationMethod"),
        "\x00",
        "the verification method holds a control character",
    ),
}


@pytest.mark.parametrize(
    "path, character, failure", CONTROL_CHARACTERS.values(), ids=CONTROL_CHARACTERS.keys()
)
@pytest.mark.parametrize("form", ["did:web", "did:key"])
def test_a_did_with_a_control_character_is_malformed_before_any_lookup(
    label, anon, path, character, failure, form
) -> None:
    """PostgreSQL refuses a NUL in a query: the DID is refused by the format check, and the
    platform's lookups (the log's issuer, the key) never see it."""
    document = copy.deepcopy(label.credential)
    if form == "did:key":
        document["issuer"] = keys.did_key_of(label.signing_key)
        document["proof"]["verificationMethod"] = did_key_verification_method(
            keys.public_key(label.signing_key)
        )
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] += character

    response = post_verify(anon, document)

    assert response.status_code == 400
    assert response.json() == {
        "verified": False,
        "reason": "MALFORMED",
        "checks": [{"name": "format", "ok": False, "detail": failure}],
    }
