"""The plans app's entries on the case timeline (ADR 0009): every kind appears, drawn by its
template, in a fixed number of queries however much the case holds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from buoy.access.models import User
from buoy.cases.models import Case
from buoy.cases.selectors import case_timeline
from buoy.cases.timeline import TimelineEntry
from buoy.plans.selectors import plan_timeline_entries
from buoy.plans.services import (
    add_resource,
    make_plan,
    move_referral,
    record_group_attendance,
    record_group_session,
    record_session,
    refer_case,
    review_goals,
    save_factor_map,
)

pytestmark = pytest.mark.django_db

LEVELS = ["a", "b", "c", "d", "e"]


def fill(worker: User, supervisor: User, case: Case, days_back: int) -> None:
    """One of each kind of entry, dated `days_back` days ago where a day is given."""
    day = timezone.localdate() - dt.timedelta(days=days_back)
    caregiver = case.caregivers.get()
    save_factor_map(
        actor=worker,
        case=case,
        caregiver=caregiver,
        entries=[{"code": "R-ECO-01", "status": "present"}],
    )
    plan = make_plan(
        actor=worker,
        case=case,
        caregiver=caregiver,
        goals=[{"text": "t", "ability": "A", "levels": LEVELS}],
        planned_sessions=6,
    )
    review_goals(actor=worker, plan=plan, levels={plan.goals.get(): 0}, reviewed_on=day)
    record_session(
        actor=worker, case=case, held_on=day, minutes=45, mode="phone", caregivers=[caregiver]
    )
    group = record_group_session(actor=worker, held_on=day, minutes=60, topic="睡眠")
    record_group_attendance(actor=worker, group_session=group, case=case, caregiver=caregiver)
    fund = add_resource(actor=supervisor, name=f"基金 {days_back}", kind="charity_fund")
    referral = refer_case(actor=worker, case=case, resource=fund, proposed_on=day)
    move_referral(actor=worker, referral=referral, status="made", on=day)


def test_every_kind_of_entry_appears_and_is_drawn_in_both_languages(
    alice_worker: User, carol_supervisor: User, month_old_case: Case
) -> None:
    fill(alice_worker, carol_supervisor, month_old_case, 3)
    entries = plan_timeline_entries(month_old_case)
    assert sorted(e.kind for e in entries) == [
        "factor-map",
        "goal-review",
        "group-session",
        "plan",
        "referral-made",
        "referral-proposed",
        "session",
    ]
    assert all(e.template.startswith("plans/timeline/") for e in entries)
    kinds_on_the_case = {e.kind for e in case_timeline(month_old_case)}
    assert kinds_on_the_case >= {e.kind for e in entries}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            drawn = {e.kind: render_to_string(e.template, {"entry": e}) for e in entries}
        assert "测试母亲" in drawn["factor-map"]
        assert "基金 3" in drawn["referral-made"]
        assert "睡眠" in drawn["group-session"]
    assert "45 minutes" in render_to_string(
        "plans/timeline/session.html", {"entry": _kind(entries, "session")}
    )


def _kind(entries: list[TimelineEntry], kind: str) -> TimelineEntry:
    return next(e for e in entries if e.kind == kind)


def test_the_source_costs_the_same_queries_however_much_the_case_holds(
    alice_worker: User, carol_supervisor: User, month_old_case: Case
) -> None:
    fill(alice_worker, carol_supervisor, month_old_case, 10)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            plan_timeline_entries(month_old_case)
        return len(captured)

    once = queries()
    caregiver = month_old_case.caregivers.get()
    for days_back in (9, 8, 7):
        record_session(
            actor=alice_worker,
            case=month_old_case,
            held_on=timezone.localdate() - dt.timedelta(days=days_back),
            minutes=30,
            mode="bedside",
            caregivers=[caregiver],
        )
        fund = add_resource(actor=carol_supervisor, name=f"f{days_back}", kind="lodging")
        refer_case(actor=alice_worker, case=month_old_case, resource=fund)
    assert queries() == once == 6
