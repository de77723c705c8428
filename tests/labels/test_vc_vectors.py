"""Published test vectors: eddsa-jcs-2022 (W3C vc-di-eddsa), RFC 8785 and RFC 8037.

Each intermediate value of the W3C example is reproduced, so a failure points at the step that
drifted rather than only at the final signature.
"""

import copy
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from labels.vc.dataintegrity import hash_data, proof_configuration, sign, verify_proof
from labels.vc.did import (
    UnknownKeyError,
    did_document,
    did_key_from_public_key,
    did_key_verification_method,
    did_web,
    did_web_document_url,
    key_from_did_document,
    public_key_from_did_key,
    verification_method_entry,
)
from labels.vc.jcs import DuplicateKeyError, canonicalize, loads_strict
from labels.vc.jws import (
    InvalidJwsError,
    base64url_decode,
    base64url_encode,
    jwk_from_public_key,
    private_key_from_jwk,
    private_key_to_jwk,
    sign_compact,
    verify_compact,
)
from labels.vc.multibase import (
    MultibaseError,
    base58btc_decode,
    base58btc_encode,
    multikey_to_private_key,
    multikey_to_public_key,
    private_key_to_multikey,
    public_key_to_multikey,
)

SHARED = Path(os.environ.get("SHARED_DIR") or Path(__file__).resolve().parents[2].parent / "shared")
VECTORS = SHARED / "vectors"
EDDSA = VECTORS / "eddsa-jcs-2022"
JCS_INPUTS = sorted((VECTORS / "jcs" / "input").glob("*.json"))


def vector_text(name: str) -> str:
    return (EDDSA / name).read_text(encoding="utf-8").strip()


def vector_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_shared_vectors_are_present() -> None:
    assert EDDSA.is_dir(), f"test vectors not found under {SHARED}; set SHARED_DIR"
    assert len(JCS_INPUTS) == 6


KEY_PAIR = vector_json(EDDSA / "keyPair.json")
UNSIGNED = vector_json(EDDSA / "unsigned.json")
SIGNED = vector_json(EDDSA / "signedJCS.json")
PRIVATE_KEY = multikey_to_private_key(KEY_PAIR["privateKeyMultibase"])
METHOD = SIGNED["proof"]["verificationMethod"]
CREATED = SIGNED["proof"]["created"]


def resolve_did_key(method: str) -> Any:
    return public_key_from_did_key(method)


# --- eddsa-jcs-2022, step by step ---------------------------------------------------------


def test_key_pair_decodes_to_matching_keys() -> None:
    public_key = multikey_to_public_key(KEY_PAIR["publicKeyMultibase"])

    assert public_key_to_multikey(PRIVATE_KEY.public_key()) == KEY_PAIR["publicKeyMultibase"]
    assert public_key_to_multikey(public_key) == KEY_PAIR["publicKeyMultibase"]
    assert private_key_to_multikey(PRIVATE_KEY) == KEY_PAIR["privateKeyMultibase"]
    assert did_key_verification_method(public_key) == METHOD


def test_canonical_document() -> None:
    assert canonicalize(UNSIGNED) == vector_text("canonDocJCS.txt").encode()


def test_proof_configuration_carries_document_context() -> None:
    configuration = proof_configuration(UNSIGNED, verification_method=METHOD, created=CREATED)

    assert configuration == vector_json(EDDSA / "proofConfigJCS.json")
    assert canonicalize(configuration) == vector_text("proofCanonJCS.txt").encode()


def test_hashes() -> None:
    configuration = proof_configuration(UNSIGNED, verification_method=METHOD, created=CREATED)

    assert hashlib.sha256(canonicalize(UNSIGNED)).hexdigest() == vector_text("docHashJCS.txt")
    assert hashlib.sha256(canonicalize(configuration)).hexdigest() == vector_text(
        "proofHashJCS.txt"
    )
    assert hash_data(configuration, UNSIGNED).hex() == vector_text("combinedHashJCS.txt")


