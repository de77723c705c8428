"""django-allauth, fitted to the platform: sign-in and the second factor come from allauth;
accounts are created only by our registration and invitations."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.http import HttpRequest

from config.cipher import master_cipher


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Enterprises register at accounts:register; everyone else is invited.
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        """django-axes counts wrong passwords and locks the username out from the address (429),
        on this sign-in as on the API's; allauth's own count would refuse earlier, with another
        message. allauth still limits wrong second-factor codes."""


class MfaAdapter(DefaultMFAAdapter):
    def get_totp_issuer(self) -> str:
        return settings.MFA_TOTP_ISSUER

    def encrypt(self, text: str) -> str:
        """Authenticator-app secrets and recovery-code seeds are stored encrypted with the
        platform's master key: a copy of the database alone does not give anyone's codes."""
        return master_cipher().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return master_cipher().decrypt(encrypted_text.encode()).decode()
