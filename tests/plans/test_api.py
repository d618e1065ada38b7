"""The plans REST API: the same selectors and services as the pages, so the same access,
audit and refusals; every kind of bad input answered 400 on its field, never a 500."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from buoy.access import services as access_services
from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases import services as case_services
from buoy.cases.models import Caregiver, Case
from buoy.coding.models import Transcript
from buoy.plans import services
from buoy.plans.models import (
    CasePlan,
    FactorMap,
    GoalReview,
    GroupAttendance,
    Referral,
    Resource,
    Session,
    Technique,
)
from tests.conftest import caregiver_details

pytestmark = pytest.mark.django_db

LEVELS = ["no full night", "one some weeks", "two a week", "three a week", "four or more"]
TOO_BIG = str(2**64)


def api(user: User) -> Client:
    key = access_services.issue_api_token(actor=None, user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def patch(client: Client, url: str, body: Any) -> Any:
    return client.patch(url, json.dumps(body), content_type="application/json")


def goal(**overrides: Any) -> dict[str, Any]:
    return {
        "text": "I sleep a full night twice a week",
        "ability": "C",
        "levels": LEVELS,
        **overrides,
    }


@pytest.fixture
def plan(alice_worker: User, month_old_case: Case, mother: Caregiver) -> CasePlan:
    """Alice's plan with two goals of weight 1 and 2, started at −1 and −2."""
    return services.make_plan(
        actor=alice_worker,
        case=month_old_case,
        caregiver=mother,
        goals=[goal(), goal(text="我们申请到一笔基金", ability="B", weight=2, start_level=-2)],
        planned_sessions=6,
    )


@pytest.fixture
def fund(carol_supervisor: User) -> Resource:
    return services.add_resource(
        actor=carol_supervisor, name="Children's fund", kind="charity_fund"
    )


# --- plans and GAS -------------------------------------------------------------------------


def test_a_plans_detail_carries_its_goals_levels_and_gas_before_any_review(
    alice_worker: User, plan: CasePlan
) -> None:
    body = api(alice_worker).get(f"/api/v1/plans/{plan.pk}/").json()
    assert (body["id"], body["version"], body["in_force"]) == (plan.pk, 1, True)
    first, second = body["goals"]
    assert first["levels"] == LEVELS
    assert (first["weight"], first["baseline_level"], first["current_level"]) == (1.0, -1, None)
    assert (second["weight"], second["baseline_level"], second["ability"]) == (2.0, -2, "B")
    assert set(body["gas"]) == {"rho", "t_baseline", "t_current", "goals_scored"}
    assert body["gas"]["rho"] == 0.3
    assert body["gas"]["t_current"] is None
    assert body["gas"]["t_baseline"] < 50  # every goal starts below the expected level
    assert body["reviews"] == []


