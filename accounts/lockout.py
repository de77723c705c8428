"""The page a person sees when django-axes has locked their log-in: how long it lasts."""

import math

from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

PROBLEM_JSON = "application/problem+json"


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the portal's lockout page, saying when to try again. An API
    answer that already reports the lockout (problem+json, with Retry-After) is kept."""
    if original_response is not None and original_response.get("Content-Type", "").startswith(
        PROBLEM_JSON
    ):
        return original_response
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    response = render(
        request,
        "accounts/lockout.html",
        {"minutes": minutes, "username": get_client_username(request, credentials) or ""},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
