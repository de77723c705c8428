"""The PACT host endpoints (CONTRACTS §7): plain Django views, because PACT errors are
`{"code", "message"}` rather than the problem details of the platform's own API.

Every endpoint is HTTPS only: a plain-HTTP request is answered 403 AccessDenied (the token
endpoint: 400 invalid_request) without looking at its credentials, and never redirected, since a
redirect would come after the client had already sent its secret or token in the clear. Behind
the TLS-terminating proxy, `X-Forwarded-Proto: https` counts as HTTPS
(SECURE_PROXY_SSL_HEADER).
"""

import base64
import binascii
import uuid
from collections.abc import Callable
from functools import wraps
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from config.parsers import json_storable

from . import conf, events, filters, odata, selectors, services
from .errors import (
    AccessDenied,
    BadRequest,
    NoSuchFootprint,
    OAuthError,
    PactError,
    TokenExpired,
    pact_json,
)
from .index import footprints_index
from .models import EventKind, PartnerClient
from .representation import product_footprint


def _pact_endpoint(methods: tuple[str, ...]) -> Callable:
    """HTTPS check, allowed methods, and PACT errors as responses."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                if not (request.is_secure() or conf.allow_http()):
                    raise AccessDenied("This endpoint is served over HTTPS only.")
                if request.method not in methods:
                    response = BadRequest(f"Use {' or '.join(methods)}.").response()
                    response.status_code = 405
                    response["Allow"] = ", ".join(methods)
                    return response
                return view(request, *args, **kwargs)
            except PactError as error:
                return error.response()

        return csrf_exempt(never_cache(wrapped))

    return decorate


def _client(request: HttpRequest) -> PartnerClient:
    """The client of the request's bearer token. An unknown or malformed token is 400
    BadRequest, as the PACT conformance tests expect; an expired one is 401 TokenExpired."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise BadRequest(
            "Send an access token from POST /auth/token as 'Authorization: Bearer <token>'."
        )
    token = selectors.access_token_get(raw.strip())
    if token is None or not token.client.is_active:
        raise BadRequest("Invalid token provided.")
    if token.expires_at <= timezone.now():
        raise TokenExpired("The access token has expired; request a new one.")
    return token.client


# --- POST {base}/auth/token ---------------------------------------------------------------


@csrf_exempt
@never_cache
def token(request: HttpRequest) -> HttpResponse:
    """OAuth 2.0 client credentials grant (RFC 6749 §4.4), client authenticated with HTTP
    Basic."""
    try:
        if not (request.is_secure() or conf.allow_http()):
            raise OAuthError("invalid_request", "The token endpoint is served over HTTPS only.")
        if request.method != "POST":
            raise OAuthError("invalid_request", "Use POST.")
        client = _basic_client(request)
        grant_type = request.POST.get("grant_type")
        if not grant_type:
            raise OAuthError("invalid_request", "grant_type is missing.")
        if grant_type != "client_credentials":
            raise OAuthError(
                "unsupported_grant_type", "Only the client_credentials grant is supported."
            )
    except OAuthError as error:
        return error.response()
    raw, lifetime = services.access_token_issue(client=client)
    response = pact_json({"access_token": raw, "token_type": "bearer", "expires_in": lifetime})
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _basic_client(request: HttpRequest) -> PartnerClient:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    failed = OAuthError("invalid_client", "Authentication failed.")
    if scheme.lower() != "basic":
        raise failed
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise failed from None
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise failed
    # RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
    client = services.client_authenticate(
        unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))
    )
    if client is None:
        raise failed
    return client


# --- GET {base}/{2,3}/footprints ----------------------------------------------------------


