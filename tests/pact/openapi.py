"""Validation against the official PACT OpenAPI files (shared/specs/pact): v2.3.3 and v3.0.3.

Both files are OpenAPI 3.1, whose schemas are JSON Schema 2020-12, so each file is loaded whole as
one schema resource and `$ref`s resolve inside it. A response is checked the way the file
describes its operation: the status must be one the operation declares, the media type the one
it names, and the body must validate against that response's schema. `date-time` and `uuid`
formats are asserted (jsonschema leaves formats unchecked by default).

One discrepancy is known: the files' Error schema enumerates `NotFound` but not v2's
`NoSuchFootprint`, which CONTRACTS §7 keeps for /2 (as the 2.x specification text does); a v2
404 body is checked for its exact content instead.
"""

import json
import re
from functools import cache
from typing import Any

import yaml
from django.conf import settings
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

FILES = {2: "openapi-v2.3.3.yaml", 3: "openapi-v3.0.3.yaml"}
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time")
def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(_DATE_TIME.match(value))


@FORMATS.checks("uuid")
def _is_uuid(value: object) -> bool:
    return not isinstance(value, str) or bool(_UUID.match(value))


def _uri(version: int) -> str:
    return f"urn:pact-openapi-v{version}"


@cache
def document(version: int) -> dict[str, Any]:
    path = settings.SHARED_DIR / "specs" / "pact" / FILES[version]
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def _registry(version: int) -> Registry:
    resource = Resource.from_contents(document(version), default_specification=DRAFT202012)
    return Registry().with_resource(_uri(version), resource)


def _pointer(*parts: str) -> str:
    return "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def errors(version: int, pointer: str, instance: Any) -> list[str]:
    """Messages of every violation of the schema at `pointer` (e.g. the one of
    `_pointer("components", "schemas", "ProductFootprint")`)."""
    validator = Draft202012Validator(
        {"$ref": f"{_uri(version)}#{pointer}"}, registry=_registry(version), format_checker=FORMATS
    )
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(instance)
    ]


def assert_valid(version: int, schema_name: str, instance: Any) -> None:
    problems = errors(version, _pointer("components", "schemas", schema_name), instance)
    assert not problems, f"not a valid v{version} {schema_name}:\n" + "\n".join(problems)


def _resolve(version: int, node: dict) -> dict:
    """Follow `$ref`s between objects of the file (the v3 file points its error responses at
    `#/components/schemas/…Response`)."""
    while "$ref" in node and node["$ref"].startswith("#/") and len(node) <= 2:
        target: Any = document(version)
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def assert_response(version: int, path: str, method: str, response) -> Any:
    """Check a Django test response against the operation `method path` of the file; returns
    the parsed body (None when there is none)."""
    operation = document(version)["paths"][path][method]
    status = str(response.status_code)
    assert status in operation["responses"], (
        f"{method.upper()} {path} does not declare {status}: {response.content[:300]!r}"
    )
    declared = _resolve(version, operation["responses"][status])
    content = declared.get("content")
    if not content:
        assert response.content == b"", "the spec declares no body for this response"
        return None
    if response.content == b"" and status == "200" and path.endswith("/events"):
        return None  # 2.x declares an optional {code, message}; we send none, as 3.0 asks
    assert "application/json" in content
    assert response["Content-Type"].split(";")[0] == "application/json"
    body = json.loads(response.content)
    if version == 2 and status == "404":
        return body  # see the module docstring
    schema_pointer = _pointer(
        "paths", path, method, "responses", status, "content", "application/json", "schema"
    )
    if "$ref" in operation["responses"][status]:
        target = operation["responses"][status]["$ref"][2:].split("/")
        schema_pointer = _pointer(
            *[part.replace("~1", "/") for part in target], "content", "application/json", "schema"
        )
    problems = errors(version, schema_pointer, body)
    assert not problems, (
        f"{method.upper()} {path} {status} does not match v{version}:\n" + "\n".join(problems)
    )
    return body


def undeclared_properties(
    version: int, schema_name: str, instance: Any, where: str = ""
) -> list[str]:
    """Properties the instance carries that the schema does not declare: the schemas allow
    extra properties, so a misspelt optional field would otherwise pass unnoticed."""
    schema = _resolve(version, {"$ref": f"#/components/schemas/{schema_name}"})
    return _undeclared(version, schema, instance, where or schema_name)


def _undeclared(version: int, schema: dict, instance: Any, where: str) -> list[str]:
    schema = _resolve(version, schema) if "$ref" in schema and len(schema) <= 2 else schema
    if "$ref" in schema and "properties" not in schema:
        schema = _resolve(version, {"$ref": schema["$ref"]})
    found: list[str] = []
    if isinstance(instance, dict) and "properties" in schema:
        for name, value in instance.items():
            if name not in schema["properties"]:
                found.append(f"{where}.{name}")
                continue
            found += _undeclared(version, schema["properties"][name], value, f"{where}.{name}")
    elif isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(instance):
            found += _undeclared(version, schema["items"], item, f"{where}[{index}]")
    return found
