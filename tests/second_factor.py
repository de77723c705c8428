"""Signing people in for tests as the sign-in form would: staff with their second factor given.

`sign_in(client, user)` is `client.force_login(user)` plus, for people who must have a second
factor, an enrolled authenticator app and a second factor recorded in the session (as allauth
records it after the code). The enforcement itself stays on: tests/accounts/test_mfa.py signs
staff in without it and checks they reach nothing else.
"""

import time

from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.conf import settings
from django.test import Client

from accounts.models import User
from accounts.selectors import user_needs_second_factor

# Base32, as authenticator apps take it.
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_enrol(user: User, secret: str = TEST_TOTP_SECRET) -> Authenticator:
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return existing or TOTP.activate(user, secret).instance


def totp_code(secret: str = TEST_TOTP_SECRET, *, periods_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or `periods_ahead` periods later)."""
    counter = int(time.time()) // settings.MFA_TOTP_PERIOD + periods_ahead
    return format_hotp_value(hotp_value(secret, counter))


def second_factor_record(client: Client, user: User, *, seconds_ago: float = 0) -> None:
    """Record in the client's session that `user` gave the second factor `seconds_ago`."""
    authenticator = totp_enrol(user)
    session = client.session
    records = list(session.get(AUTHENTICATION_METHODS_SESSION_KEY) or [])
    records.append(
        {"method": "mfa", "at": time.time() - seconds_ago, "id": authenticator.pk, "type": "totp"}
    )
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()


def sign_in(client: Client, user: User) -> Client:
    """force_login, and for staff their second factor just given."""
    client.force_login(user)
    if user_needs_second_factor(user):
        second_factor_record(client, user)
    return client


def api_token(user: User) -> str:
    """The key of `user`'s API token, for staff as if obtained with a current code."""
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import ApiTokenSecondFactor

    token = Token.objects.get_or_create(user=user)[0]
    if user_needs_second_factor(user):
        totp_enrol(user)
        ApiTokenSecondFactor.objects.update_or_create(
            token=token, defaults={"verified_at": timezone.now()}
        )
    return token.key


# Older than MFA_STEP_UP_SECONDS (15 minutes by default).
STALE_SECONDS = 16 * 60


def sign_in_long_ago(client: Client, user: User) -> Client:
    """force_login, with the second factor given more than MFA_STEP_UP_SECONDS ago."""
    client.force_login(user)
    second_factor_record(client, user, seconds_ago=STALE_SECONDS)
    return client


def asks_for_step_up(response, page: str) -> bool:
    """Whether the answer sends the person to give the second factor again, then to `page`."""
    from urllib.parse import quote

    return response.status_code == 302 and response["Location"] == (
        f"/accounts/2fa/reauthenticate/?next={quote(page, safe='')}"
    )