def test_a_review_through_the_api_sets_current_levels_and_the_t_score(
    alice_worker: User, plan: CasePlan
) -> None:
    first, second = plan.goals.order_by("order")
    response = post(
        api(alice_worker),
        f"/api/v1/plans/{plan.pk}/reviews/",
        {"levels": {str(first.pk): 0, str(second.pk): 0}, "note": "good weeks"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [g["current_level"] for g in body["goals"]] == [0, 0]
    assert body["gas"]["t_current"] == pytest.approx(50.0)
    assert body["gas"]["goals_scored"] == 2
    assert body["gas_change"] == pytest.approx(body["gas"]["t_current"] - body["gas"]["t_baseline"])
    [review] = body["reviews"]
    assert review["levels"] == {str(first.pk): 0, str(second.pk): 0}
    assert review["note"] == "good weeks"
    assert GoalReview.objects.filter(plan=plan).count() == 1


def test_a_plan_is_made_and_revised_as_new_versions_keeping_the_old(
    alice_worker: User, month_old_case: Case, mother: Caregiver
) -> None:
    client = api(alice_worker)
    made = post(
        client,
        "/api/v1/plans/",
        {
            "case": month_old_case.pk,
            "caregiver": mother.pk,
            "goals": [goal()],
            "planned_sessions": 4,
            "agreed_on": str(timezone.localdate()),
        },
    )
    assert made.status_code == 201, made.json()
    first = made.json()
    assert (first["version"], first["planned_sessions"]) == (1, 4)
    revised = post(client, f"/api/v1/plans/{first['id']}/revise/", {"planned_sessions": 8})
    assert revised.status_code == 201, revised.json()
    second = revised.json()
    assert (second["version"], second["planned_sessions"], second["replaces"]) == (
        2,
        8,
        first["id"],
    )
    assert second["goals"][0]["carried_from"] == first["goals"][0]["id"]  # goals carried on
    listed = client.get(f"/api/v1/plans/?case={month_old_case.pk}").json()["results"]
    assert [(p["version"], p["in_force"], p["goal_count"]) for p in listed] == [
        (2, True, 1),
        (1, False, 1),
    ]


def test_a_revision_that_changes_nothing_or_an_old_version_is_refused(
    alice_worker: User, plan: CasePlan
) -> None:
    client = api(alice_worker)
    assert post(client, f"/api/v1/plans/{plan.pk}/revise/", {}).json().keys() == {""}
    assert post(client, f"/api/v1/plans/{plan.pk}/revise/", {"note": "v2"}).status_code == 201
    again = post(client, f"/api/v1/plans/{plan.pk}/revise/", {"note": "v3"})
    assert again.status_code == 400
    assert "plan" in again.json()
    assert CasePlan.objects.filter(case=plan.case).count() == 2


def test_a_second_first_plan_is_refused_as_a_whole(
    alice_worker: User, plan: CasePlan, mother: Caregiver
) -> None:
    response = post(
        api(alice_worker), "/api/v1/plans/", {"case": plan.case_id, "caregiver": mother.pk}
    )
    assert response.status_code == 400
    assert "" in response.json()


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"weight": -1}, "goals[0].weight"),
        ({"start_level": 0}, "goals[0].start_level"),
        ({"levels": LEVELS[:4]}, "goals[0].levels"),
        ({"ability": "D"}, "goals[0].ability"),
        ({"factor": 2**70, "ability": None}, "goals[0].factor"),
        ({"colour": "red"}, "goals[0].colour"),
    ],
)
def test_a_bad_goal_is_refused_on_its_field_and_no_plan_is_saved(
    bad: dict[str, Any], field: str, alice_worker: User, alice_case: Case, mother: Caregiver
) -> None:
    response = post(
        api(alice_worker),
        "/api/v1/plans/",
        {"case": alice_case.pk, "caregiver": mother.pk, "goals": [goal(**bad)]},
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not CasePlan.objects.exists()


@pytest.mark.parametrize("level", [3, -3, "1", 1.5, None])
def test_a_gas_level_outside_minus_two_to_two_is_refused_on_the_goal(
    level: Any, alice_worker: User, plan: CasePlan
) -> None:
    first = plan.goals.order_by("order")[0]
    response = post(
        api(alice_worker), f"/api/v1/plans/{plan.pk}/reviews/", {"levels": {str(first.pk): level}}
    )
    assert response.status_code == 400
    assert f"levels[{first.pk}]" in response.json()
    assert not GoalReview.objects.exists()


def test_a_review_of_a_goal_of_another_plan_is_refused_on_that_goal(
    alice_worker: User, plan: CasePlan, month_old_case: Case
) -> None:
    other_caregiver = case_services.add_caregiver(
        actor=alice_worker,
        case=month_old_case,
        details=caregiver_details(full_name="父亲", sex="male", relationship="father"),
    )
    other = services.make_plan(
        actor=alice_worker, case=month_old_case, caregiver=other_caregiver, goals=[goal()]
    )
    foreign = other.goals.get()
    mine = plan.goals.order_by("order")[0]
    response = post(
        api(alice_worker),
        f"/api/v1/plans/{plan.pk}/reviews/",
        {"levels": {str(mine.pk): 0, str(foreign.pk): 1}},
    )
    assert response.status_code == 400
    assert list(response.json()) == [f"levels[{foreign.pk}]"]
    assert not GoalReview.objects.exists()


def test_a_review_dated_in_the_future_or_without_levels_is_refused(
    alice_worker: User, plan: CasePlan
) -> None:
    client = api(alice_worker)
    first = plan.goals.order_by("order")[0]
    tomorrow = str(timezone.localdate() + dt.timedelta(days=1))
    future = post(
        client,
        f"/api/v1/plans/{plan.pk}/reviews/",
        {"levels": {str(first.pk): 0}, "reviewed_on": tomorrow},
    )
    assert "reviewed_on" in future.json()
    assert "levels" in post(client, f"/api/v1/plans/{plan.pk}/reviews/", {"levels": {}}).json()
    assert "levels" in post(client, f"/api/v1/plans/{plan.pk}/reviews/", {"levels": [0]}).json()
    assert not GoalReview.objects.exists()


def test_goals_are_read_only_and_scoped_to_visible_plans(
    alice_worker: User, dan_other_ward: User, plan: CasePlan
) -> None:
    first = plan.goals.order_by("order")[0]
    body = api(alice_worker).get(f"/api/v1/goals/?plan={plan.pk}").json()
    assert [g["id"] for g in body["results"]] == list(
        plan.goals.order_by("order").values_list("pk", flat=True)
    )
    assert body["results"][0]["levels"] == LEVELS
    assert api(alice_worker).get(f"/api/v1/goals/{first.pk}/").json()["baseline_level"] == -1
    assert post(api(alice_worker), "/api/v1/goals/", goal()).status_code == 405
    assert api(dan_other_ward).get(f"/api/v1/goals/{first.pk}/").status_code == 404
    assert api(dan_other_ward).get("/api/v1/goals/").json()["count"] == 0


# --- access and audit ----------------------------------------------------------------------


def test_another_wards_worker_gets_404_and_a_researcher_403(
    dan_other_ward: User, rita_researcher: User, adam_admin: User, plan: CasePlan
) -> None:
    assert api(dan_other_ward).get(f"/api/v1/plans/{plan.pk}/").status_code == 404
    assert api(dan_other_ward).get("/api/v1/plans/").json()["count"] == 0
    revise = post(api(dan_other_ward), f"/api/v1/plans/{plan.pk}/revise/", {"note": "mine"})
    assert revise.status_code == 404
    for outsider in (rita_researcher, adam_admin):
        assert api(outsider).get(f"/api/v1/plans/{plan.pk}/").status_code == 403
        assert api(outsider).get("/api/v1/sessions/").status_code == 403
    assert CasePlan.objects.count() == 1


def test_a_case_named_in_a_body_that_the_user_may_not_see_is_refused_like_a_missing_one(
    dan_other_ward: User, alice_case: Case, mother: Caregiver
) -> None:
    client = api(dan_other_ward)
    theirs = post(client, "/api/v1/plans/", {"case": alice_case.pk, "caregiver": mother.pk})
    missing = post(client, "/api/v1/plans/", {"case": alice_case.pk + 99, "caregiver": mother.pk})
    assert theirs.status_code == missing.status_code == 400
    assert theirs.json() == missing.json() == {"case": ["No such case."]}


def test_reading_a_plan_is_audited_and_changing_one_records_only_the_change(
    alice_worker: User, plan: CasePlan
) -> None:
    client = api(alice_worker)
    client.get(f"/api/v1/plans/{plan.pk}/")
    viewed = AuditEvent.objects.get(action="plans.plan.viewed")
    assert (viewed.subject_id, viewed.channel) == (str(plan.pk), "api")
    client.get(f"/api/v1/plans/?case={plan.case_id}")
    listed = AuditEvent.objects.get(action="plans.plan.listed")
    assert listed.context == {"ids": [plan.pk], "count": 1}
    post(client, f"/api/v1/plans/{plan.pk}/revise/", {"note": "after the second cycle"})
    assert AuditEvent.objects.filter(action="plans.plan.revised").count() == 1
    assert AuditEvent.objects.filter(action="plans.plan.viewed").count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/plans/?case=",
        "/api/v1/factors/?map=",
        "/api/v1/factors/?caregiver=",
        "/api/v1/goals/?plan=",
        "/api/v1/sessions/?case=",
        "/api/v1/referrals/?case=",
    ],
)
def test_an_id_filter_over_64_bits_or_not_a_number_is_refused_on_the_filter(
    url: str, alice_worker: User, plan: CasePlan
) -> None:
    name = url.rsplit("?", 1)[1].rstrip("=")
    for value in (TOO_BIG, "abc", "-1"):
        response = api(alice_worker).get(url + value)
        assert response.status_code == 400, (url, value)
        assert name in response.json()


