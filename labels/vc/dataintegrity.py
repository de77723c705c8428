"""W3C Data Integrity proofs with the ``eddsa-jcs-2022`` cryptosuite.

``hashData = SHA-256(JCS(proofConfig)) ‖ SHA-256(JCS(document without proof))`` and the proof value
is ``"z" + base58btc(Ed25519(hashData))``. The proof configuration carries the document's
``@context`` so that the contexts, which give the terms their meaning, are signed twice over.
"""

import copy
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .dates import parse_date_time
from .jcs import CanonicalizationError, canonicalize
from .multibase import base58btc_decode, base58btc_encode

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
ASSERTION_METHOD = "assertionMethod"
SIGNATURE_LENGTH = 64

PublicKeyResolver = Callable[[str], Ed25519PublicKey | None]


@dataclass(frozen=True)
class ProofResult:
    """The outcome of checking one proof; ``detail`` says why it failed, for people."""

    verified: bool
    detail: str
    verification_method: str | None = None

    def __bool__(self) -> bool:
        return self.verified


def proof_configuration(
    document: Mapping[str, Any],
    *,
    verification_method: str,
    created: str,
    proof_purpose: str = ASSERTION_METHOD,
) -> dict[str, Any]:
    """Return the proof options that get signed: the proof without ``proofValue``."""
    configuration: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if "@context" in document:
        configuration["@context"] = copy.deepcopy(document["@context"])
    return configuration


def hash_data(configuration: Mapping[str, Any], unsecured_document: Mapping[str, Any]) -> bytes:
    """Return the 64 bytes that are signed: the proof configuration hash, then the document hash."""
    proof_hash = hashlib.sha256(canonicalize(configuration)).digest()
    document_hash = hashlib.sha256(canonicalize(unsecured_document)).digest()
    return proof_hash + document_hash


def sign(
    document: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: str,
    proof_purpose: str = ASSERTION_METHOD,
) -> dict[str, Any]:
    """Return a copy of ``document`` with an ``eddsa-jcs-2022`` proof added.

    A document that already has a proof is refused: proof sets and chains are not part of the label
    format, and re-signing by accident would hide the first signer.
    """
    if "proof" in document:
        raise ValueError("the document already has a proof")
    parse_date_time(created)
    unsecured = copy.deepcopy(dict(document))
    configuration = proof_configuration(
        unsecured,
        verification_method=verification_method,
        created=created,
        proof_purpose=proof_purpose,
    )
    signature = private_key.sign(hash_data(configuration, unsecured))
    return {**unsecured, "proof": {**configuration, "proofValue": base58btc_encode(signature)}}


def _failure(detail: str, verification_method: str | None = None) -> ProofResult:
    return ProofResult(verified=False, detail=detail, verification_method=verification_method)


def verify_proof(
    document: Mapping[str, Any],
    resolve_key: PublicKeyResolver,
    *,
    proof_purpose: str = ASSERTION_METHOD,
) -> ProofResult:
    """Check the ``eddsa-jcs-2022`` proof of a secured document.

    ``resolve_key`` maps a verification method id to its public key and may return ``None`` or
    raise for an unknown one. Never raises for bad input: a malformed proof simply fails.
    """
    proof = document.get("proof") if isinstance(document, Mapping) else None
    if not isinstance(proof, Mapping):
        return _failure("the document has no single proof object")
    method = proof.get("verificationMethod")
    if not isinstance(method, str):
        return _failure("the proof names no verification method")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return _failure(f"not a {PROOF_TYPE} with cryptosuite {CRYPTOSUITE}", method)
    if proof.get("proofPurpose") != proof_purpose:
        return _failure(f"the proof purpose is not {proof_purpose}", method)
    proof_value = proof.get("proofValue")
    if not isinstance(proof_value, str):
        return _failure("the proof has no proofValue", method)
    try:
        parse_date_time(proof.get("created"))
        signature = base58btc_decode(proof_value)
    except ValueError as error:
        return _failure(str(error), method)
    if len(signature) != SIGNATURE_LENGTH:
        return _failure("the proof value is not a 64-byte Ed25519 signature", method)

    unsecured = dict(document)
    unsecured.pop("proof", None)
    configuration = dict(proof)
    configuration.pop("proofValue", None)
    # The specification lets the proof's @context be a prefix of the document's. Requiring equality
    # is stricter: appending a context after signing could change what the terms mean.
    if "@context" in configuration and configuration["@context"] != unsecured.get("@context"):
        return _failure("the proof's @context differs from the document's", method)
    if "@context" in unsecured:
        configuration["@context"] = unsecured["@context"]

    try:
        public_key = resolve_key(method)
    except Exception as error:  # a resolver failing for any reason means the key is unknown
        return _failure(f"cannot resolve {method}: {error}", method)
    if public_key is None:
        return _failure(f"unknown verification method {method}", method)
    try:
        public_key.verify(signature, hash_data(configuration, unsecured))
    except (CanonicalizationError, UnicodeEncodeError) as error:  # a lone surrogate in a key too
        return _failure(f"the document cannot be canonicalized: {error}", method)
    except InvalidSignature:
        return _failure("the signature does not match the content", method)
    return ProofResult(verified=True, detail="signature verified", verification_method=method)
