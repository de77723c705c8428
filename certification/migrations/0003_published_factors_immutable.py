"""A database guard behind the services' and the models' own: an UPDATE of a published factor
version, or of a factor in one, is refused by the database itself (SQLite and PostgreSQL).

Deletes are left to the models and to PROTECT foreign keys: on SQLite a delete trigger would
also stop the test runner's table flush.
"""

from django.db import migrations

SQLITE = [
    """
    CREATE TRIGGER certification_emissionfactor_published_immutable
    BEFORE UPDATE ON certification_emissionfactor
    WHEN (SELECT status FROM certification_datasetversion WHERE id = OLD.version_id)
         = 'published'
    BEGIN SELECT RAISE(ABORT, 'a factor of a published version cannot change'); END
    """,
    """
    CREATE TRIGGER certification_datasetversion_published_immutable
    BEFORE UPDATE ON certification_datasetversion
    WHEN OLD.status = 'published'
    BEGIN SELECT RAISE(ABORT, 'a published factor version cannot change'); END
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS certification_emissionfactor_published_immutable",
    "DROP TRIGGER IF EXISTS certification_datasetversion_published_immutable",
]

POSTGRESQL = [
    """
    CREATE FUNCTION certification_emissionfactor_refuse_published() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM certification_datasetversion
                   WHERE id = OLD.version_id AND status = 'published') THEN
            RAISE EXCEPTION 'a factor of a published version cannot change'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER certification_emissionfactor_published_immutable
    BEFORE UPDATE ON certification_emissionfactor
    FOR EACH ROW EXECUTE FUNCTION certification_emissionfactor_refuse_published()
    """,
    """
    CREATE FUNCTION certification_datasetversion_refuse_published() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'a published factor version cannot change'
            USING ERRCODE = 'integrity_constraint_violation';
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER certification_datasetversion_published_immutable
    BEFORE UPDATE ON certification_datasetversion
    FOR EACH ROW WHEN (OLD.status = 'published')
    EXECUTE FUNCTION certification_datasetversion_refuse_published()
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS certification_emissionfactor_published_immutable "
    "ON certification_emissionfactor",
    "DROP FUNCTION IF EXISTS certification_emissionfactor_refuse_published()",
    "DROP TRIGGER IF EXISTS certification_datasetversion_published_immutable "
    "ON certification_datasetversion",
    "DROP FUNCTION IF EXISTS certification_datasetversion_refuse_published()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            return  # another database: the services and models still guard
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0002_footprint"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        ),
    ]
