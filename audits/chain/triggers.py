"""The database's own refusal to change or delete an audit entry, on PostgreSQL and SQLite.

A second guard behind the code (which never updates an entry): whoever reaches the database
directly must drop or disable the trigger first, and `audit_verify` catches what they then
change. TRUNCATE is not blocked (PostgreSQL row triggers do not see it, and Django's test flush
uses it); a truncated or rewritten chain no longer matches the heads anchored in the
transparency log.
"""

TABLE = "audits_auditentry"
MESSAGE = "the audit chain is append-only"

POSTGRESQL_INSTALL = f"""
CREATE OR REPLACE FUNCTION audits_auditentry_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}: % refused', TG_OP USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER audits_auditentry_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audits_auditentry_refuse();
"""
POSTGRESQL_REMOVE = f"""
DROP TRIGGER IF EXISTS audits_auditentry_append_only ON {TABLE};
DROP FUNCTION IF EXISTS audits_auditentry_refuse();
"""

SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS audits_auditentry_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audits_auditentry_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE refused'); END""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audits_auditentry_no_update",
    "DROP TRIGGER IF EXISTS audits_auditentry_no_delete",
]


def triggers_install(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL_INSTALL)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_INSTALL:
                cursor.execute(statement)


def triggers_remove(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRESQL_REMOVE)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_REMOVE:
                cursor.execute(statement)
