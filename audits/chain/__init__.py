"""The audit chain: every domain event, in one SHA-256 hash chain (see docs/audit-chain.md).

Our own two small models rather than django-pghistory and django-pgtrigger: those are
PostgreSQL-only, and the embedded SQLite default must keep the same guarantees (the append-only
trigger is installed on both vendors by the migration).
"""
