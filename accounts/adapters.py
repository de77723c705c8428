"""django-allauth, fitted to the platform: sign-in and the second factor come from allauth;
accounts are created only by our registration and invitations."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from config.cipher import master_cipher

from .second_factor import SECOND_FACTOR_TYPES
from .selectors import user_needs_second_factor


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Enterprises register at accounts:register; everyone else is invited.
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        """django-axes counts wrong passwords and locks the username out from the address (429),
        on this sign-in as on the API's; allauth's own count would refuse earlier, with another
        message. allauth still limits wrong second-factor codes."""

    def get_reauthentication_methods(self, user: AbstractBaseUser | AnonymousUser) -> list[dict]:
        """Whoever has a second factor confirms with it, not with the password, before changing
        their authenticators or reading their recovery codes: the password alone (and a session
        left open) would otherwise reach a second factor of its own, a new passkey or an unused
        recovery code, and with it every operation that asks for a fresh one. The password
        stays for those who have none yet, to enrol."""
        methods = super().get_reauthentication_methods(user)
        if any(method["id"].startswith("mfa_reauthenticate") for method in methods):
            return [method for method in methods if method["id"] != "reauthenticate"]
        return methods


class MfaAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Your role requires a second factor: add another authenticator app or passkey "
            "before you remove this one. A lost one is removed by a platform administrator."
        ),
    }

    def get_totp_issuer(self) -> str:
        return settings.MFA_TOTP_ISSUER

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Whoever must have a second factor keeps one: the last authenticator app or passkey
        is not removed by its owner (whom the password and an open session would then let
        enrol one of their own, a second factor just given). A lost one goes through the
        admin, which removes it and sends the person to enrol again."""
        if authenticator.type not in SECOND_FACTOR_TYPES:
            return True
        user = authenticator.user
        if not user_needs_second_factor(user):
            return True
        return (
            Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_FACTOR_TYPES)
            .exclude(pk=authenticator.pk)
            .exists()
        )

    def encrypt(self, text: str) -> str:
        """Authenticator-app secrets and recovery-code seeds are stored encrypted with the
        platform's master key: a copy of the database alone does not give anyone's codes."""
        return master_cipher().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return master_cipher().decrypt(encrypted_text.encode()).decode()