def test_signature_hex_and_base58() -> None:
    configuration = proof_configuration(UNSIGNED, verification_method=METHOD, created=CREATED)
    signature = PRIVATE_KEY.sign(hash_data(configuration, UNSIGNED))

    assert signature.hex() == vector_text("sigHexJCS.txt")
    assert base58btc_encode(signature) == vector_text("sigBTC58JCS.txt")


def test_sign_reproduces_signed_vector() -> None:
    signed = sign(UNSIGNED, PRIVATE_KEY, METHOD, CREATED)

    assert signed == SIGNED
    assert "proof" not in UNSIGNED


def test_signed_vector_verifies() -> None:
    result = verify_proof(SIGNED, resolve_did_key)

    assert result.verified
    assert result.verification_method == METHOD


def test_sign_refuses_a_document_that_already_has_a_proof() -> None:
    with pytest.raises(ValueError, match="already has a proof"):
        sign(SIGNED, PRIVATE_KEY, METHOD, CREATED)


def test_another_key_does_not_verify() -> None:
    other = Ed25519PrivateKey.generate().public_key()

    assert not verify_proof(SIGNED, lambda _method: other).verified


@pytest.mark.parametrize("resolver_answer", ["none", "raises"])
def test_unknown_verification_method_does_not_verify(resolver_answer: str) -> None:
    def resolve(method: str) -> None:
        if resolver_answer == "raises":
            raise LookupError(method)

    result = verify_proof(SIGNED, resolve)

    assert not result.verified
    assert METHOD in result.detail


# --- any change of content fails, any re-serialization verifies ---------------------------


def leaf_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaf_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaf_paths(item, (*prefix, index))
    else:
        yield prefix


def changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value[:-1] + ("x" if value[-1:] != "x" else "y")
    return "x"


def with_leaf_changed(document: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    result = copy.deepcopy(document)
    parent: Any = result
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = changed(parent[path[-1]])
    return result


@pytest.mark.parametrize(
    "path", list(leaf_paths(SIGNED)), ids=lambda path: ".".join(map(str, path))
)
def test_changing_any_leaf_fails(path: tuple[Any, ...]) -> None:
    tampered = with_leaf_changed(SIGNED, path)

    assert not verify_proof(tampered, resolve_did_key).verified


def reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: reversed_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_keys(item) for item in value]
    return value


@pytest.mark.parametrize(
    "serialize",
    [
        lambda document: json.dumps(reversed_keys(document)),
        lambda document: json.dumps(document, indent=7, sort_keys=True),
        lambda document: json.dumps(document, separators=(",", ":"), ensure_ascii=True),
        lambda document: "\n\t " + json.dumps(reversed_keys(document), indent="\t") + "\r\n",
    ],
    ids=["reversed-keys", "sorted-indented", "compact", "tabs-and-newlines"],
)
def test_key_order_and_whitespace_do_not_matter(serialize: Any) -> None:
    reparsed = loads_strict(serialize(SIGNED))

    assert verify_proof(reparsed, resolve_did_key).verified


SIGNED_TEXT = json.dumps(SIGNED, indent=2)


@settings(max_examples=300, deadline=None)
@given(
    position=st.integers(min_value=0, max_value=len(SIGNED_TEXT) - 1),
    replacement=st.characters(min_codepoint=0x20, max_codepoint=0x7E),
)
def test_changing_any_content_byte_fails(position: int, replacement: str) -> None:
    text = SIGNED_TEXT[:position] + replacement + SIGNED_TEXT[position + 1 :]
    try:
        document = loads_strict(text)
    except ValueError:
        return  # no longer JSON: nothing to verify
    if document == SIGNED:
        return  # whitespace for whitespace: the content did not change

    assert not verify_proof(document, resolve_did_key).verified


def test_context_appended_after_signing_fails() -> None:
    extended = copy.deepcopy(SIGNED)
    extended["@context"].append("https://example.org/another-context")

    assert not verify_proof(extended, resolve_did_key).verified


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("proofValue", "z"),
        ("proofValue", "f00"),
        ("proofValue", None),
        ("created", "yesterday"),
        ("cryptosuite", "ecdsa-jcs-2019"),
        ("type", "Ed25519Signature2020"),
        ("proofPurpose", "authentication"),
        ("verificationMethod", None),
    ],
)
def test_malformed_proof_fails_without_raising(field: str, value: Any) -> None:
    document = copy.deepcopy(SIGNED)
    document["proof"][field] = value

    result = verify_proof(document, resolve_did_key)

    assert not result.verified
    assert result.detail


