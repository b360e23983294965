"""The database refuses to change or remove audit rows: triggers on SQLite and PostgreSQL.

The SQL lives here, not in app code, so this migration keeps doing what it did when it ran.
On SQLite, a later migration that alters the audit table rebuilds it and drops these
triggers: such a migration must create them again (`audit_verify` reports missing triggers).
"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_auditevent
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_auditevent
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only: DELETE refused'); END""",
    # INSERT OR REPLACE deletes the clashing row without firing DELETE triggers (unless
    # recursive_triggers is on), so a clash is refused before the insert gets that far.
    """CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit_auditevent
WHEN EXISTS (SELECT 1 FROM audit_auditevent
             WHERE id = NEW.id OR seq = NEW.seq OR hash = NEW.hash)
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only: REPLACE refused'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_no_update",
    "DROP TRIGGER IF EXISTS audit_no_delete",
    "DROP TRIGGER IF EXISTS audit_no_replace",
]

POSTGRESQL = [
    # SQLSTATE 23000 (integrity_constraint_violation): Django raises IntegrityError, as on
    # SQLite, so callers catch one error on both databases.
    """CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit rows are append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$""",
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_auditevent
FOR EACH ROW EXECUTE FUNCTION audit_append_only()""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_auditevent
FOR EACH ROW EXECUTE FUNCTION audit_append_only()""",
    """CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_auditevent
FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_no_update ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_no_delete ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_no_truncate ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_append_only()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements_by_vendor:
            raise RuntimeError(
                f"the audit trail's append-only triggers exist for SQLite and PostgreSQL, "
                f"not {vendor}; nof1 runs on those two"
            )
        with schema_editor.connection.cursor() as cursor:
            for sql in statements_by_vendor[vendor]:
                cursor.execute(sql)  # no parameters: the '%' in plpgsql stays as it is

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        ),
    ]
