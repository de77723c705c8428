"""NOT_IN_LOG (CONTRACTS §5, §8): a label verifies only when the transparency log holds its
issuance, whose ``credentialSha256`` pins the very credential being verified. A body key used
outside the platform, or a credential swapped in the database, signs well and still fails."""

import base64
import copy
import json
import re
from datetime import timedelta
from hashlib import sha256
from typing import Any

import pytest
from django.utils import timezone

from audits.transparency import merkle, note
from audits.transparency.checkpoints import log_verifier_key
from audits.transparency.models import LogEntry
from labels import keys, services
from labels.models import Label
from labels.vc.dataintegrity import sign
from labels.vc.dates import format_date_time
from labels.vc.jcs import canonicalize
from labels.vc.verifier import Reason
from labels.verification import verify
from tests.labels.conftest import run_verify_label, text_by_testid, unsigned


def resigned(label: Label, change: dict[str, Any] | None = None) -> dict[str, Any]:
    """The label's content signed again with its own body key, a second later: a credential the
    body's key made that the platform never issued."""
    document = unsigned(label.credential)
    for name, value in (change or {}).items():
        document["credentialSubject"][name] = value
    created = timezone.now() + timedelta(seconds=1)
    return sign(
        document,
        keys.private_key(label.signing_key),
        keys.verification_method(label.signing_key),
        format_date_time(created),
    )


def post_verify(client, credential: Any):
    return client.post(
        "/vc-api/credentials/verify",
        {"verifiableCredential": credential},
        content_type="application/json",
    )


def test_an_issued_label_is_found_in_the_log(label) -> None:
    result = verify(label.credential)

    assert result.reason == Reason.VALID
    assert result.checks[-1].name == "log"
    assert result.checks[-1].ok


def test_the_issuance_entry_pins_the_credential_digest(label) -> None:
    entry = LogEntry.objects.get(subject=label.serial, kind="labels:label:issued")
    digest = sha256(canonicalize(label.credential)).hexdigest()

    assert f'"credentialSha256":"{digest}"'.encode() in bytes(entry.entry)


def test_a_credential_the_body_key_signed_outside_the_platform_is_not_in_the_log(
    label, anon
) -> None:
    forged = resigned(label)
    assert forged["proof"]["proofValue"] != label.credential["proof"]["proofValue"]

    result = verify(forged)

    assert result.reason == Reason.NOT_IN_LOG
    assert [(check.name, check.ok) for check in result.checks][-1] == ("log", False)
    assert all(check.ok for check in result.checks[:-1])  # the signature itself is sound
    response = post_verify(anon, forged)
    assert response.status_code == 422
    assert response.json()["reason"] == "NOT_IN_LOG"
    assert response.json()["verified"] is False


def test_a_serial_the_log_never_saw_is_not_in_the_log(label, anon) -> None:
    forged = resigned(label, {"labelSerial": "ABCDEFGH2345"})

    assert verify(forged).reason == Reason.NOT_IN_LOG
    assert post_verify(anon, forged).json()["reason"] == "NOT_IN_LOG"


def test_a_credential_without_a_label_serial_is_not_in_the_log(label) -> None:
    document = unsigned(label.credential)
    del document["credentialSubject"]["labelSerial"]
    forged = sign(
        document,
        keys.private_key(label.signing_key),
        keys.verification_method(label.signing_key),
        format_date_time(timezone.now()),
    )

    assert verify(forged).reason == Reason.NOT_IN_LOG


def test_a_credential_swapped_in_the_database_shows_not_in_log_on_the_page(label, anon) -> None:
    """Someone with write access to the label table replaces the credential with one the
    body's key signed: the page, the endpoint and the command all refuse it."""
    forged = resigned(label)
    Label.objects.filter(pk=label.pk).update(credential=forged)

    page = anon.get(f"/labels/{label.serial}/")

    assert page.status_code == 200
    assert text_by_testid(page, "reason") == "NOT_IN_LOG"
    assert "✓ VALID" not in text_by_testid(page, "label-status")
    assert post_verify(anon, copy.deepcopy(forged)).status_code == 422
    exit_code, output = run_verify_label(label.serial)
    assert exit_code == 1
    assert output.splitlines()[-1] == "NOT_IN_LOG"


@pytest.mark.parametrize("purpose", ["revocation", "suspension"])
def test_status_lists_are_credentials_of_the_body_without_a_log_entry(label, anon, purpose):
    """A body's status lists are re-signed at every change and are not logged: they verify."""
    entry = next(
        item for item in label.credential["credentialStatus"] if item["statusPurpose"] == purpose
    )
    served = anon.get(entry["statusListCredential"].removeprefix("https://labels.example.cn"))

    assert verify(served.json()).reason == Reason.VALID


# --- the page's transparency section and what it embeds for the in-browser check ---------


def embedded(html: str, element_id: str) -> Any:
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S
    )
    assert match is not None, f"no #{element_id}"
    return json.loads(match.group(1))


def test_the_page_lists_the_log_entries_and_embeds_what_the_browser_checks(
    label, world, anon
) -> None:
    services.label_change_status(
        actor=world.body_admin, label_id=label.pk, action="suspend", reason="Audit."
    )

    page = anon.get(f"/labels/{label.serial}/?lang=en")
    html = page.content.decode()

    assert embedded(html, "label-credential") == label.credential
    log = embedded(html, "label-log")
    assert log == anon.get(f"/labels/{label.serial}/log.json").json()
    _origin, size, root = note.parse_checkpoint(
        note.open_note(log["checkpoint"], log_verifier_key())
    )
    for item in log["entries"]:
        proof = [base64.b64decode(h) for h in item["inclusionProof"]]
        leaf = merkle.leaf_hash(base64.b64decode(item["entry"]))
        merkle.verify_inclusion(leaf, item["index"], size, proof, root)
    rows = re.findall(r'data-log-index="(\d+)" data-log-kind="([^"]+)"', html)
    assert rows == [
        (str(item["index"]), kind)
        for item, kind in zip(
            log["entries"], ["labels:label:issued", "labels:label:suspended"], strict=True
        )
    ]
    section = text_by_testid(page, "transparency-log")
    assert "Issued" in section and "Suspended" in section
    assert f'href="/labels/{label.serial}/log.json"' in html
    assert 'href="/log/checkpoint"' in html
    # Scripts are files of ours (the CSP allows no inline script); the data blocks are JSON.
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert re.findall(r"<script(?![^>]*(?:src=|application/json))", html) == []