def test_document_without_proof_fails() -> None:
    assert not verify_proof(UNSIGNED, resolve_did_key).verified


# --- RFC 8785 ------------------------------------------------------------------------------


@pytest.mark.parametrize("input_path", JCS_INPUTS, ids=lambda path: path.name)
def test_jcs_vector(input_path: Path) -> None:
    expected = (input_path.parent.parent / "output" / input_path.name).read_bytes()

    assert canonicalize(vector_json(input_path)) == expected


def test_canonicalize_refuses_integers_beyond_i_json() -> None:
    with pytest.raises(ValueError):
        canonicalize({"count": 2**60})


@pytest.mark.parametrize("text", ['{"a": 1, "a": 2}', '{"a": NaN}', '{"a": Infinity}'])
def test_strict_reader_refuses_ambiguous_json(text: str) -> None:
    with pytest.raises(ValueError):
        loads_strict(text)


def test_strict_reader_names_the_duplicate() -> None:
    with pytest.raises(DuplicateKeyError, match="'a'"):
        loads_strict('{"b": {"a": 1, "a": 1}}')


# --- multibase, multikey, did:key and did:web ----------------------------------------------


def test_base58btc_round_trip_keeps_leading_zero_bytes() -> None:
    data = b"\x00\x00\x01\xff"

    assert base58btc_decode(base58btc_encode(data)) == data


@pytest.mark.parametrize("text", ["", "z", "f0011", "z0OIl", 42])
def test_base58btc_refuses_other_encodings(text: Any) -> None:
    with pytest.raises(MultibaseError):
        base58btc_decode(text)


def test_multikey_refuses_a_secret_key_as_public_and_the_reverse() -> None:
    with pytest.raises(MultibaseError):
        multikey_to_public_key(KEY_PAIR["privateKeyMultibase"])
    with pytest.raises(MultibaseError):
        multikey_to_private_key(KEY_PAIR["publicKeyMultibase"])


def test_did_key_round_trip() -> None:
    public_key = PRIVATE_KEY.public_key()
    did = did_key_from_public_key(public_key)

    assert did == "did:key:" + KEY_PAIR["publicKeyMultibase"]
    assert public_key_to_multikey(public_key_from_did_key(did)) == KEY_PAIR["publicKeyMultibase"]
    assert public_key_to_multikey(public_key_from_did_key(METHOD)) == KEY_PAIR["publicKeyMultibase"]


def test_did_key_fragment_must_repeat_the_key() -> None:
    other = public_key_to_multikey(Ed25519PrivateKey.generate().public_key())

    with pytest.raises(UnknownKeyError):
        public_key_from_did_key(f"did:key:{KEY_PAIR['publicKeyMultibase']}#{other}")


def test_did_web_identifiers_and_addresses() -> None:
    did = did_web("labels.example:8443", "bodies", "CB01")

    assert did == "did:web:labels.example%3A8443:bodies:CB01"
    assert did_web_document_url(did) == "https://labels.example:8443/bodies/CB01/did.json"
    assert did_web_document_url("did:web:labels.example") == (
        "https://labels.example/.well-known/did.json"
    )


@pytest.mark.parametrize(
    "did",
    [
        "did:web:",
        "did:web:evil.example%2Fpath",
        "did:web:user%40labels.example",
        "did:web:labels.example:..:x",
        "did:web:labels.example:a%2Fb",
        "did:web:labels.example#key-1",
        "did:key:z6Mk",
    ],
)
def test_did_web_addresses_cannot_be_redirected(did: str) -> None:
    with pytest.raises(ValueError):
        did_web_document_url(did)


def test_did_document_resolves_multikey_and_relative_references() -> None:
    did = did_web("labels.example", "bodies", "CB01")
    document = did_document(
        did, [verification_method_entry(did, "key-1", PRIVATE_KEY.public_key())]
    )
    document["assertionMethod"] = ["#key-1"]

    key = key_from_did_document(document, f"{did}#key-1")

    assert public_key_to_multikey(key.public_key) == KEY_PAIR["publicKeyMultibase"]
    assert key.controller == did
    assert not key.revoked


