"""The VC-API test issuer (CONTRACTS §8): off by default (404), refused in production, and when
on, credentials it issues verify through POST /vc-api/credentials/verify with the same reason
codes as labels, its status endpoint reaching its status lists."""

import base64
import json
import os
import subprocess
import sys
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings as django_settings
from django.core import checks

from labels import keys
from labels.models import ConformanceCredential, ConformanceIssuerKey
from labels.vc.dataintegrity import verify_proof
from labels.vc.did import public_key_from_did_key
from labels.vc.statuslist import Bitstring
from labels.verification import logged_issuer, trusted_issuers
from tests.factories import CertificationBodyFactory
from tests.labels.conftest import PUBLIC

CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:subject", "name": "测试"},
}
PROBLEM = "application/problem+json"


@pytest.fixture
def on(settings) -> None:
    settings.VC_API_TEST_ISSUER = True


def post(client, path: str, body: Any):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(path, data, content_type="application/json")


def issue(client, credential: dict | None = None, **options: Any) -> dict:
    body: dict[str, Any] = {"credential": credential or CREDENTIAL}
    if options:
        body["options"] = options
    response = post(client, "/vc-api/credentials/issue", body)
    assert response.status_code == 201, response.content
    return response.json()["verifiableCredential"]


def verified(client, credential: Any) -> str:
    response = post(client, "/vc-api/credentials/verify", {"verifiableCredential": credential})
    reason = response.json()["reason"]
    assert (response.status_code == 200) == (reason == "VALID")
    return reason


def set_status(client, credential_id: str, purpose: str, status: bool):
    return post(
        client,
        "/vc-api/credentials/status",
        {
            "credentialId": credential_id,
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": purpose},
            "status": status,
        },
    )


def served_list(client, url: str) -> tuple[dict, Any]:
    assert url.startswith(PUBLIC)
    response = client.get(url.removeprefix(PUBLIC))
    assert response.status_code == 200
    return response.json(), response


# --- off ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/vc-api/credentials/issue"),
        ("get", "/vc-api/credentials/issue"),
        ("post", "/vc-api/credentials/status"),
        ("get", "/vc-api/status-lists/revocation"),
        ("post", "/vc-api/status-lists/revocation/publish"),
    ],
)
def test_off_by_default_every_endpoint_is_404(db, client, method, path) -> None:
    assert django_settings.VC_API_TEST_ISSUER is False
    response = client.generic(
        method.upper(), path, json.dumps({"credential": CREDENTIAL}), "application/json"
    )
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert not ConformanceIssuerKey.objects.exists()


# --- issuing and verifying ----------------------------------------------------------------


