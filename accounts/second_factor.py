"""The second factor: who must have one, when it was last given, and the checks that need it.

django-allauth's MFA holds the authenticators (TOTP, WebAuthn passkeys, recovery codes), asks for
one after the password and records each use in the session. Here, on top of it: a middleware that
keeps staff without an authenticator on the enrolment pages (as PyPI does), and the step-up check
that deciding, issuing, suspending, reinstating, revoking, cancelling, sanctioning and signing-key
operations make: a second factor given within MFA_STEP_UP_SECONDS, or the person gives it again.
"""

import time
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.authtoken.models import Token

from config.api import PROBLEM_CONTENT_TYPE, problem_body

from .models import ApiTokenSecondFactor, User
from .selectors import user_needs_second_factor

# The kinds of authenticator that count as a second factor; recovery codes only stand in for one.
SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
_HAS_AUTHENTICATOR_ATTR = "_has_second_factor"


def user_has_authenticator(user: User) -> bool:
    """Whether the person has enrolled an authenticator app or a passkey (cached on the user)."""
    if not user.is_authenticated or user.pk is None:
        return False
    cached = getattr(user, _HAS_AUTHENTICATOR_ATTR, None)
    if cached is None:
        cached = Authenticator.objects.filter(
            user_id=user.pk, type__in=SECOND_FACTOR_TYPES
        ).exists()
        setattr(user, _HAS_AUTHENTICATOR_ATTR, cached)
    return cached


def second_factor_given_at(request: HttpRequest) -> float | None:
    """When this session last gave a second factor (at sign-in or since), as a Unix time."""
    records = get_authentication_records(request, request.user)
    times = [record.get("at", 0) for record in records if record.get("method") == "mfa"]
    return max(times) if times else None


def second_factor_is_recent(request: HttpRequest) -> bool:
    given_at = second_factor_given_at(request)
    return given_at is not None and time.time() - given_at < settings.MFA_STEP_UP_SECONDS


def second_factor_time_is_recent(given_at: datetime | None) -> bool:
    """Whether a second factor given at `given_at` is recent enough for a named operation."""
    return given_at is not None and (
        (timezone.now() - given_at).total_seconds() < settings.MFA_STEP_UP_SECONDS
    )


def step_up_applies(user: User) -> bool:
    """Step-up is asked of everyone who must have a second factor, and of anyone who has one."""
    return user_needs_second_factor(user) or user_has_authenticator(user)


def second_factor_url(user: User, next_url: str | None = None) -> str:
    """Where to give the second factor again: the code form, or the passkey one for people with
    only a passkey."""
    has_code = Authenticator.objects.filter(
        user_id=user.pk, type__in=(Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES)
    ).exists()
    url = reverse("mfa_reauthenticate" if has_code else "mfa_reauthenticate_webauthn")
    if next_url:
        url = f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"
    return url


def _problem(*, status_code: int, title: str, detail: str, code: str) -> HttpResponse:
    body = problem_body(status_code=status_code, title=title, detail=detail, code=code)
    return JsonResponse(
        body,
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )


class SecondFactorRequiredMiddleware:
    """A signed-in person who must have a second factor and has none reaches only the enrolment
    pages, sign-out, static files, the language switch and the health checks: pages redirect to
    enrolment, the API answers 403 problem+json. A session that never gave the second factor
    (signed in by some other way than the sign-in form) is asked for it first.

    Token-authenticated API calls are checked by SecondFactorTokenAuthentication instead."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open_prefixes: tuple[str, ...] | None = None

    def open_prefixes(self) -> tuple[str, ...]:
        if self._open_prefixes is None:
            self._open_prefixes = (
                reverse("mfa_index"),
                reverse("account_reauthenticate"),
                reverse("accounts:logout"),
                reverse("set_language"),
                reverse("healthz"),
                reverse("readyz"),
                settings.STATIC_URL,
            )
        return self._open_prefixes

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(self.open_prefixes())
            and user_needs_second_factor(user)
        ):
            if not user_has_authenticator(user):
                return self.enrolment_required(request)
            if second_factor_given_at(request) is None:
                return self.second_factor_required(request, user)
        return self.get_response(request)

    def enrolment_required(self, request: HttpRequest) -> HttpResponse:
        detail = _(
            "Your role requires two-factor authentication: set up an authenticator app or a "
            "passkey before you continue."
        )
        if request.path.startswith("/api/"):
            return _problem(
                status_code=status.HTTP_403_FORBIDDEN,
                title=_("Two-factor authentication required"),
                detail=detail,
                code="mfa_enrolment_required",
            )
        if request.method == "GET":
            messages.warning(request, detail)
        return HttpResponseRedirect(reverse("mfa_index"))

    def second_factor_required(self, request: HttpRequest, user: User) -> HttpResponse:
        if request.path.startswith("/api/"):
            return _problem(
                status_code=status.HTTP_403_FORBIDDEN,
                title=_("Second factor required"),
                detail=_("Sign in again with your second factor."),
                code="second_factor_required",
            )
        next_url = request.get_full_path() if request.method == "GET" else None
        return HttpResponseRedirect(second_factor_url(user, next_url))


def _page_with_the_form(request: HttpRequest) -> str:
    """The page a POST came from (same site only), for the person to press again after the
    step-up; the start page if the browser did not say."""
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return reverse(settings.LOGIN_REDIRECT_URL)


def require_recent_second_factor(
    view: Callable | None = None,
    *,
    when: Callable[[HttpRequest], bool] | None = None,
    back: Callable[..., str] | None = None,
) -> Callable:
    """For the views of the named operations: unless the second factor was given within
    MFA_STEP_UP_SECONDS, the operation is not performed and the person is sent to give it again,
    then back to the page with the form, to press again (a POST is never replayed).

    `when(request)` limits the check to some requests of a view (one action of many);
    `back(request, *args, **kwargs)` names the page with the form (else the page the POST came
    from). Put it under @login_required."""

    def decorator(view_function: Callable) -> Callable:
        @wraps(view_function)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if (
                request.user.is_authenticated
                and (when is None or when(request))
                and step_up_applies(request.user)
                and not second_factor_is_recent(request)
            ):
                if request.method == "GET":
                    page = request.get_full_path()
                elif back is not None:
                    page = back(request, *args, **kwargs)
                else:
                    page = _page_with_the_form(request)
                messages.info(
                    request,
                    _(
                        "This operation asks for your second factor again: it was given more "
                        "than %(minutes)s minutes ago. Then press the button once more."
                    )
                    % {"minutes": settings.MFA_STEP_UP_SECONDS // 60},
                )
                return HttpResponseRedirect(second_factor_url(request.user, page))
            return view_function(request, *args, **kwargs)

        return wrapped

    return decorator(view) if view is not None else decorator


class StepUpRequired(exceptions.PermissionDenied):
    default_detail = _(
        "This operation needs a second factor given within the last minutes: sign in again with "
        "your second factor (the portal), or obtain a token again with a current code (the API)."
    )
    default_code = "step_up_required"


def api_step_up_check(request) -> None:
    """For the API views of the named operations (a DRF request). A session must have given the
    second factor recently; a token must have been obtained with a TOTP code recently."""
    user = request.user
    if not user.is_authenticated or getattr(user, "api_key", None) is not None:
        return
    if not step_up_applies(user):
        return
    token = request.auth
    if isinstance(token, Token):
        record = ApiTokenSecondFactor.objects.filter(token=token).first()
        if record is not None and second_factor_time_is_recent(record.verified_at):
            return
        raise StepUpRequired()
    if second_factor_is_recent(request._request):
        return
    raise StepUpRequired()
