"""Unified Social Credit Code (GB 32100-2015), as CONTRACTS §1 defines it.

python-stdnum's cn.uscc rejects codes whose first character is a letter (A, N, Y are legal
registration authorities), so the check is written out here from the standard.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_LENGTH = 18


def uscc_normalize(code: str) -> str:
    return "".join(code.split()).upper()


def uscc_check_character(first_seventeen: str) -> str:
    total = sum(
        USCC_ALPHABET.index(c) * w for c, w in zip(first_seventeen, USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_is_valid(code: str) -> bool:
    code = uscc_normalize(code)
    if len(code) != USCC_LENGTH or any(c not in USCC_ALPHABET for c in code):
        return False
    return uscc_check_character(code[:17]) == code[17]


def validate_uscc(value: str) -> None:
    code = uscc_normalize(value)
    if len(code) != USCC_LENGTH:
        raise ValidationError(
            _("A Unified Social Credit Code has 18 characters."), code="uscc_length"
        )
    bad = sorted({c for c in code if c not in USCC_ALPHABET})
    if bad:
        raise ValidationError(
            _("Characters not allowed in a Unified Social Credit Code: %(chars)s"),
            code="uscc_alphabet",
            params={"chars": " ".join(bad)},
        )
    if uscc_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("The check character of this Unified Social Credit Code is wrong."),
            code="uscc_check",
        )
