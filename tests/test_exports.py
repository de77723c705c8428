"""The shared list writer: text a spreadsheet program would run as a formula is written as text."""

from datetime import date
from decimal import Decimal

import pytest

from config.exports import csv_safe


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_that_would_run_as_a_formula_gets_a_leading_apostrophe(text) -> None:
    assert csv_safe(text) == "'" + text


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("Voltia", "Voltia"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (Decimal("-1.5"), Decimal("-1.5")),  # a number is a number, not text to neutralise
        (date(2026, 1, 2), date(2026, 1, 2)),
    ],
)
def test_other_values_are_written_as_they_are(value, written) -> None:
    assert csv_safe(value) == written
