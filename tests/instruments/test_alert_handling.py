"""A safety alert is handled with a record of what was done, when, by whom, with a note; the
record stays in the case's alert history and on its timeline; an alert left open too long is
overdue. Services with every persona, pages, the API, the timeline and a controlled clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from buoy.access import services as access_services
from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases import services as case_services
from buoy.cases.models import Case
from buoy.cases.selectors import case_timeline
from buoy.cases.timeline import timeline_sources
from buoy.core.errors import InvalidInput, NotFound
from buoy.instruments import selectors, services
from buoy.instruments.domain.alerts import HANDLING_ACTIONS, NOTE_MAX_LENGTH
from buoy.instruments.models import HandlingAction, SafetyAlert
from tests.conftest import logged_in, raise_safety_alert

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
RAISED = dt.datetime(2026, 3, 3, 9, 0, 20, tzinfo=SHANGHAI)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """Buoy's clock, held still at 08:55:20 on 3 March 2026 in Shanghai until moved."""
    traveller = time_machine.travel(RAISED - dt.timedelta(minutes=5), tick=False)
    yield traveller.start()
    traveller.stop()


@pytest.fixture
def alert(clock: time_machine.Traveller, alice_worker: User, alice_case: Case) -> SafetyAlert:
    """Alice's case opened at 08:55; the alert raised at 09:00:20, where the clock stays."""
    clock.move_to(RAISED)
    return raise_safety_alert(alice_worker, alice_case)


def later(**delta: float) -> dt.datetime:
    return RAISED + dt.timedelta(**delta)


# --- the rule's vocabulary -----------------------------------------------------------------


def test_the_model_offers_exactly_the_actions_the_rules_accept() -> None:
    assert tuple(HandlingAction.values) == HANDLING_ACTIONS


# --- the service, persona by persona --------------------------------------------------------


def test_the_assigned_worker_records_what_was_done_now_by_herself(
    alert: SafetyAlert, alice_worker: User, clock: time_machine.Traveller
) -> None:
    clock.shift(dt.timedelta(minutes=40))
    services.handle_alert(
        actor=alice_worker,
        alert=alert,
        actions=["safety_plan_made", "caregiver_contacted", "caregiver_contacted"],
        note="Called the mother; she stays with her sister tonight.",
    )
    alert.refresh_from_db()
    assert alert.actions == ["caregiver_contacted", "safety_plan_made"]
    assert alert.handled_at == later(minutes=40)
    assert alert.handled_by == alice_worker
    assert alert.handling_recorded_by == alice_worker
    assert alert.handling_recorded_at == later(minutes=40)
    assert alert.handling_note == "Called the mother; she stays with her sister tonight."
    assert not selectors.open_alerts_visible_to(alice_worker).exists()


def test_handling_is_audited_with_ids_and_no_free_text_or_actions(
    alert: SafetyAlert, alice_worker: User
) -> None:
    services.handle_alert(
        actor=alice_worker, alert=alert, actions=["emergency_services"], note="Ambulance 张"
    )
    event = AuditEvent.objects.get(action="instruments.alert.handled")
    assert event.actor == alice_worker
    assert event.subject_id == str(alert.pk)
    assert event.context == {
        "case": alert.case_id,
        "handled_by": alice_worker.pk,
        "late": False,
    }
    assert "Ambulance" not in str(event.context)
    assert "emergency" not in str(event.context)


def test_the_supervisor_records_what_the_worker_did_earlier(
    alert: SafetyAlert,
    alice_worker: User,
    carol_supervisor: User,
    clock: time_machine.Traveller,
) -> None:
    clock.shift(dt.timedelta(hours=3))
    services.handle_alert(
        actor=carol_supervisor,
        alert=alert,
        actions=["referred_mental_health"],
        handled_at=later(hours=1),
        handled_by=alice_worker,
    )
    alert.refresh_from_db()
    assert (alert.handled_by, alert.handling_recorded_by) == (alice_worker, carol_supervisor)
    assert (alert.handled_at, alert.handling_recorded_at) == (later(hours=1), later(hours=3))


