"""Multi-factor authentication (issue 13): staff without a second factor reach nothing but the
enrolment pages; sign-in asks for the code; enrolment, recovery codes and the admin's sign-in."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import User
from tests.factories import UserFactory, make_uscc
from tests.second_factor import (
    sign_in,
    totp_code,
    totp_enrol,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
STAFF = [
    "body_admin",
    "reviewer",
    "technical_reviewer",
    "decision_maker",
    "regulator",
    "platform_admin",
]
# Representative pages of every part of the portal, the admin and the public site.
PAGES = [
    "/",
    "/portal/",
    "/portal/applications/",
    "/portal/inbox/",
    "/portal/labels/",
    "/portal/labels/keys/",
    "/portal/supervision/certificates/",
    "/portal/oversight/blacklist/",
    "/portal/oversight/dashboard/",
    "/portal/complaints/",
    "/accounts/organisations/",
    "/admin/",
    "/admin/accounts/user/",
    "/statistics/",
]


def _client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _with_password(user: User) -> User:
    user.set_password(PASSWORD)
    user.save()
    return user


def _signed_in(client: Client) -> User | None:
    user_id = client.session.get(SESSION_KEY)
    return User.objects.get(pk=user_id) if user_id else None


def _superuser() -> User:
    return UserFactory(username="root", is_superuser=True, is_staff=True)


# --- staff without a second factor -----------------------------------------------------------


@pytest.mark.parametrize("persona", [*STAFF, "superuser"])
def test_staff_without_a_second_factor_are_sent_to_enrolment_from_every_page(
    world, persona
) -> None:
    user = _superuser() if persona == "superuser" else world.persona(persona)
    client = _client()
    client.force_login(user)

    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"] == reverse("mfa_index"), page
    # A form posted anywhere is not acted on either.
    response = client.post("/portal/applications/new/", {})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")


@pytest.mark.parametrize("persona", STAFF)
def test_the_api_answers_403_to_staff_without_a_second_factor(world, persona) -> None:
    client = _client()
    client.force_login(world.persona(persona))

    response = client.get("/api/v1/applications/")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "mfa_enrolment_required"


def test_the_enrolment_pages_sign_out_and_health_checks_stay_open(world) -> None:
    client = _client()
    client.force_login(world.reviewer)

    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("healthz")).status_code == 200
    assert client.post(reverse("set_language"), {"language": "en"}).status_code == 302
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert _signed_in(client) is None


@pytest.mark.parametrize("persona", ["enterprise_admin", "enterprise_member"])
def test_enterprise_people_are_not_forced_to_enrol(world, persona) -> None:
    client = _client()
    client.force_login(world.persona(persona))

    assert client.get("/portal/").status_code == 200
    assert client.get("/api/v1/applications/").status_code == 200


def test_an_enrolled_session_that_never_gave_the_second_factor_is_asked_for_it(world) -> None:
    totp_enrol(world.decision_maker)
    client = _client()
    client.force_login(world.decision_maker)

    page = client.get("/portal/applications/")
    api = client.get("/api/v1/applications/")

    assert page.status_code == 302
    assert page["Location"] == reverse("mfa_reauthenticate") + "?next=%2Fportal%2Fapplications%2F"
    assert api.status_code == 403
    assert api.json()["code"] == "second_factor_required"


def test_with_the_second_factor_given_staff_reach_the_portal(world) -> None:
    client = sign_in(_client(), world.reviewer)

    assert client.get("/portal/").status_code == 200
    assert client.get("/api/v1/applications/").status_code == 200


# --- enrolment -------------------------------------------------------------------------------


def test_a_reviewer_enrols_an_authenticator_app_with_a_code(world) -> None:
    reviewer = _with_password(world.reviewer)
    client = _client()
    response = client.post(reverse("accounts:login"), {"login": "reviewer", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == reverse("mfa_index")

    # Enrolment asks for the password once more, then shows the secret (and its QR code).
    activate = reverse("mfa_activate_totp")
    response = client.get(activate)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": PASSWORD})
    assert response.status_code == 302
    page = client.get(activate)
    assert page.status_code == 200
    secret_match = re.search(
        r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"|value="([A-Z2-7]+)"[^>]*id="authenticator_secret"',
        page.content.decode(),
    )
    assert secret_match is not None
    secret = secret_match.group(1) or secret_match.group(2)

    wrong = client.post(activate, {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert not Authenticator.objects.filter(user=reviewer).exists()

    response = client.post(activate, {"code": totp_code(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=reviewer, type=Authenticator.Type.TOTP).exists()
    # Recovery codes came with it, and the portal is open: the activation code counted.
    assert Authenticator.objects.filter(
        user=reviewer, type=Authenticator.Type.RECOVERY_CODES
    ).exists()
    assert client.get("/portal/").status_code == 200


# --- signing in ------------------------------------------------------------------------------


def _password_step(client: Client, username: str) -> None:
    response = client.post(reverse("accounts:login"), {"login": username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")


def test_the_sign_in_asks_staff_for_the_code_and_refuses_a_wrong_one(world) -> None:
    decision_maker = _with_password(world.decision_maker)
    totp_enrol(decision_maker)
    client = _client()

    _password_step(client, "decision_maker")
    # Not signed in between the password and the code.
    assert _signed_in(client) is None
    assert client.get("/portal/").status_code == 302
    wrong = "000000" if totp_code() != "000000" else "111111"
    response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert response.status_code == 200
    assert b"Incorrect code" in response.content
    assert _signed_in(client) is None

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})

    assert response.status_code == 302
    assert _signed_in(client) == decision_maker
    assert client.get("/portal/").status_code == 200


def test_a_code_is_accepted_once(world) -> None:
    regulator = _with_password(world.regulator)
    totp_enrol(regulator)
    code = totp_code()
    first, second = _client(), _client()
    _password_step(first, "regulator")
    first.post(reverse("mfa_authenticate"), {"code": code})
    _password_step(second, "regulator")

    response = second.post(reverse("mfa_authenticate"), {"code": code})

    assert _signed_in(first) == regulator
    assert response.status_code == 200
    assert _signed_in(second) is None


def test_a_recovery_code_signs_in_once(world) -> None:
    body_admin = _with_password(world.body_admin)
    totp_enrol(body_admin)
    code = RecoveryCodes.activate(body_admin).get_unused_codes()[0]
    client = _client()
    _password_step(client, "body_admin")

    response = client.post(reverse("mfa_authenticate"), {"code": code})

    assert response.status_code == 302
    assert _signed_in(client) == body_admin
    again = _client()
    _password_step(again, "body_admin")
    response = again.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200
    assert _signed_in(again) is None


def test_enterprise_people_sign_in_with_their_password_alone(world) -> None:
    _with_password(world.enterprise_admin)
    client = _client()

    response = client.post(reverse("accounts:login"), {"login": "ent_admin", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("certification:queue")
    assert client.get("/portal/").status_code == 200


def test_the_admin_signs_in_through_the_portal_sign_in() -> None:
    response = _client().get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login") + "?next=%2Fadmin%2F"


def test_a_superuser_reaches_the_admin_after_the_code(db) -> None:
    root = _with_password(_superuser())
    totp_enrol(root)
    client = _client()
    response = client.post(
        reverse("accounts:login") + "?next=/admin/",
        {"login": "root", "password": PASSWORD, "next": "/admin/"},
    )
    assert response["Location"] == reverse("mfa_authenticate")

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})

    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_repeated_wrong_passwords_lock_the_sign_in_out_with_429(world, settings) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    _with_password(world.reviewer)
    client = _client()
    wrong = {"login": "reviewer", "password": "wrong password"}

    failures = [client.post(reverse("accounts:login"), wrong).status_code for _ in range(2)]
    locking = client.post(reverse("accounts:login"), wrong)
    right = client.post(reverse("accounts:login"), {"login": "reviewer", "password": PASSWORD})

    assert failures == [200, 200]
    assert locking.status_code == 429
    assert right.status_code == 429
    assert _signed_in(client) is None


# --- the other ways in -----------------------------------------------------------------------


def test_an_invited_reviewer_is_signed_in_and_sent_to_enrolment(world) -> None:
    _invitation, token = services.invitation_create(
        actor=world.body_admin, organisation=world.body, email="new@body.example", role="reviewer"
    )
    client = _client()

    response = client.post(
        reverse("accounts:invitation_accept", args=[token]),
        {"display_name": "New Reviewer", "username": "new_reviewer", "password": PASSWORD},
    )

    assert response.status_code == 302
    signed_in = _signed_in(client)
    assert signed_in is not None
    assert signed_in.username == "new_reviewer"
    assert client.get("/portal/")["Location"] == reverse("mfa_index")


def test_an_invitation_to_an_enrolled_person_signs_nobody_in(world) -> None:
    """The link proves the address, not the account: a person who already has one accepts
    signed in to it, past its second factor (tests/accounts/test_invitations.py)."""
    totp_enrol(world.reviewer)
    invitation, token = services.invitation_create(
        actor=world.body_admin,
        organisation=world.body,
        email=world.reviewer.email,
        role="technical_reviewer",
    )
    client = _client()
    response = client.post(
        reverse("accounts:invitation_accept", args=[token]),
        {"display_name": "x", "username": "unused_name", "password": PASSWORD},
    )

    assert response.status_code == 200
    assert _signed_in(client) is None
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not world.reviewer.memberships.filter(role="technical_reviewer").exists()


def test_an_enterprise_registers_confirms_and_signs_in_without_a_second_factor(
    db, django_capture_on_commit_callbacks
) -> None:
    client = _client()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:register"),
            {
                "name": "Suzhou Cells",
                "legal_name": "Suzhou Cells Co., Ltd.",
                "uscc": make_uscc("91320500MA1M00000"),
                "address": "1 Road",
                "province": "JS",
                "display_name": "Founder",
                "username": "founder",
                "email": "founder@cells.example",
                "password": PASSWORD,
            },
        )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert _signed_in(client) is None  # not before the address is confirmed
    [message] = mail.outbox
    link = re.search(r"/accounts/register/confirm/[^/\s]+/", str(message.body))
    assert link, message.body
    assert client.post(link.group(0))["Location"] == reverse("accounts:login")

    signed = client.post(reverse("accounts:login"), {"login": "founder", "password": PASSWORD})
    assert signed.status_code == 302
    signed_in = _signed_in(client)
    assert signed_in is not None
    assert signed_in.username == "founder"
    assert client.get("/portal/").status_code == 200
