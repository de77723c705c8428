"""Reading the transparency log: sizes, roots, proofs, tiles and a label's entries.

Every read takes O(log n) node rows or one range of them. Nodes never change once written, and
a committed size's nodes were committed with it, so a size read first stays provable.

Because a committed node never changes, each process keeps the nodes it has read outside a
transaction (``NODE_MEMORY``): the upper nodes are in every proof, and a label read often finds
all of its proof's nodes there. Inside a transaction a node may be one the transaction wrote
itself and may yet roll back, so those are not kept.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection

from config.sql import prepared_cursor

from . import merkle
from .models import LogEntry, LogHead, LogNode, node_key

TILE_WIDTH = 256
TILE_HEIGHT = 8  # tlog-tiles: a tile of level L holds hashes of height 8·L


def log_size() -> int:
    return LogHead.objects.filter(pk=1).values_list("size", flat=True).first() or 0


def log_head() -> tuple[int, bytes]:
    """The current size and root in one read: the head's frontier is the root's subtrees."""
    row = LogHead.objects.filter(pk=1).values_list("size", "frontier").first()
    return head_of(*row) if row else (0, merkle.EMPTY_ROOT)


def head_of(size: int | None, frontier: bytes | memoryview | None) -> tuple[int, bytes]:
    """The size and root of the head row's ``size`` and ``frontier``, read with another query
    (the label reads join the head row: ``labels/stored.py``)."""
    if not size or frontier is None:
        return 0, merkle.EMPTY_ROOT
    return size, _root(bytes(frontier))


@functools.lru_cache(maxsize=4)
def _root(frontier: bytes) -> bytes:
    """The root folded from a head's frontier, once for every row of a query that read it."""
    hashes = [frontier[i : i + merkle.HASH_SIZE] for i in range(0, len(frontier), merkle.HASH_SIZE)]
    return merkle.fold(hashes)


class _NodeMemory:
    """Committed nodes by key, at most ``SIZE`` (then emptied: the next reads fill it again)."""

    SIZE = 200_000  # about 30 MB (measured with tracemalloc)

    def __init__(self) -> None:
        self.nodes: dict[int, bytes] = {}

    def keep(self, found: dict[int, bytes]) -> None:
        if len(self.nodes) + len(found) > self.SIZE:
            self.nodes = {}  # a new dict: a reader in another thread keeps the one it holds
        self.nodes.update(found)

    def clear(self) -> None:
        self.nodes = {}


NODE_MEMORY = _NodeMemory()


_NODES = f'SELECT "key", "hash" FROM {LogNode._meta.db_table} WHERE "key"'  # noqa: S608


def _nodes_read(keys: list[int]) -> dict[int, bytes]:
    """The stored nodes of these keys, in plain SQL: a label read waits for this query, and
    building it with the ORM took longer than running it. On PostgreSQL the keys are one array
    parameter, so that the statement is the same for any number of them and is prepared once
    per connection (config/sql.py)."""
    with prepared_cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_NODES + " = ANY(%s::bigint[])", [keys])
        else:
            cursor.execute(_NODES + f" IN ({', '.join(['%s'] * len(keys))})", keys)
        return {key: bytes(value) for key, value in cursor.fetchall()}


def _read(ids: Iterable[merkle.NodeId]) -> dict[merkle.NodeId, bytes]:
    keys = {node_key(height, index): (height, index) for height, index in ids}
    kept = NODE_MEMORY.nodes
    found = {key: value for key in keys if (value := kept.get(key)) is not None}
    if len(found) < len(keys):
        read = _nodes_read([key for key in keys if key not in found])
        if connection.get_autocommit() and not connection.in_atomic_block:
            NODE_MEMORY.keep(read)  # committed: no transaction of this connection is open
        found.update(read)
    return {keys[key]: value for key, value in found.items()}


def log_head_stored() -> tuple[int, bytes]:
    """The head row's size and frontier as stored, for a verifier to compare with the tree it
    rebuilds from the entries."""
    row = LogHead.objects.filter(pk=1).values_list("size", "frontier").first()
    return (row[0], bytes(row[1])) if row else (0, b"")


# Keys a verifier asks for in one query: well below SQLite's limit on parameters.
VERIFY_KEYS = 5_000


def log_nodes_stored(ids: Iterable[merkle.NodeId]) -> dict[merkle.NodeId, bytes]:
    """The stored nodes of these ids, always from the database: what a verifier compares. A
    process's ``NODE_MEMORY`` would hide a node changed in the database after it was read."""
    keys = {node_key(height, index): (height, index) for height, index in ids}
    ordered = sorted(keys)
    found: dict[int, bytes] = {}
    for start in range(0, len(ordered), VERIFY_KEYS):
        found.update(_nodes_read(ordered[start : start + VERIFY_KEYS]))
    return {keys[key]: value for key, value in found.items()}


