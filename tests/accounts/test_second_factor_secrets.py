"""Second-factor secrets are stored encrypted with the platform's master key."""

import importlib

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import validate_totp_code
from django.apps import apps

from config.cipher import master_cipher
from tests.second_factor import TEST_TOTP_SECRET, totp_code, totp_enrol

pytestmark = pytest.mark.django_db

migration = importlib.import_module("accounts.migrations.0005_encrypt_second_factor_secrets")


def test_an_authenticator_app_secret_is_stored_encrypted(reviewer) -> None:
    authenticator = totp_enrol(reviewer)
    authenticator.refresh_from_db()
    stored = authenticator.data["secret"]
    assert TEST_TOTP_SECRET not in stored
    assert master_cipher().decrypt(stored.encode()).decode() == TEST_TOTP_SECRET
    # and the codes the app shows are still accepted
    assert validate_totp_code(TEST_TOTP_SECRET, totp_code())


def test_recovery_codes_come_from_an_encrypted_seed(reviewer) -> None:
    totp_enrol(reviewer)
    codes = RecoveryCodes.activate(reviewer)
    stored = Authenticator.objects.get(pk=codes.instance.pk).data["seed"]
    seed = master_cipher().decrypt(stored.encode()).decode()
    assert seed not in stored
    unused = codes.get_unused_codes()
    assert len(unused) > 0
    assert codes.validate_code(unused[0])
    assert not codes.validate_code(unused[0])  # each code once


def test_secrets_stored_in_the_clear_before_are_encrypted_by_the_migration(reviewer) -> None:
    authenticator = totp_enrol(reviewer)
    Authenticator.objects.filter(pk=authenticator.pk).update(data={"secret": TEST_TOTP_SECRET})

    migration.encrypt(apps, None)

    stored = Authenticator.objects.get(pk=authenticator.pk).data["secret"]
    assert stored != TEST_TOTP_SECRET
    assert master_cipher().decrypt(stored.encode()).decode() == TEST_TOTP_SECRET
    migration.decrypt(apps, None)
    assert Authenticator.objects.get(pk=authenticator.pk).data["secret"] == TEST_TOTP_SECRET
