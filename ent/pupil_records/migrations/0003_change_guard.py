"""Make the history of grades and absences append-only in the database itself.

PostgreSQL: a trigger refuses every UPDATE, and every DELETE unless the transaction set
`ent.history_purge` (only the retention purge does, `models.history_purge_allowed`).
SQLite: a trigger refuses every UPDATE. DELETE stays possible there because Django's test
flush empties tables with DELETE; the ORM refuses it (`ChangeQuerySet.delete`).
"""

from django.db import migrations

TABLE = "pupil_records_change"

# Statements run one by one, without a percent sign: the driver formats parameters.
POSTGRESQL = (
    """
CREATE OR REPLACE FUNCTION pupil_records_change_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('ent.history_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'pupil_records_change is append-only: ' || TG_OP,
        ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql
""",
    f"""
CREATE TRIGGER pupil_records_change_guard BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION pupil_records_change_guard()
""",
)
POSTGRESQL_REVERSE = (
    f"DROP TRIGGER IF EXISTS pupil_records_change_guard ON {TABLE}",
    "DROP FUNCTION IF EXISTS pupil_records_change_guard()",
)
SQLITE = (
    f"""
CREATE TRIGGER pupil_records_change_no_update BEFORE UPDATE ON {TABLE}
BEGIN
    SELECT RAISE(ABORT, 'pupil_records_change is append-only: UPDATE');
END
""",
)
SQLITE_REVERSE = ("DROP TRIGGER IF EXISTS pupil_records_change_no_update",)


def _run(schema_editor, statements):
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(vendor, ()))


def unguard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(
        schema_editor, {"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}.get(vendor, ())
    )


class Migration(migrations.Migration):
    dependencies = [("pupil_records", "0002_competencies")]

    operations = [migrations.RunPython(guard, unguard)]