@pytest.mark.parametrize(
    "path", ["plans", "factors", "goals", "sessions", "referrals", "resources", "group-sessions"]
)
def test_an_id_over_64_bits_in_the_path_is_not_found(
    path: str, carol_supervisor: User, plan: CasePlan
) -> None:
    assert api(carol_supervisor).get(f"/api/v1/{path}/{TOO_BIG}/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/plans/",
        "/api/v1/factors/maps/",
        "/api/v1/factors/drafts/",
        "/api/v1/sessions/",
        "/api/v1/referrals/",
        "/api/v1/group-sessions/",
    ],
)
@pytest.mark.parametrize("body", [[1, 2], "text", 7, None])
def test_a_json_body_that_is_not_an_object_is_refused(
    url: str, body: Any, alice_worker: User, alice_case: Case
) -> None:
    response = post(api(alice_worker), url, body)
    assert response.status_code == 400
    assert response.json() == {"": ["Send a JSON object."]}


def test_a_field_the_endpoint_does_not_take_is_refused_not_ignored(
    alice_worker: User, plan: CasePlan
) -> None:
    response = post(api(alice_worker), f"/api/v1/plans/{plan.pk}/revise/", {"notes": "typo"})
    assert response.status_code == 400
    assert response.json() == {"notes": ["This field cannot be given here."]}
    assert CasePlan.objects.count() == 1


