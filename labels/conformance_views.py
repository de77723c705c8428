"""The VC-API test issuer's endpoints (labels/conformance.py): 404 unless VC_API_TEST_ISSUER.

No authentication: the switch is for a local instance that a conformance suite drives, and
production mode refuses to start with it on.
"""

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt

from config.api import PROBLEM_CONTENT_TYPE, problem_body

from . import conformance
from .vc.statuslist import ttl_seconds

TITLES = {400: "Invalid request", 404: "Not found", 405: "Method not allowed", 409: "Conflict"}


def _problem(status: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse(
        problem_body(status_code=status, title=TITLES[status], detail=detail, code=code),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )


def _test_issuer(method: str) -> Callable:
    """Answer 404 while the switch is off (whatever the method), 405 for another method, and
    a problem for each refusal of the test issuer."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not conformance.enabled():
                return _problem(404, "The VC-API test issuer is off.", "not_found")
            if request.method != method and not (method == "GET" and request.method == "HEAD"):
                response = _problem(405, f"Use {method}.", "method_not_allowed")
                response["Allow"] = method
                return response
            try:
                return view(request, *args, **kwargs)
            except conformance.ConformanceRequestError as error:
                code = {404: "not_found", 409: "conflict"}.get(error.status, "invalid")
                return _problem(error.status, error.detail, code)

        return wrapped

    return decorate


def _json_body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError, RecursionError) as error:  # too deep, too
        raise conformance.ConformanceRequestError("the body is not JSON") from error


@_test_issuer("POST")
def issue(request: HttpRequest) -> HttpResponse:
    """W3C VC-API issueCredential: ``{"credential", "options"}`` → 201
    ``{"verifiableCredential"}``."""
    body = _json_body(request)
    if not isinstance(body, dict) or "credential" not in body:
        raise conformance.ConformanceRequestError('Send {"credential": …, "options": {…}}.')
    # The EdDSA suite sends a JSON-LD "@context" beside them; it says nothing to this issuer.
    unknown = sorted(set(body) - {"credential", "options", "@context"})
    if unknown:
        raise conformance.ConformanceRequestError(f"unknown fields: {', '.join(unknown)}")
    signed = conformance.conformance_credential_issue(
        credential=body["credential"], options=body.get("options")
    )
    return JsonResponse({"verifiableCredential": signed}, status=201)


@_test_issuer("POST")
def status(request: HttpRequest) -> HttpResponse:
    """W3C VC-API updateCredentialStatus: ``{"credentialId", "credentialStatus", "status"}``."""
    return JsonResponse(conformance.conformance_status_set(request=_json_body(request)))


@_test_issuer("GET")
def status_list(request: HttpRequest, purpose: str) -> HttpResponse:
    signed = conformance.conformance_status_list_get(purpose)
    response = JsonResponse(signed, content_type="application/vc+ld+json")
    patch_cache_control(response, public=True, max_age=ttl_seconds(signed))
    response["Access-Control-Allow-Origin"] = "*"
    return response


@_test_issuer("POST")
def status_list_publish(request: HttpRequest, purpose: str) -> HttpResponse:
    """For suites that ask an issuer to publish its list after a change: ours is current."""
    conformance.conformance_status_list_get(purpose)
    return HttpResponse(status=204)
