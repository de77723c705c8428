"""W3C Bitstring Status List v1.0: bit order, encoding, random indexes, the list credential."""

import gzip
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from labels.vc import statuslist
from labels.vc.dataintegrity import sign, verify_proof
from labels.vc.did import did_key_from_public_key, did_key_verification_method
from labels.vc.jws import base64url_encode
from labels.vc.statuslist import (
    MINIMUM_LENGTH,
    Bitstring,
    StatusListError,
    StatusListFullError,
    build_status_list_credential,
    random_free_index,
    status_entry,
    ttl_seconds,
)

SHARED = Path(os.environ.get("SHARED_DIR") or Path(__file__).resolve().parents[2].parent / "shared")
EXAMPLE = json.loads(
    (SHARED / "vectors" / "bitstring-status-list-example.json").read_text(encoding="utf-8")
)
LIST_URL = "https://labels.example/status/CB01/revocation/1"


def encoded(raw: bytes) -> str:
    return "u" + base64url_encode(gzip.compress(raw, mtime=0))


def test_specification_example_decodes_to_131072_clear_bits() -> None:
    bitstring = Bitstring.decode(EXAMPLE["encodedList"])

    assert len(bitstring) == EXAMPLE["decoded_bits"] == 131_072
    assert bitstring.to_bytes() == bytes(EXAMPLE["decoded_bytes"])
    assert list(bitstring.set_indexes()) == EXAMPLE["set_bits"] == []


def test_empty_list_encodes_to_the_specification_example() -> None:
    assert Bitstring().encode() == EXAMPLE["encodedList"]