# --- factors and maps ----------------------------------------------------------------------


def test_a_map_is_saved_whole_as_a_new_version_and_its_factors_listed(
    alice_worker: User, alice_case: Case, mother: Caregiver, intake: Transcript
) -> None:
    client = api(alice_worker)
    segment = intake.segments.get(code__label="R-ECO-01")
    response = post(
        client,
        "/api/v1/factors/maps/",
        {
            "case": alice_case.pk,
            "caregiver": mother.pk,
            "entries": [
                {"code": "R-ECO-01", "severity": 3, "evidence": [{"segment": segment.pk}]},
                {"code": "P-FAM-04", "status": "present", "strength": 2, "note": "奶奶"},
            ],
        },
    )
    assert response.status_code == 201, response.json()
    saved = response.json()
    assert (saved["version"], saved["confirmed"]) == (1, True)
    by_code = {f["code"]: f for f in saved["factors"]}
    assert by_code["R-ECO-01"]["evidence"] == [{"segment": segment.pk}]
    assert (by_code["R-ECO-01"]["kind"], by_code["R-ECO-01"]["level"]) == ("risk", "economic")
    assert by_code["P-FAM-04"]["rating"] == 2
    listed = client.get(f"/api/v1/factors/?map={saved['id']}").json()
    assert listed["count"] == 2
    first = listed["results"][0]
    assert (first["map"], first["map_version"], first["map_confirmed"]) == (saved["id"], 1, True)
    assert first["case"] == alice_case.pk
    event = AuditEvent.objects.get(action="plans.factor.listed")
    assert sorted(event.context["ids"]) == sorted(f["id"] for f in saved["factors"])


