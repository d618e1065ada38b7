"""The plan pages through the real URLs and database: a caregiver's first plan with its GAS
goals (prefilled from accepted suggestions, rows added without losing what was typed), a new
version that keeps the old, reviews with their T-scores, the case page's section, bad input
refused on its field with nothing saved, and who may open what."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases import services as case_services
from buoy.cases.models import Caregiver, Case
from buoy.plans.models import CasePlan, FactorMap, Goal, GoalReview
from buoy.plans.services import decide_suggestion, make_plan, review_goals, save_factor_map
from tests.conftest import caregiver_details, logged_in
from tests.plans.conftest import cdrisc10

pytestmark = pytest.mark.django_db

LEVELS = ["no full night", "one some weeks", "two a week", "three a week", "four or more"]
LEVEL_KEYS = ("level_m2", "level_m1", "level_0", "level_p1", "level_p2")
TODAY = timezone.localdate


def goal_fields(index: int, **fields: Any) -> dict[str, Any]:
    """The posted fields of goal row `index` (ability C, five levels, weight 1, start −1)."""
    values = {
        "text": "我每周有两次睡个整觉",
        "aim": "C",
        **dict(zip(LEVEL_KEYS, LEVELS, strict=True)),
        "weight": "1",
        "start_level": "-1",
        "carried_from": "",
        "suggestion_key": "",
    }
    values.update(fields)
    return {f"goals-{index}-{name}": value for name, value in values.items()}


def plan_post(*goals: dict[str, Any], initial: int = 0, **fields: Any) -> dict[str, Any]:
    """A posted plan form: the plan's fields and the goal rows given."""
    data: dict[str, Any] = {
        "planned_sessions": "6",
        "agreed_on": TODAY().isoformat(),
        "note": "",
        "goals-TOTAL_FORMS": str(len(goals)),
        "goals-INITIAL_FORMS": str(initial),
        "goals-MIN_NUM_FORMS": "0",
        "goals-MAX_NUM_FORMS": "20",
    }
    for goal in goals:
        data.update(goal)
    data.update(fields)
    return data


def new_plan_url(case: Case, caregiver: Caregiver) -> str:
    return reverse("plans:plan_new", args=[case.pk, caregiver.pk])


def html_of(response: Any) -> str:
    return response.content.decode()


def field_error(html: str, field_id: str) -> str:
    """The error paragraph(s) shown in the field block of the input with this id."""
    match = re.search(
        rf'<div class="field has-error">\s*<label for="{field_id}">.*?</div>', html, re.S
    )
    assert match is not None, f"no error shown on {field_id}"
    return match.group(0)


@pytest.fixture
def alice(alice_worker: User) -> Client:
    return logged_in(alice_worker)


@pytest.fixture
def confirmed_map(alice_worker: User, alice_case: Case, mother: Caregiver) -> FactorMap:
    return save_factor_map(
        actor=alice_worker,
        case=alice_case,
        caregiver=mother,
        entries=[
            {"code": "R-ECO-01", "status": "present", "severity": 3},
            {"code": "P-FAM-04", "status": "present", "strength": 2},
        ],
    )


@pytest.fixture
def plan(alice_worker: User, month_old_case: Case, mother: Caregiver) -> CasePlan:
    """docs/plans/gas.md's worked example: weights 2, 1, 1, each starting at −1."""
    return make_plan(
        actor=alice_worker,
        case=month_old_case,
        caregiver=mother,
        goals=[
            {
                "text": "我知道下一个治疗阶段会带来什么",
                "ability": "A",
                "levels": LEVELS,
                "weight": 2,
            },
            {"text": "我每周有两次睡个整觉", "ability": "C", "levels": LEVELS},
            {"text": "我能向丈夫说出我的担心", "ability": "B", "levels": LEVELS},
        ],
        planned_sessions=6,
        agreed_on=month_old_case.opened_on,
    )


# --- a new plan -----------------------------------------------------------------------------


