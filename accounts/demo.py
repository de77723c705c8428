"""The embedded demo's second factor: staff demo logins get an authenticator app with a secret
anyone can derive, so that the demo (and the browser tests) can sign in. Never in production:
`manage.py seed_demo` seeds these only in the embedded default (settings.EMBEDDED), and
`manage.py demo_totp` refuses outside it."""

import base64
import hashlib
import time

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings

from .models import User

_DEMO_SECRET_PREFIX = b"carbonlabel-demo-totp:"


def demo_totp_secret(username: str) -> str:
    """The demo login's TOTP secret (base32, as authenticator apps take it)."""
    digest = hashlib.sha256(_DEMO_SECRET_PREFIX + username.encode()).digest()[:20]
    return base64.b32encode(digest).decode("ascii")


def demo_totp_enrol(user: User) -> Authenticator:
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return existing or TOTP.activate(user, demo_totp_secret(user.username)).instance


def demo_totp_has_secret(user: User) -> bool:
    """Whether the person's authenticator app is the demo one (and not one they set up)."""
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return totp is not None and decrypt(totp.data["secret"]) == demo_totp_secret(user.username)


def demo_totp_code(username: str, *, at: float | None = None) -> tuple[str, int]:
    """The current code and the seconds it stays current."""
    now = time.time() if at is None else at
    period = settings.MFA_TOTP_PERIOD
    counter = int(now) // period
    code = format_hotp_value(hotp_value(demo_totp_secret(username), counter))
    return code, period - int(now) % period
