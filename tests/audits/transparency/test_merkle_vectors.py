"""The verifier module against the published probes of transparency-dev/merkle, and round trips.

The probes (`vectors/` beside this file, Apache-2.0) cover trees of 0 to 8
leaves: a happy path each, and altered copies (index, size, a flipped bit, a hash added, removed
or swapped, garbage before or after) that must fail.
"""

import base64
import json
import random
from pathlib import Path
from typing import Any

import pytest

from audits.transparency.merkle import (
    MemoryTree,
    ProofError,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).parent / "vectors"


def _probes(kind: str) -> list[tuple[str, dict]]:
    files = sorted((VECTORS / kind).rglob("*.json"))
    return [(str(path.relative_to(VECTORS)), json.loads(path.read_text())) for path in files]


def _hash(text: str) -> bytes:
    return base64.b64decode(text)


def _proof(items: list[str] | None) -> list[bytes] | None:
    return None if items is None else [_hash(item) for item in items]


INCLUSION = _probes("inclusion")
CONSISTENCY = _probes("consistency")


def test_the_probes_are_present() -> None:
    assert (VECTORS / "LICENSE").is_file(), f"no probes under {VECTORS}"
    assert len(INCLUSION) == 98
    assert len(CONSISTENCY) == 98
    # Both kinds hold probes that must fail, so a verifier that accepts everything fails here.
    assert sum(probe["wantErr"] for _, probe in INCLUSION) > 70
    assert sum(probe["wantErr"] for _, probe in CONSISTENCY) > 70


@pytest.mark.parametrize(("name", "probe"), INCLUSION, ids=[name for name, _ in INCLUSION])
def test_inclusion_probe(name: str, probe: dict) -> None:
    def check() -> None:
        verify_inclusion(
            _hash(probe["leafHash"]),
            probe["leafIdx"],
            probe["treeSize"],
            _proof(probe["proof"]),
            _hash(probe["root"]),
        )

    if probe["wantErr"]:
        with pytest.raises(ProofError):
            check()
    else:
        check()


# One probe passes placeholder roots of 12 bytes ("don't care 2") for two equal sizes, which the
# Go verifier compares without checking their length. CONTRACTS §5 requires hashes that are not
# 32 bytes to be refused, so here it must fail, and pass once the placeholder is a real hash.
PLACEHOLDER_ROOTS = {"consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"}


@pytest.mark.parametrize(("name", "probe"), CONSISTENCY, ids=[name for name, _ in CONSISTENCY])
def test_consistency_probe(name: str, probe: dict) -> None:
    def check(root1: bytes, root2: bytes) -> None:
        verify_consistency(probe["size1"], probe["size2"], _proof(probe["proof"]), root1, root2)

    root1, root2 = _hash(probe["root1"]), _hash(probe["root2"])
    if name in PLACEHOLDER_ROOTS:
        assert not probe["wantErr"] and len(root1) != 32 and root1 == root2
        with pytest.raises(ProofError, match="32-byte"):
            check(root1, root2)
        check(leaf_hash(root1), leaf_hash(root2))
    elif probe["wantErr"]:
        with pytest.raises(ProofError):
            check(root1, root2)
    else:
        check(root1, root2)


def _leaves(count: int) -> list[bytes]:
    return [leaf_hash(f"entry {i}".encode()) for i in range(count)]


