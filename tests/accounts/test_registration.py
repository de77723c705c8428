"""An enterprise's registration is confirmed by a link e-mailed to the address it gave: until
then the account cannot log in, and when the link runs out the registration is deleted, so that
nobody holds an address, a user name or a credit code they have not shown to be theirs."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Membership, Organisation, User
from accounts.tasks import expired_registrations_delete
from config.throttles import RegistrationThrottle
from tests.accounts.test_portal_details import PASSWORD, registration
from tests.factories import ProductFactory, UserFactory, make_uscc

pytestmark = pytest.mark.django_db

CONFIRM_PATH = re.compile(r"/accounts/register/confirm/[^/\s]+/")


def _client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _register(client: Client, capture, **changes) -> str:
    """Register; the path of the link the e-mail carries (sent once the registration commits)."""
    mail.outbox.clear()
    with capture(execute=True):
        response = client.post(reverse("accounts:register"), registration(**changes))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("accounts:registration_sent")
    [message] = mail.outbox
    match = CONFIRM_PATH.search(str(message.body))
    assert match, message.body
    return match.group(0)


def _signs_in(client: Client, username: str = "lina") -> bool:
    response = client.post(reverse("accounts:login"), {"login": username, "password": PASSWORD})
    return "_auth_user_id" in client.session and response.status_code == 302


def test_a_registration_waits_for_its_link_and_then_signs_in(django_capture_on_commit_callbacks):
    client = _client()
    link = _register(client, django_capture_on_commit_callbacks)

    user = User.objects.get(username="lina")
    assert not user.is_active and user.registration_pending
    assert "_auth_user_id" not in client.session
    [message] = mail.outbox
    assert message.to == ["lina@example.cn"]
    assert message.subject == "Confirm your registration on the carbon label platform"
    assert "Suzhou Solar" in message.body and "lina" in message.body
    assert user.last_language == "en"

    # The right password says what is missing; nobody is signed in.
    refused = client.post(reverse("accounts:login"), {"login": "lina", "password": PASSWORD})
    assert refused["Location"] == reverse("accounts:registration_sent")
    assert "_auth_user_id" not in client.session
    page = client.get(refused["Location"])
    assert b"Your registration is not confirmed yet" in page.content
    # A wrong password says nothing of the registration.
    wrong = client.post(reverse("accounts:login"), {"login": "lina", "password": "not it"})
    assert wrong.status_code == 200
    assert b"not confirmed" not in wrong.content

    # Opening the link changes nothing (mail scanners open links); the button confirms.
    shown = client.get(link)
    assert shown.status_code == 200
    assert b"lina@example.cn" in shown.content and b"Suzhou Solar" in shown.content
    user.refresh_from_db()
    assert not user.is_active
    confirmed = client.post(link)
    assert confirmed["Location"] == reverse("accounts:login")
    user.refresh_from_db()
    assert user.is_active and not user.registration_pending
    assert Membership.objects.filter(
        user=user, role="enterprise_admin", organisation__name="Suzhou Solar"
    ).exists()

    assert _signs_in(client)
    # The link is spent.
    assert _client().get(link).status_code == 404
    assert _client().post(link).status_code == 404


def test_a_forged_or_foreign_link_confirms_nothing(django_capture_on_commit_callbacks):
    link = _register(_client(), django_capture_on_commit_callbacks)
    user = User.objects.get(username="lina")
    token = link.rstrip("/").rsplit("/", 1)[1]

    tampered = link.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    other_salt = signing.dumps(user.pk, salt="accounts.something-else")
    # An account an administrator deactivated is not a registration: its link does nothing.
    deactivated = UserFactory(is_active=False)
    for path in (
        tampered,
        reverse("accounts:registration_confirm", args=[other_salt]),
        reverse("accounts:registration_confirm", args=["not-a-token"]),
        reverse(
            "accounts:registration_confirm",
            args=[signing.dumps(deactivated.pk, salt=services.REGISTRATION_SALT)],
        ),
    ):
        assert _client().post(path).status_code == 404, path
    user.refresh_from_db()
    deactivated.refresh_from_db()
    assert not user.is_active and not deactivated.is_active


def test_a_link_that_ran_out_confirms_nothing_and_the_registration_is_deleted(
    django_capture_on_commit_callbacks, settings
):
    link = _register(_client(), django_capture_on_commit_callbacks)
    organisation = Organisation.objects.get(name="Suzhou Solar")
    waiting = UserFactory(
        is_active=False, registration_expires_at=timezone.now() + timedelta(days=9)
    )
    deactivated = UserFactory(is_active=False)

    with time_machine.travel(
        timezone.now() + timedelta(hours=settings.REGISTRATION_HOURS, seconds=1)
    ):
        assert _client().post(link).status_code == 404
        assert not User.objects.get(username="lina").is_active
        assert expired_registrations_delete() == 1
        assert expired_registrations_delete() == 0  # again: nothing left to do

    assert not User.objects.filter(username="lina").exists()
    assert not Organisation.objects.filter(pk=organisation.pk).exists()
    assert User.objects.filter(pk__in=[waiting.pk, deactivated.pk]).count() == 2


def test_an_expired_registration_something_refers_to_is_kept(django_capture_on_commit_callbacks):
    _register(_client(), django_capture_on_commit_callbacks)
    organisation = Organisation.objects.get(name="Suzhou Solar")
    ProductFactory(enterprise=organisation)  # written by an operator meanwhile (PROTECT)
    User.objects.filter(username="lina").update(registration_expires_at=timezone.now())

    assert services.expired_registrations_delete() == 0
    assert User.objects.filter(username="lina").exists()
    assert Organisation.objects.filter(pk=organisation.pk).exists()


def test_a_waiting_registration_holds_its_address_name_and_code_until_it_runs_out(
    django_capture_on_commit_callbacks,
):
    _register(_client(), django_capture_on_commit_callbacks)
    again = registration(username="lina2", email="other@example.cn")

    # While the link is good, the first registration holds what it gave.
    for changes, field in (
        ({"username": "lina2"}, "email"),
        ({"email": "other@example.cn"}, "username"),
        ({**again, "uscc": registration()["uscc"]}, "uscc"),
    ):
        response = _client().post(reverse("accounts:register"), {**registration(), **changes})
        assert response.status_code == 200
        assert response.context["form"].has_error(field), field

    # Once it ran out, the same address, user name and code register anew.
    User.objects.filter(username="lina").update(registration_expires_at=timezone.now())
    _register(_client(), django_capture_on_commit_callbacks)
    [user] = User.objects.filter(username="lina")
    expires_at = user.registration_expires_at
    assert user.registration_pending and expires_at is not None and expires_at > timezone.now()
    assert Organisation.objects.filter(uscc=registration()["uscc"]).count() == 1


def test_the_link_is_sent_again_only_to_a_waiting_registration(
    django_capture_on_commit_callbacks, monkeypatch
):
    link = _register(_client(), django_capture_on_commit_callbacks)
    mail.outbox.clear()
    client = _client()
    url = reverse("accounts:registration_sent")

    with django_capture_on_commit_callbacks(execute=True):
        waiting = client.post(url, {"email": "LINA@example.cn"})
        unknown = client.post(url, {"email": "nobody@example.cn"})
        UserFactory(email="active@example.cn")
        active = client.post(url, {"email": "active@example.cn"})
    # The same answer each time: it says nothing of which addresses are registered.
    assert waiting["Location"] == unknown["Location"] == active["Location"] == url
    [message] = mail.outbox
    assert message.to == ["lina@example.cn"]
    assert CONFIRM_PATH.search(str(message.body))
    bad = client.post(url, {"email": "not an address"})
    assert bad.status_code == 200 and bad.context["form"].has_error("email")
    # Both links confirm the same registration; the first is as good as the second.
    assert client.post(link)["Location"] == reverse("accounts:login")

    monkeypatch.setattr(RegistrationThrottle, "rate", "1/hour", raising=False)
    elsewhere = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.9")
    assert elsewhere.post(url, {"email": "lina@example.cn"}).status_code == 302
    throttled = elsewhere.post(url, {"email": "lina@example.cn"})
    assert throttled.status_code == 429
    assert b'data-testid="throttled"' in throttled.content


def test_an_invitation_to_an_address_a_waiting_registration_took_makes_the_account(
    world, django_capture_on_commit_callbacks
):
    """Someone registered with the address first and never confirmed it; the person invited to
    it shows with the link that it is theirs: the unconfirmed registration gives way."""
    _register(
        _client(),
        django_capture_on_commit_callbacks,
        email="dm@body.example",
        username="squatter",
        uscc=make_uscc("91320500MA1M00001"),
    )
    squatted = Organisation.objects.get(name="Suzhou Solar")
    _invitation, token = services.invitation_create(
        actor=world.body_admin, organisation=world.body, email="dm@body.example", role="reviewer"
    )
    client = _client()
    url = reverse("accounts:invitation_accept", args=[token])

    page = client.get(url)
    assert b'data-testid="sign-in-to-accept"' not in page.content
    response = client.post(
        url, {"display_name": "Real", "username": "realdm", "password": PASSWORD}
    )

    assert response.status_code == 302
    real = User.objects.get(email__iexact="dm@body.example")
    assert real.username == "realdm" and real.is_active and not real.registration_pending
    assert Membership.objects.filter(user=real, organisation=world.body, role="reviewer").exists()
    assert not User.objects.filter(username="squatter").exists()
    assert not Organisation.objects.filter(pk=squatted.pk).exists()
