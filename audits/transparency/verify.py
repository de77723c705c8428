"""Verifying the stored transparency log against its own entries (`manage.py log_verify`), and
proving that entries read from it are the log's (the audit chain's anchors, `audit_verify`).

No stored hash is taken on trust. `log_walk` reads the entries a page at a time (memory bounded
by a page, whatever the log's size), recomputes each leaf hash from the entry's bytes and every
complete subtree from the leaves (`merkle.append`, as the writer does), and compares each with
the stored node; then the rebuilt frontier with the head row, and the rebuilt root at the signed
checkpoint's size with its root. `entries_proved` checks that entries read for another purpose
hash to their stored leaves, and that each leaf's inclusion proof, folded from the stored nodes,
leads to a signed checkpoint's root.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import merkle, note
from .checkpoints import checkpoint_signed, log_verifier_key
from .models import LogEntry
from .selectors import log_head_stored, log_nodes_stored

# Entries read at a time: typical entries are a few hundred bytes, so about 1 MB, and the
# nodes they complete (about twice as many) are one query of stored nodes.
PAGE_ENTRIES = 2_500
# Entries proved at a time: their leaves and their proofs' nodes are one query.
PROVE_ENTRIES = 100


class LogBroken(Exception):
    """Where the log first differs from what its entries make, and how."""

    def __init__(self, where: str, reason: str):
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


@dataclass(frozen=True)
class Checkpoint:
    size: int
    root: bytes


@dataclass(frozen=True)
class LogSummary:
    entries: int
    root: bytes
    checkpoint: Checkpoint


def checkpoint_opened(signed: str, key: str) -> Checkpoint:
    """The size and root of a signed checkpoint that verifies with ``key`` (a note verifier
    key) and whose origin is the key's name; LogBroken otherwise."""
    try:
        name = note.parse_verifier_key(key)[0]
        origin, size, root = note.parse_checkpoint(note.open_note(signed, key))
    except note.NoteError as error:
        raise LogBroken("the checkpoint", str(error)) from None
    if origin != name:
        raise LogBroken("the checkpoint", f"its origin {origin} is not the log key's name {name}")
    return Checkpoint(size=size, root=root)


def checkpoint_latest() -> Checkpoint:
    """The checkpoint the log serves now (``/log/checkpoint``), opened with the log's public
    key (``/log/key``)."""
    _size, signed = checkpoint_signed()
    return checkpoint_opened(signed, log_verifier_key())


def _entry(index: int) -> str:
    return f"entry {index}"


def _node(height: int, index: int) -> str:
    return f"node {height}/{index}"


def _checkpoint(checkpoint: Checkpoint) -> str:
    return f"the checkpoint of {checkpoint.size} entries"


# --- The whole log ----------------------------------------------------------------------------


def log_walk(checkpoint: Checkpoint, *, page: int | None = None) -> LogSummary:
    """Rebuild the tree from the entries up to the head's size, comparing every stored node
    with it, then the head's frontier and ``checkpoint``'s root; LogBroken at the first
    difference. Read the checkpoint before calling: the head read here is then at least as
    large, and entries appended meanwhile lie beyond both (the next run's)."""
    page = page or PAGE_ENTRIES
    size, stored_frontier = log_head_stored()
    if checkpoint.size > size:
        raise LogBroken(_checkpoint(checkpoint), f"larger than the log's head of {size} entries")
    frontier: list[bytes] = []
    at_checkpoint = merkle.EMPTY_ROOT
    start = 0
    # A page also ends at the checkpoint's size: the root there is the fold of the frontier.
    for end in sorted({*range(page, size, page), checkpoint.size, size} - {0}):
        frontier = _page_checked(start, end, frontier)
        if end == checkpoint.size:
            at_checkpoint = merkle.fold(frontier)
        start = end
    _head_check(size, stored_frontier, frontier)
    if at_checkpoint != checkpoint.root:
        raise LogBroken(_checkpoint(checkpoint), "its root differs from the rebuilt tree's")
    root = merkle.fold(frontier) if frontier else merkle.EMPTY_ROOT
    return LogSummary(entries=size, root=root, checkpoint=checkpoint)