def log_root(size: int) -> bytes:
    return merkle.root(size, _read)


def log_inclusion_proof(index: int, size: int) -> list[bytes]:
    return merkle.inclusion_proof(index, size, _read)


def log_consistency_proof(size1: int, size2: int) -> list[bytes]:
    return merkle.consistency_proof(size1, size2, _read)


def log_tile(level: int, index: int, width: int) -> bytes:
    """The ``width`` hashes of tile ``index`` at ``level``, concatenated (all must exist)."""
    height = level * TILE_HEIGHT
    first = index * TILE_WIDTH
    rows = list(
        LogNode.objects.filter(
            key__gte=node_key(height, first),
            key__lt=node_key(height, first + width),
        )
        .order_by("key")
        .values_list("hash", flat=True)
    )
    if len(rows) != width:
        raise LookupError("the tree does not hold that tile yet")
    return b"".join(bytes(row) for row in rows)


def log_entry_bundle(index: int, width: int) -> bytes:
    """tlog-tiles entry bundle: each entry as a big-endian 16-bit length and its bytes."""
    first = index * TILE_WIDTH
    rows = list(
        LogEntry.objects.filter(index__gte=first, index__lt=first + width)
        .order_by("index")
        .values_list("entry", flat=True)
    )
    if len(rows) != width:
        raise LookupError("the log does not hold those entries yet")
    return b"".join(len(row).to_bytes(2, "big") + bytes(row) for row in rows)


@dataclass(frozen=True)
class SubjectEntry:
    index: int
    entry: bytes
    inclusion_proof: list[bytes]


def log_entries_for_subject(subject: str, size: int) -> list[SubjectEntry]:
    """The entries about ``subject`` (a label serial) within the first ``size``, in log order,
    each with its inclusion proof to the tree of ``size``, read in one query of nodes."""
    return log_entries_for_subjects([subject], size).get(subject, [])


def log_entries_for_subjects(subjects: Iterable[str], size: int) -> dict[str, list[SubjectEntry]]:
    """The entries of several subjects at once, with their proofs to the tree of ``size``: two
    queries whatever their number (the entries, then every node their proofs need)."""
    rows = list(
        LogEntry.objects.filter(subject__in=list(set(subjects)), index__lt=size)
        .order_by("index")
        .values_list("subject", "index", "entry")
    )
    proved = log_entries_proved(
        [(index, bytes(entry), ()) for _subject, index, entry in rows], size
    )
    gathered: dict[str, list[SubjectEntry]] = {}
    for (subject, _index, _entry), item in zip(rows, proved, strict=True):
        gathered.setdefault(subject, []).append(item)
    return gathered


def log_entries_proved(
    entries: Iterable[tuple[int, bytes, Sequence[bytes]]], size: int
) -> list[SubjectEntry]:
    """Entries already read (index, bytes, and the settled hashes of their proof the caller
    holds: ``log_settled_proofs``), each with its inclusion proof to the tree of ``size``, in at
    most one query of nodes; entries at or beyond ``size`` are left out."""
    wanted = []
    for index, entry, settled in entries:
        if index >= size:
            continue
        if len(settled) > merkle.settled_height(index, size):
            settled = ()  # kept for a larger tree than this one: the whole proof is read
        wanted.append((index, entry, settled, merkle.inclusion_node_ids(index, size, len(settled))))
    found = _read({node for *_, groups in wanted for proof in groups for node in proof})
    return [
        SubjectEntry(
            index=index,
            entry=entry,
            inclusion_proof=[
                *settled,
                *(merkle.fold([found[node] for node in proof]) for proof in groups),
            ],
        )
        for index, entry, settled, groups in wanted
    ]


def log_settled_proofs(indexes: Iterable[int], size: int) -> dict[int, bytes]:
    """For each leaf below ``size``, the lowest hashes of its inclusion proof that no later
    tree changes (``merkle.settled_height``), concatenated: kept with a label's stored answers,
    they leave a read only the few upper nodes to fetch, which every proof shares."""
    ids = {
        index: merkle.settled_node_ids(index, merkle.settled_height(index, size))
        for index in indexes
        if index < size
    }
    found = _read({node for nodes in ids.values() for node in nodes})
    return {index: b"".join(found[node] for node in nodes) for index, nodes in ids.items()}


ISSUED = "labels:label:issued"


def log_issuance_digests(serial: str) -> set[str]:
    """The ``credentialSha256`` of every issuance entry the log holds for a label serial."""
    rows = LogEntry.objects.filter(subject=serial, kind=ISSUED).values_list("entry", flat=True)
    digests = set()
    for row in rows:
        value = json.loads(bytes(row)).get("credentialSha256")
        if isinstance(value, str):
            digests.add(value)
    return digests
