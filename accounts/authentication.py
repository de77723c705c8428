"""Token authentication for the people's API (kept apart from the views: DRF imports it
while its own views module loads)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .models import ApiTokenSecondFactor
from .selectors import user_needs_second_factor


class SecondFactorTokenAuthentication(TokenAuthentication):
    """DRF's token authentication; a staff token works only if obtained with a TOTP code."""

    def authenticate_credentials(self, key: str):
        user, token = super().authenticate_credentials(key)
        if (
            user_needs_second_factor(user)
            and not ApiTokenSecondFactor.objects.filter(token=token).exists()
        ):
            raise exceptions.AuthenticationFailed(
                _(
                    "This token was obtained without a second factor: obtain it again with the "
                    "code of your authenticator app (otp)."
                ),
                code="second_factor_required",
            )
        return user, token