def test_an_issued_credential_verifies_and_a_byte_change_is_tampered(db, client, on) -> None:
    credential = issue(client)
    proof = credential["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-jcs-2022"
    issuer = credential["issuer"]
    assert issuer.startswith("did:key:z6Mk")
    assert proof["verificationMethod"] == f"{issuer}#{issuer.removeprefix('did:key:')}"
    # Checked apart from the platform's verifier: the key is the did:key itself.
    assert verify_proof(credential, public_key_from_did_key).verified
    assert verified(client, credential) == "VALID"
    changed = json.loads(json.dumps(credential, ensure_ascii=False).replace("测试", "测验"))
    assert changed != credential
    assert verified(client, changed) == "TAMPERED"
    # Whitespace and key order do not matter (JCS).
    reordered = json.dumps(dict(reversed(list(credential.items()))), indent=3)
    assert verified(client, reordered) == "VALID"


def test_a_json_ld_context_beside_the_credential_is_ignored(db, client, on) -> None:
    response = post(
        client,
        "/vc-api/credentials/issue",
        {"@context": ["https://www.w3.org/ns/credentials/v2"], "credential": CREDENTIAL},
    )
    assert response.status_code == 201
    assert verified(client, response.json()["verifiableCredential"]) == "VALID"


def test_the_key_is_made_once_kept_and_encrypted_at_rest(db, client, on) -> None:
    first = issue(client)["issuer"]
    assert issue(client)["issuer"] == first
    row = ConformanceIssuerKey.objects.get()
    private_key = keys.private_key_decrypt(row.private_key_encrypted)
    public = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert public == public_key_from_did_key(first).public_bytes(Encoding.Raw, PublicFormat.Raw)
    seed = private_key.private_bytes_raw()
    stored = bytes(row.private_key_encrypted)
    assert seed not in stored and base64.b64encode(seed) not in stored


def test_the_verifier_trusts_the_test_issuer_only_while_it_is_on(db, client, on, settings) -> None:
    credential = issue(client)
    assert credential["issuer"] in trusted_issuers()
    settings.VC_API_TEST_ISSUER = False
    assert credential["issuer"] not in trusted_issuers()
    assert verified(client, credential) == "UNKNOWN_ISSUER"


def test_the_log_applies_to_bodies_not_to_the_test_issuer(db, client, on) -> None:
    credential = issue(client)
    assert not logged_issuer(credential["issuer"])
    body = CertificationBodyFactory()
    assert logged_issuer(keys.body_did(body))


def test_an_issuer_given_in_the_credential_must_be_the_test_issuer(db, client, on) -> None:
    did = issue(client)["issuer"]
    named = issue(client, {**CREDENTIAL, "issuer": {"id": did, "name": "Test"}})
    assert named["issuer"] == {"id": did, "name": "Test"}
    assert verified(client, named) == "VALID"
    response = post(
        client,
        "/vc-api/credentials/issue",
        {"credential": {**CREDENTIAL, "issuer": "did:example:someone-else"}},
    )
    assert response.status_code == 400 and response["Content-Type"] == PROBLEM


# --- status -------------------------------------------------------------------------------


def test_status_revocation_and_suspension_reach_the_verifier(db, client, on) -> None:
    credential = issue(
        client,
        {**CREDENTIAL, "id": "urn:uuid:7f1c6b7e-1d0e-4a7e-9a59-1f2f2b3f9c01"},
        credentialStatus={"type": "BitstringStatusListEntry"},
    )
    entries = credential["credentialStatus"]
    assert [entry["statusPurpose"] for entry in entries] == ["revocation", "suspension"]
    assert all(entry["statusListIndex"].isdigit() for entry in entries)
    assert verified(client, credential) == "VALID"
    credential_id = credential["id"]

    assert set_status(client, credential_id, "suspension", True).status_code == 200
    assert verified(client, credential) == "SUSPENDED"
    assert set_status(client, credential_id, "suspension", False).status_code == 200
    assert verified(client, credential) == "VALID"
    assert set_status(client, credential_id, "revocation", True).status_code == 200
    assert verified(client, credential) == "REVOKED"

    # What the world reads: the list on the same host, signed by the same did:key, the bit set.
    revocation = entries[0]
    listed, response = served_list(client, revocation["statusListCredential"])
    assert listed["issuer"] == credential["issuer"]
    assert verify_proof(listed, public_key_from_did_key).verified
    ttl = listed["credentialSubject"]["ttl"] // 1000
    assert f"max-age={ttl}" in response["Cache-Control"]
    bits = Bitstring.decode(listed["credentialSubject"]["encodedList"])
    assert len(bits) >= 131_072
    assert list(bits.set_indexes()) == [int(revocation["statusListIndex"])]
    publish = client.post(revocation["statusListCredential"].removeprefix(PUBLIC) + "/publish")
    assert publish.status_code == 204


def test_a_status_entry_may_be_asked_for_in_the_credential(db, client, on) -> None:
    credential = issue(
        client,
        {
            **CREDENTIAL,
            "id": "urn:uuid:0c7f0e63-5b2e-4b7e-8a2c-6d9e3f1a2b44",
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
        },
    )
    entry = credential["credentialStatus"]
    assert entry["statusPurpose"] == "revocation" and "statusListCredential" in entry
    assert ConformanceCredential.objects.get().suspension_index is None
    # An entry the credential does not have is refused; one that does not match too.
    assert set_status(client, credential["id"], "suspension", True).status_code == 400
    wrong = post(
        client,
        "/vc-api/credentials/status",
        {
            "credentialId": credential["id"],
            "credentialStatus": {
                **entry,
                "statusListIndex": str(int(entry["statusListIndex"]) ^ 1),
            },
            "status": True,
        },
    )
    assert wrong.status_code == 400
    assert verified(client, credential) == "VALID"
    exact = post(
        client,
        "/vc-api/credentials/status",
        {"credentialId": credential["id"], "credentialStatus": entry, "status": True},
    )
    assert exact.status_code == 200
    assert verified(client, credential) == "REVOKED"


def test_options_credential_id_names_a_credential_without_an_id(db, client, on) -> None:
    credential = issue(
        client,
        credentialId="example.com/ad5d541f",
        credentialStatus=[{"type": "BitstringStatusListEntry", "statusPurpose": "suspension"}],
    )
    assert "id" not in credential
    assert set_status(client, "example.com/ad5d541f", "suspension", True).status_code == 200
    assert verified(client, credential) == "SUSPENDED"


def test_the_same_credential_id_is_not_issued_twice_with_status(db, client, on) -> None:
    options: dict[str, Any] = {
        "credentialId": "urn:example:1",
        "credentialStatus": {"type": "BitstringStatusList"},
    }
    issue(client, **options)
    again = post(
        client, "/vc-api/credentials/issue", {"credential": CREDENTIAL, "options": options}
    )
    assert again.status_code == 409 and again["Content-Type"] == PROBLEM
    assert ConformanceCredential.objects.count() == 1


# --- refusals -----------------------------------------------------------------------------

DEEP = '{"credential": ' + "[" * 100_000 + "]" * 100_000 + "}"
STATUS_REQUEST = {"type": "BitstringStatusListEntry"}
BAD_ISSUE_BODIES = {
    "not JSON": "{",
    "not UTF-8": b"\xff\xfe",
    "nested too deep": DEEP,
    "an array": [CREDENTIAL],
    "no credential": {"options": {}},
    "an unknown field": {"credential": CREDENTIAL, "extra": 1},
    "credential not an object": {"credential": "text"},
    "no @context": {"credential": {k: v for k, v in CREDENTIAL.items() if k != "@context"}},
    "VC 1.1 context": {
        "credential": {**CREDENTIAL, "@context": ["https://www.w3.org/2018/credentials/v1"]}
    },
    "no VerifiableCredential type": {"credential": {**CREDENTIAL, "type": ["Other"]}},
    "no credentialSubject": {
        "credential": {k: v for k, v in CREDENTIAL.items() if k != "credentialSubject"}
    },
    "an empty credentialSubject": {"credential": {**CREDENTIAL, "credentialSubject": {}}},
    "a proof already": {"credential": {**CREDENTIAL, "proof": {"type": "DataIntegrityProof"}}},
    "a bad validFrom": {"credential": {**CREDENTIAL, "validFrom": "yesterday"}},
    "an id not a string": {"credential": {**CREDENTIAL, "id": 7}},
    "a number outside I-JSON": {"credential": {**CREDENTIAL, "credentialSubject": {"n": 2**60}}},
    "options not an object": {"credential": CREDENTIAL, "options": []},
    "an unsupported option": {"credential": CREDENTIAL, "options": {"mandatoryPointers": ["/a"]}},
    "a bad credentialId": {"credential": CREDENTIAL, "options": {"credentialId": 5}},
    "status without a way to name the credential": {
        "credential": CREDENTIAL,
        "options": {"credentialStatus": STATUS_REQUEST},
    },
    "an unknown status type": {
        "credential": {**CREDENTIAL, "id": "urn:x:1"},
        "options": {"credentialStatus": {"type": "StatusList2021Entry"}},
    },
    "an unknown status purpose": {
        "credential": {**CREDENTIAL, "id": "urn:x:1"},
        "options": {"credentialStatus": {**STATUS_REQUEST, "statusPurpose": "message"}},
    },
}


@pytest.mark.parametrize("body", BAD_ISSUE_BODIES.values(), ids=BAD_ISSUE_BODIES.keys())
def test_a_malformed_issue_request_is_a_400_problem(db, client, on, body) -> None:
    response = post(client, "/vc-api/credentials/issue", body)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    assert not ConformanceCredential.objects.exists()


BAD_STATUS_BODIES = {
    "not JSON": ("{", 400),
    "an array": ([], 400),
    "no credentialId": ({"credentialStatus": STATUS_REQUEST, "status": True}, 400),
    "status not a boolean": (
        {"credentialId": "urn:c:1", "credentialStatus": STATUS_REQUEST, "status": "true"},
        400,
    ),
    "no credentialStatus": ({"credentialId": "urn:c:1", "status": True}, 400),
    "an empty credentialStatus": (
        {"credentialId": "urn:c:1", "credentialStatus": [], "status": True},
        400,
    ),
    "no purpose": (
        {"credentialId": "urn:c:1", "credentialStatus": STATUS_REQUEST, "status": True},
        400,
    ),
    "an unknown field": (
        {
            "credentialId": "urn:c:1",
            "credentialStatus": {**STATUS_REQUEST, "statusPurpose": "revocation"},
            "status": True,
            "reason": "x",
        },
        400,
    ),
    "an unknown credential": (
        {
            "credentialId": "urn:c:unknown",
            "credentialStatus": {**STATUS_REQUEST, "statusPurpose": "revocation"},
            "status": True,
        },
        404,
    ),
}


@pytest.mark.parametrize(("body", "code"), BAD_STATUS_BODIES.values(), ids=BAD_STATUS_BODIES.keys())
def test_a_malformed_status_request_is_a_problem(db, client, on, body, code) -> None:
    issue(client, credentialId="urn:c:1", credentialStatus=STATUS_REQUEST)
    response = post(client, "/vc-api/credentials/status", body)
    assert response.status_code == code, response.content
    assert response["Content-Type"] == PROBLEM


def test_an_unknown_status_list_is_404(db, client, on) -> None:
    response = client.get("/vc-api/status-lists/message")
    assert response.status_code == 404 and response["Content-Type"] == PROBLEM


# --- never in production ------------------------------------------------------------------


def _import_settings(**environment: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "VC_API_")) and key != "DATABASE_URL"
    }
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_mode_refuses_the_test_issuer() -> None:
    production = {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "a-real-secret-for-this-test-only",
        "LABEL_MASTER_KEY": base64.urlsafe_b64encode(bytes(32)).decode(),
        "TRANSPARENCY_LOG_KEY": base64.b64encode(bytes(32)).decode(),
    }
    assert _import_settings(**production).returncode == 0
    refused = _import_settings(**production, VC_API_TEST_ISSUER="true")
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr and "VC_API_TEST_ISSUER" in refused.stderr


def test_the_deploy_check_reports_the_test_issuer(settings) -> None:
    def ids() -> set[str | None]:
        found = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
        return {message.id for message in found}

    assert "labels.E002" not in ids()
    settings.VC_API_TEST_ISSUER = True
    assert "labels.E002" in ids()
