"""API conventions shared by every app: RFC 9457 problem details and pagination."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_BASE = "https://carbonlabel.example/problems/"
# The database is gone (restarting, failed over, out of connections): ask to come back soon.
# Django wraps the driver's errors, except where it closes a server-side cursor (`.iterator()`
# on PostgreSQL): a session cut then surfaces as psycopg's own error.
DATABASE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
try:
    import psycopg
except ImportError:  # the embedded default (SQLite) runs without the driver
    pass
else:
    DATABASE_ERRORS += (psycopg.OperationalError, psycopg.InterfaceError)
DATABASE_RETRY_AFTER_SECONDS = 30  # the object store's outages are answered alike
# A problem's title is the same for every occurrence (RFC 9457 §3.1.3); DRF's messages for these
# statuses name the method or the media type ("{method}"), which is what the detail says.
TITLES = {
    status.HTTP_405_METHOD_NOT_ALLOWED: _("Method not allowed."),
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: _("Unsupported media type."),
}
ID_MAX = 2**63 - 1  # the largest id a database integer (bigint) holds

logger = logging.getLogger(__name__)


class Pagination(pagination.PageNumberPagination):
    """Pages of 50 by default; `page_size` asks for up to 200 (more is served as 200), and
    anything but a positive integer is a 400 rather than silently the default."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request) -> int | None:
        asked = query_integer(request, self.page_size_query_param, message=_("A page size."))
        if asked is None:
            return self.page_size
        return min(asked, self.max_page_size)

    def get_page_number(self, request, paginator):
        """An empty `page` is not a number: not found, as any other (DRF would serve page 1)."""
        if request.query_params.get(self.page_query_param) == "":
            return ""
        return super().get_page_number(request, paginator)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": ID_MAX}
                parameter["description"] = (
                    f"Results per page, at most {self.max_page_size} (more gives "
                    f"{self.max_page_size})."
                )
            elif parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": ID_MAX}
        return parameters


def paginated(request, view: Any, queryset, serializer_class) -> Response:
    """A page of the list. The view names its `pagination_class`, which is what the schema
    documents, so the envelope documented is the envelope served."""
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


class SlugRelatedField(serializers.SlugRelatedField):
    """A lookup by slug that refuses text holding NUL, which PostgreSQL cannot compare: a 400
    naming the field rather than a server error."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


class Conflict(exceptions.APIException):
    """An action that the workflow does not allow in the current state (409)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "This action is not allowed in the current state."
    default_code = "conflict"


def query_integer(
    request, name: str, *, message: Any, minimum: int = 1, maximum: int = ID_MAX
) -> int | None:
    """The integer query parameter `name`, None when absent or empty; anything but ASCII digits
    between the bounds is a 400 with `message` for the field (``"²".isdigit()`` is true, yet
    ``int`` refuses it, and the database refuses integers past ``ID_MAX``)."""
    value = request.query_params.get(name, "")
    if value == "":
        return None
    if not (
        value.isascii()
        and value.isdigit()
        and len(value) <= len(str(maximum))
        and minimum <= int(value) <= maximum
    ):
        raise exceptions.ValidationError({name: [message]})
    return int(value)


def problem_body(
    *, status_code: int, title: Any, detail: Any, code: str, extra: dict | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    if extra:
        body.update(extra)
    return body


def problem_response(
    *, status_code: int, title: str, detail: Any, code: str, extra: dict | None = None
) -> Response:
    body = problem_body(status_code=status_code, title=title, detail=detail, code=code, extra=extra)
    return Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def database_unavailable_problem() -> dict[str, Any]:
    return problem_body(
        status_code=503,
        title=str(_("Service unavailable")),
        detail=str(_("The database cannot be reached. Try again shortly.")),
        code="database_unavailable",
    )


def storage_unreachable(exc: BaseException) -> bool:
    """The object store (STORAGE_URL) could not be reached or failed on its side: no connection,
    a timeout, or a 5xx answer. A refusal (403, 404) is the platform's own error, not an outage."""
    try:
        from botocore import exceptions as boto
    except ImportError:  # local files only: no object store to lose
        return False
    if isinstance(exc, (boto.ConnectionError, boto.HTTPClientError)):
        return True
    if isinstance(exc, boto.ClientError):
        return exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500
    return False


def unavailable_problem(exc: BaseException | None) -> dict[str, Any] | None:
    """The 503 problem for an exception that means a service the platform depends on is
    unreachable (the database, the object store), else None."""
    if isinstance(exc, DATABASE_ERRORS):
        return database_unavailable_problem()
    if exc is not None and storage_unreachable(exc):
        return problem_body(
            status_code=503,
            title=str(_("Service unavailable")),
            detail=str(_("The file store cannot be reached. Try again shortly.")),
            code="storage_unavailable",
        )
    return None


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    """Turn every API error into application/problem+json with a machine-readable code."""
    from config.domain_errors import WorkflowError

    unavailable = unavailable_problem(exc)
    if unavailable is not None:
        logger.warning("%s: %s", unavailable["code"], exc, exc_info=exc)
        return Response(
            unavailable,
            status=503,
            content_type=PROBLEM_CONTENT_TYPE,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, WorkflowError):
        return problem_response(
            status_code=exc.status_code,
            title="Not allowed now" if exc.status_code == 409 else "Not permitted",
            detail=exc.message,
            code=exc.code,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        data = response.data
        if not isinstance(data, dict):
            data = {"non_field_errors": data}
        problem = problem_response(
            status_code=response.status_code,
            title="Validation failed",
            detail="One or more fields are invalid.",
            code="invalid",
            extra={"errors": data},
        )
    else:
        detail = response.data
        if isinstance(detail, dict):
            detail = detail.get("detail", "")
        code = getattr(detail, "code", None) or code
        problem = problem_response(
            status_code=response.status_code,
            title=str(TITLES.get(response.status_code, getattr(exc, "default_detail", "Error"))),
            detail=str(detail),
            code=str(code),
        )
    for header, value in response.items():
        if header.lower() not in {"content-type", "content-length"}:
            problem[header] = value
    return problem