def test_a_draft_from_the_coded_interview_is_confirmed_as_a_new_version(
    alice_worker: User, alice_case: Case, mother: Caregiver, intake: Transcript
) -> None:
    client = api(alice_worker)
    drafted = post(
        client, "/api/v1/factors/drafts/", {"case": alice_case.pk, "caregiver": mother.pk}
    )
    assert drafted.status_code == 201, drafted.json()
    draft = drafted.json()
    assert draft["confirmed"] is False
    assert {f["code"] for f in draft["factors"]} == {"P-IND-01", "P-IND-02", "P-FAM-04", "R-ECO-01"}
    confirmed = post(client, f"/api/v1/factors/maps/{draft['id']}/confirm/", {"note": "checked"})
    assert confirmed.status_code == 201, confirmed.json()
    assert (confirmed.json()["version"], confirmed.json()["based_on"]) == (2, draft["id"])
    again = post(client, f"/api/v1/factors/maps/{draft['id']}/confirm/", {})
    assert again.status_code == 400
    assert FactorMap.objects.filter(case=alice_case).count() == 2


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"code": "X-NOPE-01"}, "entries[0].code"),
        ({"code": "R-ECO-01", "severity": 4}, "entries[0].severity"),
        ({"code": "R-ECO-01", "status": "maybe"}, "entries[0].status"),
        ({"code": "R-ECO-01", "evidence": [{"segment": 2**70}]}, "entries[0].evidence[0]"),
        ({"code": "R-ECO-01", "evidence": [{"note": 1, "segment": 1}]}, "entries[0].evidence[0]"),
    ],
)
def test_a_bad_factor_is_refused_on_its_field_and_no_map_is_saved(
    entry: dict[str, Any], field: str, alice_worker: User, alice_case: Case, mother: Caregiver
) -> None:
    response = post(
        api(alice_worker),
        "/api/v1/factors/maps/",
        {"case": alice_case.pk, "caregiver": mother.pk, "entries": [entry]},
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not FactorMap.objects.exists()


def test_a_map_for_a_caregiver_of_another_case_is_refused(
    alice_worker: User, alice_case: Case, dan_case: Case
) -> None:
    response = post(
        api(alice_worker),
        "/api/v1/factors/maps/",
        {"case": alice_case.pk, "caregiver": dan_case.caregivers.get().pk, "entries": []},
    )
    assert response.json() == {"caregiver": ["Choose a caregiver of this case."]}


def test_factors_of_another_wards_map_are_not_found(
    alice_worker: User, dan_other_ward: User, alice_case: Case, mother: Caregiver
) -> None:
    factor_map = services.save_factor_map(
        actor=alice_worker,
        case=alice_case,
        caregiver=mother,
        entries=[{"code": "R-ECO-01", "severity": 2}],
    )
    entry = factor_map.entries.get()
    assert api(alice_worker).get(f"/api/v1/factors/{entry.pk}/").json()["severity"] == 2
    assert AuditEvent.objects.get(action="plans.factor.viewed").context == {"case": alice_case.pk}
    assert api(dan_other_ward).get(f"/api/v1/factors/{entry.pk}/").status_code == 404
    assert api(dan_other_ward).get(f"/api/v1/factors/?case={alice_case.pk}").json()["count"] == 0
    confirm = post(api(dan_other_ward), f"/api/v1/factors/maps/{factor_map.pk}/confirm/", {})
    assert confirm.status_code == 404


# --- sessions and support groups -----------------------------------------------------------


def session_body(case: Case, caregiver: Caregiver, **overrides: Any) -> dict[str, Any]:
    return {
        "case": case.pk,
        "held_on": str(timezone.localdate() - dt.timedelta(days=2)),
        "minutes": 45,
        "mode": "bedside",
        "caregivers": [caregiver.pk],
        "techniques": ["eco-map"],
        **overrides,
    }


def test_a_session_is_recorded_and_read_back(
    alice_worker: User, plan: CasePlan, mother: Caregiver
) -> None:
    client = api(alice_worker)
    first = plan.goals.order_by("order")[0]
    response = post(
        client,
        "/api/v1/sessions/",
        session_body(
            plan.case,
            mother,
            goals=[first.pk],
            family_members=["grandparent"],
            distress_before=7,
            distress_after=4,
            homework="write down three things",
            next_session_on=str(timezone.localdate() + dt.timedelta(days=7)),
        ),
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    eco_map = Technique.objects.get(code="eco-map")
    assert (body["techniques"], body["goals"], body["caregivers"]) == (
        [eco_map.pk],
        [first.pk],
        [mother.pk],
    )
    assert (body["distress_before"], body["distress_after"]) == (7, 4)
    assert body["next_session_on"] == str(timezone.localdate() + dt.timedelta(days=7))
    assert not AuditEvent.objects.filter(action="plans.session.viewed").exists()
    read = client.get(f"/api/v1/sessions/{body['id']}/").json()
    assert read["homework"] == "write down three things"
    assert AuditEvent.objects.filter(action="plans.session.viewed").count() == 1
    listed = client.get(f"/api/v1/sessions/?case={plan.case_id}").json()
    assert [s["id"] for s in listed["results"]] == [body["id"]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"held_on": "FUTURE"}, "held_on"),
        ({"held_on": "BEFORE_OPENING"}, "held_on"),
        ({"held_on": "not a day"}, "held_on"),
        ({"minutes": 0}, "minutes"),
        ({"mode": "carrier pigeon"}, "mode"),
        ({"caregivers": []}, "caregivers"),
        ({"techniques": ["no-such-technique"]}, "techniques"),
        ({"techniques": ["INACTIVE"]}, "techniques"),
        ({"techniques": [2**70]}, "techniques"),
        ({"goals": [2**62]}, "goals"),
        ({"distress_after": 11}, "distress_after"),
        ({"family_members": ["neighbour"]}, "family_members"),
        ({"caregivers": [2**70]}, "caregivers"),
        ({"next_session_on": "BEFORE_OPENING"}, "next_session_on"),
        ({"next_session_on": "soon"}, "next_session_on"),
    ],
)
def test_a_bad_session_is_refused_on_its_field_and_nothing_is_saved(
    change: dict[str, Any],
    field: str,
    alice_worker: User,
    carol_supervisor: User,
    month_old_case: Case,
    mother: Caregiver,
) -> None:
    if change.get("held_on") == "FUTURE":
        change = {"held_on": str(timezone.localdate() + dt.timedelta(days=1))}
    if change.get("held_on") == "BEFORE_OPENING":
        change = {"held_on": str(month_old_case.opened_on - dt.timedelta(days=1))}
    if change.get("next_session_on") == "BEFORE_OPENING":  # before the session's own day
        change = {"next_session_on": str(month_old_case.opened_on - dt.timedelta(days=1))}
    if change.get("techniques") == ["INACTIVE"]:
        withdrawn = Technique.objects.get(code="eco-map")
        services.update_technique(
            actor=carol_supervisor, technique=withdrawn, changes={"active": False}
        )
        change = {"techniques": [withdrawn.pk]}
    response = post(
        api(alice_worker), "/api/v1/sessions/", session_body(month_old_case, mother, **change)
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Session.objects.exists()


def test_a_support_group_shows_only_the_attendance_of_cases_the_worker_may_see(
    alice_worker: User,
    dan_other_ward: User,
    carol_supervisor: User,
    month_old_case: Case,
    mother: Caregiver,
    dan_case: Case,
) -> None:
    Case.objects.filter(pk=dan_case.pk).update(opened_on=month_old_case.opened_on)
    made = post(
        api(carol_supervisor),
        "/api/v1/group-sessions/",
        {"held_on": str(timezone.localdate()), "minutes": 90, "topic": "Parents' group"},
    )
    assert made.status_code == 201, made.json()
    group = made.json()["id"]
    attended = post(
        api(alice_worker),
        f"/api/v1/group-sessions/{group}/attendance/",
        {"case": month_old_case.pk, "caregiver": mother.pk},
    )
    assert attended.status_code == 200, attended.json()
    dans = post(
        api(dan_other_ward),
        f"/api/v1/group-sessions/{group}/attendance/",
        {"case": dan_case.pk, "caregiver": dan_case.caregivers.get().pk},
    )
    assert [a["case"] for a in dans.json()["attendance"]] == [dan_case.pk]
    seen = api(alice_worker).get(f"/api/v1/group-sessions/{group}/").json()
    assert [a["case"] for a in seen["attendance"]] == [month_old_case.pk]
    assert GroupAttendance.objects.count() == 2
    listed = AuditEvent.objects.filter(action="plans.group_attendance.listed").last()
    assert listed is not None
    assert listed.context["cases"] == [month_old_case.pk]
    # Alice may not record the attendance of a case she does not see
    refused = post(
        api(alice_worker),
        f"/api/v1/group-sessions/{group}/attendance/",
        {"case": dan_case.pk, "caregiver": dan_case.caregivers.get().pk, "attended": False},
    )
    assert refused.json() == {"case": ["No such case."]}
    assert GroupAttendance.objects.get(case=dan_case).attended is True


def test_a_group_meeting_with_a_facilitator_who_is_no_colleague_is_refused(
    alice_worker: User, rita_researcher: User
) -> None:
    day = str(timezone.localdate())
    for facilitator in (rita_researcher.pk, 2**70):
        response = post(
            api(alice_worker),
            "/api/v1/group-sessions/",
            {"held_on": day, "minutes": 60, "facilitator": facilitator},
        )
        assert response.status_code == 400
        assert "facilitator" in response.json()


# --- the library, the directory and referrals ----------------------------------------------


def test_every_role_reads_the_library_and_only_keepers_change_it(
    alice_worker: User, rita_researcher: User, carol_supervisor: User
) -> None:
    listed = api(rita_researcher).get("/api/v1/techniques/").json()
    assert "eco-map" in {t["code"] for t in listed["results"]}
    by_code = api(alice_worker).get("/api/v1/techniques/eco-map/").json()
    assert api(alice_worker).get(f"/api/v1/techniques/{by_code['id']}/").json() == by_code
    new = {
        "code": "family-meeting",
        "name_en": "Family meeting",
        "name_zh": "家庭会议",
        "description_en": "The family meets with the team.",
        "description_zh": "家人与团队开会。",
        "abilities": ["A"],
        "sources": ["Department practice"],
    }
    assert post(api(alice_worker), "/api/v1/techniques/", new).status_code == 403
    made = post(api(carol_supervisor), "/api/v1/techniques/", new)
    assert made.status_code == 201, made.json()
    assert made.json()["origin"] == "edited"
    url = f"/api/v1/techniques/{made.json()['id']}/"
    assert patch(api(alice_worker), url, {"active": False}).status_code == 403
    assert patch(api(carol_supervisor), url, {"active": False}).json()["active"] is False
    assert patch(api(carol_supervisor), url, {"code": "x"}).json().keys() == {"code"}
    assert patch(api(carol_supervisor), url, {"abilities": ["Z"]}).json().keys() == {"abilities"}
    assert Technique.objects.get(code="family-meeting").abilities == ["A"]


def test_the_directory_is_for_case_staff_and_its_keepers(
    alice_worker: User, rita_researcher: User, adam_admin: User, fund: Resource
) -> None:
    assert api(rita_researcher).get("/api/v1/resources/").status_code == 403
    assert api(adam_admin).get(f"/api/v1/resources/{fund.pk}/").json()["name"] == "Children's fund"
    listed = api(alice_worker).get("/api/v1/resources/?kind=charity_fund&active=true").json()
    assert [r["id"] for r in listed["results"]] == [fund.pk]
    assert "kind" in api(alice_worker).get("/api/v1/resources/?kind=casino").json()
    body = {"name": "Lodging", "kind": "lodging"}
    assert post(api(alice_worker), "/api/v1/resources/", body).status_code == 403
    made = post(api(adam_admin), "/api/v1/resources/", {**body, "languages": ["zh", "en"]})
    assert made.status_code == 201, made.json()
    assert "kind" in post(api(adam_admin), "/api/v1/resources/", {"name": "X", "kind": "y"}).json()
    changed = patch(api(adam_admin), f"/api/v1/resources/{made.json()['id']}/", {"active": False})
    assert changed.json()["active"] is False


def test_a_referral_is_made_and_moved_step_by_step(
    alice_worker: User, month_old_case: Case, fund: Resource
) -> None:
    client = api(alice_worker)
    made = post(client, "/api/v1/referrals/", {"case": month_old_case.pk, "resource": fund.pk})
    assert made.status_code == 201, made.json()
    referral = made.json()
    assert (referral["status"], referral["resource_name"]) == ("proposed", "Children's fund")
    url = f"/api/v1/referrals/{referral['id']}/move/"
    moved = post(client, url, {"status": "made", "outcome": "form sent"})
    assert (moved.json()["status"], moved.json()["outcome"]) == ("made", "form sent")
    assert "status" in post(client, url, {"status": "completed"}).json()
    assert "status" in post(client, url, {"status": "proposed"}).json()
    tomorrow = str(timezone.localdate() + dt.timedelta(days=1))
    assert "on" in post(client, url, {"status": "accepted", "on": tomorrow}).json()
    assert Referral.objects.get().status == "made"
    shown = client.get(f"/api/v1/referrals/?case={month_old_case.pk}").json()["results"]
    assert [r["made_on"] for r in shown] == [str(timezone.localdate())]


@pytest.mark.parametrize("which", ["missing", "inactive", "huge"])
def test_a_referral_to_a_missing_or_withdrawn_resource_is_refused_on_the_resource(
    which: str, alice_worker: User, carol_supervisor: User, alice_case: Case, fund: Resource
) -> None:
    resource: Any = {"missing": fund.pk + 99, "huge": 2**70, "inactive": fund.pk}[which]
    if which == "inactive":
        services.update_resource(actor=carol_supervisor, resource=fund, changes={"active": False})
    response = post(
        api(alice_worker), "/api/v1/referrals/", {"case": alice_case.pk, "resource": resource}
    )
    assert response.status_code == 400
    assert "resource" in response.json()
    assert not Referral.objects.exists()


def test_the_schema_describes_the_plans_api(alice_worker: User) -> None:
    schema = api(alice_worker).get("/api/v1/schema/").json()
    for path in (
        "/api/v1/factors/",
        "/api/v1/factors/maps/",
        "/api/v1/factors/maps/{map_id}/confirm/",
        "/api/v1/plans/{id}/",
        "/api/v1/plans/{id}/revise/",
        "/api/v1/plans/{id}/reviews/",
        "/api/v1/goals/",
        "/api/v1/sessions/",
        "/api/v1/group-sessions/{group_session_id}/attendance/",
        "/api/v1/techniques/{id}/",
        "/api/v1/resources/",
        "/api/v1/referrals/{id}/move/",
    ):
        assert path in schema["paths"], path
    detail = schema["components"]["schemas"]["PlanDetail"]["properties"]
    assert {"goals", "gas", "reviews"} <= set(detail)
    goal_detail = schema["components"]["schemas"]["GoalDetail"]["properties"]
    assert {"weight", "baseline_level", "current_level", "levels"} <= set(goal_detail)
