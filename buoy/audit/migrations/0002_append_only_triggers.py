"""The audit table refuses UPDATE and DELETE in the database too (and TRUNCATE on PostgreSQL).

The ORM guards in `audit/models.py` stop Buoy's own code; these triggers also stop raw SQL
through Buoy's connection and anyone who edits the database with a SQL client but does not
drop the triggers first. Both engines raise an integrity error whose message says
"append-only". The app's `flush` command (`audit/management/commands/flush.py`) lifts the
guard for the length of its own transaction only. See ADR 0003.

A later migration that rebuilds `audit_auditevent` on SQLite (SQLite's way of altering most
columns) drops these triggers with the old table and must create them again;
`tests/audit/test_append_only_database.py` fails if it does not.
"""

from typing import Any

from django.db import migrations

MESSAGE = "audit events are append-only"

SQLITE_UP = [
    "CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE refused'); END",
    "CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE refused'); END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update",
]
POSTGRES_UP = [
    # SQLSTATE 23001 (restrict_violation): psycopg and Django report it as an IntegrityError,
    # as SQLite reports RAISE(ABORT).
    "CREATE FUNCTION audit_auditevent_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{MESSAGE}: % refused', TG_OP USING ERRCODE = 'restrict_violation'; "
    "END $$",
    "CREATE TRIGGER audit_auditevent_no_update_or_delete BEFORE UPDATE OR DELETE "
    "ON audit_auditevent FOR EACH ROW EXECUTE FUNCTION audit_auditevent_refuse_change()",
    # TRUNCATE fires no row triggers: it needs a statement trigger of its own.
    "CREATE TRIGGER audit_auditevent_no_truncate BEFORE TRUNCATE "
    "ON audit_auditevent FOR EACH STATEMENT EXECUTE FUNCTION audit_auditevent_refuse_change()",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update_or_delete ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_auditevent_refuse_change()",
]


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            # No parameters: the `%` in the PostgreSQL function is RAISE's, not a placeholder.
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]