@pytest.mark.parametrize("persona", ["bob_same_team", "dan_other_ward"])
def test_staff_who_may_not_see_the_case_cannot_handle_its_alert(
    persona: str, alert: SafetyAlert, personas: dict[str, User]
) -> None:
    with pytest.raises(NotFound):
        services.handle_alert(actor=personas[persona], alert=alert, actions=["other"], note="x")
    alert.refresh_from_db()
    assert alert.handled_at is None
    assert not AuditEvent.objects.filter(action="instruments.alert.handled").exists()


@pytest.mark.parametrize("colleague", ["bob_same_team", "dan_other_ward", "rita_researcher"])
def test_the_person_named_must_be_someone_who_may_see_the_case(
    colleague: str, alert: SafetyAlert, alice_worker: User, personas: dict[str, User]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.handle_alert(
            actor=alice_worker,
            alert=alert,
            actions=["caregiver_contacted"],
            handled_by=personas[colleague],
        )
    assert set(refused.value.errors) == {"handled_by"}
    alert.refresh_from_db()
    assert alert.handled_at is None


def test_a_deactivated_colleague_cannot_be_named(
    alert: SafetyAlert, alice_worker: User, carol_supervisor: User, adam_admin: User
) -> None:
    access_services.update_user(
        actor=adam_admin,
        user=carol_supervisor,
        role=carol_supervisor.role_enum,
        ward_codes=["ward-a"],
        is_active=False,
        first_name="Carol",
        last_name="",
        email="",
    )
    with pytest.raises(InvalidInput) as refused:
        services.handle_alert(
            actor=alice_worker,
            alert=alert,
            actions=["caregiver_contacted"],
            handled_by=User.objects.get(pk=carol_supervisor.pk),
        )
    assert set(refused.value.errors) == {"handled_by"}


def test_a_colleague_the_case_is_shared_with_may_be_named(
    alert: SafetyAlert,
    alice_worker: User,
    bob_same_team: User,
    carol_supervisor: User,
    alice_case: Case,
) -> None:
    case_services.reassign_case(
        actor=carol_supervisor, case=alice_case, worker=alice_worker, shared_with=[bob_same_team]
    )
    services.handle_alert(
        actor=alice_worker, alert=alert, actions=["caregiver_contacted"], handled_by=bob_same_team
    )
    alert.refresh_from_db()
    assert alert.handled_by == bob_same_team


@pytest.mark.parametrize(
    ("actions", "note", "field", "words"),
    [
        ([], "", "actions", "at least one"),
        (["called_the_police"], "", "actions", "from the list"),
        (["other"], "", "note", "what else"),
        (["other"], "   ", "note", "what else"),
        (["caregiver_contacted"], "x" * (NOTE_MAX_LENGTH + 1), "note", "500"),
        (["caregiver_contacted"], "bell\x07", "note", "cannot be shown"),
    ],
)
def test_a_bad_record_is_refused_by_field_and_changes_nothing(
    actions: list[str],
    note: str,
    field: str,
    words: str,
    alert: SafetyAlert,
    alice_worker: User,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.handle_alert(actor=alice_worker, alert=alert, actions=actions, note=note)
    assert set(refused.value.errors) == {field}
    assert words in " ".join(refused.value.errors[field])
    alert.refresh_from_db()
    assert (alert.handled_at, alert.actions, alert.handling_note) == (None, [], "")
    assert not AuditEvent.objects.filter(action="instruments.alert.handled").exists()


def test_a_note_of_the_longest_allowed_length_and_other_with_a_note_are_kept(
    alert: SafetyAlert, alice_worker: User
) -> None:
    note = "长" * NOTE_MAX_LENGTH
    services.handle_alert(actor=alice_worker, alert=alert, actions=["other"], note=note)
    alert.refresh_from_db()
    assert (alert.actions, alert.handling_note) == (["other"], note)


def test_every_wrong_field_is_named_at_once(
    alert: SafetyAlert, alice_worker: User, dan_other_ward: User
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.handle_alert(
            actor=alice_worker,
            alert=alert,
            actions=["other"],
            handled_at=later(days=1),
            handled_by=dan_other_ward,
        )
    assert set(refused.value.errors) == {"note", "handled_at", "handled_by"}


def test_the_time_it_was_done_cannot_be_in_the_future(
    alert: SafetyAlert, alice_worker: User
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.handle_alert(
            actor=alice_worker,
            alert=alert,
            actions=["caregiver_contacted"],
            handled_at=later(minutes=1),
        )
    assert "future" in refused.value.errors["handled_at"][0]


def test_the_time_it_was_done_cannot_be_before_the_alert(
    alert: SafetyAlert, alice_worker: User
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.handle_alert(
            actor=alice_worker,
            alert=alert,
            actions=["caregiver_contacted"],
            handled_at=later(minutes=-1),
        )
    assert "before the alert" in refused.value.errors["handled_at"][0]


def test_a_time_to_the_minute_in_the_minute_the_alert_was_raised_is_accepted(
    alert: SafetyAlert, alice_worker: User, clock: time_machine.Traveller
) -> None:
    # The form gives 09:00; the alert was raised at 09:00:20.
    clock.shift(dt.timedelta(seconds=30))
    services.handle_alert(
        actor=alice_worker,
        alert=alert,
        actions=["caregiver_contacted"],
        handled_at=RAISED.replace(second=0),
    )
    alert.refresh_from_db()
    assert alert.handled_at == alert.raised_at


def test_a_time_without_a_zone_is_read_in_the_local_time_zone(
    alert: SafetyAlert, alice_worker: User, clock: time_machine.Traveller
) -> None:
    clock.shift(dt.timedelta(hours=2))
    services.handle_alert(
        actor=alice_worker,
        alert=alert,
        actions=["caregiver_contacted"],
        handled_at=dt.datetime.fromisoformat("2026-03-03T10:15"),  # as a form gives it: no zone
    )
    alert.refresh_from_db()
    assert alert.handled_at == dt.datetime(2026, 3, 3, 10, 15, tzinfo=SHANGHAI)


def test_an_alert_is_handled_once(
    alert: SafetyAlert, alice_worker: User, carol_supervisor: User
) -> None:
    services.handle_alert(actor=alice_worker, alert=alert, actions=["caregiver_contacted"])
    with pytest.raises(InvalidInput) as refused:
        services.handle_alert(
            actor=carol_supervisor, alert=alert, actions=["other"], note="second try"
        )
    assert "already handled by Alice" in refused.value.errors[""][0]
    alert.refresh_from_db()
    assert (alert.actions, alert.handled_by) == (["caregiver_contacted"], alice_worker)
    assert AuditEvent.objects.filter(action="instruments.alert.handled").count() == 1


# --- the history and the timeline -----------------------------------------------------------


def test_handled_alerts_stay_in_the_case_history(
    clock: time_machine.Traveller,
    alert: SafetyAlert,
    alice_worker: User,
    alice_case: Case,
) -> None:
    services.handle_alert(actor=alice_worker, alert=alert, actions=["caregiver_contacted"])
    clock.shift(dt.timedelta(days=30))
    second = raise_safety_alert(alice_worker, alice_case, timepoint="post")
    history = list(selectors.alert_history(alice_case))
    assert history == [second, alert]
    assert [a.is_handled for a in history] == [False, True]


def test_the_alert_source_is_registered_with_the_case_timeline() -> None:
    assert selectors.alert_timeline_entries in timeline_sources()


def test_the_handling_sits_on_the_timeline_at_the_time_it_was_done(
    clock: time_machine.Traveller,
    alert: SafetyAlert,
    alice_worker: User,
    alice_case: Case,
) -> None:
    clock.move_to(later(hours=1))
    case_services.write_note(actor=alice_worker, case=alice_case, body="home visit booked")
    clock.move_to(later(hours=2))
    # Entered at 11:00, done at 09:30: before the note written at 10:00.
    services.handle_alert(
        actor=alice_worker,
        alert=alert,
        actions=["caregiver_contacted"],
        handled_at=later(minutes=30),
    )
    entries = case_timeline(alice_case)
    kinds = [entry.kind for entry in entries]
    assert kinds[:3] == ["note", "alert-handled", "alert-raised"]
    handled = entries[1]
    assert handled.at == later(minutes=30)
    assert handled.actor == "Alice"
    assert handled.template == "instruments/timeline_alert_handled.html"


def test_the_case_page_draws_the_handling_on_its_timeline(
    alert: SafetyAlert, alice_worker: User, alice_case: Case
) -> None:
    services.handle_alert(
        actor=alice_worker,
        alert=alert,
        actions=["caregiver_contacted", "safety_plan_made"],
        note="She agreed to call the hotline.",
    )
    page = logged_in(alice_worker).get(reverse("cases:detail", args=[alice_case.pk]))
    timeline = page.content.decode().split('id="timeline"')[1]
    assert "Safety alert handled" in timeline
    assert "Caregiver contacted, Safety plan made" in timeline
    assert "She agreed to call the hotline." in timeline
    assert "Safety alert raised" in timeline


# --- overdue, with a controlled clock ------------------------------------------------------


def test_an_alert_is_overdue_only_after_the_configured_hours(
    alert: SafetyAlert, carol_supervisor: User, clock: time_machine.Traveller
) -> None:
    clock.move_to(later(hours=23, minutes=59))
    assert selectors.only_overdue(selectors.open_alerts_visible_to(carol_supervisor)).count() == 0
    clock.move_to(later(hours=24, seconds=1))
    assert selectors.only_overdue(selectors.open_alerts_visible_to(carol_supervisor)).count() == 1
    assert selectors.open_alerts_visible_to(carol_supervisor).get().is_overdue


def test_the_overdue_time_comes_from_the_setting(
    settings: object, alert: SafetyAlert, carol_supervisor: User, clock: time_machine.Traveller
) -> None:
    settings.BUOY_ALERT_OVERDUE_HOURS = 2  # type: ignore[attr-defined]
    clock.move_to(later(hours=2, minutes=1))
    assert selectors.open_alerts_visible_to(carol_supervisor).get().is_overdue


def test_the_supervisor_sees_the_overdue_alert_on_the_alerts_page_and_the_banner(
    alert: SafetyAlert, carol_supervisor: User, clock: time_machine.Traveller
) -> None:
    clock.move_to(later(hours=30))
    client = logged_in(carol_supervisor)  # after the move: sessions end after idle minutes
    banner = client.get(reverse("instruments:alerts_banner")).content.decode()
    assert "1 open safety alert needs your attention." in banner
    assert "1 is overdue: open for more than 24 hours." in banner
    page = client.get(reverse("instruments:alerts")).content.decode()
    assert '<strong class="overdue-tag">Overdue</strong>' in page
    assert alert.case.reference in page


def test_an_alert_within_the_time_is_not_called_overdue(
    alert: SafetyAlert, carol_supervisor: User, clock: time_machine.Traveller
) -> None:
    clock.move_to(later(hours=2))
    client = logged_in(carol_supervisor)
    assert "overdue" not in client.get(reverse("instruments:alerts_banner")).content.decode()
    page = client.get(reverse("instruments:alerts")).content.decode()
    assert alert.case.reference in page
    # the tag, not the word: a supervisor's menu links the overdue view ("Overdue")
    assert "overdue-tag" not in page


def test_the_other_wards_worker_sees_no_overdue_alert_of_this_ward(
    alert: SafetyAlert, dan_other_ward: User, clock: time_machine.Traveller
) -> None:
    clock.move_to(later(hours=30))
    client = logged_in(dan_other_ward)
    assert client.get(reverse("instruments:alerts_banner")).content.decode().strip() == ""
    assert alert.case.reference not in client.get(reverse("instruments:alerts")).content.decode()


def test_a_handled_alert_is_never_overdue_and_late_handling_is_audited_as_late(
    alert: SafetyAlert, alice_worker: User, clock: time_machine.Traveller
) -> None:
    clock.move_to(later(hours=30))
    services.handle_alert(actor=alice_worker, alert=alert, actions=["caregiver_contacted"])
    assert not selectors.alert_history(alert.case).get().is_overdue
    event = AuditEvent.objects.get(action="instruments.alert.handled")
    assert event.context["late"] is True