def test_a_worker_makes_a_plan_with_a_goal_on_an_ability_and_one_on_a_map_factor(
    alice: Client, alice_case: Case, mother: Caregiver, confirmed_map: FactorMap
) -> None:
    debt = confirmed_map.entries.get(code_label="R-ECO-01")
    form = alice.get(new_plan_url(alice_case, mother))
    assert form.status_code == 200
    assert f'value="factor:{debt.pk}"' in html_of(form)  # the map's factors are offered
    response = alice.post(
        new_plan_url(alice_case, mother),
        plan_post(
            goal_fields(0),
            goal_fields(1, text="我们申请到一笔基金", aim=f"factor:{debt.pk}", weight="2"),
        ),
    )
    plan = CasePlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:plan", args=[plan.pk])
    assert (plan.version, plan.planned_sessions, plan.agreed_on) == (1, 6, TODAY())
    sleep, fund = plan.goals.order_by("order")
    assert (sleep.ability, sleep.levels, sleep.weight, sleep.start_level) == (
        "C",
        tuple(LEVELS),
        1,
        -1,
    )
    assert (fund.factor, fund.weight) == (debt, 2)
    page = html_of(alice.get(response["Location"]))
    assert "我们申请到一笔基金" in page
    assert "R-ECO-01" in page
    assert "three a week" in page  # the five levels are written out
    assert "T = 38.0" in page  # both at −1, weights 1 and 2: T at the start (37.95)
    assert "not reviewed yet" in page


def test_the_new_plan_form_is_prefilled_with_the_goals_the_worker_accepted(
    alice_worker: User, alice: Client, alice_case: Case, mother: Caregiver
) -> None:
    cdrisc10(alice_worker, alice_case, {"item1": 1, "item5": 1})  # ability A is weak
    decide_suggestion(
        actor=alice_worker, case=alice_case, key="goal:weak-adapting:0", accepted=True
    )
    form = html_of(alice.get(new_plan_url(alice_case, mother)))
    assert "next phase of treatment" in form
    assert 'value="goal:weak-adapting:0"' in form
    assert "Written from a suggestion you accepted." in form
    response = alice.post(
        new_plan_url(alice_case, mother),
        plan_post(
            goal_fields(
                0,
                text="我知道下一个治疗阶段会带来什么",
                aim="A",
                suggestion_key="goal:weak-adapting:0",
            ),
            initial=1,
        ),
    )
    assert response.status_code == 302
    assert Goal.objects.get().suggestion_key == "goal:weak-adapting:0"
    # written into the plan, the suggestion no longer prefills a goal
    assert AuditEvent.objects.filter(action="plans.suggestions.viewed").count() == 1


def test_a_dismissed_goal_suggestion_does_not_prefill_the_form(
    alice_worker: User, alice: Client, alice_case: Case, mother: Caregiver
) -> None:
    cdrisc10(alice_worker, alice_case, {"item1": 1, "item5": 1})
    decide_suggestion(
        actor=alice_worker, case=alice_case, key="goal:weak-adapting:0", accepted=False
    )
    form = html_of(alice.get(new_plan_url(alice_case, mother)))
    assert "goal:weak-adapting:0" not in form
    assert 'name="goals-TOTAL_FORMS" value="1"' in form  # one empty row to start with


def test_adding_a_goal_row_keeps_everything_typed_and_saves_nothing(
    alice: Client, alice_case: Case, mother: Caregiver
) -> None:
    response = alice.post(
        new_plan_url(alice_case, mother),
        plan_post(goal_fields(0, level_p2="五次以上"), note="先从睡眠开始", add_goal="1"),
    )
    html = html_of(response)
    assert response.status_code == 200
    assert not CasePlan.objects.exists()
    assert 'name="goals-TOTAL_FORMS" value="2"' in html
    assert 'name="goals-1-text"' in html
    assert "五次以上" in html
    assert "先从睡眠开始" in html
    assert "我每周有两次睡个整觉" in html
    assert "Nothing was saved" not in html  # adding a row is not a refused save


@pytest.mark.parametrize("initial", [0, 2])
def test_a_row_left_empty_is_not_a_goal(
    alice: Client, alice_case: Case, mother: Caregiver, initial: int
) -> None:
    empty = {f"goals-1-{name}": "" for name in ("text", "aim", *LEVEL_KEYS)}
    response = alice.post(
        new_plan_url(alice_case, mother),
        plan_post(
            goal_fields(0),
            {**empty, "goals-1-weight": "1", "goals-1-start_level": "-1"},
            initial=initial,  # an added row, or the empty row the form starts with
        ),
    )
    assert response.status_code == 302
    assert CasePlan.objects.get().goals.count() == 1


