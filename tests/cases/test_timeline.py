"""The case timeline: its order in real time, and the entries higher apps register."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine

from buoy.access.models import User, Ward
from buoy.cases import services
from buoy.cases.models import Case
from buoy.cases.selectors import case_timeline
from buoy.cases.timeline import (
    TimelineEntry,
    register_timeline_source,
    timeline_sources,
    unregister_timeline_source,
)
from tests.conftest import caregiver_details, child_details

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _open_case(worker: User, ward: Ward) -> Case:
    return services.open_case(
        actor=worker,
        ward=ward,
        referral_source="doctor",
        child=child_details(),
        caregiver=caregiver_details(),
    )


def test_a_day_only_entry_sorts_by_the_local_day_not_the_utc_day(
    alice_worker: User, ward_a: Ward
) -> None:
    # 2 a.m. on 4 March in Shanghai is still 3 March in UTC: the note was written the day
    # after the consent was given, so it is the newer entry.
    with time_machine.travel(dt.datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI), tick=False):
        case = _open_case(alice_worker, ward_a)
        services.record_consent(
            actor=alice_worker,
            case=case,
            caregiver=case.caregivers.get(),
            scope="casework",
            given_on=dt.date(2026, 3, 3),
        )
    with time_machine.travel(dt.datetime(2026, 3, 4, 2, 0, tzinfo=SHANGHAI), tick=False):
        services.write_note(actor=alice_worker, case=case, body="night call with the mother")
    kinds = [entry.kind for entry in case_timeline(case)]
    assert kinds.index("note") < kinds.index("consent")


def test_a_day_only_entry_comes_after_the_timed_entries_of_the_same_local_day(
    alice_worker: User, ward_a: Ward
) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 3, 23, 30, tzinfo=SHANGHAI), tick=False):
        case = _open_case(alice_worker, ward_a)
        services.write_note(actor=alice_worker, case=case, body="late note")
        services.record_consent(
            actor=alice_worker,
            case=case,
            caregiver=case.caregivers.get(),
            scope="casework",
            given_on=dt.date(2026, 3, 3),
        )
    kinds = [entry.kind for entry in case_timeline(case)]
    assert kinds.index("consent") < kinds.index("note")


@pytest.fixture
def visit_source() -> Iterator[str]:
    """A stand-in for a higher app's source (plans will register home visits like this)."""
    name = "tests.visits"

    def visits(case: Case) -> list[TimelineEntry]:
        opened = dt.datetime.combine(case.opened_on, dt.time(12, 0), tzinfo=SHANGHAI)
        return [
            TimelineEntry(
                opened + dt.timedelta(days=days),
                "visit",
                "Alice",
                {"case": case.pk, "day": days},
                template="tests/visit.html",
            )
            for days in (1, 3)
        ]

    register_timeline_source(name, visits)
    yield name
    unregister_timeline_source(name)


def test_a_registered_source_adds_its_entries_in_time_order(
    alice_worker: User, ward_a: Ward, visit_source: str
) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        case = _open_case(alice_worker, ward_a)
    with time_machine.travel(dt.datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI), tick=False):
        services.write_note(actor=alice_worker, case=case, body="between the visits")
    entries = case_timeline(case)
    assert [entry.kind for entry in entries] == ["visit", "note", "visit", "phase"]
    assert entries[0].template == "tests/visit.html"
    assert entries[0].subject == {"case": case.pk, "day": 3}


def test_registering_a_source_twice_under_one_name_keeps_one(visit_source: str) -> None:
    before = len(timeline_sources())
    register_timeline_source(visit_source, lambda case: [])
    assert len(timeline_sources()) == before
