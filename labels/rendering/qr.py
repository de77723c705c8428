"""Label serials and the QR code that carries the GS1 Digital Link resolver URL (CONTRACTS §1-2)."""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Iterable
from functools import lru_cache

import segno
from django.core.exceptions import ValidationError

from certification.identifiers import gtin_normalize

# Crockford base32 leaves out I, L, O and U, so a serial is never misread and, being uppercase,
# keeps the path segment in the QR alphanumeric character set.
SERIAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SERIAL_LENGTH = 12
# Bounds keep a resolver path segment small; nothing shorter than 8 characters is ever issued.
SERIAL_PATTERN = re.compile(rf"[{SERIAL_ALPHABET}]{{8,32}}")

QR_ERROR = "m"
QUIET_ZONE_MODULES = 4
URL_SCHEMES = ("https", "http")


def new_serial(length: int = SERIAL_LENGTH) -> str:
    """A random serial: 12 characters give 60 bits, far beyond guessing by enumeration."""
    if not 8 <= length <= 32:
        raise ValueError("a serial has 8 to 32 characters")
    return "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(length))


def serial_is_valid(value: object) -> bool:
    """Uppercase Crockford base32 only: lowercase or ambiguous letters are rejected, not fixed."""
    return isinstance(value, str) and SERIAL_PATTERN.fullmatch(value) is not None


def resolver_url(*, scheme: str, host: str, serial: str, gtin: str | None) -> str:
    """The QR content: ``<scheme>://<host>/01/<GTIN-14>/21/<SERIAL>`` or ``…/L/<SERIAL>``.

    The GTIN is normalised to 14 digits because the resolver answers 400 to any other length.
    """
    if scheme not in URL_SCHEMES:
        raise ValueError(f"scheme must be one of {URL_SCHEMES}")
    if not host or any(character in host for character in "/?#@ "):
        raise ValueError("host must be a bare host name, optionally with a port")
    if not serial_is_valid(serial):
        raise ValueError("serial must be uppercase Crockford base32")
    if gtin is None:
        return f"{scheme}://{host}/L/{serial}"
    try:
        gtin_fourteen = gtin_normalize(gtin)
    except ValidationError as error:
        raise ValueError(f"invalid GTIN {gtin!r}") from error
    return f"{scheme}://{host}/01/{gtin_fourteen}/21/{serial}"


# A label render asks for the same code several times (SVG path, PNG paste, certificate), and
# encoding is the slow part; the symbols are never modified, so sharing them is safe.
@lru_cache(maxsize=256)
def qr_code(url: str) -> segno.QRCode:
    """Error correction M exactly: boosting would change the level printed in the specification."""
    return segno.make_qr(url, error=QR_ERROR, boost_error=False)


def qr_svg(url: str, *, scale: int = 4) -> bytes:
    """SVG for print: vector, so it stays sharp at any label size."""
    buffer = io.BytesIO()
    qr_code(url).save(buffer, kind="svg", scale=scale, border=QUIET_ZONE_MODULES)
    return buffer.getvalue()


def qr_png(url: str, *, scale: int = 8) -> bytes:
    """PNG for screens."""
    buffer = io.BytesIO()
    qr_code(url).save(buffer, kind="png", scale=scale, border=QUIET_ZONE_MODULES)
    return buffer.getvalue()


def qr_svg_path(url: str) -> tuple[str, int]:
    """One SVG path of the dark modules in module units, quiet zone included, and the side length.

    The path is to be stroked with width 1, one horizontal line per run of dark modules, as segno
    draws it: half the commands of filled rectangles, which matters because WeasyPrint parses every
    one of them each time a certificate is drawn. The artwork embeds this path in its own SVG so
    the QR stays vector and adds a few kilobytes, not an image.
    """
    code = qr_code(url)
    side = int(code.symbol_size(border=QUIET_ZONE_MODULES)[0])
    commands = []
    for row, modules in enumerate(code.matrix_iter(scale=1, border=QUIET_ZONE_MODULES)):
        column = 0
        for is_dark, run in _runs(modules):
            if is_dark:
                commands.append(f"M{column} {row}.5h{run}")
            column += run
    return "".join(commands), side


def _runs(modules: Iterable[object]) -> list[tuple[bool, int]]:
    """Runs of equal modules in one row, so a row of dark modules becomes one rectangle."""
    runs: list[tuple[bool, int]] = []
    for module in modules:
        is_dark = bool(module)
        if runs and runs[-1][0] == is_dark:
            runs[-1] = (is_dark, runs[-1][1] + 1)
        else:
            runs.append((is_dark, 1))
    return runs
