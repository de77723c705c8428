"""The OpenAPI schema of the API, exact about failures too.

drf-spectacular documents what a view answers when all goes well. This schema class adds the
RFC 9457 problems (`config/api.py`) each operation can answer, derived from the view's own
classes rather than listed per view:

- 400 when the operation reads a request body or query parameters;
- 401 when the view authenticates (a wrong token or API key is refused everywhere);
- 403 when permissions apply;
- 404 when the path names an object, or the list is paginated (a page past the end);
- 409 when the view marks the method as a workflow step (`workflow_step`);
- 429 when the view is throttled, with `Retry-After`.

It also keeps request constraints the server enforces (non-empty lists, non-null fields,
well-formed decimals), lists the API key only where a key is accepted and the empty security
requirement only where an anonymous caller is (`refuses_api_keys`, `refuses_anonymous`).
"""

from collections.abc import Callable
from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from .api import PROBLEM_CONTENT_TYPE
from .permissions import IsPerson

PROBLEM_COMPONENT = "Problem"
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An RFC 9457 problem: what went wrong, for people (`title`, `detail`) "
    "and for programs (`type`, `code`).",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "format": "uri-reference"},
        "code": {
            "type": "string",
            "description": "invalid, not_authenticated, invalid_api_key, permission_denied, "
            "actor_not_permitted, not_found, transition_not_allowed, guard:<name>, throttled…",
        },
        "errors": {
            "description": "With 400: what is wrong, by field (field → messages, nested for "
            "nested input), or by row and column for an import.",
            "anyOf": [
                {"type": "object", "additionalProperties": True},
                {"type": "array", "items": {"type": "object", "additionalProperties": True}},
            ],
        },
    },
    "required": ["type", "title", "status", "detail", "code"],
}
DESCRIPTIONS = {
    400: "The request is malformed or a field is invalid (`errors` names them).",
    401: "No valid credentials: a missing, unknown or revoked token or API key.",
    403: "The caller may not do this.",
    404: "No such object, or not one the caller may see.",
    409: "The workflow does not allow this step now.",
    429: "Too many requests: try again after `Retry-After` seconds.",
}
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer", "minimum": 0},
        "description": "Seconds to wait before trying again.",
    }
}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def workflow_step(method: Callable) -> Callable:
    """Marks a view method whose service can refuse the step in the current state (409)."""
    method.workflow_step = True  # type: ignore[attr-defined]
    return method


def refuses_anonymous(method: Callable) -> Callable:
    """Marks a view method whose view refuses anonymous callers itself, though its permissions
    let anyone in (the schema then lists no empty security requirement)."""
    method.refuses_anonymous = True  # type: ignore[attr-defined]
    return method


def refuses_api_keys(method: Callable) -> Callable:
    """Marks a view method that refuses API keys itself (403): the schema does not list them."""
    method.refuses_api_keys = True  # type: ignore[attr-defined]
    return method


def _can_refuse(parameter: dict) -> bool:
    """Every query parameter can be refused (a wrong type or value, a NUL character), except
    `page`: a page past the end, or not a number, is a 404 as DRF has it."""
    return parameter.get("in") == "query" and parameter.get("name") != "page"


class ProblemAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for status_code in sorted(self._problem_statuses(operation)):
            responses.setdefault(str(status_code), self._problem_response(status_code))
        for status_code, response in responses.items():
            # An error a view declares itself (with a description) is a problem too.
            if int(status_code) >= 400 and not response.get("content"):
                problem = self._problem_response(int(status_code))
                response["content"] = problem["content"]
                response.setdefault("headers", problem.get("headers", {}))
                if not response["headers"]:
                    del response["headers"]
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _problem_statuses(self, operation: dict) -> set[int]:
        statuses = set()
        parameters = operation.get("parameters", [])
        if "requestBody" in operation or any(_can_refuse(p) for p in parameters):
            statuses.add(400)
        if self.view.get_authenticators():
            statuses.add(401)
        if self.view.get_permissions():
            statuses.add(403)
        paginated = any(p.get("in") == "query" and p.get("name") == "page" for p in parameters)
        if paginated or any(p.get("in") == "path" for p in parameters):
            statuses.add(404)
        handler = getattr(self.view, self.method.lower(), None)
        if self.method in UNSAFE_METHODS and getattr(handler, "workflow_step", False):
            statuses.add(409)
        if self.view.get_throttles():
            statuses.add(429)
        return statuses

    def _problem_response(self, status_code: int) -> dict:
        component = ResolvedComponent(
            name=PROBLEM_COMPONENT,
            type=ResolvedComponent.SCHEMA,
            object=PROBLEM_COMPONENT,
            schema=PROBLEM_SCHEMA,
        )
        self.registry.register_on_missing(component)
        response: dict[str, Any] = {
            "description": DESCRIPTIONS.get(status_code, ""),
            "content": {PROBLEM_CONTENT_TYPE: {"schema": component.ref}},
        }
        if status_code == 429:
            response["headers"] = RETRY_AFTER
        return response

    def get_auth(self) -> list[dict]:
        """Only the schemes the operation accepts: the people's API refuses API keys (403),
        and an operation anyone may call says so with an empty requirement. A view that refuses
        more than its permissions do marks the method (`refuses_api_keys`,
        `refuses_anonymous`)."""
        auths = super().get_auth()
        permissions = self.view.get_permissions()
        handler = getattr(self.view, self.method.lower(), None)
        person_only = any(isinstance(permission, IsPerson) for permission in permissions)
        if person_only or getattr(handler, "refuses_api_keys", False):
            auths = [auth for auth in auths if "ApiKey" not in auth]
        if getattr(handler, "refuses_anonymous", False):
            return [auth for auth in auths if auth]
        anonymous = all(isinstance(permission, AllowAny) for permission in permissions)
        if anonymous and {} not in auths:
            auths.append({})
        return auths

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request" or not isinstance(schema, dict):
            return schema
        if schema.get("nullable") and not getattr(field, "allow_null", True):
            del schema["nullable"]  # a model column may be nullable, the input is not
        many = isinstance(
            field, serializers.ListField | serializers.ListSerializer | serializers.ManyRelatedField
        )
        if many and not getattr(field, "allow_empty", True):
            schema["minItems"] = max(schema.get("minItems", 0), 1)
        if isinstance(field, serializers.DecimalField) and "pattern" in schema:
            schema["pattern"] = _decimal_pattern(field)
        if _is_plain_text(field, schema):
            # DRF refuses NUL characters, and text that is blank once trimmed unless blank is
            # allowed.
            blank = field.allow_blank or not field.trim_whitespace
            schema["pattern"] = TEXT_PATTERN if blank else NON_BLANK_TEXT_PATTERN
        return schema

    def map_parsers(self) -> list[Any]:
        """Bodies are documented as JSON; uploads say multipart themselves. (Form encodings
        are read too, but cannot tell a null from the text "null".)"""
        parsers = super().map_parsers()
        return ["application/json"] if "application/json" in parsers else parsers


TEXT_PATTERN = "^[^\\u0000]*$"
NON_BLANK_TEXT_PATTERN = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"


def _is_plain_text(field, schema: dict) -> bool:
    return (
        type(field) is serializers.CharField
        and schema.get("type") == "string"
        and not any(key in schema for key in ("pattern", "format", "enum", "oneOf"))
    )


def _decimal_pattern(field: serializers.DecimalField) -> str:
    """A number DRF accepts: at least one digit, within max_digits and decimal_places."""
    places = field.decimal_places
    whole = "\\d+" if field.max_digits is None else f"\\d{{1,{field.max_digits - (places or 0)}}}"
    if places is None:
        return f"^-?(?:{whole}(?:\\.\\d*)?|\\.\\d+)$"
    if places == 0:
        return f"^-?{whole}$"
    return f"^-?(?:{whole}(?:\\.\\d{{0,{places}}})?|\\.\\d{{1,{places}}})$"
