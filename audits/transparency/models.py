"""The transparency log's storage (CONTRACTS §5).

Every leaf's entry bytes by index, and the hash of every complete subtree as it completes
(`LogNode`, keyed by height and index), so that a root, an inclusion or a consistency proof at
any size reads O(log n) rows and a tile (C2SP tlog-tiles: 256 hashes of one height) is one range
of keys. The head row is what appends lock: one writer at a time.
"""

from django.db import models
from django.utils import timezone

# A node's key: its height above the leaves in the top bits, its index below. 48 bits of index
# are 2.8 × 10^14 leaves; heights fit far above that.
INDEX_BITS = 48


def node_key(height: int, index: int) -> int:
    return (height << INDEX_BITS) | index


class LogHead(models.Model):
    """The tree's current size and frontier; one row, locked by every append."""

    size = models.BigIntegerField(default=0)
    # The hashes of the complete subtrees that make up the tree (largest first), concatenated:
    # all an append needs, without reading any node.
    frontier = models.BinaryField(default=b"")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="log_head_single_row")]

    def __str__(self) -> str:
        return f"log of {self.size} entries"


class LogEntry(models.Model):
    """One leaf: the RFC 8785 JSON of an event, as hashed into the tree."""

    index = models.BigIntegerField(primary_key=True)
    kind = models.CharField(max_length=64)
    # What the entry is about (a label serial, a key's verification method), to gather a label's
    # entries for /labels/<serial>/log.json.
    subject = models.CharField(max_length=300, blank=True, db_index=True)
    entry = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "log entries"

    def __str__(self) -> str:
        return f"{self.index} {self.kind}"


class LogNode(models.Model):
    """The hash of a complete subtree: height 0 are the leaf hashes."""

    key = models.BigIntegerField(primary_key=True)
    hash = models.BinaryField()

    def __str__(self) -> str:
        return f"node {self.key >> INDEX_BITS}/{self.key & ((1 << INDEX_BITS) - 1)}"
