"""Sessions with a family and support group meetings: recorded through the services, bad input
refused on its field with nothing saved, and each worker seeing only the group participants of
the cases she may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases.models import Caregiver, Case
from buoy.core.errors import Forbidden, InvalidInput, NotFound
from buoy.plans.models import GroupAttendance, GroupSession, Session, Technique
from buoy.plans.selectors import (
    get_group_session_for,
    get_session_for,
    group_attendance_of,
    group_attendance_of_case,
    group_sessions_visible_to,
    sessions_of,
)
from buoy.plans.services import (
    make_plan,
    record_group_attendance,
    record_group_session,
    record_session,
    update_technique,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def plan_goal(actor: User, case: Case) -> Any:
    plan = make_plan(
        actor=actor,
        case=case,
        caregiver=case.caregivers.get(),
        goals=[{"text": "睡个整觉", "ability": "C", "levels": ["a", "b", "c", "d", "e"]}],
    )
    return plan.goals.get()


def session(actor: User, case: Case, **given: Any) -> Session:
    values: dict[str, Any] = {
        "held_on": TODAY(),
        "minutes": 50,
        "mode": "bedside",
        "caregivers": [case.caregivers.get()],
        **given,
    }
    return record_session(actor=actor, case=case, **values)


def test_a_session_records_who_took_part_what_was_used_and_how_the_caregiver_felt(
    alice_worker: User, month_old_case: Case, mother: Caregiver
) -> None:
    goal = plan_goal(alice_worker, month_old_case)
    reframing = Technique.objects.get(code="cognitive-reframing")
    recorded = session(
        alice_worker,
        month_old_case,
        held_on=TODAY() - dt.timedelta(days=7),
        mode="office",
        caregivers=[mother.pk],
        family_members=["father", "grandparent"],
        techniques=["emotion-labelling", reframing.pk, reframing],
        goals=[goal],
        notes="She cried, then laughed.",
        homework="Write three worries down.",
        distress_before=8,
        distress_after=5,
        next_steps="Meet the father.",
    )
    assert list(recorded.caregivers.all()) == [mother]
    assert recorded.family_members == ["father", "grandparent"]
    assert sorted(recorded.techniques.values_list("code", flat=True)) == [
        "cognitive-reframing",
        "emotion-labelling",
    ]
    assert list(recorded.goals.all()) == [goal]
    assert (recorded.distress_before, recorded.distress_after) == (8, 5)
    event = AuditEvent.objects.get(action="plans.session.recorded")
    assert event.context == {"case": month_old_case.pk, "techniques": 2, "goals": 1}
    assert "notes" in event.changed_fields


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"held_on": TODAY() + dt.timedelta(days=1)}, "held_on"),
        ({"held_on": TODAY() - dt.timedelta(days=31)}, "held_on"),  # before the case opened
        ({"held_on": "yesterday"}, "held_on"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": 601}, "minutes"),
        ({"mode": "letter"}, "mode"),
        ({"caregivers": []}, "caregivers"),  # nobody took part
        ({"caregivers": None}, "caregivers"),
        ({"techniques": "eco-map"}, "techniques"),
        ({"caregivers": [999_999]}, "caregivers"),
        ({"family_members": ["cousin"]}, "family_members"),
        ({"techniques": ["no-such-technique"]}, "techniques"),
        ({"techniques": [999_999]}, "techniques"),
        ({"goals": [999_999]}, "goals"),
        ({"distress_before": 11}, "distress_before"),
        ({"distress_after": -1}, "distress_after"),
    ],
)
def test_bad_session_input_is_refused_on_its_field_and_nothing_is_saved(
    alice_worker: User, month_old_case: Case, given: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as refusal:
        session(alice_worker, month_old_case, **given)
    assert list(refusal.value.errors) == [field]
    assert not Session.objects.exists()
    assert not AuditEvent.objects.filter(action="plans.session.recorded").exists()


def test_a_technique_no_longer_offered_and_a_goal_of_another_case_are_refused(
    alice_worker: User,
    carol_supervisor: User,
    alice_case: Case,
    dan_other_ward: User,
    dan_case: Case,
) -> None:
    respite = Technique.objects.get(code="respite-planning")
    update_technique(actor=carol_supervisor, technique=respite, changes={"active": False})
    dans_goal = plan_goal(dan_other_ward, dan_case)
    with pytest.raises(InvalidInput) as refusal:
        session(alice_worker, alice_case, techniques=["respite-planning"], goals=[dans_goal])
    assert set(refusal.value.errors) == {"techniques", "goals"}
    assert "respite-planning" in refusal.value.errors["techniques"][0]
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    "persona", ["bob_same_team", "dan_other_ward", "rita_researcher", "adam_admin"]
)
def test_only_staff_who_may_see_the_case_record_and_read_its_sessions(
    personas: dict[str, User], alice_case: Case, persona: str
) -> None:
    recorded = session(personas["alice_worker"], alice_case)
    user = personas[persona]
    with pytest.raises(NotFound):
        session(user, alice_case)
    with pytest.raises(NotFound):
        get_session_for(user, recorded.pk)
    assert sessions_of(user, alice_case) == []


def test_reading_sessions_is_audited(
    alice_worker: User, carol_supervisor: User, alice_case: Case
) -> None:
    recorded = session(alice_worker, alice_case)
    assert get_session_for(carol_supervisor, recorded.pk) == recorded
    assert sessions_of(alice_worker, alice_case) == [recorded]
    viewed = AuditEvent.objects.get(action="plans.session.viewed")
    assert (viewed.actor_username, viewed.context) == ("carol_supervisor", {"case": alice_case.pk})
    listed = AuditEvent.objects.get(action="plans.session.listed")
    assert listed.context == {"ids": [recorded.pk], "count": 1}


# --- support groups -------------------------------------------------------------------------


@pytest.fixture
def group(alice_worker: User) -> GroupSession:
    return record_group_session(
        actor=alice_worker,
        held_on=TODAY(),
        minutes=90,
        topic="Sleep and worry",
        techniques=["support-groups", "breathing-relaxation"],
    )


def test_each_worker_sees_only_the_group_participants_of_the_cases_she_may_see(
    personas: dict[str, User], alice_case: Case, dan_case: Case, group: GroupSession
) -> None:
    alice, dan, carol = (
        personas["alice_worker"],
        personas["dan_other_ward"],
        personas["carol_supervisor"],
    )
    mine = record_group_attendance(
        actor=alice, group_session=group, case=alice_case, caregiver=alice_case.caregivers.get()
    )
    dans = record_group_attendance(
        actor=dan, group_session=group, case=dan_case, caregiver=dan_case.caregivers.get()
    )
    assert group_attendance_of(alice, group) == [mine]
    assert group_attendance_of(dan, group) == [dans]
    assert group_attendance_of(carol, group) == [mine]  # her ward's case only
    assert group_attendance_of(personas["bob_same_team"], group) == []
    assert group_attendance_of_case(alice, alice_case) == [mine]
    listed = AuditEvent.objects.filter(action="plans.group_attendance.listed").order_by("pk")
    assert listed[0].context == {"ids": [mine.pk], "cases": [alice_case.pk], "count": 1}
    # A worker records attendance only for a case she may see.
    with pytest.raises(NotFound):
        record_group_attendance(
            actor=alice, group_session=group, case=dan_case, caregiver=dan_case.caregivers.get()
        )


def test_attendance_recorded_again_replaces_the_answer(
    alice_worker: User, alice_case: Case, group: GroupSession
) -> None:
    caregiver = alice_case.caregivers.get()
    record_group_attendance(
        actor=alice_worker, group_session=group, case=alice_case, caregiver=caregiver
    )
    record_group_attendance(
        actor=alice_worker,
        group_session=group,
        case=alice_case,
        caregiver=caregiver,
        attended=False,
    )
    assert GroupAttendance.objects.get().attended is False
    contexts = [
        e.context["created"]
        for e in AuditEvent.objects.filter(action="plans.group_attendance.recorded").order_by("pk")
    ]
    assert contexts == [True, False]


def test_a_group_held_before_the_case_opened_or_a_caregiver_of_another_case_is_refused(
    alice_worker: User, alice_case: Case, dan_case: Case
) -> None:
    earlier = record_group_session(
        actor=alice_worker, held_on=TODAY() - dt.timedelta(days=3), minutes=60
    )
    with pytest.raises(InvalidInput) as refusal:
        record_group_attendance(
            actor=alice_worker,
            group_session=earlier,
            case=alice_case,
            caregiver=alice_case.caregivers.get(),
        )
    assert list(refusal.value.errors) == ["group_session"]
    with pytest.raises(InvalidInput) as refusal:
        record_group_attendance(
            actor=alice_worker,
            group_session=earlier,
            case=alice_case,
            caregiver=dan_case.caregivers.get(),
        )
    assert list(refusal.value.errors) == ["caregiver"]
    assert not GroupAttendance.objects.exists()


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"held_on": TODAY() + dt.timedelta(days=1)}, "held_on"),
        ({"minutes": 0}, "minutes"),
        ({"techniques": ["no-such-technique"]}, "techniques"),
        ({"topic": "x" * 201}, "topic"),
    ],
)
def test_a_bad_group_session_is_refused_on_its_field(
    alice_worker: User, given: dict[str, Any], field: str
) -> None:
    values: dict[str, Any] = {"held_on": TODAY(), "minutes": 60, **given}
    with pytest.raises(InvalidInput) as refusal:
        record_group_session(actor=alice_worker, **values)
    assert list(refusal.value.errors) == [field]
    assert not GroupSession.objects.exists()


def test_researchers_and_administrators_run_no_groups_and_see_none(
    personas: dict[str, User], group: GroupSession
) -> None:
    for persona in ("rita_researcher", "adam_admin"):
        user = personas[persona]
        with pytest.raises(Forbidden):
            record_group_session(actor=user, held_on=TODAY(), minutes=60)
        assert not group_sessions_visible_to(user).exists()
        with pytest.raises(NotFound):
            get_group_session_for(user, group.pk)
    assert get_group_session_for(personas["dan_other_ward"], group.pk) == group
    with pytest.raises(InvalidInput) as refusal:
        record_group_session(
            actor=personas["alice_worker"],
            held_on=TODAY(),
            minutes=60,
            facilitator=personas["rita_researcher"],
        )
    assert list(refusal.value.errors) == ["facilitator"]