def test_a_caregiver_who_has_a_plan_is_sent_to_revise_it(
    alice: Client, plan: CasePlan, month_old_case: Case, mother: Caregiver
) -> None:
    response = alice.get(new_plan_url(month_old_case, mother))
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:plan_revise", args=[plan.pk])


def test_a_caregiver_of_another_case_is_not_found(
    alice: Client, alice_case: Case, dan_case: Case
) -> None:
    other = dan_case.caregivers.get()
    assert alice.get(new_plan_url(alice_case, other)).status_code == 404


# --- bad input on the plan form ----------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"weight": "-1"}, "id_goals-0-weight", "A weight is a number, 0 or more."),
        ({"start_level": "0"}, "id_goals-0-start_level", "The level at the start is −1"),
        ({"level_0": "", "level_p1": ""}, "id_goals-0-level_0", "Write out what this level"),
        ({"level_0": "", "level_p1": ""}, "id_goals-0-level_p1", "Write out what this level"),
        ({"text": ""}, "id_goals-0-text", "Write the goal in the caregiver"),
        ({"aim": ""}, "id_goals-0-aim", "Aim the goal at one ability"),
        ({"aim": "factor:999999"}, "id_goals-0-aim", "Choose a factor of this caregiver"),
        ({"aim": "D"}, "id_goals-0-aim", "Choose ability A, B or C."),
    ],
)
def test_a_bad_goal_is_refused_on_its_field_and_nothing_is_saved(
    alice: Client,
    alice_case: Case,
    mother: Caregiver,
    fields: dict[str, str],
    field_id: str,
    message: str,
) -> None:
    response = alice.post(
        new_plan_url(alice_case, mother),
        plan_post(goal_fields(0, **fields), note="我们说好了"),
    )
    html = html_of(response)
    assert response.status_code == 200
    assert not CasePlan.objects.exists()
    assert not Goal.objects.exists()
    assert message in field_error(html, field_id)
    assert "Nothing was saved." in html
    assert "我们说好了" in html  # what was typed is kept
    for key, value in fields.items():
        if value and key != "aim":
            assert f'value="{value}"' in html or value in html


def test_a_bad_second_goal_is_refused_on_the_second_row(
    alice: Client, alice_case: Case, mother: Caregiver
) -> None:
    response = alice.post(
        new_plan_url(alice_case, mother),
        plan_post(goal_fields(0), goal_fields(1, text="第二个目标", weight="-0.5")),
    )
    html = html_of(response)
    assert "A weight is a number, 0 or more." in field_error(html, "id_goals-1-weight")
    assert 'class="field has-error">\n  <label for="id_goals-0-weight"' not in html
    assert "第二个目标" in html
    assert not CasePlan.objects.exists()


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (TODAY() + dt.timedelta(days=1), "The date cannot be in the future."),
        (TODAY() - dt.timedelta(days=1), "The date is before the case was opened."),
    ],
)
def test_an_agreed_day_in_the_future_or_before_the_case_opened_is_refused(
    alice: Client, alice_case: Case, mother: Caregiver, day: dt.date, message: str
) -> None:
    response = alice.post(
        new_plan_url(alice_case, mother), plan_post(goal_fields(0), agreed_on=day.isoformat())
    )
    assert response.status_code == 200
    assert message in field_error(html_of(response), "id_agreed_on")
    assert not CasePlan.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"planned_sessions": "0"}, "id_planned_sessions", "from 1 to 100"),
        ({"planned_sessions": "many"}, "id_planned_sessions", "Enter a whole number."),
        ({"goals-0-weight": "heavy"}, "id_goals-0-weight", "Enter a number."),
    ],
)
def test_a_plan_field_that_is_not_a_right_number_is_refused_on_it(
    alice: Client,
    alice_case: Case,
    mother: Caregiver,
    fields: dict[str, str],
    field_id: str,
    message: str,
) -> None:
    data = {**plan_post(goal_fields(0)), **fields}
    response = alice.post(new_plan_url(alice_case, mother), data)
    assert response.status_code == 200
    assert message in field_error(html_of(response), field_id)
    assert not CasePlan.objects.exists()


