"""RFC 9162 Merkle trees: the verifier a third party can call, and the proofs the log serves.

Standalone (only the standard library), so that anyone can copy this file and check what the
log says:

- ``verify_inclusion(leaf_hash, index, size, proof, root)`` checks that the leaf with hash
  ``leaf_hash`` is entry number ``index`` (from 0) of the tree of ``size`` entries whose root is
  ``root`` (RFC 9162 §2.1.3.2);
- ``verify_consistency(size1, size2, proof, root1, root2)`` checks that the tree of ``size2``
  entries with root ``root2`` extends the tree of ``size1`` entries with root ``root1``
  (RFC 9162 §2.1.4.2).

Both return None and raise ``ProofError`` on any failure: a hash that is not 32 bytes, an index
not below the size, a proof of the wrong length, or a mismatch. Leaf hash ``SHA-256(0x00 ‖
entry)``, node hash ``SHA-256(0x01 ‖ left ‖ right)``.

The rest computes roots and proofs from the hashes of complete subtrees, named ``(height,
index)``: the node at height h and index i covers the leaves ``[i·2^h, (i+1)·2^h)``. Any root or
proof needs only O(log n) of them (``*_node_ids`` lists which), so a log that stores every
complete subtree as it completes answers in logarithmic time at any size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

HASH_SIZE = 32
NodeId = tuple[int, int]


class ProofError(ValueError):
    """A proof does not verify, or its arguments are not those of a proof."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()


# --- Verification -------------------------------------------------------------------------


def _check_hash(value: object, what: str) -> bytes:
    if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_SIZE:
        raise ProofError(f"{what} is not a {HASH_SIZE}-byte hash")
    return bytes(value)


def _check_size(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProofError(f"{what} is not a non-negative integer")
    return value


def _check_proof(proof: Sequence[bytes] | None) -> list[bytes]:
    if proof is None:
        return []
    if isinstance(proof, (bytes, bytearray, str)):
        raise ProofError("the proof is not a list of hashes")
    return [_check_hash(item, "a proof hash") for item in proof]


def _mismatch(computed: bytes, expected: bytes, what: str) -> None:
    if computed != expected:
        raise ProofError(f"the computed {what} does not match")


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes] | None, root: bytes
) -> None:
    """RFC 9162 §2.1.3.2: raise ProofError unless ``proof`` shows ``leaf_hash`` at ``index``."""
    leaf = _check_hash(leaf_hash, "the leaf hash")
    root = _check_hash(root, "the root")
    index = _check_size(index, "the index")
    size = _check_size(size, "the tree size")
    path = _check_proof(proof)
    if index >= size:
        raise ProofError("the index is not below the tree size")
    computed = _root_from_inclusion(leaf, index, size, path)
    _mismatch(computed, root, "root")


