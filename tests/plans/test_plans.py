"""Case plans and Goal Attainment Scaling through the services and `plan_detail`: the worked
example of docs/plans/gas.md, versions that keep the old, reviews, bad input refused on its
field with nothing saved, and who may."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases.models import Caregiver, Case
from buoy.core.errors import InvalidInput, NotFound
from buoy.plans.models import CasePlan, Goal, GoalReview
from buoy.plans.selectors import current_plan, get_plan_for, plan_detail, plans_of
from buoy.plans.services import make_plan, review_goals, revise_plan, save_factor_map

pytestmark = pytest.mark.django_db

LEVELS = ["no full night", "one some weeks", "two a week", "three a week", "four or more"]


def goal(text: str = "I sleep a full night twice a week", **fields: Any) -> dict[str, Any]:
    return {"text": text, "ability": "C", "levels": LEVELS, **fields}


@pytest.fixture
def worked_example(alice_worker: User, alice_case: Case, mother: Caregiver) -> CasePlan:
    """docs/plans/gas.md: three goals, weights 2, 1, 1, each starting at −1."""
    return make_plan(
        actor=alice_worker,
        case=alice_case,
        caregiver=mother,
        goals=[
            goal("我知道下一个治疗阶段会带来什么", ability="A", weight=2),
            goal("我每周有两次睡个整觉", weight=1),
            goal("我能向丈夫说出我的担心", ability="B", weight=1),
        ],
        planned_sessions=6,
        agreed_on=timezone.localdate(),
    )


def goal_ids(plan: CasePlan) -> list[int]:
    return list(plan.goals.order_by("order").values_list("pk", flat=True))


def test_the_worked_example_of_the_gas_docs_through_the_services(
    alice_worker: User, worked_example: CasePlan
) -> None:
    before = plan_detail(alice_worker, worked_example.pk)
    assert before.gas["t_baseline"] == pytest.approx(36.67, abs=0.005)
    assert (before.gas["t_current"], before.gas["goals_scored"]) == (None, 0)
    assert [g.current_level for g in before.goals] == [None, None, None]
    first, second, third = goal_ids(worked_example)
    review_goals(actor=alice_worker, plan=worked_example, levels={first: 1, second: 0, third: -1})
    after = plan_detail(alice_worker, worked_example.pk)
    assert after.gas == {
        "rho": 0.3,
        "t_baseline": pytest.approx(36.67, abs=0.005),
        "t_current": pytest.approx(53.33, abs=0.005),
        "goals_scored": 3,
    }
    assert after.gas_change == pytest.approx(16.67, abs=0.005)
    shown = [(g.weight, g.baseline_level, g.current_level, g.levels[2]) for g in after.goals]
    assert shown == [
        (2.0, -1, 1, "two a week"),
        (1.0, -1, 0, "two a week"),
        (1.0, -1, -1, "two a week"),
    ]
    [review] = after.reviews
    assert review.t is not None
    assert review.t.t == pytest.approx(53.33, abs=0.005)


def test_one_goal_of_weight_one_attained_plus_two_scores_seventy(
    alice_worker: User, alice_case: Case, mother: Caregiver
) -> None:
    plan = make_plan(actor=alice_worker, case=alice_case, caregiver=mother, goals=[goal()])
    review_goals(actor=alice_worker, plan=plan, levels={plan.goals.get(): 2})
    assert plan_detail(alice_worker, plan.pk).gas["t_current"] == pytest.approx(70)


def test_each_review_has_its_own_t_and_the_latest_level_counts(
    alice_worker: User, worked_example: CasePlan
) -> None:
    first, second, _third = goal_ids(worked_example)
    today = timezone.localdate()
    review_goals(actor=alice_worker, plan=worked_example, levels={first: 0}, reviewed_on=today)
    review_goals(actor=alice_worker, plan=worked_example, levels={first: 2, second: 1})
    detail = plan_detail(alice_worker, worked_example.pk)
    assert [g.current_level for g in detail.goals] == [2, 1, None]
    assert detail.gas["goals_scored"] == 2
    assert detail.gas_change is None  # the third goal was never reviewed
    first_t, second_t = (r.t for r in detail.reviews)
    assert first_t is not None
    assert (first_t.t, first_t.goals_scored) == (50.0, 1)
    assert second_t is not None
    assert second_t.goals_scored == 2


def test_a_revision_is_a_new_version_that_keeps_the_old_and_carries_the_levels(
    alice_worker: User, alice_case: Case, mother: Caregiver, worked_example: CasePlan
) -> None:
    first, second, _third = goal_ids(worked_example)
    review_goals(actor=alice_worker, plan=worked_example, levels={first: 1, second: 0})
    revised = revise_plan(
        actor=alice_worker,
        plan=worked_example,
        goals=[
            goal("我知道下一个治疗阶段会带来什么", ability="A", weight=2, carried_from=first),
            goal("我每周运动一次", ability="B", weight=1),
        ],
    )
    assert (revised.version, revised.replaces, revised.planned_sessions) == (2, worked_example, 6)
    assert CasePlan.objects.filter(case=alice_case).count() == 2
    assert Goal.objects.filter(plan=worked_example).count() == 3  # the old version is kept
    assert current_plan(alice_case, mother) == revised
    detail = plan_detail(alice_worker, revised.pk)
    assert [g.current_level for g in detail.goals] == [1, None]
    assert detail.reviews == []
    # Only the version in force is revised or reviewed.
    with pytest.raises(InvalidInput) as refusal:
        review_goals(actor=alice_worker, plan=worked_example, levels={first: 2})
    assert "plan" in refusal.value.errors
    with pytest.raises(InvalidInput) as refusal:
        revise_plan(actor=alice_worker, plan=worked_example, planned_sessions=8)
    assert list(refusal.value.errors) == ["plan"]
    event = AuditEvent.objects.get(action="plans.plan.revised")
    assert event.changed_fields == ["goals"]
    assert event.context == {
        "case": alice_case.pk,
        "version": 2,
        "replaces": worked_example.pk,
        "goals": 2,
    }


def test_revising_only_the_planned_sessions_carries_every_goal_on(
    alice_worker: User, worked_example: CasePlan
) -> None:
    first, _second, _third = goal_ids(worked_example)
    review_goals(actor=alice_worker, plan=worked_example, levels={first: 2})
    revised = revise_plan(actor=alice_worker, plan=worked_example, planned_sessions=8)
    detail = plan_detail(alice_worker, revised.pk)
    assert revised.planned_sessions == 8
    assert revised.agreed_on == worked_example.agreed_on
    assert [g.text for g in detail.goals] == [g.text for g in worked_example.goals.all()]
    assert [g.current_level for g in detail.goals] == [2, None, None]


def test_a_goal_aimed_at_a_factor_of_the_caregivers_map(
    alice_worker: User, alice_case: Case, mother: Caregiver
) -> None:
    factor_map = save_factor_map(
        actor=alice_worker,
        case=alice_case,
        caregiver=mother,
        entries=[{"code": "R-ECO-01", "status": "present", "severity": 3}],
    )
    debt = factor_map.entries.get()
    plan = make_plan(
        actor=alice_worker,
        case=alice_case,
        caregiver=mother,
        goals=[{"text": "我们申请到一笔基金", "factor": debt.pk, "levels": LEVELS}],
    )
    assert plan.goals.get().factor == debt


# --- bad input ------------------------------------------------------------------------------


def refused_plan(actor: User, case: Case, caregiver: Caregiver, **given: Any) -> dict[str, Any]:
    plans, events = CasePlan.objects.count(), AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refusal:
        make_plan(actor=actor, case=case, caregiver=caregiver, **given)
    assert (CasePlan.objects.count(), AuditEvent.objects.count()) == (plans, events)
    return refusal.value.errors


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"weight": -1}, "goals[0].weight"),
        ({"weight": "heavy"}, "goals[0].weight"),
        ({"weight": float("nan")}, "goals[0].weight"),
        ({"start_level": 0}, "goals[0].start_level"),
        ({"start_level": -3}, "goals[0].start_level"),
        ({"levels": LEVELS[:4]}, "goals[0].levels"),
        ({"levels": [*LEVELS[:4], "  "]}, "goals[0].levels[4]"),
        ({"ability": None}, "goals[0].ability"),
        ({"ability": "D"}, "goals[0].ability"),
        ({"factor": 999_999}, "goals[0].ability"),  # both an ability and a factor
        ({"ability": None, "factor": 999_999}, "goals[0].factor"),
        ({"text": " "}, "goals[0].text"),
        ({"carried_from": 1}, "goals[0].carried_from"),  # nothing is revised here
        ({"colour": "red"}, "goals[0].colour"),
    ],
)
def test_a_bad_goal_is_refused_on_its_field_and_nothing_is_saved(
    alice_worker: User, alice_case: Case, mother: Caregiver, given: dict[str, Any], field: str
) -> None:
    errors = refused_plan(alice_worker, alice_case, mother, goals=[goal(**given)])
    assert list(errors) == [field]


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"planned_sessions": 0}, "planned_sessions"),
        ({"planned_sessions": "six"}, "planned_sessions"),
        ({"agreed_on": timezone.localdate() + dt.timedelta(days=1)}, "agreed_on"),
        ({"agreed_on": timezone.localdate() - dt.timedelta(days=1)}, "agreed_on"),  # before
        ({"goals": "sleep"}, "goals"),
    ],
)
def test_bad_plan_fields_are_refused_on_their_field(
    alice_worker: User, alice_case: Case, mother: Caregiver, given: dict[str, Any], field: str
) -> None:
    assert list(refused_plan(alice_worker, alice_case, mother, **given)) == [field]


def test_a_factor_of_another_caregivers_map_is_refused(
    alice_worker: User, alice_case: Case, mother: Caregiver, dan_other_ward: User, dan_case: Case
) -> None:
    dans = save_factor_map(
        actor=dan_other_ward,
        case=dan_case,
        caregiver=dan_case.caregivers.get(),
        entries=[{"code": "R-ECO-01", "status": "present"}],
    )
    other: dict[str, Any] = {"ability": None, "factor": dans.entries.get()}
    assert list(refused_plan(alice_worker, alice_case, mother, goals=[goal(**other)])) == [
        "goals[0].factor"
    ]


def test_a_second_first_plan_is_refused(
    alice_worker: User, alice_case: Case, mother: Caregiver, worked_example: CasePlan
) -> None:
    assert list(refused_plan(alice_worker, alice_case, mother, goals=[])) == [""]


def test_a_review_of_a_goal_of_another_plan_is_refused_on_its_field(
    alice_worker: User, dan_other_ward: User, dan_case: Case, worked_example: CasePlan
) -> None:
    dans = make_plan(
        actor=dan_other_ward, case=dan_case, caregiver=dan_case.caregivers.get(), goals=[goal()]
    )
    dans_goal = dans.goals.get()
    first = goal_ids(worked_example)[0]
    with pytest.raises(InvalidInput) as refusal:
        review_goals(actor=alice_worker, plan=worked_example, levels={first: 1, dans_goal.pk: 1})
    assert list(refusal.value.errors) == [f"levels[{dans_goal.pk}]"]
    assert not GoalReview.objects.exists()


@pytest.mark.parametrize("level", [3, -3, 1.5, "1", None, True])
def test_a_level_outside_minus_two_to_plus_two_is_refused(
    alice_worker: User, worked_example: CasePlan, level: Any
) -> None:
    first = goal_ids(worked_example)[0]
    with pytest.raises(InvalidInput) as refusal:
        review_goals(actor=alice_worker, plan=worked_example, levels={first: level})
    assert list(refusal.value.errors) == [f"levels[{first}]"]
    assert not GoalReview.objects.exists()


def test_a_review_with_no_level_or_in_the_future_is_refused(
    alice_worker: User, worked_example: CasePlan
) -> None:
    first = goal_ids(worked_example)[0]
    with pytest.raises(InvalidInput) as refusal:
        review_goals(actor=alice_worker, plan=worked_example, levels={})
    assert list(refusal.value.errors) == ["levels"]
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(InvalidInput) as refusal:
        review_goals(
            actor=alice_worker, plan=worked_example, levels={first: 0}, reviewed_on=tomorrow
        )
    assert list(refusal.value.errors) == ["reviewed_on"]
    assert not GoalReview.objects.exists()


# --- who may, and what is audited -----------------------------------------------------------


@pytest.mark.parametrize(
    "persona", ["bob_same_team", "dan_other_ward", "rita_researcher", "adam_admin"]
)
def test_only_staff_who_may_see_the_case_plan_review_and_open_it(
    personas: dict[str, User], worked_example: CasePlan, persona: str
) -> None:
    user = personas[persona]
    with pytest.raises(NotFound):
        make_plan(actor=user, case=worked_example.case, caregiver=worked_example.caregiver)
    with pytest.raises(NotFound):
        revise_plan(actor=user, plan=worked_example, planned_sessions=3)
    with pytest.raises(NotFound):
        review_goals(actor=user, plan=worked_example, levels={goal_ids(worked_example)[0]: 0})
    with pytest.raises(NotFound):
        plan_detail(user, worked_example.pk)
    assert plans_of(user, worked_example.case) == []


def test_the_supervisor_reviews_and_every_view_and_change_is_audited(
    personas: dict[str, User], worked_example: CasePlan
) -> None:
    carol = personas["carol_supervisor"]
    first = goal_ids(worked_example)[0]
    review = review_goals(actor=carol, plan=worked_example, levels={first: 0}, note="Going well.")
    plan_detail(carol, worked_example.pk)
    [listed] = plans_of(carol, worked_example.case)
    assert listed.goal_count == 3  # type: ignore[attr-defined]
    case_id = worked_example.case_id
    assert AuditEvent.objects.get(action="plans.plan.made").context == {
        "case": case_id,
        "version": 1,
        "goals": 3,
    }
    reviewed = AuditEvent.objects.get(action="plans.goals.reviewed")
    assert (reviewed.actor_username, reviewed.subject_id) == ("carol_supervisor", str(review.pk))
    assert reviewed.context == {"case": case_id, "plan": worked_example.pk, "goals": 1}
    viewed = AuditEvent.objects.get(action="plans.plan.viewed")
    assert viewed.context == {"case": case_id}
    assert AuditEvent.objects.get(action="plans.plan.listed").context["ids"] == [worked_example.pk]
    with pytest.raises(NotFound):
        get_plan_for(carol, "plan-1")


def test_a_plans_detail_costs_the_same_queries_however_many_reviews_it_has(
    alice_worker: User, worked_example: CasePlan
) -> None:
    first, second, third = goal_ids(worked_example)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            plan_detail(alice_worker, worked_example.pk)
        return len(captured)

    review_goals(actor=alice_worker, plan=worked_example, levels={first: 0})
    once = queries()
    for level in (-1, 0, 1, 2):
        review_goals(
            actor=alice_worker, plan=worked_example, levels={first: level, second: 0, third: 1}
        )
    assert queries() == once
