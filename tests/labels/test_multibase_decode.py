"""The base58btc decoder on the proof path must agree with the ``base58`` package exactly."""

import base58
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labels.vc.multibase import (
    _B58_ALPHABET,
    MultibaseError,
    _b58decode,
    base58btc_decode,
    base58btc_encode,
)

base58_text = st.text(st.sampled_from(_B58_ALPHABET), max_size=300)


@settings(max_examples=1500, deadline=None)
@given(st.binary(min_size=1, max_size=200), st.integers(min_value=0, max_value=5))
def test_round_trip_keeps_leading_zero_bytes(data: bytes, zeros: int) -> None:
    data = b"\0" * zeros + data
    assert base58btc_decode(base58btc_encode(data)) == data


@settings(max_examples=1500, deadline=None)
@given(base58_text, st.integers(min_value=0, max_value=5))
def test_any_base58_text_decodes_as_the_base58_package_does(text: str, ones: int) -> None:
    text = "1" * ones + text
    assert _b58decode(text) == base58.b58decode(text)


@pytest.mark.parametrize("length", range(0, 260))
def test_every_length_and_the_largest_digits(length: int) -> None:
    """Lengths up to 128 digits merge lanes of a big integer; longer text is decoded digit by
    digit. All "z" (57) is where a lane would overflow if the arithmetic were wrong."""
    for text in ("z" * length, "1" * length, "2" * length, ("z1" * length)[:length]):
        assert _b58decode(text) == base58.b58decode(text)


@settings(max_examples=1000, deadline=None)
@given(base58_text, st.characters(), base58_text)
def test_a_character_outside_the_alphabet_is_refused(before: str, bad: str, after: str) -> None:
    if bad in _B58_ALPHABET:
        return
    with pytest.raises(ValueError, match="invalid character"):
        _b58decode(before + bad + after)
    with pytest.raises(MultibaseError, match=r"invalid base58btc: invalid character"):
        base58btc_decode("z" + before + bad + after)
    if (
        not bad.isspace() or after
    ):  # the package strips trailing whitespace; this decoder refuses it
        with pytest.raises(ValueError):
            base58.b58decode(before + bad + after)


@pytest.mark.parametrize("bad", ["0", "O", "I", "l", " ", "\n", "é", "\U0001f600", "\ud800", "+"])
def test_the_first_invalid_character_is_named(bad: str) -> None:
    with pytest.raises(MultibaseError) as caught:
        base58btc_decode(f"z2{bad}3")
    assert str(caught.value) == f"invalid base58btc: invalid character {bad!r}"