def _reference_root(hashes: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH, written out recursively and independently of the module."""
    import hashlib

    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return hashlib.sha256(
        b"\x01" + _reference_root(hashes[:k]) + _reference_root(hashes[k:])
    ).digest()


def test_roots_match_the_rfc_definition_for_1_to_1000_leaves() -> None:
    leaves = _leaves(1000)
    tree = MemoryTree()
    for size in range(1, 1001):
        tree.extend([leaves[size - 1]])
        if size <= 70 or size % 97 == 0 or size == 1000:
            assert tree.root() == _reference_root(leaves[:size]), size


def _flip(proof: list[bytes], position: int) -> list[bytes]:
    altered = list(proof)
    altered[position] = bytes([altered[position][0] ^ 1]) + altered[position][1:]
    return altered


def test_inclusion_proofs_round_trip_for_1_to_1000_leaves() -> None:
    leaves = _leaves(1000)
    tree = MemoryTree(leaves)
    chooser = random.Random(9162)
    for size in range(1, 1001):
        root = tree.root(size)
        indexes = {0, size - 1, chooser.randrange(size)}
        for index in indexes:
            proof = tree.inclusion_proof(index, size)
            verify_inclusion(leaves[index], index, size, proof, root)
            with pytest.raises(ProofError):
                verify_inclusion(leaves[index], index, size, [*proof, root], root)
            if proof:
                with pytest.raises(ProofError):
                    verify_inclusion(
                        leaves[index],
                        index,
                        size,
                        _flip(proof, chooser.randrange(len(proof))),
                        root,
                    )
                with pytest.raises(ProofError):
                    verify_inclusion(leaves[index], index, size, proof[:-1], root)
            if size > 1:
                other = (index + 1) % size
                with pytest.raises(ProofError):
                    verify_inclusion(leaves[index], other, size, proof, root)
            with pytest.raises(ProofError):
                verify_inclusion(leaf_hash(b"not in the log"), index, size, proof, root)


def test_consistency_proofs_round_trip_for_1_to_1000_leaves() -> None:
    leaves = _leaves(1000)
    tree = MemoryTree(leaves)
    chooser = random.Random(9162)
    for size2 in range(1, 1001):
        root2 = tree.root(size2)
        for size1 in {1, size2 // 2 or 1, chooser.randint(1, size2), size2}:
            root1 = tree.root(size1)
            proof = tree.consistency_proof(size1, size2)
            verify_consistency(size1, size2, proof, root1, root2)
            if size1 == size2:
                continue
            with pytest.raises(ProofError):
                verify_consistency(
                    size1, size2, _flip(proof, chooser.randrange(len(proof))), root1, root2
                )
            with pytest.raises(ProofError):
                verify_consistency(size1, size2, [*proof, root1], root1, root2)
            with pytest.raises(ProofError):
                verify_consistency(size1, size2, proof, root2, root1)
            with pytest.raises(ProofError):
                verify_consistency(size1, size2, proof, root1, leaves[0])


def test_hashes_that_are_not_32_bytes_are_refused() -> None:
    leaves = _leaves(5)
    tree = MemoryTree(leaves)
    proof = tree.inclusion_proof(2)
    root = tree.root()
    verify_inclusion(leaves[2], 2, 5, proof, root)
    bad_hashes: tuple[Any, ...] = (leaves[2][:31], leaves[2] + b"\x00", b"", "not bytes")
    for bad in bad_hashes:
        with pytest.raises(ProofError):
            verify_inclusion(bad, 2, 5, proof, root)
        with pytest.raises(ProofError):
            verify_inclusion(leaves[2], 2, 5, proof, bad)
        with pytest.raises(ProofError):
            verify_inclusion(leaves[2], 2, 5, [*proof[:-1], bad], root)
    with pytest.raises(ProofError):
        verify_consistency(3, 5, tree.consistency_proof(3), tree.root(3)[:16], root)


def test_index_and_size_must_be_in_range() -> None:
    leaves = _leaves(4)
    tree = MemoryTree(leaves)
    root = tree.root()
    for index, size in ((4, 4), (-1, 4), (0, 0), (True, 4)):
        with pytest.raises(ProofError):
            verify_inclusion(leaves[0], index, size, tree.inclusion_proof(0), root)
    with pytest.raises(ProofError):
        verify_consistency(5, 4, [], root, root)
    with pytest.raises(ProofError):
        tree.inclusion_proof(4)
