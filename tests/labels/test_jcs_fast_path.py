"""The fast paths of `canonicalize` must give exactly RFC 8785's bytes, or step aside.

`canonicalize` uses orjson where it is installed and Python's C encoder where it is not. Each fast
path is checked on its own, and `canonicalize` with orjson present and with orjson absent.
"""

import dataclasses
import enum
import json
import os
import re
import subprocess
import sys
import uuid
from collections import OrderedDict, namedtuple
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from labels.vc import jcs
from labels.vc.jcs import _fast_orjson, _fast_stdlib, canonicalize

ROOT = Path(__file__).resolve().parents[2]
VECTORS = Path(os.environ.get("SHARED_DIR") or ROOT.parent / "shared") / "vectors" / "jcs"


def fast_paths() -> list:
    """The fast paths that the current setting offers (orjson's is absent without orjson)."""
    return [_fast_orjson, _fast_stdlib] if jcs.orjson is not None else [_fast_stdlib]


def assert_reference_bytes_or_error(value) -> None:
    """canonicalize gives rfc8785's bytes or its error; each fast path those bytes or None."""
    expected = outcome(rfc8785.dumps, value)
    assert outcome(canonicalize, value) == expected
    for fast in fast_paths():
        data = fast(value)
        assert data is None or data == expected


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)

# Everything that may tell the encoders apart: every kind of number (NaN, infinities, -0.0,
# integers on both sides of 2^53 and beyond 2^64), control characters, characters outside the
# BMP (in keys too, where the sort orders differ), lone surrogates, and strings that look like
# numbers or null.
awkward_text = st.text(
    st.characters()
    | st.characters(categories=["Cs"])  # lone surrogates
    | st.sampled_from(["\x00", "\x1f", "\x7f", "\u2028", "\ue000", "\uffff", "\U0001f600", "/"])
    | st.sampled_from(['"', "\\", ":", ",", "[", "]", "}", "0", "9", "-", ".", "e", "l", "n"]),
    max_size=12,
)
awkward_numbers = (
    st.integers()
    | st.integers(min_value=-(2**53) - 2, max_value=-(2**53) + 2)
    | st.integers(min_value=2**53 - 2, max_value=2**53 + 2)
    | st.floats()
    | st.sampled_from([0.0, -0.0, 1.0, 1e16, 1e21, 1e-7, 5e-324, float("nan"), float("inf")])
)
awkward_values = st.recursive(
    st.none() | st.booleans() | awkward_numbers | awkward_text,
    lambda children: (
        st.lists(children, max_size=5)
        | st.tuples(children, children)
        | st.dictionaries(awkward_text, children, max_size=5)
    ),
    max_leaves=30,
)
# The shape of a label credential: strings, booleans, small integers and null.
text_documents = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | awkward_text,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(awkward_text, children, max_size=5)
    ),
    max_leaves=30,
)


def case_id(value: Any) -> str:
    """A test id that is the same in every process (no object addresses)."""
    return re.sub(r" at 0x[0-9a-f]+", "", repr(value))


def outcome(function, value: Any) -> Any:
    """The bytes, or the type of the exception raised."""
    try:
        return function(value)
    except (ValueError, TypeError, RecursionError) as error:
        return type(error)


@pytest.fixture(params=["with orjson", "without orjson"])
def encoders(request, monkeypatch) -> str:
    if request.param == "without orjson":
        monkeypatch.setattr(jcs, "orjson", None)
    return request.param


@settings(max_examples=600, deadline=None)
@given(json_values)
def test_canonical_bytes_equal_the_reference_implementation(value) -> None:
    assert canonicalize(value) == rfc8785.dumps(value)


def test_canonical_bytes_equal_the_reference_implementation_without_orjson(monkeypatch) -> None:
    monkeypatch.setattr(jcs, "orjson", None)
    test_canonical_bytes_equal_the_reference_implementation()


@settings(max_examples=1500, deadline=None)
@given(awkward_values)
def test_awkward_values_give_the_reference_bytes_or_its_error(value) -> None:
    assert_reference_bytes_or_error(value)