def _root_from_inclusion(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes:
    # RFC 9162 §2.1.3.2, steps 2-6.
    fn, sn = index, size - 1
    result = leaf
    for item in path:
        if sn == 0:
            raise ProofError("the proof is too long")
        if fn & 1 or fn == sn:
            result = node_hash(item, result)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            result = node_hash(result, item)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is too short")
    return result


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes] | None, root1: bytes, root2: bytes
) -> None:
    """RFC 9162 §2.1.4.2: raise ProofError unless ``proof`` shows the tree of ``size2`` with
    ``root2`` to extend the tree of ``size1`` with ``root1``."""
    size1 = _check_size(size1, "the first tree size")
    size2 = _check_size(size2, "the second tree size")
    root1 = _check_hash(root1, "the first root")
    root2 = _check_hash(root2, "the second root")
    path = _check_proof(proof)
    if size1 > size2:
        raise ProofError("the first tree is larger than the second")
    if size1 == size2:
        if path:
            raise ProofError("equal sizes take an empty proof")
        _mismatch(root1, root2, "root")
        return
    if size1 == 0:
        # Every tree extends the empty tree; there is nothing to prove.
        if path:
            raise ProofError("a proof from the empty tree is empty")
        return
    if not path:
        raise ProofError("the proof is empty")
    # RFC 9162 §2.1.4.2: when size1 is a power of two, its root is the proof's implicit first node.
    if size1 & (size1 - 1) == 0:
        path = [root1, *path]
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for item in path[1:]:
        if sn == 0:
            raise ProofError("the proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(item, fr)
            sr = node_hash(item, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, item)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is too short")
    _mismatch(fr, root1, "first root")
    _mismatch(sr, root2, "second root")


# --- Computing roots and proofs from stored complete subtrees -----------------------------


def _largest_power_below(n: int) -> int:
    """The largest power of two strictly below n (n ≥ 2): RFC 9162's split point."""
    return 1 << ((n - 1).bit_length() - 1)


def range_node_ids(start: int, end: int) -> list[NodeId]:
    """The complete subtrees that make up leaves [start, end), largest first.

    Valid for the ranges RFC 9162's recursion produces: ``start`` a multiple of a power of two
    at least ``end - start``, so that the greedy split is the tree's own.
    """
    ids = []
    while start < end:
        height = (end - start).bit_length() - 1
        ids.append((height, start >> height))
        start += 1 << height
    return ids


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of a range from its complete subtrees, largest first (right to left)."""
    result = hashes[-1]
    for item in reversed(hashes[:-1]):
        result = node_hash(item, result)
    return result


def root_node_ids(size: int) -> list[NodeId]:
    return range_node_ids(0, size)


def _inclusion_ranges(index: int, start: int, end: int) -> list[tuple[int, int]]:
    # RFC 9162 §2.1.3.1 PATH(m, D[n]), as the leaf ranges whose hashes make up the path.
    ranges = []
    while end - start > 1:
        k = _largest_power_below(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def _consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    # RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b), likewise.
    if size1 == 0 or size1 == size2:
        return []
    ranges = []
    start, end, m, complete = 0, size2, size1, True
    while True:
        n = end - start
        if m == n:
            if not complete:
                ranges.append((start, end))
            break
        k = _largest_power_below(n)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m, complete = start + k, m - k, False
    ranges.reverse()
    return ranges


def _check_range_args(index: int, size: int) -> None:
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ProofError("not a non-negative integer")
    if isinstance(size, bool) or not isinstance(size, int) or index >= size:
        raise ProofError("the index is not below the tree size")


def inclusion_node_ids(index: int, size: int, known: int = 0) -> list[list[NodeId]]:
    """For each proof hash, the complete subtrees it is folded from; without the first
    ``known`` (the lowest), which the caller holds (``settled_height``)."""
    _check_range_args(index, size)
    return [range_node_ids(a, b) for a, b in _inclusion_ranges(index, 0, size)[known:]]


def settled_height(index: int, size: int) -> int:
    """How many of the lowest hashes of the leaf's inclusion proof no later size changes.

    They are the siblings inside the largest complete aligned subtree that holds the leaf,
    ``[i·2^h, (i+1)·2^h)`` with ``(i+1)·2^h ≤ size``: such a subtree is a node of every tree of
    ``size`` or more leaves, so the path inside it is the same in each of their proofs."""
    _check_range_args(index, size)
    height = 0
    while ((index >> (height + 1)) + 1) << (height + 1) <= size:
        height += 1
    return height


def settled_node_ids(index: int, height: int) -> list[NodeId]:
    """The lowest ``height`` hashes of a leaf's inclusion proof: its siblings, leaf upwards."""
    return [(level, (index >> level) ^ 1) for level in range(height)]


def consistency_node_ids(size1: int, size2: int) -> list[list[NodeId]]:
    if isinstance(size1, bool) or not isinstance(size1, int) or size1 < 0:
        raise ProofError("not a non-negative integer")
    if isinstance(size2, bool) or not isinstance(size2, int) or size1 > size2:
        raise ProofError("the first tree is larger than the second")
    return [range_node_ids(a, b) for a, b in _consistency_ranges(size1, size2)]


NodeReader = Callable[[Iterable[NodeId]], Mapping[NodeId, bytes]]


def _resolve(groups: list[list[NodeId]], read: NodeReader) -> list[bytes]:
    wanted = {node for group in groups for node in group}
    found = read(wanted) if wanted else {}
    missing = wanted - set(found)
    if missing:
        raise LookupError(f"{len(missing)} subtree hashes are not stored, e.g. {min(missing)}")
    return [fold([found[node] for node in group]) for group in groups]


def root(size: int, read: NodeReader) -> bytes:
    if size == 0:
        return EMPTY_ROOT
    return _resolve([root_node_ids(size)], read)[0]


def inclusion_proof(index: int, size: int, read: NodeReader) -> list[bytes]:
    return _resolve(inclusion_node_ids(index, size), read)


def consistency_proof(size1: int, size2: int, read: NodeReader) -> list[bytes]:
    return _resolve(consistency_node_ids(size1, size2), read)


# --- Appending ----------------------------------------------------------------------------


def append(
    size: int, frontier: list[bytes], leaf_hashes: Iterable[bytes]
) -> tuple[list[tuple[NodeId, bytes]], list[bytes]]:
    """Append leaves to a tree of ``size`` leaves whose frontier (the hashes of
    ``root_node_ids(size)``, largest first) is given.

    Returns every subtree completed on the way, leaves included, as ``((height, index), hash)``,
    and the new frontier. O(1) amortised per leaf: the nodes to store, nothing else.
    """
    frontier = list(frontier)
    heights = [height for height, _ in root_node_ids(size)]
    created: list[tuple[NodeId, bytes]] = []
    for leaf in leaf_hashes:
        created.append(((0, size), leaf))
        frontier.append(leaf)
        heights.append(0)
        size += 1
        while len(heights) > 1 and heights[-1] == heights[-2]:
            right = frontier.pop()
            left = frontier.pop()
            height = heights.pop() + 1
            heights[-1] = height
            merged = node_hash(left, right)
            frontier.append(merged)
            created.append(((height, (size >> height) - 1), merged))
    return created, frontier


class MemoryTree:
    """A tree held in memory (for tests and tools): every complete subtree in a dict."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self.size = 0
        self.frontier: list[bytes] = []
        self.nodes: dict[NodeId, bytes] = {}
        self.extend(leaf_hashes)

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        created, self.frontier = append(self.size, self.frontier, leaf_hashes)
        self.nodes.update(created)
        self.size += sum(1 for (height, _), _hash in created if height == 0)

    def read(self, ids: Iterable[NodeId]) -> dict[NodeId, bytes]:
        return {node: self.nodes[node] for node in ids if node in self.nodes}

    def root(self, size: int | None = None) -> bytes:
        return root(self.size if size is None else size, self.read)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self.size if size is None else size, self.read)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        return consistency_proof(size1, self.size if size2 is None else size2, self.read)
