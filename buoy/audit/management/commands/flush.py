"""`flush` (Django's, also `buoy manage flush`): empty every table, the audit trail included.

The audit table's triggers (migration 0002) refuse DELETE and TRUNCATE, and Django's `flush`
deletes every row of every table: the test suite runs it after each transactional test, and an
operator may run it to empty a database. This command lifts the guard for the length of the
flush's own transaction and puts it back before that transaction commits, so nothing else can
ever see the table unguarded; if the flush fails, the rollback restores the guard with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.commands import flush
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from buoy.audit.models import AuditEvent

TRIGGER_PREFIX = "audit_auditevent_no_"


class Command(flush.Command):
    help = (
        flush.Command.help
        + " The audit trail is emptied too: its append-only guard is lifted for the flush's"
        " own transaction only."
    )

    def handle(self, **options: Any) -> None:
        database = options["database"]
        with transaction.atomic(using=database), _guard_lifted(connections[database]):
            super().handle(**options)


@contextmanager
def _guard_lifted(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Inside a transaction: the audit table's triggers are off, then on again."""
    table = AuditEvent._meta.db_table
    if table not in connection.introspection.table_names():
        yield  # not migrated yet: nothing to guard
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE is refused while deferred foreign-key checks are pending (rows that
            # post_migrate handlers add after the flush, or that the caller's transaction
            # added): check each constraint as it comes for the rest of this transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # Only the table's owner (or a superuser) may do this: the guard against other roles.
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            yield
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        elif connection.vendor == "sqlite":
            # SQLite cannot switch a trigger off: drop it and create it again from its own text.
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
                "AND name LIKE %s",
                [table, TRIGGER_PREFIX + "%"],
            )
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            yield
            for _name, sql in triggers:
                cursor.execute(sql)
        else:
            yield
