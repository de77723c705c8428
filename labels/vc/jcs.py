"""RFC 8785 JSON Canonicalization Scheme, and a strict JSON reader to feed it.

Signatures cover the canonical bytes, so key order and whitespace never matter while any change of
content does. ``rfc8785`` implements the RFC exactly (number formatting, UTF-16 key order);
``canonicaljson`` does not and must not be used here.
"""

import json
from typing import Any

import rfc8785

CanonicalizationError = rfc8785.CanonicalizationError


def canonicalize(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON value.

    Raises ``CanonicalizationError`` (a ``ValueError``) for values outside I-JSON, such as integers
    beyond 2^53 or NaN, because no two parties could agree on their bytes.
    """
    return rfc8785.dumps(value)


class DuplicateKeyError(ValueError):
    """A JSON object names the same member twice."""


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKeyError(f"duplicate member {key!r}")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads_strict(text: str | bytes) -> Any:
    """Parse JSON the way a verifier must: no duplicate members, no NaN or Infinity.

    Python's ``json`` keeps the last of duplicate members while other parsers keep the first, so a
    document with duplicates could show one thing to a person and sign another.
    """
    return json.loads(text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)
