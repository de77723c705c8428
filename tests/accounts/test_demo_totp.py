"""The demo's second factor: seed_demo gives staff demo logins a derivable TOTP secret (never
enterprise logins, never production), and `manage.py demo_totp USER` prints the current code in
the embedded demo only."""

import time
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.demo import demo_totp_code, demo_totp_enrol
from config.settings import DEFAULT_SECRET_KEY
from oversight.demo import PEOPLE
from tests.factories import UserFactory
from tests.second_factor import totp_enrol

pytestmark = pytest.mark.django_db


@pytest.fixture
def embedded(settings):
    settings.EMBEDDED = True
    settings.SECRET_KEY = DEFAULT_SECRET_KEY


def _demo_totp(username: str) -> str:
    out = StringIO()
    call_command("demo_totp", username, stdout=out)
    return out.getvalue()


def test_demo_totp_prints_the_current_code(embedded) -> None:
    demo_totp_enrol(UserFactory(username="reviewer"))

    printed = _demo_totp("reviewer")

    # The code of the period the command ran in, or of the next if one began meanwhile.
    now = time.time()
    codes = {demo_totp_code("reviewer", at=at)[0] for at in (now - 30, now)}
    assert printed.split()[0] in codes


def test_demo_totp_refuses_outside_the_embedded_default(settings) -> None:
    demo_totp_enrol(UserFactory(username="reviewer"))
    settings.EMBEDDED = False

    with pytest.raises(CommandError, match="embedded demo"):
        _demo_totp("reviewer")

    settings.EMBEDDED = True
    settings.SECRET_KEY = "a-production-secret-key-of-some-length"
    with pytest.raises(CommandError, match="embedded demo"):
        _demo_totp("reviewer")


def test_demo_totp_refuses_people_without_a_demo_secret(embedded) -> None:
    totp_enrol(UserFactory(username="own-app"))
    UserFactory(username="no-app")

    for username in ("own-app", "no-app", "nobody"):
        with pytest.raises(CommandError, match="no demo authenticator"):
            _demo_totp(username)


@pytest.mark.parametrize("debug", [True, False])
def test_seed_demo_enrols_staff_only_in_the_embedded_demo(settings, debug) -> None:
    settings.EMBEDDED = debug
    call_command("seed_demo", "--no-supervision", stdout=StringIO())

    enrolled = set(
        Authenticator.objects.filter(type=Authenticator.Type.TOTP).values_list(
            "user__username", flat=True
        )
    )

    staff = {
        username
        for username, _name, _key, role in PEOPLE
        if role not in ("enterprise_admin", "enterprise_member", "marketplace_admin")
    }
    assert enrolled == (staff if debug else set())
