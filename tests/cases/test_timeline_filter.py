"""The case timeline filtered by kind: with ?kinds=… in the URL (a plain GET) or by htmx
(the timeline alone), only the entries of the kinds chosen are shown."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from buoy.access.models import User
from buoy.cases import services as case_services
from buoy.cases.domain.timeline_filter import chosen_groups, group_of, shows
from buoy.cases.models import Case
from buoy.plans import services as plan_services
from tests.conftest import logged_in, raise_safety_alert

pytestmark = pytest.mark.django_db

LEVELS = ["much less", "less", "expected", "more", "much more"]


@pytest.mark.parametrize(
    ("kind", "group"),
    [
        ("note", "notes"),
        ("phase", "phases"),
        ("consent", "record"),
        ("costs", "record"),
        ("follow-up", "record"),
        ("alert-raised", "assessments"),
        ("alert-handled", "assessments"),
        ("factor-map", "maps"),
        ("plan", "plans"),
        ("goal-review", "plans"),
        ("session", "sessions"),
        ("group-session", "sessions"),
        ("referral-proposed", "referrals"),
        ("referral-completed", "referrals"),
        ("something-new", "other"),
        ("notes-of-something", "other"),
    ],
)
def test_each_kind_of_entry_falls_in_one_group(kind: str, group: str) -> None:
    assert group_of(kind) == group


def test_the_kinds_asked_for_are_read_from_repeated_or_comma_separated_values() -> None:
    assert chosen_groups(["plans", "notes,Sessions", " referrals "]) == (
        "plans",
        "sessions",
        "referrals",
        "notes",
    )
    assert chosen_groups(["bogus", "", "plans,,"]) == ("plans",)
    assert chosen_groups([]) == ()
    assert shows("note", ())
    assert not shows("note", ("plans",))


@pytest.fixture
def busy_case(alice_worker: User, alice_case: Case, carol_supervisor: User) -> Case:
    """Alice's case with a note, a map, a plan and its review, a session, a referral and a
    safety alert, beside the phase entry of its opening."""
    caregiver = alice_case.caregivers.get()
    case_services.write_note(
        actor=alice_worker, case=alice_case, body="Mother asked about lodging."
    )
    plan_services.save_factor_map(
        actor=alice_worker,
        case=alice_case,
        caregiver=caregiver,
        entries=[{"code": "R-ECO-01", "status": "present", "severity": 2}],
    )
    plan = plan_services.make_plan(
        actor=alice_worker,
        case=alice_case,
        caregiver=caregiver,
        goals=[{"text": "我们申请到一笔基金", "ability": "B", "levels": LEVELS}],
    )
    plan_services.review_goals(actor=alice_worker, plan=plan, levels={plan.goals.get().pk: 0})
    plan_services.record_session(
        actor=alice_worker,
        case=alice_case,
        held_on=alice_case.opened_on,
        minutes=40,
        mode="bedside",
        caregivers=[caregiver.pk],
    )
    resource = plan_services.add_resource(
        actor=carol_supervisor, name="Children's fund", kind="charity_fund"
    )
    plan_services.refer_case(actor=alice_worker, case=alice_case, resource=resource.pk)
    raise_safety_alert(alice_worker, alice_case)
    return alice_case


def kinds(response: Any) -> set[str]:
    return {entry.kind for entry in response.context["timeline"]}


def test_without_a_filter_every_kind_is_on_the_timeline(
    alice_worker: User, busy_case: Case
) -> None:
    response = logged_in(alice_worker).get(reverse("cases:detail", args=[busy_case.pk]))
    assert response.status_code == 200
    assert {"note", "phase", "factor-map", "plan", "goal-review", "session"} <= kinds(response)
    assert {"referral-proposed", "alert-raised"} <= kinds(response)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kinds": "notes"}, {"note"}),
        ({"kinds": "plans"}, {"plan", "goal-review"}),
        ({"kinds": "maps"}, {"factor-map"}),
        ({"kinds": ["sessions", "referrals"]}, {"session", "referral-proposed"}),
        ({"kinds": "phases,assessments"}, {"phase", "assessment", "alert-raised"}),
    ],
)
def test_a_filter_in_the_url_shows_only_those_kinds(
    alice_worker: User, busy_case: Case, query: dict[str, Any], expected: set[str]
) -> None:
    response = logged_in(alice_worker).get(reverse("cases:detail", args=[busy_case.pk]), query)
    assert response.status_code == 200
    assert kinds(response) == expected
    checked = {value for value, _label, on in response.context["timeline_filter"] if on}
    asked = query["kinds"] if isinstance(query["kinds"], list) else [query["kinds"]]
    assert checked == set(chosen_groups(asked))
    page = response.content.decode()
    for value in checked:
        assert f'value="{value}" checked' in page


def test_the_note_body_shows_only_when_notes_are_chosen(
    alice_worker: User, busy_case: Case
) -> None:
    client = logged_in(alice_worker)
    url = reverse("cases:detail", args=[busy_case.pk])
    assert "Mother asked about lodging." in client.get(url, {"kinds": "notes"}).content.decode()
    assert "Mother asked about lodging." not in client.get(url, {"kinds": "plans"}).content.decode()


def test_htmx_gets_the_filtered_timeline_alone(alice_worker: User, busy_case: Case) -> None:
    response = logged_in(alice_worker).get(
        reverse("cases:detail", args=[busy_case.pk]),
        {"kinds": "sessions"},
        headers={"HX-Request": "true", "HX-Target": "timeline"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<section class="card" id="timeline">')
    assert "<html" not in page
    assert kinds(response) == {"session"}


def test_unknown_kinds_are_ignored_and_show_everything(alice_worker: User, busy_case: Case) -> None:
    response = logged_in(alice_worker).get(
        reverse("cases:detail", args=[busy_case.pk]), {"kinds": ["bogus", "<script>"]}
    )
    assert response.status_code == 200
    assert {"note", "session", "plan"} <= kinds(response)
    assert response.context["timeline_filtered"] is False


def test_a_filter_with_nothing_of_its_kind_says_so(alice_worker: User, alice_case: Case) -> None:
    response = logged_in(alice_worker).get(
        reverse("cases:detail", args=[alice_case.pk]), {"kinds": "referrals"}
    )
    assert kinds(response) == set()
    assert "Nothing of these kinds recorded yet." in response.content.decode()


def test_the_filter_does_not_open_a_case_that_is_not_yours(
    dan_other_ward: User, busy_case: Case
) -> None:
    response = logged_in(dan_other_ward).get(
        reverse("cases:detail", args=[busy_case.pk]),
        {"kinds": "notes"},
        headers={"HX-Request": "true", "HX-Target": "timeline"},
    )
    assert response.status_code == 404
