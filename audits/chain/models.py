"""The audit chain's storage: one row per entry, and the head row every append locks.

An entry's `body` is the exact bytes that were hashed (RFC 8785 JSON that ends with the previous
entry's hash and the entry's sequence number); `hash` is their SHA-256. The filter columns are
plain integers, not foreign keys: the chain never blocks, nor cascades from, a delete elsewhere.
The database refuses UPDATE and DELETE on entries (`triggers.py`, installed by a migration).
"""

from django.db import models
from django.utils import timezone

ZERO_HASH = bytes(32)


class AuditHead(models.Model):
    """The chain's last sequence number and hash; one row, locked by every append."""

    seq = models.BigIntegerField(default=0)
    hash = models.BinaryField(default=ZERO_HASH)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="audit_head_single_row")
        ]

    def __str__(self) -> str:
        return f"audit chain of {self.seq} entries"


class AuditEntry(models.Model):
    """One event, as hashed into the chain."""

    seq = models.BigIntegerField(primary_key=True)
    kind = models.CharField(max_length=64, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    application_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    certificate_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    body_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    body = models.BinaryField()
    hash = models.BinaryField()

    class Meta:
        verbose_name_plural = "audit entries"
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"{self.seq} {self.kind}"
