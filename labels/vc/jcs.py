"""RFC 8785 JSON Canonicalization Scheme, and a strict JSON reader to feed it.

Signatures cover the canonical bytes, so key order and whitespace never matter while any change of
content does. ``rfc8785`` implements the RFC exactly (number formatting, UTF-16 key order);
``canonicaljson`` does not and must not be used here.

A faster encoder is used where a check proves its bytes equal to ``rfc8785``'s: ``orjson`` when it
is installed (it is optional: without it this package needs only ``cryptography``, ``rfc8785`` and
``base58``), else Python's C JSON encoder. Anything not proven goes to ``rfc8785``.
"""

import json
from typing import Any

import rfc8785

try:
    import orjson
except ImportError:  # the standard library path below is exact on its own
    orjson = None  # type: ignore[assignment]

CanonicalizationError = rfc8785.CanonicalizationError

# Where orjson and Python's C encoder agree with RFC 8785, and where they do not:
# - Strings: both write UTF-8 and escape only '"', '\\', \b \f \n \r \t, and other controls as
#   lowercase \u00xx, exactly as RFC 8785 does (a test compares every code point). Lone
#   surrogates are refused by orjson and by the UTF-8 encoding here, and left to rfc8785.
# - Key order: both sort by code point, RFC 8785 by UTF-16 code unit. The orders differ only
#   beside characters outside the BMP, whose UTF-8 encoding starts with a byte F0-F4: any such byte
#   in the output sends the value to rfc8785.
# - Numbers: float formatting differs (1.0 against 1, exponent thresholds), orjson writes NaN and
#   infinities as null, and integers beyond 2^53 must be refused. Integers and null are written
#   alike; floats are rare in credentials (quantities are decimal strings) and go to rfc8785.
# - Types: the C encoder turns int, float, bool and None keys into strings and reads subclasses in
#   its own way; orjson writes UUIDs, enums, dates and its Fragments. RFC 8785 refuses all of
#   these but the subclasses.
# So a fast path is taken only for exact dicts, lists and tuples, str keys, and exact str, int
# (within ±(2^53 - 1)), bool and None values, with no character outside the BMP.
_ORJSON_OPTIONS = (
    orjson.OPT_SORT_KEYS  # compact UTF-8 output is orjson's default
    | orjson.OPT_STRICT_INTEGER  # refuse integers outside ±(2^53 - 1), as rfc8785 does
    | orjson.OPT_PASSTHROUGH_SUBCLASS  # refuse subclasses of str, int, list and dict
    | orjson.OPT_PASSTHROUGH_DATETIME  # refuse dates and times
    | orjson.OPT_PASSTHROUGH_DATACLASS  # refuse dataclasses
    if orjson is not None
    else 0
)
_LEAF_TYPES = frozenset({str, int, bool, type(None)})
_INTEGER_LIMIT = 2**53 - 1


def _astral(data: bytes) -> bool:
    """Whether UTF-8 bytes hold a character outside the BMP (lead bytes F0-F4; a memchr each)."""
    return not data.isascii() and (
        b"\xf0" in data or b"\xf1" in data or b"\xf2" in data or b"\xf3" in data or b"\xf4" in data
    )


def _plain(value: Any) -> bool:
    """Whether every container is an exact dict, list or tuple and every value an exact str, int,
    bool or None. Keys and the integer range are left to orjson, which has checked them, as it has
    ruled out cycles and nesting deeper than 254."""
    kind = type(value)
    if kind is dict:
        value = value.values()
    elif kind is not list and kind is not tuple:
        return kind in _LEAF_TYPES
    for item in value:  # noqa: SIM110 - a plain loop is twice as fast as all() over a generator
        if type(item) is not str and not _plain(item):
            return False
    return True


def _plain_keys_and_integers(value: Any) -> bool:
    """``_plain`` that also checks that keys are exact str and integers within ±(2^53 - 1).
    Recursive: call it only on what the C encoder has shown to be free of cycles."""
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (
                type(item) is not str and not _plain_keys_and_integers(item)
            ):
                return False
        return True
    if kind is list or kind is tuple:
        for item in value:
            if type(item) is not str and not _plain_keys_and_integers(item):
                return False
        return True
    if kind is int:
        return -_INTEGER_LIMIT <= value <= _INTEGER_LIMIT
    return kind in _LEAF_TYPES


def _fast_orjson(value: Any) -> bytes | None:
    """The canonical bytes by orjson, or None where they are not proven exact."""
    try:
        data = orjson.dumps(value, option=_ORJSON_OPTIONS)
    except (TypeError, ValueError):  # not JSON, a non-str key, a subclass, an integer beyond 2^53
        return None
    return None if _astral(data) or not _plain(value) else data


def _fast_stdlib(value: Any) -> bytes | None:
    """The canonical bytes by Python's C encoder, or None where they are not proven exact."""
    try:
        data = json.dumps(
            value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
        ).encode("utf-8")
    except (TypeError, ValueError):  # not JSON, a cycle, or a lone surrogate (UnicodeEncodeError)
        return None
    try:
        return None if _astral(data) or not _plain_keys_and_integers(value) else data
    except RecursionError:  # deeper than the check can go: rfc8785 decides
        return None


def canonicalize(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON value.

    Label credentials hold strings, booleans and small integers only (quantities are decimal
    strings), for which a fast encoder's sorted compact output is already canonical; that output
    is used when a check proves it exact, and ``rfc8785``'s otherwise.

    Raises ``CanonicalizationError`` (a ``ValueError``) for values outside I-JSON, such as integers
    beyond 2^53 or NaN, because no two parties could agree on their bytes.
    """
    data = _fast_orjson(value) if orjson is not None else _fast_stdlib(value)
    return data if data is not None else rfc8785.dumps(value)


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
