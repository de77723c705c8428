"""Accepting an invitation: a new person makes their account with the link; a person who already
has an account with the invited address accepts signed in to it. The link alone never signs
anyone in to an existing account, nor gives a role to an account that took the address first."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import Invitation, Membership, User
from config.throttles import RegistrationThrottle
from tests.accounts.test_mfa import _client, _signed_in
from tests.second_factor import sign_in

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def _invite(world, email: str, role: str = "decision_maker") -> tuple[Invitation, str]:
    return services.invitation_create(
        actor=world.body_admin, organisation=world.body, email=email, role=role
    )


def _url(token: str) -> str:
    return reverse("accounts:invitation_accept", args=[token])


def test_an_address_taken_first_by_someone_else_gets_no_role(world) -> None:
    """Mallory registers with the address the body is about to invite; the real person opens
    the link. Nobody is signed in to Mallory's account and it gets no role."""
    mallory = User.objects.create_user(
        username="mallory", email="dm@body.example", password=PASSWORD
    )
    invitation, token = _invite(world, "DM@body.example")
    real_person = _client()

    page = real_person.get(_url(token))
    assert page.status_code == 200
    assert b'data-testid="sign-in-to-accept"' in page.content
    response = real_person.post(
        _url(token), {"display_name": "Real", "username": "realdm", "password": PASSWORD}
    )

    assert response.status_code == 200
    assert _signed_in(real_person) is None
    assert not Membership.objects.filter(user=mallory, organisation=world.body).exists()
    assert not User.objects.filter(username="realdm").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_the_owner_signed_in_to_the_account_accepts_and_stays_themselves(world) -> None:
    invitation, token = _invite(world, world.reviewer.email, role="technical_reviewer")
    client = sign_in(_client(), world.reviewer)

    assert b"Accept the invitation" in client.get(_url(token)).content
    response = client.post(_url(token))

    assert response.status_code == 302
    assert _signed_in(client) == world.reviewer
    assert world.reviewer.memberships.filter(
        organisation=world.body, role="technical_reviewer"
    ).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert client.get(_url(token)).status_code == 404  # used: the link is closed


def test_someone_else_signed_in_cannot_accept_for_the_account(world) -> None:
    invitation, token = _invite(world, world.reviewer.email, role="technical_reviewer")
    other = sign_in(_client(), world.enterprise_admin)

    response = other.post(_url(token))

    assert response.status_code == 200
    assert _signed_in(other) == world.enterprise_admin
    assert not world.reviewer.memberships.filter(role="technical_reviewer").exists()
    assert not world.enterprise_admin.memberships.filter(organisation=world.body).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_a_new_person_makes_their_account_and_is_signed_in(world) -> None:
    _invitation, token = _invite(world, "new@body.example", role="reviewer")
    client = _client()

    response = client.post(
        _url(token), {"display_name": "New", "username": "newcomer", "password": PASSWORD}
    )

    assert response.status_code == 302
    newcomer = _signed_in(client)
    assert newcomer is not None and newcomer.username == "newcomer"
    assert newcomer.email == "new@body.example"
    assert newcomer.memberships.filter(organisation=world.body, role="reviewer").exists()


def test_an_address_longer_than_an_account_keeps_is_a_field_error(world) -> None:
    client = sign_in(_client(), world.body_admin)
    email = "a" * 64 + "@" + ("b" * 63 + ".") * 3 + "cn"  # 259 characters, a valid address

    response = client.post(
        reverse("accounts:invite", args=[world.body.pk]),
        {"email": email, "role": "reviewer", "language": "en"},
    )

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not Invitation.objects.filter(email=email).exists()


def test_the_registration_form_answers_a_bounded_number_of_attempts(db, monkeypatch) -> None:
    """Each attempt says whether an address or a user name is taken: past the rate, the page
    answers 429, keeps what was typed but the password, and creates nothing."""
    monkeypatch.setattr(RegistrationThrottle, "rate", "2/hour", raising=False)
    client = _client()
    attempt = {"name": "Probe", "email": "someone@example.cn", "password": PASSWORD}
    first = client.post(reverse("accounts:register"), attempt)
    second = client.post(reverse("accounts:register"), attempt)
    third = client.post(reverse("accounts:register"), attempt)

    assert (first.status_code, second.status_code) == (200, 200)  # field errors, not throttled
    assert third.status_code == 429
    assert b'data-testid="throttled"' in third.content
    assert b"someone@example.cn" in third.content
    assert PASSWORD.encode() not in third.content
    elsewhere = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.7")
    assert elsewhere.post(reverse("accounts:register"), attempt).status_code == 200