def test_did_document_resolves_json_web_keys() -> None:
    did = did_web("labels.example", "bodies", "CB02")
    method = {
        "id": f"{did}#jwk",
        "type": "JsonWebKey",
        "controller": did,
        "publicKeyJwk": jwk_from_public_key(PRIVATE_KEY.public_key()),
    }
    document = {"id": did, "verificationMethod": [method], "assertionMethod": [method["id"]]}

    key = key_from_did_document(document, f"{did}#jwk")

    assert public_key_to_multikey(key.public_key) == KEY_PAIR["publicKeyMultibase"]


def test_did_document_key_must_be_an_assertion_method() -> None:
    did = did_web("labels.example", "bodies", "CB01")
    document = did_document(
        did, [verification_method_entry(did, "key-1", PRIVATE_KEY.public_key())]
    )
    document["assertionMethod"] = []

    with pytest.raises(UnknownKeyError, match="assertionMethod"):
        key_from_did_document(document, f"{did}#key-1")


# --- RFC 8037 compact JWS --------------------------------------------------------------------

RFC8037 = vector_json(VECTORS / "rfc8037-A4.json")


def test_rfc8037_signature_is_reproduced() -> None:
    private_key = private_key_from_jwk(RFC8037["jwk_private"])

    token = sign_compact(
        RFC8037["payload_utf8"].encode(), private_key, header=RFC8037["protected_header"]
    )

    assert token == RFC8037["jws_compact"]


def test_rfc8037_signature_verifies_with_eddsa_alg() -> None:
    public_key = private_key_from_jwk(RFC8037["jwk_private"]).public_key()

    header, payload = verify_compact(RFC8037["jws_compact"], public_key)

    assert header == {"alg": "EdDSA"}
    assert payload == RFC8037["payload_utf8"].encode()


def test_jwk_round_trip_matches_rfc8037() -> None:
    private_key = private_key_from_jwk(RFC8037["jwk_private"])

    assert private_key_to_jwk(private_key) == RFC8037["jwk_private"]


def test_new_tokens_use_fully_specified_alg() -> None:
    token = sign_compact(b"{}", PRIVATE_KEY)

    header, payload = verify_compact(token, PRIVATE_KEY.public_key())

    assert header == {"alg": "Ed25519"}
    assert payload == b"{}"


def test_jws_with_changed_payload_fails() -> None:
    header, _payload, signature = RFC8037["jws_compact"].split(".")
    forged = f"{header}.{base64url_encode(b'Example of Ed25519 signinG')}.{signature}"
    public_key = private_key_from_jwk(RFC8037["jwk_private"]).public_key()

    with pytest.raises(InvalidJwsError):
        verify_compact(forged, public_key)


@pytest.mark.parametrize(
    "header", [{"alg": "none"}, {"alg": "ES256"}, {"alg": "Ed25519", "crit": ["b64"]}]
)
def test_jws_refuses_other_algorithms_and_critical_extensions(header: dict[str, Any]) -> None:
    encoded = base64url_encode(json.dumps(header).encode())
    signing_input = f"{encoded}.{base64url_encode(b'x')}"
    token = f"{signing_input}.{base64url_encode(PRIVATE_KEY.sign(signing_input.encode()))}"

    with pytest.raises(InvalidJwsError):
        verify_compact(token, PRIVATE_KEY.public_key())


@pytest.mark.parametrize("text", ["ab+/", "ab==", "a b", "ab\n"])
def test_base64url_has_one_spelling(text: str) -> None:
    with pytest.raises(ValueError):
        base64url_decode(text)


def test_private_jwk_with_foreign_public_part_is_refused() -> None:
    jwk = dict(RFC8037["jwk_private"])
    jwk["x"] = jwk_from_public_key(PRIVATE_KEY.public_key())["x"]

    with pytest.raises(ValueError, match="does not match"):
        private_key_from_jwk(jwk)