@_pact_endpoint(("GET", "HEAD"))
def footprint_list(request: HttpRequest, spec: int) -> HttpResponse:
    client = _client(request)
    limit, offset = _paging(request)
    criteria = filters.criteria_from_query(request.GET) if spec == 3 else filters.Criteria()
    predicates = _odata_filter(request) if spec == 2 else []
    footprints_index()
    now = timezone.now()
    queryset = filters.apply(selectors.footprints_for_client(client, spec=spec), criteria, now=now)
    queryset = odata.apply(queryset, predicates)
    views, more = selectors.footprint_page(queryset, offset=offset, limit=limit)
    response = pact_json({"data": [product_footprint(view, spec=spec, now=now) for view in views]})
    if more:
        query = request.GET.copy()
        # limit=0 asks for an empty page; its next link carries the page size, since a link
        # that kept limit=0 would lead to the same empty page for ever.
        page_size = limit or min(conf.page_size(), conf.max_page_size())
        query["limit"] = str(page_size)
        query["offset"] = str(offset + limit)
        # Absolute, on the host the request came to, as the spec requires.
        next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        response["Link"] = f'<{next_url}>; rel="next"'
    return response


def _odata_filter(request: HttpRequest) -> list:
    """The v2 `$filter` (pact/odata.py); an empty one filters nothing."""
    values = request.GET.getlist("$filter")
    if len(values) > 1:
        raise BadRequest("Give $filter once; combine conditions with 'and'.")
    return odata.parse(values[0]) if values else []


def _paging(request: HttpRequest) -> tuple[int, int]:
    """`limit` is a uint with minimum 0 in both OpenAPI files: 0 is a valid, empty page."""
    limit = _whole_number(request.GET.get("limit"), "limit", default=conf.page_size())
    offset = _whole_number(request.GET.get("offset"), "offset", default=0)
    return min(limit, conf.max_page_size()), offset


def _whole_number(value: str | None, name: str, *, default: int) -> int:
    if value is None:
        return default
    # ASCII digits only: "²".isdigit() is true, yet int() refuses it.
    if not (value.isascii() and value.isdigit()):
        raise BadRequest(f"{name} must be a whole number.")
    if len(value.lstrip("0")) > 18:  # beyond what the database's LIMIT/OFFSET take
        raise BadRequest(f"{name} is too large.")
    return int(value)


# --- GET {base}/{2,3}/footprints/{id} -----------------------------------------------------


@_pact_endpoint(("GET", "HEAD"))
def footprint_detail(request: HttpRequest, spec: int, footprint_id: str) -> HttpResponse:
    client = _client(request)
    missing = NoSuchFootprint(f"No footprint has the id {footprint_id!r}.", spec=spec)
    try:
        pf_id = uuid.UUID(footprint_id)
    except ValueError:
        raise missing from None
    footprint = selectors.footprint_get(pf_id)
    if footprint is None and footprints_index():
        footprint = selectors.footprint_get(pf_id)
    if footprint is None:
        raise missing
    if not selectors.client_may_read(client, footprint):
        raise AccessDenied("The data owner has not shared this footprint with your client.")
    if spec == 2 and not footprint.v2_declared_unit:
        raise NoSuchFootprint(
            f"The footprint {footprint_id} has a declared unit that PACT 2.x "
            f"cannot express; read it under /3.",
            spec=2,
        )
    view = selectors.footprint_views([footprint])[0]
    return pact_json({"data": product_footprint(view, spec=spec)})


# --- POST {base}/{2,3}/events -------------------------------------------------------------


@_pact_endpoint(("POST",))
def events_endpoint(request: HttpRequest, spec: int) -> HttpResponse:
    """Accepts the four event kinds of the version. A footprint request is answered later by
    the task `pact_request_answer`; the others are recorded. Accepted events get 200 with an
    empty body, as the spec recommends."""
    client = _client(request)
    try:
        event = json_storable(request.body or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        raise BadRequest(
            "The body is not JSON that can be stored (no NaN or Infinity, no NUL character, "
            "no lone surrogate)."
        ) from None
    kind = events.event_kind(spec, event)
    if kind == EventKind.REQUEST_CREATED:
        events.request_criteria(spec, event["data"])
        if not client.outbound_events_url:
            raise BadRequest(
                "No events endpoint is registered for your client, so a request "
                "could not be answered; ask the platform operator to add one."
            )
    services.event_receive(
        client=client,
        spec=spec,
        kind=kind,
        event=event,
        events_url=request.build_absolute_uri(reverse(f"pact:events-{spec}")),
    )
    response = HttpResponse(status=200)
    del response["Content-Type"]  # no body, so no media type
    return response
