"""The audit trail: append-only, structured, filterable and exportable by administrators."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from buoy.access.models import User
from buoy.audit.context import acting_from
from buoy.audit.models import AuditEvent
from buoy.audit.selectors import AuditFilter, audit_events, write_csv
from buoy.audit.services import record
from buoy.cases.models import Case
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db


def test_an_event_cannot_be_changed_or_deleted(alice_worker: User) -> None:
    event = record(actor=alice_worker, action="cases.case.viewed")
    event.action = "something.else"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.update(action="x")
    assert AuditEvent.objects.get(pk=event.pk).action == "cases.case.viewed"


def test_an_event_names_its_source_address_and_channel(alice_worker: User) -> None:
    with acting_from("10.1.2.3", "web"):
        event = record(
            actor=alice_worker, action="cases.case.viewed", changed_fields=["b", "a", "a"]
        )
    assert (event.source_address, event.channel) == ("10.1.2.3", "web")
    assert event.changed_fields == ["a", "b"]
    assert event.actor_username == "alice_worker"


def test_the_filter_narrows_by_user_action_prefix_and_dates(
    alice_worker: User, bob_same_team: User
) -> None:
    record(actor=alice_worker, action="cases.case.viewed")
    record(actor=bob_same_team, action="cases.note.written")
    record(actor=alice_worker, action="access.login.succeeded")
    assert audit_events(AuditFilter(actor="alice_worker")).count() == 2
    assert audit_events(AuditFilter(action="cases.")).count() == 2
    assert audit_events(AuditFilter(action="cases.note")).get().actor == bob_same_team
    tomorrow = timezone.localdate() + dt.timedelta(days=2)
    assert audit_events(AuditFilter(since=tomorrow)).count() == 0


def test_the_csv_has_a_header_and_one_row_per_event(alice_worker: User, alice_case: Case) -> None:
    out = io.StringIO()
    count = write_csv(audit_events(AuditFilter()), out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0][:4] == ["id", "at", "actor", "action"]
    assert len(rows) - 1 == count == AuditEvent.objects.count()


def test_the_administrator_filters_the_trail_on_the_page(
    adam_admin: User, alice_worker: User, alice_case: Case
) -> None:
    page = logged_in(adam_admin).get(reverse("audit:events"), {"action": "cases.case.opened"})
    events = list(page.context["page"].object_list)
    assert [e.action for e in events] == ["cases.case.opened"]


def test_the_administrator_exports_the_filtered_trail(
    adam_admin: User, alice_worker: User, alice_case: Case
) -> None:
    response = logged_in(adam_admin).get(reverse("audit:export"), {"actor": "alice_worker"})
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows
    assert {r["actor"] for r in rows} == {"alice_worker"}
    assert AuditEvent.objects.filter(action="audit.trail.exported", actor=adam_admin).exists()


def test_a_bad_date_range_is_explained(adam_admin: User) -> None:
    page = logged_in(adam_admin).get(
        reverse("audit:events"), {"since": "2026-05-01", "until": "2026-01-01"}
    )
    assert "until" in page.context["form"].errors


def test_behind_a_trusted_proxy_the_clients_address_is_recorded(
    alice_worker: User, alice_case: Case, settings: object
) -> None:
    settings.BUOY_TRUSTED_PROXIES = ["127.0.0.1"]  # type: ignore[attr-defined]
    client = logged_in(alice_worker)
    client.get(
        reverse("cases:detail", args=[alice_case.pk]), HTTP_X_FORWARDED_FOR="6.6.6.6, 10.20.30.40"
    )
    event = AuditEvent.objects.get(action="cases.case.viewed")
    assert event.source_address == "10.20.30.40"


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(
    alice_worker: User, alice_case: Case
) -> None:
    logged_in(alice_worker).get(
        reverse("cases:detail", args=[alice_case.pk]), HTTP_X_FORWARDED_FOR="10.20.30.40"
    )
    assert AuditEvent.objects.get(action="cases.case.viewed").source_address == "127.0.0.1"


def test_reading_the_trail_is_itself_recorded(adam_admin: User) -> None:
    logged_in(adam_admin).get(reverse("audit:events"))
    assert AuditEvent.objects.filter(action="audit.trail.viewed", actor=adam_admin).exists()


def test_no_clinical_code_enters_the_trail_when_a_case_closes(
    alice_worker: User, alice_case: Case
) -> None:
    from buoy.cases import services

    services.close_case(
        actor=alice_worker,
        case=alice_case,
        reason="child_died",
        without_post_assessment_reason="Bereavement: no post-assessment was asked for.",
    )
    for event in AuditEvent.objects.all():
        assert "child_died" not in str(event.context)
        assert "Bereavement" not in str(event.context)


def test_a_forged_forwarded_address_that_is_not_an_address_is_ignored(
    alice_worker: User, alice_case: Case, settings: object
) -> None:
    settings.BUOY_TRUSTED_PROXIES = ["127.0.0.1"]  # type: ignore[attr-defined]
    logged_in(alice_worker).get(
        reverse("cases:detail", args=[alice_case.pk]), HTTP_X_FORWARDED_FOR="10.0.0.9, not-an-ip"
    )
    assert AuditEvent.objects.get(action="cases.case.viewed").source_address == "127.0.0.1"