def test_awkward_values_without_orjson(monkeypatch) -> None:
    monkeypatch.setattr(jcs, "orjson", None)
    test_awkward_values_give_the_reference_bytes_or_its_error()


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in [key, *strings_in(item)]]
    if isinstance(value, list | tuple):
        return [text for item in value for text in strings_in(item)]
    return []


@settings(max_examples=1000, deadline=None)
@given(text_documents)
def test_the_fast_paths_are_taken_and_exact(value) -> None:
    """Taken for every such document without characters outside the BMP or lone surrogates."""
    taken = all(
        character <= "\uffff" and not "\ud800" <= character <= "\udfff"
        for text in strings_in(value)
        for character in text
    )
    for fast in fast_paths():
        data = fast(value)
        assert (data is not None) == taken
        if data is not None:
            assert data == rfc8785.dumps(value)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), st.text() | st.integers(-1000, 1000), max_size=8))
def test_the_fast_path_when_taken_is_exact(value) -> None:
    for fast in fast_paths():
        data = fast(value)
        if data is not None:
            assert data == rfc8785.dumps(value)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(st.characters(codec="utf-8"), max_size=3), st.booleans()))
def test_bmp_keys_take_the_fast_path_in_the_utf16_order(value) -> None:
    if any(character > "\uffff" for key in value for character in key):
        return
    assert _fast_orjson(value) == rfc8785.dumps(value)


def test_every_code_point_is_escaped_as_rfc_8785_escapes_it() -> None:
    """String escaping is per character: one string per code point, alone and inside a long
    string (orjson scans long strings in blocks), as a value and as a key."""
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        character = chr(code)
        expected = rfc8785.dumps(character)
        assert orjson.dumps(character) == expected, hex(code)
        assert json.dumps(character, ensure_ascii=False).encode() == expected, hex(code)
        if code < 0x10000:
            offset = code % 41  # every position within orjson's blocks
            text = "a" * offset + character + "é" * 5 + character * 3 + "b" * 40
            value = {text: [text, character]}
            expected = rfc8785.dumps(value)
            assert _fast_orjson(value) == expected, hex(code)
            assert _fast_stdlib(value) == expected, hex(code)


def test_keys_of_every_bmp_code_point_sort_as_rfc_8785_sorts_them() -> None:
    """Outside the BMP the orders differ (and such keys go to rfc8785); inside it, code point and
    UTF-16 order are the same, with shared prefixes and a key that prefixes another."""
    characters = [chr(code) for code in range(0x10000) if not 0xD800 <= code <= 0xDFFF]
    keys = characters + ["a" + character for character in characters[::97]] + ["ab", "a\x00"]
    value = {key: True for key in reversed(keys)}
    assert _fast_orjson(value) == rfc8785.dumps(value)
    assert _fast_stdlib(value) == rfc8785.dumps(value)


def test_label_shaped_documents_take_the_fast_path(encoders, monkeypatch) -> None:
    with_null = {"b": "75.4", "a": [1, 2, {"z": "碳足迹", "y": True, "x": None}], "c": "\n\t"}
    with_integers = {"b": "75.4", "a": [1, -2, {"z": "碳足迹 12:30, 5.1e3", "y": True}], "c": "\n"}
    strings_only = {"b": "75.4", "a": ["1", {"z": "碳足迹 12:30, 5.1e3", "y": False}], "c": "0,"}
    documents: list[Any] = [with_null, with_integers, strings_only]
    expected = [rfc8785.dumps(document) for document in documents]

    def no_reference(value):
        raise AssertionError("took the reference path")

    monkeypatch.setattr(rfc8785, "dumps", no_reference)
    for document, canonical in zip(documents, expected, strict=True):
        assert canonicalize(document) == canonical
        assert _fast_stdlib(document) == canonical
    if jcs.orjson is not None:
        for document, canonical in zip(documents, expected, strict=True):
            assert _fast_orjson(document) == canonical


