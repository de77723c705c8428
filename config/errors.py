"""The site's answers to failures outside a view's own handling (``handler404``,
``handler500``): problem+json under ``/api/``, the portal's pages elsewhere, and 503 rather than
500 when the database or the object store cannot be reached, whichever part of the request met
it."""

import json
import sys
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

from config.api import (
    DATABASE_RETRY_AFTER_SECONDS,
    PROBLEM_CONTENT_TYPE,
    problem_body,
    unavailable_problem,
)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _problem(body: dict[str, Any]) -> HttpResponse:
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=body["status"],
        content_type=PROBLEM_CONTENT_TYPE,
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return _problem(
            problem_body(
                status_code=404,
                title=_("Not found."),
                detail=_("No such address in the API."),
                code="not_found",
            )
        )
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this while handling the exception, so it is still at hand.
    unavailable = unavailable_problem(sys.exc_info()[1])
    if unavailable is not None:
        if _is_api(request):
            response = _problem(unavailable)
        else:
            # Rendered without a request: the portal's context needs the database.
            response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
    if _is_api(request):
        return _problem(
            problem_body(
                status_code=500,
                title=_("Server error"),
                detail=_("The request could not be completed."),
                code="server_error",
            )
        )
    return defaults.server_error(request)
