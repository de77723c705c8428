"""GS1 Digital Link resolver for our QR codes (CONTRACTS §2).

`/01/<GTIN-14>[/22/<cpv>][/10/<lot>][/21/<serial>]` and `/L/<serial>`. Key qualifiers must come
in the order 22 → 10 → 21; a GTIN of another length or with a wrong check digit, a qualifier out
of order or repeated, or a malformed serial is invalid syntax: 400, never 200.
"""

from dataclasses import dataclass
from urllib.parse import unquote

from .rendering.qr import serial_is_valid

QUALIFIER_ORDER = ("22", "10", "21")


class InvalidDigitalLink(ValueError):
    pass


@dataclass(frozen=True)
class DigitalLink:
    gtin: str
    qualifiers: dict[str, str]

    @property
    def serial(self) -> str | None:
        return self.qualifiers.get("21")


def _gtin_check_ok(gtin: str) -> bool:
    body, check = gtin[:-1], int(gtin[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def parse_digital_link(gtin: str, rest: str) -> DigitalLink:
    if len(gtin) != 14 or not gtin.isdigit():
        raise InvalidDigitalLink("the GTIN in a Digital Link path has exactly 14 digits")
    if not _gtin_check_ok(gtin):
        raise InvalidDigitalLink("the GTIN check digit is wrong")
    segments = [unquote(s) for s in rest.strip("/").split("/")] if rest.strip("/") else []
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
        if not value or len(value) > 20:
            raise InvalidDigitalLink(f"the value of {key} is empty or too long")
        last_position = position
        qualifiers[key] = value
    serial = qualifiers.get("21")
    if serial is not None and not serial_is_valid(serial):
        raise InvalidDigitalLink("the serial is not an uppercase Crockford base32 label serial")
    return DigitalLink(gtin=gtin, qualifiers=qualifiers)
