"""The second factor is not replaced with the password alone. Whoever must have one keeps their
last authenticator app or passkey (a lost one goes through the admin); an authenticator app
enrolled next to an existing factor is no second factor given; and whoever has a second factor
confirms with it, not with the password, before changing their authenticators or reading their
recovery codes. Otherwise a session left open and the password reach a fresh second factor,
and every operation that asks for one."""

import time

import pytest
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts.models import User
from labels.models import Label, LabelStatus
from tests.second_factor import (
    TEST_TOTP_SECRET,
    asks_for_step_up,
    second_factor_record,
    sign_in,
    sign_in_long_ago,
    totp_code,
    totp_enrol,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
NEW_SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"


def _client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _with_password(user: User) -> User:
    user.set_password(PASSWORD)
    user.save()
    return user


def _passkey(user: User) -> Authenticator:
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": "Key", "credential": {}}
    )


def _passkey_given(client: Client, passkey: Authenticator, *, seconds_ago: float = 0) -> None:
    """Record in the session that the passkey was given `seconds_ago` (at sign-in)."""
    session = client.session
    records = list(session.get(AUTHENTICATION_METHODS_SESSION_KEY) or [])
    records.append(
        {"method": "mfa", "at": time.time() - seconds_ago, "id": passkey.pk, "type": "webauthn"}
    )
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(passkey.user_id)
    session.save()


def _reauthenticated(client: Client, method: str, *, seconds_ago: float = 0) -> None:
    """Record in the session a reauthentication by `method` (as allauth records one)."""
    session = client.session
    records = list(session.get(AUTHENTICATION_METHODS_SESSION_KEY) or [])
    records.append({"method": method, "at": time.time() - seconds_ago, "reauthenticated": True})
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session.save()


def _types(user: User) -> set[str]:
    return set(Authenticator.objects.filter(user=user).values_list("type", flat=True))


def _suspend(client: Client, label: Label):
    return client.post(
        f"/portal/labels/{label.serial}/status/",
        {"action": "suspend", "reason": "Surveillance audit.", "confirm": "1"},
    )


# --- the last authenticator stays -----------------------------------------------------------


def test_staff_do_not_deactivate_their_last_authenticator_app(world) -> None:
    client = sign_in(_client(), world.body_admin)
    RecoveryCodes.activate(world.body_admin)
    _reauthenticated(client, "mfa")

    response = client.post(reverse("mfa_deactivate_totp"))

    assert response.status_code == 200
    assert "add another authenticator app or passkey" in response.content.decode()
    assert _types(world.body_admin) == {"totp", "recovery_codes"}


def test_staff_deactivate_the_app_when_a_passkey_remains(world) -> None:
    client = sign_in(_client(), world.body_admin)
    _passkey(world.body_admin)
    _reauthenticated(client, "mfa")

    response = client.post(reverse("mfa_deactivate_totp"))

    assert response.status_code == 302
    assert _types(world.body_admin) == {"webauthn"}


def test_staff_do_not_remove_their_last_passkey(world) -> None:
    client = _client()
    client.force_login(world.reviewer)
    passkey = _passkey(world.reviewer)
    _passkey_given(client, passkey)
    _reauthenticated(client, "mfa")

    response = client.post(reverse("mfa_remove_webauthn", args=[passkey.pk]), follow=True)

    assert "add another authenticator app or passkey" in response.content.decode()
    assert _types(world.reviewer) == {"webauthn"}

    totp_enrol(world.reviewer)
    client.post(reverse("mfa_remove_webauthn", args=[passkey.pk]))

    assert _types(world.reviewer) == {"totp"}


def test_people_not_required_to_have_one_remove_their_own(world) -> None:
    totp_enrol(world.enterprise_admin)
    client = sign_in(_client(), world.enterprise_admin)
    second_factor_record(client, world.enterprise_admin)
    _reauthenticated(client, "mfa")

    response = client.post(reverse("mfa_deactivate_totp"))

    assert response.status_code == 302
    assert _types(world.enterprise_admin) == set()


# --- an app added next to a second factor is no second factor given ---------------------------


def test_an_app_added_next_to_a_passkey_does_not_count_as_given(world, label) -> None:
    client = _client()
    client.force_login(world.body_admin)
    _passkey_given(client, _passkey(world.body_admin), seconds_ago=16 * 60)
    # A reauthentication that gave no second factor: the password (as it was accepted before).
    _reauthenticated(client, "password")
    activate = reverse("mfa_activate_totp")
    session = client.session
    session[SECRET_SESSION_KEY] = NEW_SECRET  # the secret the activation page showed
    session.save()

    response = client.post(activate, {"code": totp_code(NEW_SECRET)})

    assert response.status_code == 302
    assert "totp" in _types(world.body_admin)
    assert asks_for_step_up(_suspend(client, label), f"/portal/labels/{label.serial}/")
    assert Label.objects.get(pk=label.pk).status == LabelStatus.VALID


# --- the password does not stand in for the second factor -----------------------------------


def test_with_a_second_factor_the_password_does_not_reauthenticate(world, label) -> None:
    admin = _with_password(world.body_admin)
    client = sign_in_long_ago(_client(), admin)
    RecoveryCodes.activate(admin)

    # The recovery codes, the app's deactivation and a new passkey ask for the second factor.
    for page in (
        reverse("mfa_view_recovery_codes"),
        reverse("mfa_deactivate_totp"),
        reverse("mfa_add_webauthn"),
    ):
        assert client.get(page)["Location"].startswith(reverse("mfa_reauthenticate")), page
    # The password page sends there too, and the password posted to it counts for nothing.
    given = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert given["Location"].startswith(reverse("mfa_reauthenticate"))
    codes = client.get(reverse("mfa_view_recovery_codes"))
    assert codes["Location"].startswith(reverse("mfa_reauthenticate"))
    assert client.post(reverse("mfa_deactivate_totp"))["Location"].startswith(
        reverse("mfa_reauthenticate")
    )
    assert _types(admin) == {"totp", "recovery_codes"}
    assert asks_for_step_up(_suspend(client, label), f"/portal/labels/{label.serial}/")

    # The code itself does, and is the second factor given.
    client.post(reverse("mfa_reauthenticate"), {"code": totp_code(TEST_TOTP_SECRET)})

    assert client.get(reverse("mfa_view_recovery_codes")).status_code == 200
    _suspend(client, label)
    assert Label.objects.get(pk=label.pk).status == LabelStatus.SUSPENDED


def test_without_a_second_factor_the_password_reauthenticates_to_enrol(world) -> None:
    reviewer = _with_password(world.reviewer)
    client = _client()
    client.force_login(reviewer)

    response = client.post(
        reverse("account_reauthenticate") + "?next=" + reverse("mfa_activate_totp"),
        {"password": PASSWORD},
    )

    assert response["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
