"""django-axes: the address it locks a username's failures with, and the page a person sees
when it has locked their log-in (how long it lasts)."""

import math

from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

PROBLEM_JSON = "application/problem+json"


def client_address(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the client's address as the last of ``API_NUM_PROXIES``
    trusted proxies saw it (the rule of DRF's throttles, ``NUM_PROXIES``), else the
    connection's. Behind a proxy the connection's address is the proxy's for everyone: locking
    by it would let anyone lock any username out. Without proxies, X-Forwarded-For is the
    client's to write and is ignored."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if settings.API_NUM_PROXIES and forwarded:
        addresses = forwarded.split(",")
        return addresses[-min(settings.API_NUM_PROXIES, len(addresses))].strip()
    return request.META.get("REMOTE_ADDR")


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
