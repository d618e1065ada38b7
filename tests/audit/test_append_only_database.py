"""The audit table refuses changes in the database itself, not only through the ORM.

Raw SQL through `connection.cursor()` bypasses `AuditEvent.save()` and the QuerySet guards; the
triggers installed by `audit/migrations/0002_append_only_triggers.py` must refuse it on SQLite
and on PostgreSQL. The test suite's own flushes (transactional tests, live_server) lift the
guard through the app's `flush` command only, and must keep working.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.audit.services import record


@pytest.fixture
def event(alice_worker: User) -> AuditEvent:
    return record(actor=alice_worker, action="cases.case.viewed")


def run_raw(sql: str, params: tuple[str | int, ...] = ()) -> None:
    # A savepoint, so the refused statement leaves the test's transaction usable.
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # PostgreSQL refuses TRUNCATE while the test's own inserts still have deferred
            # foreign-key checks pending; check them now so the trigger is what answers.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_a_raw_sql_update_of_an_event_is_refused(event: AuditEvent) -> None:
    with pytest.raises(IntegrityError, match="append-only"):
        run_raw("UPDATE audit_auditevent SET action = %s WHERE id = %s", ("forged", event.pk))
    assert AuditEvent.objects.get(pk=event.pk).action == "cases.case.viewed"


@pytest.mark.django_db
def test_a_raw_sql_delete_of_an_event_is_refused(event: AuditEvent) -> None:
    with pytest.raises(IntegrityError, match="append-only"):
        run_raw("DELETE FROM audit_auditevent WHERE id = %s", (event.pk,))
    with pytest.raises(IntegrityError, match="append-only"):
        run_raw("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


# How each engine empties a whole table at once: PostgreSQL's TRUNCATE skips row triggers,
# SQLite runs an unqualified DELETE as its "truncate optimisation" when no trigger stops it.
EMPTY_THE_TABLE = {
    "postgresql": ["TRUNCATE audit_auditevent", "TRUNCATE audit_auditevent, access_user CASCADE"],
    "sqlite": ["DELETE FROM audit_auditevent"],
}


@pytest.mark.django_db
def test_emptying_the_audit_table_at_once_is_refused(event: AuditEvent) -> None:
    statements = EMPTY_THE_TABLE[connection.vendor]
    for sql in statements:
        with pytest.raises(IntegrityError, match="append-only"):
            run_raw(sql)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_appending_still_works_through_raw_sql_too(event: AuditEvent) -> None:
    before = AuditEvent.objects.count()
    record(actor=None, action="access.login.failed")
    assert AuditEvent.objects.count() == before + 1


@pytest.mark.django_db(transaction=True)
def test_the_flush_command_empties_the_trail_and_restores_the_guard(alice_worker: User) -> None:
    record(actor=alice_worker, action="tests.flush.before")
    call_command("flush", interactive=False, verbosity=0)
    # (post_migrate handlers may add their own rows again after a flush)
    assert not AuditEvent.objects.filter(action="tests.flush.before").exists()
    assert not User.objects.filter(username="alice_worker").exists()
    # The guard is back once the flush is over.
    kept = record(actor=None, action="access.login.failed")
    with pytest.raises(IntegrityError, match="append-only"):
        run_raw("DELETE FROM audit_auditevent WHERE id = %s", (kept.pk,))
    assert AuditEvent.objects.filter(pk=kept.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_leaves_events_behind_for_the_flush(alice_worker: User) -> None:
    # pytest-django flushes every table after this test; the next test starts empty.
    record(actor=alice_worker, action="tests.flush.marker")
    assert AuditEvent.objects.filter(action="tests.flush.marker").exists()


@pytest.mark.django_db(transaction=True)
def test_the_previous_transactional_tests_events_were_flushed(db: None) -> None:
    assert not AuditEvent.objects.filter(action="tests.flush.marker").exists()