def test_a_tampered_goal_count_is_a_form_error_not_a_crash(
    alice: Client, alice_case: Case, mother: Caregiver
) -> None:
    data = plan_post(goal_fields(0))
    data["goals-TOTAL_FORMS"] = "many"
    for extra in ({}, {"add_goal": "1"}):
        response = alice.post(new_plan_url(alice_case, mother), {**data, **extra})
        assert response.status_code == 200
    assert not CasePlan.objects.exists()


# --- revising -------------------------------------------------------------------------------


def revise_post(plan: CasePlan, **changes: dict[str, Any]) -> dict[str, Any]:
    """The revise form as it comes prefilled, with `changes` (row index → fields) applied."""
    rows = []
    for index, goal in enumerate(plan.goals.order_by("order")):
        fields = {
            "text": goal.text,
            "aim": goal.ability,
            **dict(zip(LEVEL_KEYS, goal.levels, strict=True)),
            "weight": str(goal.weight),
            "start_level": str(goal.start_level),
            "carried_from": str(goal.pk),
        }
        fields.update(changes.get(f"row{index}", {}))
        rows.append(goal_fields(index, **fields))
    return plan_post(
        *rows,
        initial=len(rows),
        planned_sessions=str(plan.planned_sessions),
        agreed_on=plan.agreed_on.isoformat() if plan.agreed_on else "",
    )


def test_revising_makes_a_new_version_and_keeps_the_old_one(
    alice: Client, plan: CasePlan, alice_worker: User
) -> None:
    form = html_of(alice.get(reverse("plans:plan_revise", args=[plan.pk])))
    assert "我能向丈夫说出我的担心" in form  # the goals come prefilled
    data = revise_post(plan, row1={"weight": "3"}, row2={"DELETE": "on"})
    response = alice.post(reverse("plans:plan_revise", args=[plan.pk]), data)
    revised = CasePlan.objects.get(version=2)
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:plan", args=[revised.pk])
    assert revised.replaces == plan
    first, second = revised.goals.order_by("order")
    old_first, old_second, _third = plan.goals.order_by("order")
    assert (first.carried_from, second.carried_from, second.weight) == (old_first, old_second, 3)
    assert plan.goals.count() == 3  # the old version is kept as it was
    old_page = html_of(alice.get(reverse("plans:plan", args=[plan.pk])))
    assert "This version was replaced by version 2" in old_page
    history = alice.get(reverse("plans:plan_versions", args=[revised.pk]))
    assert history.status_code == 200
    assert html_of(history).count("Version 1") == 1
    assert html_of(history).count("Version 2") == 1
    event = AuditEvent.objects.get(action="plans.plan.revised")
    assert event.changed_fields == ["goals"]  # sessions, day and note were left as they were


def test_revising_an_old_version_sends_to_the_version_in_force(
    alice: Client, plan: CasePlan
) -> None:
    alice.post(reverse("plans:plan_revise", args=[plan.pk]), revise_post(plan))
    newest = CasePlan.objects.get(version=2)
    response = alice.get(reverse("plans:plan_revise", args=[plan.pk]))
    assert response["Location"] == reverse("plans:plan_revise", args=[newest.pk])
    refused = alice.post(reverse("plans:plan_revise", args=[plan.pk]), revise_post(plan))
    assert refused.status_code == 200
    assert "revise the newest one" in html_of(refused)
    assert CasePlan.objects.count() == 2


def test_a_bad_revision_is_refused_on_its_field_and_nothing_is_saved(
    alice: Client, plan: CasePlan
) -> None:
    data = revise_post(plan, row0={"weight": "-2", "text": "改过的目标"})
    response = alice.post(reverse("plans:plan_revise", args=[plan.pk]), data)
    html = html_of(response)
    assert response.status_code == 200
    assert "A weight is a number, 0 or more." in field_error(html, "id_goals-0-weight")
    assert "改过的目标" in html
    assert CasePlan.objects.count() == 1


# --- reviews --------------------------------------------------------------------------------


def review_url(plan: CasePlan) -> str:
    return reverse("plans:plan_review", args=[plan.pk])


