"""The bodies' Bitstring Status Lists as served (CONTRACTS §4), and issuance: one label per
certificate version, two random status entries per label."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django.utils.cache import get_max_age

from certification.models import Certificate, CertificateStatus, Status
from labels import keys, services, statuslists, tasks
from labels.models import Label, LabelEvent, StatusList
from labels.vc.statuslist import (
    ENTRY_TYPE,
    LIST_CREDENTIAL_TYPE,
    LIST_TYPE,
    MINIMUM_LENGTH,
    Bitstring,
    ttl_seconds,
)
from labels.vc.verifier import Reason
from labels.verification import verify
from tests.conftest import a_session_waits_on_a_lock, build_application
from tests.labels.conftest import PUBLIC, served_list, status_entries

BODY_DID = "did:web:labels.example.cn:bodies:cqc"


@pytest.mark.parametrize("purpose", ["revocation", "suspension"])
def test_a_label_carries_one_entry_per_purpose_pointing_at_our_lists(label, purpose) -> None:
    entries = label.credential["credentialStatus"]
    assert [entry["statusPurpose"] for entry in entries] == ["revocation", "suspension"]
    index = getattr(label, f"{purpose}_index")
    url = f"{PUBLIC}/status/cqc/{purpose}/1"
    assert status_entries(label)[purpose] == {
        "id": f"{url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


@pytest.mark.parametrize("purpose", ["revocation", "suspension"])
def test_the_served_list_is_a_signed_list_credential_of_the_body(label, anon, purpose) -> None:
    response = served_list(anon, label, purpose)

    assert response["Content-Type"] == "application/vc+ld+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    credential = response.json()
    url = f"{PUBLIC}/status/cqc/{purpose}/1"
    assert credential["id"] == url
    assert credential["type"] == ["VerifiableCredential", LIST_CREDENTIAL_TYPE]
    assert credential["issuer"] == BODY_DID
    subject = credential["credentialSubject"]
    assert (subject["type"], subject["statusPurpose"]) == (LIST_TYPE, purpose)
    assert subject["encodedList"].startswith("u")
    bitstring = Bitstring.decode(subject["encodedList"])
    assert len(bitstring) >= 131_072
    assert len(bitstring) == MINIMUM_LENGTH
    assert list(bitstring.set_indexes()) == []
    assert credential["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    assert credential["proof"]["verificationMethod"] == keys.verification_method(label.signing_key)
    # The list is itself a credential our verifier accepts.
    assert verify(credential).reason == Reason.VALID


@pytest.mark.parametrize("ttl", [1, 300, 3600])
def test_cache_control_max_age_equals_the_list_ttl(issue_label, anon, settings, ttl) -> None:
    settings.STATUS_LIST_TTL_SECONDS = ttl
    label = issue_label()

    for purpose in ("revocation", "suspension"):
        response = served_list(anon, label, purpose)
        credential = response.json()
        assert credential["credentialSubject"]["ttl"] == ttl * 1000
        assert get_max_age(response) == ttl_seconds(credential) == ttl
        assert "public" in response["Cache-Control"]


def test_cache_control_max_age_follows_the_served_list_not_the_current_setting(
    issue_label,
    anon,
    settings,
) -> None:
    """A list signed before a change of STATUS_LIST_TTL_SECONDS keeps its ttl until it is
    re-signed (a status change, or a week later): the header must say the same."""
    settings.STATUS_LIST_TTL_SECONDS = 60
    label = issue_label()
    settings.STATUS_LIST_TTL_SECONDS = 600

    response = served_list(anon, label, "revocation")

    assert get_max_age(response) == ttl_seconds(response.json())


def test_an_unknown_status_list_is_404(label, anon) -> None:
    assert anon.get("/status/cqc/revocation/2").status_code == 404
    assert anon.get("/status/cqc/expiry/1").status_code == 404
    assert anon.get("/status/nobody/revocation/1").status_code == 404


def test_status_list_indexes_are_random_not_sequential(issue_label) -> None:
    labels = [issue_label() for _ in range(20)]

    for purpose in ("revocation", "suspension"):
        indexes = [getattr(label, f"{purpose}_index") for label in labels]
        assert len(set(indexes)) == 20
        assert sorted(indexes) != list(range(20))
        assert sorted(indexes) != list(range(min(indexes), min(indexes) + 20))
        assert all(0 <= index < MINIMUM_LENGTH for index in indexes)
        assert len({getattr(label, f"{purpose}_list_id") for label in labels}) == 1
    assert [label.revocation_index for label in labels] != [
        label.suspension_index for label in labels
    ]
    assert StatusList.objects.get(purpose="revocation").allocated == 20


def test_issuing_twice_returns_the_same_label_and_creates_one_row(world) -> None:
    certificate = build_application(world, Status.APPROVED).certificate

    first = services.label_issue(certificate_id=certificate.pk)
    second = services.label_issue(certificate_id=certificate.pk)
    third = Label.objects.get(pk=tasks.label_issue(certificate.pk))

    assert first.pk == second.pk == third.pk
    assert first.credential == second.credential
    assert Label.objects.filter(certificate=certificate).count() == 1
    assert LabelEvent.objects.filter(label=first, action="issued").count() == 1
    assert StatusList.objects.get(purpose="revocation").allocated == 1


def test_issuing_moves_the_certificate_from_pending_to_valid(world) -> None:
    certificate = build_application(world, Status.APPROVED).certificate
    assert certificate.status == CertificateStatus.PENDING_LABEL

    label = services.label_issue(certificate_id=certificate.pk)

    assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.VALID
    assert (label.certificate_version, label.gtin) == (1, certificate.product.gtin)
    assert label.issuer == BODY_DID


def test_the_sweep_issues_labels_an_approval_left_pending(world) -> None:
    waiting = build_application(world, Status.APPROVED).certificate
    recent = build_application(world, Status.APPROVED).certificate
    Certificate.objects.filter(pk=waiting.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )

    assert tasks.labels_issue_pending() == 1

    assert Label.objects.filter(certificate=waiting).count() == 1
    assert Label.objects.filter(certificate=recent).count() == 0
    assert tasks.labels_issue_pending() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two sessions at once: PostgreSQL")
def test_a_status_change_and_an_issuance_of_one_body_do_not_deadlock(world, issue_label) -> None:
    """An issuance holds the body's key and then takes its open list; a status change of
    another label sets its bit in that list. Both take the body first: the second waits and
    goes on, where taking the list first deadlocked."""
    label = issue_label()
    body = world.body
    holding_key, go_on, errors = threading.Event(), threading.Event(), []

    def issuance() -> None:
        try:
            with transaction.atomic():
                keys.signing_key_active(body)  # the body's lock, as an issuance takes it
                holding_key.set()
                go_on.wait(timeout=10)
                statuslists.allocate_index(body, "suspension", "suspension_index")
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    def status_change() -> None:
        try:
            statuslists.set_bit(label.suspension_list_id, label.suspension_index, True)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=issuance)
    first.start()
    assert holding_key.wait(timeout=10)
    second = threading.Thread(target=status_change)
    second.start()
    assert a_session_waits_on_a_lock()  # the status change, on the body or on the list
    go_on.set()
    first.join(timeout=20)
    second.join(timeout=20)

    assert errors == []
    suspension = StatusList.objects.get(pk=label.suspension_list_id)
    assert Bitstring.from_bytes(bytes(suspension.bits)).get(label.suspension_index)
