"""GS1 Digital Link resolver for our QR codes (CONTRACTS §2).

`/01/<GTIN-14>[/22/<cpv>][/10/<lot>][/21/<serial>]` and `/L/<serial>`. Key qualifiers must come
in the order 22 → 10 → 21; a GTIN of another length or with a wrong check digit, a qualifier out
of order or repeated, or a malformed serial is invalid syntax: 400, never 200.

Every value is checked against its application identifier's format in the GS1 General
Specifications: the key qualifiers are X..20 in GS1 AI encodable character set 82 (so a space,
`#` or `~` is invalid), the dates N6 YYMMDD. The data attributes of the query string that we
know (`?17=261231`, and the key qualifiers when a client puts them there) are checked the same
way; other AIs are ignored. Values arrive percent-decoded once, by the WSGI server for the path
and by the query parser for the query, and are checked as decoded: `%2523` is the three
characters `%23`, not `#`.
"""

import calendar
from dataclasses import dataclass, field

from django.http import QueryDict

from .rendering.qr import serial_is_valid

QUALIFIER_ORDER = ("22", "10", "21")

# GS1 General Specifications, figure 7.11-1: the 82 characters an AI of type X may hold.
CHARACTER_SET_82 = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)


@dataclass(frozen=True)
class AttributeFormat:
    name: str
    kind: str  # "X" (character set 82) or "N6date" (YYMMDD)
    max_length: int = 20


# The AIs this resolver understands. Qualifiers in the path; all of them in the query string.
KNOWN_ATTRIBUTES = {
    "22": AttributeFormat("consumer product variant", "X"),
    "10": AttributeFormat("batch or lot number", "X"),
    "21": AttributeFormat("serial number", "X"),
    "11": AttributeFormat("production date", "N6date", 6),
    "12": AttributeFormat("due date", "N6date", 6),
    "13": AttributeFormat("packaging date", "N6date", 6),
    "15": AttributeFormat("best before date", "N6date", 6),
    "16": AttributeFormat("sell by date", "N6date", 6),
    "17": AttributeFormat("expiration date", "N6date", 6),
}


class InvalidDigitalLink(ValueError):
    pass


@dataclass(frozen=True)
class DigitalLink:
    gtin: str
    qualifiers: dict[str, str]
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def serial(self) -> str | None:
        return self.qualifiers.get("21")


def _gtin_check_ok(gtin: str) -> bool:
    body, check = gtin[:-1], int(gtin[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _ascii_digits(value: str) -> bool:
    # "²".isdigit() is true; a GS1 numeric field takes ASCII digits only.
    return value.isascii() and value.isdigit()


def _date_ok(value: str) -> bool:
    """YYMMDD; day 00 means the end of the month (GS1 General Specifications §3.4.x dates). The
    century does not matter for a day check: the 49-year window around now holds no 1900 or
    2100, so a year divisible by four is a leap year."""
    if len(value) != 6 or not _ascii_digits(value):
        return False
    year, month, day = int(value[:2]), int(value[2:4]), int(value[4:])
    if not 1 <= month <= 12:
        return False
    last_day = calendar.monthrange(2000 + year, month)[1]
    return day == 0 or day <= last_day


def check_attribute(ai: str, value: str) -> None:
    """Raise InvalidDigitalLink unless `value` has the format of AI `ai` (one we know)."""
    rule = KNOWN_ATTRIBUTES[ai]
    if not value or len(value) > rule.max_length:
        raise InvalidDigitalLink(
            f"the value of {ai} ({rule.name}) is empty or longer than {rule.max_length}"
        )
    if rule.kind == "X" and not set(value) <= CHARACTER_SET_82:
        raise InvalidDigitalLink(
            f"the value of {ai} ({rule.name}) has a character outside GS1 character set 82"
        )
    if rule.kind == "N6date" and not _date_ok(value):
        raise InvalidDigitalLink(f"the value of {ai} ({rule.name}) is not a YYMMDD date")


def query_attributes(query: QueryDict, *, in_path: tuple[str, ...] = ()) -> dict[str, str]:
    """The AIs of a query string (a QueryDict) that we know, checked. An AI given twice, or in
    both the path and the query, is invalid; AIs we do not know are left alone."""
    attributes: dict[str, str] = {}
    for key in query:
        if key not in KNOWN_ATTRIBUTES:
            continue
        values = query.getlist(key)
        if len(values) != 1 or key in in_path:
            raise InvalidDigitalLink(f"{key} is given more than once")
        check_attribute(key, values[0])
        attributes[key] = values[0]
    return attributes


def parse_digital_link(gtin: str, rest: str, query: QueryDict | None = None) -> DigitalLink:
    """`gtin` and `rest` as the URL pattern captured them from the decoded path; `query` the
    request's QueryDict."""
    if len(gtin) != 14 or not _ascii_digits(gtin):
        raise InvalidDigitalLink("the GTIN in a Digital Link path has exactly 14 digits")
    if not _gtin_check_ok(gtin):
        raise InvalidDigitalLink("the GTIN check digit is wrong")
    # One trailing slash is the same resource (`/01/<gtin>/21/<serial>/`).
    path = rest.removesuffix("/").removeprefix("/")
    segments = path.split("/") if path else []
    if len(segments) % 2:
        raise InvalidDigitalLink("a key qualifier has no value")
    qualifiers: dict[str, str] = {}
    last_position = -1
    for key, value in zip(segments[::2], segments[1::2], strict=True):
        if key not in QUALIFIER_ORDER:
            raise InvalidDigitalLink(f"{key} is not a key qualifier of a GTIN")
        position = QUALIFIER_ORDER.index(key)
        if position <= last_position:
            raise InvalidDigitalLink("key qualifiers must come in the order 22, 10, 21")
        check_attribute(key, value)
        last_position = position
        qualifiers[key] = value
    serial = qualifiers.get("21")
    if serial is not None and not serial_is_valid(serial):
        raise InvalidDigitalLink("the serial is not an uppercase Crockford base32 label serial")
    attributes = query_attributes(query or QueryDict(), in_path=tuple(qualifiers))
    return DigitalLink(gtin=gtin, qualifiers=qualifiers, attributes=attributes)