def test_a_review_records_the_levels_and_the_plan_shows_the_t_score_after_it(
    alice: Client, plan: CasePlan
) -> None:
    first, second, third = plan.goals.order_by("order")
    form = html_of(alice.get(review_url(plan)))
    assert "+1 · three a week" in form  # each level's own text to choose from
    response = alice.post(
        review_url(plan),
        {
            f"level_{first.pk}": "1",
            f"level_{second.pk}": "0",
            f"level_{third.pk}": "-1",
            "reviewed_on": TODAY().isoformat(),
            "note": "进展不错",
        },
    )
    assert response.status_code == 302
    review = GoalReview.objects.get()
    assert {row.goal_id: row.level for row in review.levels.all()} == {
        first.pk: 1,
        second.pk: 0,
        third.pk: -1,
    }
    page = html_of(alice.get(reverse("plans:plan", args=[plan.pk])))
    assert "T = 36.7" in page  # the worked example at the start
    assert "T = 53.3" in page  # and after the review
    assert "+16.7" in page
    assert "进展不错" in page


@pytest.mark.parametrize(
    ("level", "message"), [("3", "Choose a level from −2 to +2."), ("-3", "from −2 to +2")]
)
def test_a_level_outside_minus_two_to_plus_two_is_refused_on_that_goal(
    alice: Client, plan: CasePlan, level: str, message: str
) -> None:
    first, second, _third = plan.goals.order_by("order")
    response = alice.post(
        review_url(plan),
        {
            f"level_{first.pk}": level,
            f"level_{second.pk}": "1",
            "reviewed_on": TODAY().isoformat(),
            "note": "这次的记录",
        },
    )
    html = html_of(response)
    assert response.status_code == 200
    assert not GoalReview.objects.exists()
    fieldset = re.search(
        rf'<fieldset class="review-goal has-error">.*?id="id_level_{first.pk}".*?</fieldset>',
        html,
        re.S,
    )
    assert fieldset is not None
    assert message in fieldset.group(0)
    assert "这次的记录" in html


def test_a_review_of_a_goal_of_another_plan_is_refused_and_saves_nothing(
    alice_worker: User, alice: Client, plan: CasePlan, month_old_case: Case
) -> None:
    father = case_services.add_caregiver(
        actor=alice_worker,
        case=month_old_case,
        details=caregiver_details(full_name="测试父亲", relationship="father", sex="male"),
    )
    other = make_plan(
        actor=alice_worker,
        case=month_old_case,
        caregiver=father,
        goals=[{"text": "我每周陪孩子一天", "ability": "B", "levels": LEVELS}],
    )
    first = plan.goals.order_by("order").first()
    assert first is not None
    response = alice.post(
        review_url(plan),
        {
            f"level_{first.pk}": "0",
            f"level_{other.goals.get().pk}": "1",
            "reviewed_on": TODAY().isoformat(),
        },
    )
    assert response.status_code == 200
    assert "This goal is not one of this plan" in html_of(response)
    assert not GoalReview.objects.exists()


@pytest.mark.parametrize(
    ("days", "message"),
    [(1, "The date cannot be in the future."), (-31, "The date is before the case was opened.")],
)
def test_a_review_dated_in_the_future_or_before_the_case_opened_is_refused(
    alice: Client, plan: CasePlan, days: int, message: str
) -> None:
    first = plan.goals.order_by("order").first()
    assert first is not None
    day = TODAY() + dt.timedelta(days=days)
    response = alice.post(
        review_url(plan), {f"level_{first.pk}": "0", "reviewed_on": day.isoformat()}
    )
    html = html_of(response)
    assert message in field_error(html, "id_reviewed_on")
    assert day.isoformat() in html  # the day typed is kept
    assert not GoalReview.objects.exists()


def test_a_review_scoring_no_goal_is_refused(alice: Client, plan: CasePlan) -> None:
    response = alice.post(review_url(plan), {"reviewed_on": TODAY().isoformat()})
    assert "Record the level reached of at least one goal." in html_of(response)
    assert not GoalReview.objects.exists()


# --- the case page's section ---------------------------------------------------------------