@pytest.mark.parametrize(
    ("index", "byte", "value"),
    [(0, 0, 0x80), (1, 0, 0x40), (7, 0, 0x01), (8, 1, 0x80), (131_071, 16_383, 0x01)],
)
def test_index_zero_is_the_most_significant_bit_of_byte_zero(
    index: int, byte: int, value: int
) -> None:
    bitstring = Bitstring()

    bitstring.set(index)

    expected = bytearray(MINIMUM_LENGTH // 8)
    expected[byte] = value
    assert bitstring.to_bytes() == bytes(expected)
    assert bitstring.get(index)


def test_clearing_a_bit_leaves_its_neighbours() -> None:
    bitstring = Bitstring()
    for index in (9, 10, 11):
        bitstring.set(index)

    bitstring.set(10, False)

    assert list(bitstring.set_indexes()) == [9, 11]


@settings(max_examples=60, deadline=None)
@given(
    indexes=st.sets(st.integers(min_value=0, max_value=MINIMUM_LENGTH - 1), max_size=64),
    extra_bytes=st.sampled_from([0, 1, 16_384]),
)
def test_round_trip_of_random_indexes(indexes: set[int], extra_bytes: int) -> None:
    bitstring = Bitstring(MINIMUM_LENGTH + 8 * extra_bytes)
    for index in indexes:
        bitstring.set(index)

    decoded = Bitstring.decode(bitstring.encode())

    assert decoded == bitstring
    assert list(decoded.set_indexes()) == sorted(indexes)
    assert all(decoded.get(index) for index in indexes)


@pytest.mark.parametrize("index", [-1, MINIMUM_LENGTH])
def test_index_outside_the_list_is_refused(index: int) -> None:
    with pytest.raises(StatusListError):
        Bitstring().get(index)
    with pytest.raises(StatusListError):
        Bitstring().set(index)


@pytest.mark.parametrize("length", [0, MINIMUM_LENGTH - 8, MINIMUM_LENGTH + 1])
def test_lists_shorter_than_the_minimum_or_not_whole_bytes_are_refused(length: int) -> None:
    with pytest.raises(StatusListError):
        Bitstring(length)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(EXAMPLE["encodedList"][1:], id="no-multibase-prefix"),
        pytest.param("z" + EXAMPLE["encodedList"][1:], id="other-multibase"),
        pytest.param(EXAMPLE["encodedList"] + "==", id="padding"),
        pytest.param(EXAMPLE["encodedList"][:20] + "+/" + EXAMPLE["encodedList"][22:], id="b64"),
        pytest.param("u" + base64url_encode(bytes(16_384)), id="not-gzip"),
        pytest.param(EXAMPLE["encodedList"][:-8], id="truncated"),
        pytest.param(encoded(bytes(1_000)), id="too-short"),
        pytest.param(encoded(bytes(16_384)) + base64url_encode(b"\x00" * 3), id="trailing"),
        pytest.param(encoded(bytes(statuslist.MAXIMUM_LENGTH // 8 + 1)), id="too-long"),
        pytest.param(None, id="not-a-string"),
    ],
)
def test_malformed_encoded_lists_are_refused(value: str) -> None:
    with pytest.raises(StatusListError):
        Bitstring.decode(value)


def test_standard_base64_characters_are_refused_before_decompression() -> None:
    with pytest.raises(StatusListError, match="base64url"):
        Bitstring.decode(EXAMPLE["encodedList"][:20] + "+/" + EXAMPLE["encodedList"][22:])


def test_random_free_index_avoids_allocated_indexes() -> None:
    allocated = set(range(0, MINIMUM_LENGTH, 2))

    drawn = {random_free_index(allocated) for _ in range(200)}

    assert drawn.isdisjoint(allocated)
    assert all(0 <= index < MINIMUM_LENGTH for index in drawn)
    assert len(drawn) > 150  # random, not sequential


def test_random_free_index_finds_the_last_free_index_in_a_crowded_list() -> None:
    allocated = set(range(MINIMUM_LENGTH)) - {77_777}

    assert random_free_index(allocated) == 77_777


def test_random_free_index_draws_with_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter([5, 5, 9])
    monkeypatch.setattr(statuslist.secrets, "randbelow", lambda _bound: next(draws))

    assert random_free_index({5}) == 9


def test_full_list_is_reported() -> None:
    with pytest.raises(StatusListFullError):
        random_free_index(range(MINIMUM_LENGTH))


def test_status_entry() -> None:
    assert status_entry(list_url=LIST_URL, index=40_321, status_purpose="revocation") == {
        "id": f"{LIST_URL}#40321",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "40321",
        "statusListCredential": LIST_URL,
    }


def test_status_list_credential() -> None:
    bitstring = Bitstring()
    bitstring.set(40_321)

    credential = build_status_list_credential(
        url=LIST_URL,
        issuer="did:web:labels.example:bodies:CB01",
        status_purpose="revocation",
        bitstring=bitstring,
        valid_from=datetime(2025, 5, 31, 8, 0, 0, 999, tzinfo=UTC),
        valid_until=datetime(2025, 6, 7, 8, 0, tzinfo=UTC),
        ttl=timedelta(minutes=5),
    )

    assert credential == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "did:web:labels.example:bodies:CB01",
        "validFrom": "2025-05-31T08:00:00Z",
        "validUntil": "2025-06-07T08:00:00Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": bitstring.encode(),
            "ttl": 300_000,
        },
    }
    assert ttl_seconds(credential) == 300
    assert list(Bitstring.decode(credential["credentialSubject"]["encodedList"]).set_indexes()) == [
        40_321
    ]


def test_status_list_validity_must_be_a_forward_interval() -> None:
    moment = datetime(2025, 6, 1, tzinfo=UTC)

    with pytest.raises(ValueError, match="validUntil"):
        build_status_list_credential(
            url=LIST_URL,
            issuer="did:web:labels.example:bodies:CB01",
            status_purpose="suspension",
            bitstring=Bitstring(),
            valid_from=moment,
            valid_until=moment,
            ttl=timedelta(minutes=5),
        )


def test_signed_status_list_verifies_and_a_flipped_bit_does_not() -> None:
    private_key = Ed25519PrivateKey.generate()
    unsigned = build_status_list_credential(
        url=LIST_URL,
        issuer=did_key_from_public_key(private_key.public_key()),
        status_purpose="revocation",
        bitstring=Bitstring(),
        valid_from=datetime(2025, 5, 31, tzinfo=UTC),
        valid_until=datetime(2025, 6, 7, tzinfo=UTC),
        ttl=timedelta(minutes=5),
    )
    method = did_key_verification_method(private_key.public_key())
    signed = sign(unsigned, private_key, method, "2025-05-31T00:00:00Z")
    flipped = Bitstring()
    flipped.set(3)
    forged = json.loads(json.dumps(signed))
    forged["credentialSubject"]["encodedList"] = flipped.encode()

    assert verify_proof(signed, lambda _method: private_key.public_key()).verified
    assert not verify_proof(forged, lambda _method: private_key.public_key()).verified
