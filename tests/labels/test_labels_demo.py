"""From the demo data to a label anyone can verify: the approved certificate's label is issued by
the task the approval queued for after commit, and it verifies with `manage.py verify_label`, on
the public page and through POST /vc-api/credentials/verify (CONTRACTS §3, §8)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from certification.models import Application, Certificate, CertificateStatus, Status
from labels.models import CertificateDocument, Label, LabelEvent, LabelStatus
from labels.verification import verify
from oversight.demo import seed_demo
from tests.labels.conftest import (
    PUBLIC,
    demo_body,
    json_bytes,
    page_checks,
    run_verify_label,
    text_by_testid,
)

CHECKS = [
    "format",
    "issuer",
    "proof",
    "validity",
    "status:revocation",
    "status:suspension",
    "log",
]


@pytest.fixture
def demo_label(demo) -> Label:
    return Label.objects.get()


def test_approval_queues_the_label_for_after_commit_and_nobody_issues_it_by_hand(
    db,
    django_capture_on_commit_callbacks,
) -> None:
    call_command("load_reference", stdout=StringIO())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        seed_demo()
    certificate = Certificate.objects.get()
    assert certificate.status == CertificateStatus.PENDING_LABEL
    assert Label.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()

    label = Label.objects.get()
    assert label.certificate == certificate
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID


def test_the_demo_ends_with_one_approved_certificate_and_its_issued_label(demo_label) -> None:
    approved = Application.objects.get(status=Status.APPROVED)
    assert (
        Application.objects.exclude(pk=approved.pk).filter(certificate__isnull=False).count() == 0
    )
    certificate = approved.certificate
    assert demo_label.certificate == certificate
    assert demo_label.certificate_version == 1
    assert demo_label.status == LabelStatus.VALID
    assert certificate.status == CertificateStatus.VALID
    assert list(LabelEvent.objects.filter(label=demo_label).values_list("action", flat=True)) == [
        "issued"
    ]
    # The certificate PDF was rendered by the task queued after the issuance committed.
    assert CertificateDocument.objects.filter(label=demo_label).count() == 1

    subject = demo_label.credential["credentialSubject"]
    assert demo_label.credential["issuer"] == "did:web:labels.example.cn:bodies:cqc-demo"
    assert subject["labelSerial"] == demo_label.serial
    assert subject["certificateNumber"] == certificate.number
    assert subject["product"]["gtin"] == "urn:gtin:06901234567816"
    assert subject["holder"] == {
        "name": "绿能电池有限公司 GreenCell Batteries",
        "USCC": "91110000600037341L",
    }
    assert subject["footprint"]["value"] == "75.4"
    assert subject["footprint"]["stages"] == [
        {"stage": "raw_material", "value": "61.25"},
        {"stage": "production", "value": "14.15"},
    ]
    assert demo_label.signing_key.body == demo_body()


def test_verify_label_accepts_the_demo_label_by_serial(demo_label) -> None:
    code, output = run_verify_label(demo_label.serial)

    assert code == 0
    lines = output.splitlines()
    assert [line.split(": ")[0] for line in lines[:-1]] == [f"ok   {name}" for name in CHECKS]
    assert lines[-1] == "VALID"


def test_verify_label_accepts_the_demo_label_as_a_credential_file(demo_label, tmp_path) -> None:
    path = tmp_path / "label.json"
    path.write_bytes(json_bytes(demo_label.credential))

    code, output = run_verify_label(str(path), "--json")

    assert code == 0
    result = json.loads(output)
    assert result["verified"] is True
    assert result["reason"] == "VALID"
    assert [(check["name"], check["ok"]) for check in result["checks"]] == [
        (name, True) for name in CHECKS
    ]


def test_verify_label_exits_non_zero_for_a_tampered_file(demo_label, tmp_path) -> None:
    tampered = json.loads(json.dumps(demo_label.credential))
    tampered["credentialSubject"]["footprint"]["value"] = "7.54"
    path = tmp_path / "tampered.json"
    path.write_bytes(json_bytes(tampered))

    code, output = run_verify_label(str(path))

    assert code == 1
    assert output.splitlines()[-1] == "TAMPERED"
    assert "FAIL proof:" in output


def test_verify_label_refuses_an_unknown_serial(demo_label) -> None:
    with pytest.raises(CommandError, match="no such file and no label with this serial"):
        run_verify_label("ZZZZZZZZZZZZ")


def test_the_public_page_of_the_demo_label_shows_valid_and_every_check(
    demo_label,
    anon,
) -> None:
    response = anon.get(f"/labels/{demo_label.serial}/")

    assert response.status_code == 200
    assert text_by_testid(response, "label-status") == "✓ VALID"
    assert text_by_testid(response, "reason") == "VALID"
    assert page_checks(response) == [(name, True) for name in CHECKS]
    assert text_by_testid(response, "footprint") == "75.4 kgCO2e / 1 kWh of battery energy capacity"
    assert demo_label.certificate.number in response.content.decode()


def test_the_verification_endpoint_accepts_the_demo_label(demo_label, anon) -> None:
    response = anon.post(
        "/vc-api/credentials/verify",
        {"verifiableCredential": demo_label.credential, "options": {}},
        content_type="application/json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["verified"] is True
    assert body["reason"] == "VALID"
    assert [(check["name"], check["ok"]) for check in body["checks"]] == [
        (name, True) for name in CHECKS
    ]


def test_the_demo_credential_served_publicly_is_the_one_that_verifies(demo_label, anon) -> None:
    response = anon.get(f"/labels/{demo_label.serial}/credential.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+ld+json"
    assert response.json() == demo_label.credential
    assert verify(response.content).reason == "VALID"
    assert (
        demo_label.credential["credentialSubject"]["id"] == f"{PUBLIC}/labels/{demo_label.serial}/"
    )
