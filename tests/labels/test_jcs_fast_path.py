"""The C-encoder path of `canonicalize` must give exactly RFC 8785's bytes, or step aside."""

import json
from pathlib import Path

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from labels.vc.jcs import _fast, canonicalize

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "vectors" / "jcs"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=600, deadline=None)
@given(json_values)
def test_canonical_bytes_equal_the_reference_implementation(value) -> None:
    assert canonicalize(value) == rfc8785.dumps(value)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), st.text() | st.integers(-1000, 1000), max_size=8))
def test_the_fast_path_when_taken_is_exact(value) -> None:
    fast = _fast(value)
    if fast is not None:
        assert fast == rfc8785.dumps(value)


def test_label_shaped_documents_take_the_fast_path() -> None:
    document = {"b": "75.4", "a": [1, 2, {"z": "碳足迹", "y": True, "x": None}], "c": "\n\t"}
    assert _fast(document) == rfc8785.dumps(document)


def test_floats_astral_keys_and_large_integers_go_to_the_reference_path() -> None:
    for value in ({"a": 1.5}, {"\U0001F600": 1, "\uE000": 2}, {"n": 2**60}, [1e21]):
        assert _fast(value) is None


def test_the_rfc_vectors_still_pass() -> None:
    for source in sorted((VECTORS / "input").glob("*.json")):
        expected = (VECTORS / "output" / source.name).read_bytes()
        assert canonicalize(json.loads(source.read_text(encoding="utf-8"))) == expected
