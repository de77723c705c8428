"""The API's sign-in: a token for a username and password."""

from axes.helpers import get_cool_off
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response


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


class TokenObtainApi(ObtainAuthToken):
    """POST /api/v1/auth/token/. django-axes counts the failures: once it locks the username
    out from this address, the answer is 429, not the 400 of a wrong password."""

    @extend_schema(
        responses={
            200: AuthTokenSerializer,
            400: OpenApiResponse(description="Wrong username or password."),
            429: OpenApiResponse(description="Locked out after too many failed sign-ins."),
        }
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        try:
            return super().post(request, *args, **kwargs)
        except exceptions.ValidationError:
            # Set by axes' backend or failure handler on the request authenticate() was given.
            if getattr(request, "axes_locked_out", False):
                raise LockedOut() from None
            raise
