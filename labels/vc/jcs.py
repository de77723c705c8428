"""RFC 8785 JSON Canonicalization Scheme, and a strict JSON reader to feed it.

Signatures cover the canonical bytes, so key order and whitespace never matter while any change of
content does. ``rfc8785`` implements the RFC exactly (number formatting, UTF-16 key order);
``canonicaljson`` does not and must not be used here.
"""

import json
import re
from typing import Any

import rfc8785

CanonicalizationError = rfc8785.CanonicalizationError

# Where Python's C JSON encoder and RFC 8785 can differ: number formatting (any fraction or
# exponent, and integers of 16 digits or more, near 2^53) and key order (RFC 8785 sorts by UTF-16
# code units, Python by code points; they disagree only beside characters outside the BMP).
# String escaping is the same in both: \b \f \n \r \t, other controls as lowercase \u00xx,
# nothing else escaped.
# In compact output a number starts the text or follows ":", "," or "["; text inside a string that
# looks like that only sends the value down the exact path, never the other way round.
# (A bare number as the whole text is checked apart: an anchored alternative would make the
# search several times slower on every call.)
_NOT_PLAIN = re.compile(r"[:,\[]-?\d+[.eE]|[:,\[]-?\d{16}")
_NOT_PLAIN_AT_START = re.compile(r"-?\d+[.eE]|-?\d{16}")
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


def _fast(value: Any) -> bytes | None:
    """The canonical bytes by the C encoder, or None where only the reference code is exact."""
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                          allow_nan=False)
    except (TypeError, ValueError):
        return None
    if _NOT_PLAIN.search(text) or _NOT_PLAIN_AT_START.match(text) or _ASTRAL.search(text):
        return None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: let the reference code refuse it
        return None


def canonicalize(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON value.

    Label credentials hold strings, booleans and small integers only (quantities are decimal
    strings), for which the C encoder's sorted compact output is already canonical; that path
    is taken when a check proves it exact, and ``rfc8785`` otherwise.

    Raises ``CanonicalizationError`` (a ``ValueError``) for values outside I-JSON, such as integers
    beyond 2^53 or NaN, because no two parties could agree on their bytes.
    """
    fast = _fast(value)
    return fast if fast is not None else rfc8785.dumps(value)


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