def _page_checked(start: int, end: int, frontier: list[bytes]) -> list[bytes]:
    """Entries start..end-1 are all there, and their leaves and the subtrees they complete are
    the stored nodes; the frontier after them."""
    rows = list(
        LogEntry.objects.filter(index__gte=start, index__lt=end)
        .order_by("index")
        .values_list("index", "entry")
    )
    for offset, (index, _entry_bytes) in enumerate(rows):
        if index != start + offset:
            raise LogBroken(_entry(start + offset), f"missing (the next stored entry is {index})")
    if len(rows) < end - start:
        raise LogBroken(_entry(start + len(rows)), "missing (the head counts it)")
    created, frontier = merkle.append(
        start, frontier, (merkle.leaf_hash(bytes(entry)) for _index, entry in rows)
    )
    stored = log_nodes_stored(node for node, _hash in created)
    # Lowest first: a changed entry is named by its leaf, not by the subtrees above it.
    for (height, index), rebuilt in sorted(created):
        found = stored.get((height, index))
        if found == rebuilt:
            continue
        if height == 0:
            if found is None:
                raise LogBroken(_entry(index), f"its leaf ({_node(0, index)}) is not stored")
            raise LogBroken(
                _entry(index), f"its bytes do not hash to its stored leaf ({_node(0, index)})"
            )
        if found is None:
            raise LogBroken(_node(height, index), "not stored")
        raise LogBroken(_node(height, index), "its stored hash differs from the rebuilt one")
    return frontier


def _head_check(size: int, stored: bytes, frontier: list[bytes]) -> None:
    """The head row's frontier is the rebuilt one: the subtrees the tree of ``size`` is made of."""
    if stored == b"".join(frontier):
        return
    hashes = [stored[at : at + merkle.HASH_SIZE] for at in range(0, len(stored), merkle.HASH_SIZE)]
    for (height, index), rebuilt, found in zip(
        merkle.root_node_ids(size), frontier, hashes, strict=False
    ):
        if found != rebuilt:
            raise LogBroken("the head", f"its frontier's {_node(height, index)} differs")
    raise LogBroken(
        "the head",
        f"its frontier is {len(stored)} bytes, the tree of {size} entries has "
        f"{len(frontier)} subtrees",
    )


# --- Entries read for another purpose -------------------------------------------------------


def entries_proved(entries: Sequence[tuple[int, bytes]], checkpoint: Checkpoint) -> None:
    """Each entry ``(index, bytes)``, read from the log below the checkpoint's size, is the
    log's: its bytes hash to its stored leaf, and that leaf's inclusion proof, folded from the
    stored nodes, leads to the checkpoint's root. LogBroken at the first that is not."""
    for first in range(0, len(entries), PROVE_ENTRIES):
        batch = entries[first : first + PROVE_ENTRIES]
        proofs = {
            index: merkle.inclusion_node_ids(index, checkpoint.size) for index, _entry in batch
        }
        wanted = {(0, index) for index in proofs}
        wanted.update(node for groups in proofs.values() for group in groups for node in group)
        found = log_nodes_stored(wanted)
        for index, entry in batch:
            leaf = merkle.leaf_hash(entry)
            if found.get((0, index)) != leaf:
                raise LogBroken(
                    _entry(index), f"its bytes do not hash to its stored leaf ({_node(0, index)})"
                )
            groups = proofs[index]
            missing = sorted(node for group in groups for node in group if node not in found)
            if missing:
                raise LogBroken(_node(*missing[0]), f"not stored (in the proof of {_entry(index)})")
            proof = [merkle.fold([found[node] for node in group]) for group in groups]
            try:
                merkle.verify_inclusion(leaf, index, checkpoint.size, proof, checkpoint.root)
            except merkle.ProofError:
                raise LogBroken(
                    _entry(index), f"its leaf is not included under {_checkpoint(checkpoint)}"
                ) from None
