"""Approving (which issues the certificate and label) and refusing ask for a second factor given
within 15 minutes: in the portal, through the API with a session, and with a token obtained with
a TOTP code. The token endpoint asks staff for the code."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import ApiTokenSecondFactor
from audits.models import BlacklistEntry
from certification.models import Application, Certificate, Status
from tests.second_factor import (
    asks_for_step_up,
    sign_in,
    sign_in_long_ago,
    totp_code,
    totp_enrol,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
DECISIONS = [("approve", Status.APPROVED), ("refuse", Status.REFUSED)]


def _status(application: Application) -> str:
    return Application.objects.get(pk=application.pk).status


@pytest.mark.parametrize(("action", "after"), DECISIONS)
def test_a_decision_in_the_portal_asks_for_a_fresh_second_factor(
    world, application_at, action, after
) -> None:
    application = application_at(Status.DECISION)
    url = reverse("certification:transition", args=[application.pk])
    data = {"action": action, "comment": "Decided on the record."}

    stale = sign_in_long_ago(Client(HTTP_ACCEPT_LANGUAGE="en"), world.decision_maker)
    response = stale.post(url, data)

    assert asks_for_step_up(
        response, reverse("certification:application_detail", args=[application.pk])
    )
    assert _status(application) == Status.DECISION
    assert Certificate.objects.count() == 0

    sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), world.decision_maker).post(url, data)

    assert _status(application) == after


def test_other_steps_do_not_ask_for_it(world, application_at) -> None:
    application = application_at(Status.SUBMITTED)
    client = sign_in_long_ago(Client(HTTP_ACCEPT_LANGUAGE="en"), world.body_admin)

    client.post(
        reverse("certification:transition", args=[application.pk]),
        {"action": "accept", "comment": ""},
    )

    assert _status(application) == Status.ACCEPTED


@pytest.mark.parametrize(("action", "after"), DECISIONS)
def test_a_decision_through_the_api_with_a_session(world, application_at, action, after) -> None:
    application = application_at(Status.DECISION)
    url = reverse("api-transitions", args=[application.pk])
    data = {"action": action, "comment": "Decided."}

    stale = sign_in_long_ago(APIClient(HTTP_ACCEPT_LANGUAGE="en"), world.decision_maker)
    response = stale.post(url, data, format="json")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "step_up_required"
    assert response.json()["type"].endswith("/step_up_required")
    assert _status(application) == Status.DECISION

    fresh = sign_in(APIClient(HTTP_ACCEPT_LANGUAGE="en"), world.decision_maker)
    assert fresh.post(url, data, format="json").status_code == 200
    assert _status(application) == after


# --- tokens ----------------------------------------------------------------------------------


@pytest.fixture
def decider(world):
    world.decision_maker.set_password(PASSWORD)
    world.decision_maker.save()
    totp_enrol(world.decision_maker)
    return world.decision_maker


def _obtain(client: APIClient, username: str, **extra):
    return client.post(
        reverse("api-token"), {"username": username, "password": PASSWORD, **extra}, format="json"
    )


def test_the_token_endpoint_asks_staff_for_the_code(decider) -> None:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")

    missing = _obtain(client, "decision_maker")
    wrong = _obtain(client, "decision_maker", otp="000000" if totp_code() != "000000" else "1")
    right = _obtain(client, "decision_maker", otp=totp_code())

    assert (missing.status_code, missing.json()["code"]) == (400, "otp_required")
    assert missing["Content-Type"] == "application/problem+json"
    assert (wrong.status_code, wrong.json()["code"]) == (400, "otp_invalid")
    assert right.status_code == 200
    token = Token.objects.get(user=decider)
    assert right.json()["token"] == token.key
    assert ApiTokenSecondFactor.objects.filter(token=token).exists()


def test_staff_without_an_authenticator_get_no_token(world) -> None:
    world.reviewer.set_password(PASSWORD)
    world.reviewer.save()

    response = _obtain(APIClient(HTTP_ACCEPT_LANGUAGE="en"), "reviewer", otp="123456")

    assert (response.status_code, response.json()["code"]) == (403, "mfa_enrolment_required")
    assert not Token.objects.filter(user=world.reviewer).exists()


def test_enterprise_people_get_a_token_with_the_password_alone(world) -> None:
    world.enterprise_admin.set_password(PASSWORD)
    world.enterprise_admin.save()

    response = _obtain(APIClient(HTTP_ACCEPT_LANGUAGE="en"), "ent_admin")

    assert response.status_code == 200


def test_a_token_got_with_the_password_alone_records_no_second_factor(world) -> None:
    """An enterprise member whose only authenticator is a passkey gives the API no code: the
    token is theirs, but it must not count as one got with a second factor (were they to gain a
    role at a body, it would pass for a staff token)."""
    from allauth.mfa.models import Authenticator

    world.enterprise_admin.set_password(PASSWORD)
    world.enterprise_admin.save()
    Authenticator.objects.create(
        user=world.enterprise_admin, type=Authenticator.Type.WEBAUTHN, data={}
    )

    response = _obtain(APIClient(HTTP_ACCEPT_LANGUAGE="en"), "ent_admin")

    assert response.status_code == 200
    token = Token.objects.get(user=world.enterprise_admin)
    assert not ApiTokenSecondFactor.objects.filter(token=token).exists()


def test_a_staff_token_obtained_without_the_code_does_not_work(world) -> None:
    token = Token.objects.create(user=world.decision_maker)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Token {token.key}")

    response = client.get("/api/v1/applications/")

    assert response.status_code == 401
    assert response.json()["code"] == "second_factor_required"


@pytest.mark.parametrize(("action", "after"), DECISIONS)
def test_a_decision_with_a_token_needs_one_obtained_with_a_recent_code(
    decider, application_at, action, after
) -> None:
    application = application_at(Status.DECISION)
    token = APIClient().post(
        reverse("api-token"),
        {"username": "decision_maker", "password": PASSWORD, "otp": totp_code()},
        format="json",
    )
    client = APIClient(
        HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Token {token.json()['token']}"
    )
    url = reverse("api-transitions", args=[application.pk])
    ApiTokenSecondFactor.objects.update(verified_at=timezone.now() - timedelta(minutes=16))

    # Reading still works with the older code; deciding does not.
    assert client.get("/api/v1/applications/").status_code == 200
    stale = client.post(url, {"action": action, "comment": "Decided."}, format="json")
    assert (stale.status_code, stale.json()["code"]) == (403, "step_up_required")
    assert _status(application) == Status.DECISION

    # Obtaining the token again with a current code (the same token) allows it.
    again = _obtain(APIClient(), "decision_maker", otp=totp_code(periods_ahead=1))
    assert again.json()["token"] == token.json()["token"]
    fresh = client.post(url, {"action": action, "comment": "Decided."}, format="json")
    assert fresh.status_code == 200
    assert _status(application) == after


def test_listing_through_the_api_with_an_old_token_code_is_refused(world) -> None:
    world.regulator.set_password(PASSWORD)
    world.regulator.save()
    totp_enrol(world.regulator)
    token = _obtain(APIClient(), "regulator", otp=totp_code()).json()["token"]
    ApiTokenSecondFactor.objects.update(verified_at=timezone.now() - timedelta(minutes=16))
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Token {token}")

    response = client.post(
        reverse("api-blacklist"),
        {
            "organisation": world.body.pk,
            "reason": "False conclusions.",
            "legal_basis": "Regulations art. 62",
            "source_document": "SAMR 2026 No. 9",
            "effective_from": "2026-01-01",
        },
        format="json",
    )

    assert (response.status_code, response.json()["code"]) == (403, "step_up_required")
    assert not BlacklistEntry.objects.exists()


def test_after_giving_the_code_again_the_person_presses_once_more_and_it_is_done(
    world, application_at
) -> None:
    application = application_at(Status.DECISION)
    url = reverse("certification:transition", args=[application.pk])
    detail = reverse("certification:application_detail", args=[application.pk])
    data = {"action": "approve", "comment": "Decided on the record."}
    client = sign_in_long_ago(Client(HTTP_ACCEPT_LANGUAGE="en"), world.decision_maker)

    step_up = client.post(url, data)
    page = client.get(step_up["Location"])
    assert page.status_code == 200
    wrong = client.post(step_up["Location"], {"code": "000000" if totp_code() != "000000" else "1"})
    assert wrong.status_code == 200
    back = client.post(step_up["Location"], {"code": totp_code()})

    # Back on the page with the button; the approval was not replayed.
    assert (back.status_code, back["Location"]) == (302, detail)
    assert _status(application) == Status.DECISION
    client.post(url, data)
    assert _status(application) == Status.APPROVED
