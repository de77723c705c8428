"""GTIN (GS1 mod-10), stored and shown normalised to 14 digits (CONTRACTS §1)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

GTIN_LENGTHS = (8, 12, 13, 14)


def gtin_check_digit(body: str) -> int:
    """Weights 3,1,3,1... from the right of the digits before the check digit."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin_is_valid(value: str) -> bool:
    return (
        value.isascii()  # str.isdigit() also accepts other scripts' digits and superscripts
        and value.isdigit()
        and len(value) in GTIN_LENGTHS
        and gtin_check_digit(value[:-1]) == int(value[-1])
    )


def gtin_normalize(value: str) -> str:
    """Return the GTIN-14 form, or raise ValidationError naming what is wrong."""
    digits = "".join(value.split()).replace("-", "")
    if not (digits.isascii() and digits.isdigit()):  # not other scripts' digits, superscripts
        raise ValidationError(_("A GTIN has digits only (0-9)."), code="gtin_digits")
    if len(digits) not in GTIN_LENGTHS:
        raise ValidationError(
            _("A GTIN has 8, 12, 13 or 14 digits, not %(count)d."),
            code="gtin_length",
            params={"count": len(digits)},
        )
    if gtin_check_digit(digits[:-1]) != int(digits[-1]):
        raise ValidationError(_("The GTIN check digit is wrong."), code="gtin_check")
    return digits.zfill(14)


def validate_gtin(value: str) -> None:
    gtin_normalize(value)