def test_floats_astral_keys_and_large_integers_go_to_the_reference_path() -> None:
    for value in ({"a": 1.5}, {"\U0001f600": 1, "\ue000": 2}, {"n": 2**60}, [1e21]):
        for fast in fast_paths():
            assert fast(value) is None


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),  # orjson writes null
        [float("inf")],
        {"a": float("-inf"), "b": None},
        {"a": -0.0},  # orjson writes -0.0, RFC 8785 0
        {"a": 1.0},  # orjson writes 1.0, RFC 8785 1
        {"a": 1e16},
        [2**53 - 1, -(2**53) + 1],
        [2**53],
        [-(2**53)],
        [2**64],
        5,
        None,
        "\U0001f600",
        {"\U0001f600": 1, "\ue000": 2},
        "\ud800",
        {"\udfff": 1},
        {1: "a"},
        {None: "a"},
        (1, "a", [True]),
    ],
    ids=case_id,
)
def test_numbers_keys_and_surrogates_match_the_reference(value, encoders) -> None:
    assert_reference_bytes_or_error(value)


class Colour(enum.Enum):
    RED = "red"


class Number(enum.IntEnum):
    ONE = 1


class Word(enum.StrEnum):
    HELLO = "hello"


class Text(str):
    pass


class Whole(int):
    pass


class Real(float):
    pass


class Table(dict):
    pass


class Row(list):
    pass


@dataclasses.dataclass
class Record:
    name: str


Pair = namedtuple("Pair", "left right")


@pytest.mark.parametrize(
    "value",
    [
        {"id": uuid.UUID(int=1)},  # orjson writes a UUID, RFC 8785 refuses it
        {"colour": Colour.RED},  # orjson writes an enum's value, RFC 8785 refuses it
        [orjson.Fragment(b'{"b":1,"a":2}')],  # orjson copies a fragment, RFC 8785 refuses it
        {"n": Number.ONE},
        {"w": Word.HELLO},
        {"t": Text("x")},
        {Text("k"): 1},
        {"i": Whole(3)},
        {"f": Real(2.5)},
        Table(a=1),
        {"t": Table(b=[1])},
        OrderedDict(b=1, a=2),
        Row([1, 2]),
        Pair(1, "a"),
        {"d": datetime(2026, 1, 1, tzinfo=UTC)},
        {"d": date(2026, 1, 1)},
        {"r": Record("x")},
        {"b": b"bytes"},
        {"s": {1, 2}},
        {"c": 1j},
        [...],
    ],
    ids=case_id,
)
def test_other_python_types_match_the_reference(value, encoders) -> None:
    assert_reference_bytes_or_error(value)


def test_a_cycle_fails_as_before(encoders) -> None:
    value: list = []
    value.append(value)
    with pytest.raises(RecursionError):
        canonicalize(value)


def test_the_rfc_vectors_still_pass(encoders) -> None:
    sources = sorted((VECTORS / "input").glob("*.json"))
    assert sources
    for source in sources:
        expected = (VECTORS / "output" / source.name).read_bytes()
        assert canonicalize(json.loads(source.read_text(encoding="utf-8"))) == expected


def test_the_verifier_package_works_where_orjson_is_not_installed() -> None:
    """A third party may have only cryptography, rfc8785 and base58."""
    script = """
import sys
class NoOrjson:
    def find_spec(self, name, path=None, target=None):
        if name == "orjson":
            raise ImportError("no orjson here")
sys.meta_path.insert(0, NoOrjson())
from labels.vc import jcs
from labels.vc.dataintegrity import sign, verify_proof
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
assert jcs.orjson is None
canonical = b'{"a":"\\xc3\\xa9","b":[1,2.5,null]}'
assert jcs.canonicalize({"b": [1, 2.5, None], "a": "\\u00e9"}) == canonical
key = Ed25519PrivateKey.generate()
signed = sign({"@context": ["x"], "a": "b"}, key, "did:example:1#k", "2026-01-01T00:00:00Z")
assert verify_proof(signed, lambda method: key.public_key()).verified
assert "orjson" not in sys.modules
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_a_lone_surrogate_key_fails_the_proof_instead_of_raising() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from labels.vc.dataintegrity import sign, verify_proof

    key = Ed25519PrivateKey.generate()
    signed = sign({"a": "b"}, key, "did:example:1#k", "2026-12-03T00:00:00Z")
    forged = {**signed, "\ud800": "x"}
    result = verify_proof(forged, lambda _method: key.public_key())
    assert not result.verified and "canonicalized" in result.detail
