"""The API's JSON parser (a module of its own: DRF reads the parser setting when its views
load, so this must not import them)."""

import json
import math
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """JSON bodies holding a NUL character anywhere are refused (400): PostgreSQL can store
    NUL neither in text nor in jsonb, so it would fail as a server error on saving."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if _holds_nul(data):
            raise exceptions.ParseError(_("Null characters are not allowed."))
        return data


def _holds_nul(data: Any) -> bool:
    """NUL in any text or in the key of a nested object. The body's own keys are names of
    fields: one that is no field is ignored and never stored."""
    pending = list(data.values()) if isinstance(data, dict) else [data]
    while pending:  # walked without recursion: however deep the JSON nests
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _refused_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):  # 1e400: JSON, but no double holds it, nor jsonb
        raise ValueError(f"{text} is too large")
    return number


def json_storable(body: bytes) -> Any:
    """A JSON body that PostgreSQL can store as it came: ValueError for NaN or Infinity (not
    JSON), a number past a double's range, a NUL anywhere (the body's own keys included: the
    whole body is stored), or a lone surrogate (neither can be stored as text)."""
    data = json.loads(body, parse_constant=_refused_constant, parse_float=_finite)
    if _holds_nul(data) or (isinstance(data, dict) and any("\x00" in key for key in data)):
        raise ValueError("a NUL character")
    try:
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise ValueError("a lone surrogate") from None
    return data
