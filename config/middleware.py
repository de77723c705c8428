"""NUL characters in a request's path or query string are refused up front: PostgreSQL cannot
store or compare text holding them, so whichever lookup met one would fail as a server error. A
path with one names nothing (404); a query parameter with one is invalid (400). The API answers
problem+json; the other pages, the platform's error pages. It runs before every middleware that
reads the path, the query or the database, and inside those that only write the security
headers on the way out (config/settings.py, MIDDLEWARE), so that a refusal carries them too."""

import json
from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from .api import PROBLEM_CONTENT_TYPE, problem_body

NUL = "\x00"


def nul_refusal(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    def middleware(request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            refusal = _refusal(request)
            if refusal is not None:
                return refusal
        elif NUL in request.path:
            raise Http404
        elif any(NUL in name or NUL in "".join(values) for name, values in request.GET.lists()):
            raise BadRequest("Null characters are not allowed.")
        return get_response(request)

    return middleware


def _refusal(request: HttpRequest) -> HttpResponse | None:
    if NUL in request.path:
        body = problem_body(
            status_code=404,
            title=_("Not found."),
            detail=_("No such address in the API."),
            code="not_found",
        )
        return _problem(body)
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            body = problem_body(
                status_code=400,
                title="Validation failed",  # as config.api.problem_exception_handler has it
                detail="One or more fields are invalid.",
                code="invalid",
                extra={"errors": {name.replace(NUL, ""): [_("Null characters are not allowed.")]}},
            )
            return _problem(body)
    return None


def _problem(body: dict) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=body["status"],
        content_type=PROBLEM_CONTENT_TYPE,
    )
