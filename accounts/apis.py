"""The API's sign-in: a token for a username and password, and for staff a current TOTP code."""

from allauth.core import ratelimit
from allauth.mfa.models import Authenticator
from axes.helpers import get_cool_off
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response

from . import services
from .second_factor import user_has_authenticator
from .selectors import user_needs_second_factor


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = _(
        "Too many failed sign-ins: this account is locked for a while from this address."
    )
    default_code = "locked_out"

    def __init__(self) -> None:
        super().__init__()
        cool_off = get_cool_off()
        self.wait = int(cool_off.total_seconds()) if cool_off else None  # → Retry-After


class EnrolmentRequired(exceptions.PermissionDenied):
    default_detail = _(
        "Your role requires two-factor authentication: set up an authenticator app in the "
        "portal first."
    )
    default_code = "mfa_enrolment_required"


class OtpRequired(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("Give the current code of your authenticator app in the field otp.")
    default_code = "otp_required"


class OtpInvalid(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("The code is incorrect or was already used.")
    default_code = "otp_invalid"


class OtpRateLimited(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = _("Too many wrong codes: wait a few minutes.")
    default_code = "otp_rate_limited"


class TokenInput(AuthTokenSerializer):
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=16,
        help_text="The current code of the authenticator app (required for staff).",
    )


def _otp_check(request: Request, user, code: str) -> None:
    """The TOTP code, counted against the same limit as the sign-in form's second step."""
    key = f"mfa-auth-user-{user.pk}"
    if not ratelimit.consume(request._request, action="login_failed", key=key):
        raise OtpRateLimited()
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is None or not totp.wrap().validate_code(code):
        raise OtpInvalid()
    totp.record_usage()
    ratelimit.clear(request._request, action="login_failed", key=key)


class TokenObtainApi(ObtainAuthToken):
    """POST /api/v1/auth/token/. django-axes counts the failures: once it locks the username
    out from this address, the answer is 429, not the 400 of a wrong password. Staff (and anyone
    with an authenticator app) also give `otp`, the app's current code; staff who have not
    enrolled one in the portal are refused (403)."""

    serializer_class = TokenInput

    @extend_schema(
        request=TokenInput,
        responses={
            200: inline_serializer("TokenOutput", {"token": serializers.CharField()}),
            400: OpenApiResponse(
                description="Wrong username or password; for staff, a missing or wrong code "
                "(otp_required, otp_invalid)."
            ),
            403: OpenApiResponse(
                description="Staff without an authenticator app (mfa_enrolment_required)."
            ),
            429: OpenApiResponse(
                description="Locked out after too many failed sign-ins, or too many wrong codes."
            ),
        },
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except exceptions.ValidationError:
            # Set by axes' backend or failure handler on the request authenticate() was given.
            if getattr(request, "axes_locked_out", False):
                raise LockedOut() from None
            raise
        user = serializer.validated_data["user"]
        code = serializer.validated_data.get("otp", "")
        needs = user_needs_second_factor(user)
        has = user_has_authenticator(user)
        if needs and not has:
            raise EnrolmentRequired()
        given = False
        if has and Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            if not code:
                raise OtpRequired()
            _otp_check(request, user, code)  # raises unless the code is right
            given = True
        elif needs:
            # Only a passkey: it cannot be given to the API.
            raise OtpRequired()
        # Only a code checked here counts: a token got with the password alone (a passkey holder
        # whose role asks for no second factor) must not later pass for one that had it.
        token = services.api_token_issue(user=user, second_factor_given=given)
        return Response({"token": token.key})