def test_the_case_section_shows_the_plan_in_force_with_its_goals_and_t_scores(
    alice_worker: User, alice: Client, plan: CasePlan, month_old_case: Case
) -> None:
    first = plan.goals.order_by("order").first()
    assert first is not None
    review_goals(actor=alice_worker, plan=plan, levels={first.pk: 1})
    html = html_of(alice.get(reverse("plans:case_section", args=[month_old_case.pk])))
    assert "Plan, version 1" in html
    assert "6 sessions planned" in html
    assert "我知道下一个治疗阶段会带来什么" in html
    assert "A. Adapting to life changes" in html
    assert "T = 36.7" in html  # at the start
    assert "T = 60.0" in html  # now: one goal scored, +1
    assert reverse("plans:plan_review", args=[plan.pk]) in html


def test_the_case_section_offers_a_plan_to_a_caregiver_without_one(
    alice: Client, alice_case: Case, mother: Caregiver
) -> None:
    html = html_of(alice.get(reverse("plans:case_section", args=[alice_case.pk])))
    assert "No plan yet." in html
    assert new_plan_url(alice_case, mother) in html


def queries_of(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_section_and_the_plan_page_take_as_many_queries_however_many_reviews(
    alice_worker: User, alice: Client, plan: CasePlan, month_old_case: Case
) -> None:
    ids = list(plan.goals.values_list("pk", flat=True))
    review_goals(actor=alice_worker, plan=plan, levels={ids[0]: 0})
    section = reverse("plans:case_section", args=[month_old_case.pk])
    page = reverse("plans:plan", args=[plan.pk])
    alice.get(section)  # the first request of a process fills caches (rules, codebook)
    before = (queries_of(alice, section), queries_of(alice, page))
    for level in (-1, 0, 1, 2):
        review_goals(actor=alice_worker, plan=plan, levels=dict.fromkeys(ids, level))
    assert (queries_of(alice, section), queries_of(alice, page)) == before


# --- access, audit, language ----------------------------------------------------------------


def test_a_worker_of_another_ward_gets_not_found_and_changes_nothing(
    dan_other_ward: User, plan: CasePlan, month_old_case: Case, mother: Caregiver
) -> None:
    dan = logged_in(dan_other_ward)
    first = plan.goals.order_by("order").first()
    assert first is not None
    for name in ("plans:plan", "plans:plan_revise", "plans:plan_versions", "plans:plan_review"):
        assert dan.get(reverse(name, args=[plan.pk])).status_code == 404
    assert dan.get(new_plan_url(month_old_case, mother)).status_code == 404
    review = {f"level_{first.pk}": "1", "reviewed_on": TODAY().isoformat()}
    assert dan.post(review_url(plan), review).status_code == 404
    revise = revise_post(plan, row0={"weight": "5"})
    assert dan.post(reverse("plans:plan_revise", args=[plan.pk]), revise).status_code == 404
    assert not GoalReview.objects.exists()
    assert CasePlan.objects.count() == 1


@pytest.mark.parametrize("persona", ["rita_researcher", "adam_admin"])
def test_researchers_and_administrators_are_forbidden(
    persona: str, personas: dict[str, User], plan: CasePlan
) -> None:
    client = logged_in(personas[persona])
    assert client.get(reverse("plans:plan", args=[plan.pk])).status_code == 403
    first = plan.goals.order_by("order").first()
    assert first is not None
    review = {f"level_{first.pk}": "1", "reviewed_on": TODAY().isoformat()}
    assert client.post(review_url(plan), review).status_code == 403
    assert not GoalReview.objects.exists()


def test_the_supervisor_of_the_ward_sees_the_plan_and_the_view_is_audited(
    carol_supervisor: User, plan: CasePlan
) -> None:
    response = logged_in(carol_supervisor).get(reverse("plans:plan", args=[plan.pk]))
    assert response.status_code == 200
    viewed = AuditEvent.objects.filter(action="plans.plan.viewed", actor=carol_supervisor)
    assert viewed.count() == 1
    listed = AuditEvent.objects.get(action="plans.plan.listed", actor=carol_supervisor)
    assert listed.context["ids"] == [plan.pk]


def test_the_plan_form_speaks_chinese_to_a_chinese_browser(
    alice: Client, alice_case: Case, mother: Caregiver
) -> None:
    with translation.override("en"):  # the request switches the thread's language: put it back
        response = alice.get(new_plan_url(alice_case, mother), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = html_of(response)
    assert response.status_code == 200
    assert "−2：远低于预期" in html  # the level labels share the model's translated words
    assert 'lang="zh-hans"' in html
