"""The session and support group pages, through the real URLs and database: recording a
session and a meeting, a caregiver's attendance from the case, bad input refused on its field
with nothing saved and what was typed kept, the case page's section, access and language."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases.models import Caregiver, Case
from buoy.plans.models import GroupAttendance, GroupSession, Session, Technique
from buoy.plans.services import (
    add_resource,
    make_plan,
    record_group_attendance,
    record_group_session,
    record_session,
    refer_case,
    update_technique,
)
from buoy.plans.views import referrals as referral_pages
from buoy.plans.views import sessions as session_pages
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def a_goal(actor: User, case: Case) -> Any:
    plan = make_plan(
        actor=actor,
        case=case,
        caregiver=case.caregivers.get(),
        goals=[{"text": "睡个整觉", "ability": "C", "levels": ["a", "b", "c", "d", "e"]}],
    )
    return plan.goals.get()


def session_form(case: Case, **overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "held_on": (TODAY() - dt.timedelta(days=3)).isoformat(),
        "minutes": "45",
        "mode": "bedside",
        "caregivers": [case.caregivers.get().pk],
        "family_members": ["father"],
        "techniques": [Technique.objects.get(code="eco-map").pk],
        "notes": "她说出了三件担心的事。",
        "homework": "Write the worries down.",
        "distress_before": "7",
        "distress_after": "4",
        "next_steps": "Meet the father.",
    }
    form.update(overrides)
    return form


def new_session_url(case: Case) -> str:
    return reverse("plans:session_new", args=[case.pk])


# --- recording a session -----------------------------------------------------------------


def test_a_worker_records_a_session_and_lands_on_its_page(
    alice_worker: User, month_old_case: Case, mother: Caregiver
) -> None:
    goal = a_goal(alice_worker, month_old_case)
    client = logged_in(alice_worker)
    form = session_form(month_old_case, goals=[goal.pk])
    response = client.post(new_session_url(month_old_case), form)
    session = Session.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "plans:session_detail", args=[month_old_case.pk, session.pk]
    )
    assert session.minutes == 45
    assert session.family_members == ["father"]
    assert list(session.caregivers.all()) == [mother]
    assert list(session.goals.all()) == [goal]
    assert session.distress_before == 7
    assert session.distress_after == 4
    assert session.next_session_on is None  # not planned: the form left it empty
    page = client.get(response["Location"]).content.decode()
    assert "她说出了三件担心的事。" in page
    assert "Eco-map" in page or "eco-map" in page.lower()
    assert "睡个整觉" in page
    assert "7 / 10" in page
    assert "4 / 10" in page
    assert "Father" in page


def test_the_next_session_planned_is_kept_and_shown_on_the_today_page(
    alice_worker: User, month_old_case: Case
) -> None:
    client = logged_in(alice_worker)
    day = TODAY() + dt.timedelta(days=2)
    form = session_form(month_old_case, next_session_on=day.isoformat())
    response = client.post(new_session_url(month_old_case), form)
    assert response.status_code == 302
    assert Session.objects.get().next_session_on == day
    assert day.isoformat() in client.get(response["Location"]).content.decode()
    today = client.get(reverse("plans:today")).content.decode()
    assert month_old_case.reference in today
    assert day.isoformat() in today


def test_the_form_offers_the_case_caregivers_active_techniques_and_the_plan_goals(
    alice_worker: User, month_old_case: Case, mother: Caregiver, carol_supervisor: User
) -> None:
    goal = a_goal(alice_worker, month_old_case)
    withdrawn = Technique.objects.get(code="narrative-externalising")
    update_technique(actor=carol_supervisor, technique=withdrawn, changes={"active": False})
    form = logged_in(alice_worker).get(new_session_url(month_old_case)).context["form"]
    assert [pk for pk, _name in form.fields["caregivers"].choices] == [mother.pk]
    techniques = dict(form.fields["techniques"].choices)
    assert Technique.objects.get(code="eco-map").pk in techniques
    assert withdrawn.pk not in techniques
    assert dict(form.fields["goals"].choices) == {goal.pk: "睡个整觉"}


def test_technique_names_are_offered_in_the_pages_language(
    alice_worker: User, month_old_case: Case
) -> None:
    client = logged_in(alice_worker)
    eco_map = Technique.objects.get(code="eco-map")
    english = client.get(new_session_url(month_old_case)).content.decode()
    chinese = client.get(
        new_session_url(month_old_case), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9"
    ).content.decode()
    assert eco_map.name_en in english
    assert eco_map.name_zh not in english
    assert eco_map.name_zh in chinese
    assert '<html lang="zh-hans">' in chinese


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"held_on": "2000-01-01"}, "held_on", "The date is before the case was opened."),
        ({"held_on": "2999-01-01"}, "held_on", "The date cannot be in the future."),
        ({"minutes": "0"}, "minutes", "Enter how long it lasted, in minutes (1 to 600)."),
        ({"minutes": "601"}, "minutes", "Enter how long it lasted, in minutes (1 to 600)."),
        ({"distress_before": "11"}, "distress_before", "Rate distress from 0 (none) to 10"),
        ({"distress_after": "-1"}, "distress_after", "Rate distress from 0 (none) to 10"),
        ({"techniques": ["999999"]}, "techniques", "is not a technique of the library."),
        ({"techniques": ["no-such-technique"]}, "techniques", "is not a technique"),
        ({"mode": "telepathy"}, "mode", "Select a valid choice."),
        ({"family_members": ["cousin"]}, "family_members", "Choose family members"),
        ({"caregivers": [], "family_members": []}, "caregivers", "Say who took part."),
        ({"minutes": "an hour"}, "minutes", "Enter a whole number."),
        (
            {"next_session_on": (TODAY() - dt.timedelta(days=5)).isoformat()},
            "next_session_on",
            "The next session cannot be planned before this session's day.",
        ),
        ({"next_session_on": "next week"}, "next_session_on", "Enter a valid date."),
    ],
)
def test_bad_session_input_is_refused_on_its_field_and_nothing_is_saved(
    alice_worker: User,
    month_old_case: Case,
    overrides: dict[str, Any],
    field: str,
    message: str,
) -> None:
    response = logged_in(alice_worker).post(
        new_session_url(month_old_case), session_form(month_old_case, **overrides)
    )
    assert response.status_code == 200
    assert not Session.objects.exists()
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    html = response.content.decode()
    assert "Nothing was saved." in html
    # what the worker typed is still there
    assert "她说出了三件担心的事。" in html
    assert 'value="Meet the father."' not in html  # a textarea keeps it as its content
    assert "Meet the father." in html


def test_a_technique_no_longer_offered_is_refused_by_name(
    alice_worker: User, month_old_case: Case, carol_supervisor: User
) -> None:
    withdrawn = Technique.objects.get(code="narrative-externalising")
    update_technique(actor=carol_supervisor, technique=withdrawn, changes={"active": False})
    response = logged_in(alice_worker).post(
        new_session_url(month_old_case),
        session_form(month_old_case, techniques=[withdrawn.pk]),
    )
    assert not Session.objects.exists()
    [error] = response.context["form"].errors["techniques"]
    assert "narrative-externalising" in error
    assert "no longer offered" in error


def test_a_caregiver_or_goal_of_another_case_is_refused(
    alice_worker: User, dan_other_ward: User, month_old_case: Case, dan_case: Case
) -> None:
    theirs = dan_case.caregivers.get()
    their_goal = a_goal(dan_other_ward, dan_case)
    client = logged_in(alice_worker)
    response = client.post(
        new_session_url(month_old_case),
        session_form(month_old_case, caregivers=[theirs.pk]),
    )
    assert response.context["form"].errors["caregivers"] == ["Choose caregivers of this case."]
    response = client.post(
        new_session_url(month_old_case), session_form(month_old_case, goals=[their_goal.pk])
    )
    assert response.context["form"].errors["goals"] == ["Choose goals of this case's plan."]
    assert not Session.objects.exists()
    assert "另一位母亲" not in response.content.decode()


def test_the_list_and_a_session_page_are_the_cases_only(
    alice_worker: User,
    bob_same_team: User,
    dan_other_ward: User,
    month_old_case: Case,
    dan_case: Case,
) -> None:
    recorded = record_session(
        actor=alice_worker,
        case=month_old_case,
        held_on=TODAY(),
        minutes=30,
        mode="phone",
        caregivers=[month_old_case.caregivers.get()],
    )
    theirs = record_session(
        actor=dan_other_ward,
        case=dan_case,
        held_on=TODAY(),
        minutes=20,
        mode="office",
        caregivers=[dan_case.caregivers.get()],
    )
    alice = logged_in(alice_worker)
    listing = alice.get(reverse("plans:session_list", args=[month_old_case.pk]))
    assert listing.context["sessions"] == [recorded]
    assert (
        alice.get(
            reverse("plans:session_detail", args=[month_old_case.pk, recorded.pk])
        ).status_code
        == 200
    )
    # another case's session, through Alice's case or its own, is not found
    assert (
        alice.get(reverse("plans:session_detail", args=[month_old_case.pk, theirs.pk])).status_code
        == 404
    )
    assert (
        alice.get(reverse("plans:session_detail", args=[dan_case.pk, theirs.pk])).status_code == 404
    )
    bob = logged_in(bob_same_team)
    assert bob.get(reverse("plans:session_list", args=[month_old_case.pk])).status_code == 404
    refused = bob.post(new_session_url(month_old_case), session_form(month_old_case))
    assert refused.status_code == 404
    assert Session.objects.count() == 2


def test_opening_a_session_is_audited(alice_worker: User, month_old_case: Case) -> None:
    recorded = record_session(
        actor=alice_worker,
        case=month_old_case,
        held_on=TODAY(),
        minutes=30,
        mode="phone",
        caregivers=[month_old_case.caregivers.get()],
    )
    logged_in(alice_worker).get(
        reverse("plans:session_detail", args=[month_old_case.pk, recorded.pk])
    )
    assert AuditEvent.objects.filter(
        action="plans.session.viewed", subject_id=str(recorded.pk)
    ).exists()


# --- the case page's section -------------------------------------------------------------


def test_the_section_shows_the_latest_sessions_and_the_group_attendance(
    alice_worker: User, carol_supervisor: User, month_old_case: Case, mother: Caregiver
) -> None:
    for days in range(7):
        record_session(
            actor=alice_worker,
            case=month_old_case,
            held_on=TODAY() - dt.timedelta(days=days),
            minutes=10 + days,
            mode="bedside",
            caregivers=[mother],
            techniques=["eco-map"],
        )
    group = record_group_session(
        actor=carol_supervisor, held_on=TODAY(), minutes=90, topic="父母小组"
    )
    record_group_attendance(
        actor=alice_worker, group_session=group, case=month_old_case, caregiver=mother
    )
    response = logged_in(alice_worker).get(reverse("plans:case_section", args=[month_old_case.pk]))
    assert response.status_code == 200
    shown = response.context["recent_sessions"]
    assert [s.minutes for s in shown] == [10, 11, 12, 13, 14]
    html = response.content.decode()
    assert "All sessions (7)" in html
    assert "父母小组" in html
    assert reverse("plans:group_detail", args=[group.pk]) in html
    listed = AuditEvent.objects.filter(action="plans.session.listed").latest("pk")
    assert listed.context["count"] == 5


# --- support groups ------------------------------------------------------------------------


def test_a_worker_records_a_meeting_and_the_case_records_its_caregivers_attendance(
    alice_worker: User, bob_same_team: User, month_old_case: Case, mother: Caregiver
) -> None:
    client = logged_in(alice_worker)
    response = client.post(
        reverse("plans:group_new"),
        {
            "held_on": TODAY().isoformat(),
            "minutes": "90",
            "topic": "Parents' evening",
            "facilitator": str(bob_same_team.pk),
            "techniques": [Technique.objects.get(code="support-groups").pk],
        },
    )
    group = GroupSession.objects.get()
    assert response["Location"] == reverse("plans:group_detail", args=[group.pk])
    assert group.facilitator == bob_same_team
    assert [t.code for t in group.techniques.all()] == ["support-groups"]
    attendance_url = reverse("plans:group_attendance_new", args=[month_old_case.pk])
    form = client.get(attendance_url).context["form"]
    assert [pk for pk, _label in form.fields["group_session"].choices][1:] == [group.pk]
    response = client.post(
        attendance_url, {"group_session": group.pk, "caregiver": mother.pk, "attended": "yes"}
    )
    assert response.status_code == 302
    assert GroupAttendance.objects.get().attended is True
    page = client.get(reverse("plans:group_detail", args=[group.pk])).content.decode()
    assert mother.full_name in page
    assert month_old_case.reference in page
    # recorded again: the new answer replaces the old
    client.post(
        attendance_url, {"group_session": group.pk, "caregiver": mother.pk, "attended": "no"}
    )
    assert GroupAttendance.objects.get().attended is False


def test_a_meeting_shows_only_the_participants_of_cases_the_viewer_may_see(
    alice_worker: User,
    dan_other_ward: User,
    carol_supervisor: User,
    month_old_case: Case,
    dan_case: Case,
) -> None:
    group = record_group_session(actor=carol_supervisor, held_on=TODAY(), minutes=60)
    record_group_attendance(
        actor=alice_worker,
        group_session=group,
        case=month_old_case,
        caregiver=month_old_case.caregivers.get(),
    )
    record_group_attendance(
        actor=dan_other_ward,
        group_session=group,
        case=dan_case,
        caregiver=dan_case.caregivers.get(),
    )
    url = reverse("plans:group_detail", args=[group.pk])
    alice_page = logged_in(alice_worker).get(url)
    dan_page = logged_in(dan_other_ward).get(url)
    assert [a.case for a in alice_page.context["attendance"]] == [month_old_case]
    assert [a.case for a in dan_page.context["attendance"]] == [dan_case]
    assert "另一位母亲" not in alice_page.content.decode()
    assert dan_case.reference not in alice_page.content.decode()
    assert "另一位母亲" in dan_page.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"minutes": "0"}, "minutes", "Enter how long it lasted"),
        ({"held_on": "2999-01-01"}, "held_on", "The date cannot be in the future."),
        ({"techniques": ["999999"]}, "techniques", "is not a technique of the library."),
        ({"facilitator": "999999"}, "facilitator", "Choose a social worker or supervisor."),
        ({"topic": "x" * 201}, "topic", "Keep this to 200 characters"),
    ],
)
def test_a_bad_meeting_is_refused_on_its_field_and_nothing_is_saved(
    alice_worker: User, overrides: dict[str, Any], field: str, message: str
) -> None:
    form = {
        "held_on": TODAY().isoformat(),
        "minutes": "60",
        "topic": "Sleep",
        "facilitator": str(alice_worker.pk),
        **overrides,
    }
    response = logged_in(alice_worker).post(reverse("plans:group_new"), form)
    assert response.status_code == 200
    assert not GroupSession.objects.exists()
    assert any(message in e for e in response.context["form"].errors[field])


def test_attendance_for_a_caregiver_of_another_case_or_an_early_meeting_is_refused(
    alice_worker: User,
    carol_supervisor: User,
    month_old_case: Case,
    dan_case: Case,
) -> None:
    early = record_group_session(
        actor=carol_supervisor, held_on=month_old_case.opened_on - dt.timedelta(days=1), minutes=60
    )
    group = record_group_session(actor=carol_supervisor, held_on=TODAY(), minutes=60)
    client = logged_in(alice_worker)
    url = reverse("plans:group_attendance_new", args=[month_old_case.pk])
    other = client.post(
        url,
        {"group_session": group.pk, "caregiver": dan_case.caregivers.get().pk, "attended": "yes"},
    )
    assert other.context["form"].errors["caregiver"] == ["Choose a caregiver of this case."]
    too_early = client.post(
        url,
        {
            "group_session": early.pk,
            "caregiver": month_old_case.caregivers.get().pk,
            "attended": "yes",
        },
    )
    assert too_early.context["form"].errors["group_session"] == [
        "This meeting was held before the case was opened."
    ]
    missing = client.post(
        url,
        {
            "group_session": "999999",
            "caregiver": month_old_case.caregivers.get().pk,
            "attended": "yes",
        },
    )
    assert missing.status_code == 200
    assert "Choose a support group meeting." in missing.context["form"].errors["group_session"]
    assert not GroupAttendance.objects.exists()


def test_researchers_and_administrators_have_no_support_group_pages(
    rita_researcher: User, adam_admin: User, carol_supervisor: User
) -> None:
    group = record_group_session(actor=carol_supervisor, held_on=TODAY(), minutes=60)
    for user in (rita_researcher, adam_admin):
        client = logged_in(user)
        assert client.get(reverse("plans:group_list")).status_code == 403
        assert client.get(reverse("plans:group_detail", args=[group.pk])).status_code == 403
        assert (
            client.post(
                reverse("plans:group_new"),
                {"held_on": TODAY().isoformat(), "minutes": "60", "facilitator": str(user.pk)},
            ).status_code
            == 403
        )
    assert GroupSession.objects.count() == 1


def _section_queries(user: User, case: Case) -> int:
    with CaptureQueriesContext(connection) as queries:
        for part, template in (
            (session_pages, "plans/section/sessions.html"),
            (referral_pages, "plans/section/referrals.html"),
        ):
            context = {"case": case, "language": "en", **part.section_context(user, case)}
            render_to_string(template, context)
    return len(queries)


def test_the_sections_queries_do_not_grow_with_sessions_attendance_or_referrals(
    alice_worker: User, carol_supervisor: User, month_old_case: Case, mother: Caregiver
) -> None:
    fund = add_resource(actor=carol_supervisor, name="Fund", kind="charity_fund")

    def add_one(days: int) -> None:
        record_session(
            actor=alice_worker,
            case=month_old_case,
            held_on=TODAY() - dt.timedelta(days=days),
            minutes=30,
            mode="office",
            caregivers=[mother],
            techniques=["eco-map", "cognitive-reframing"],
        )
        group = record_group_session(actor=carol_supervisor, held_on=TODAY(), minutes=60)
        record_group_attendance(
            actor=alice_worker, group_session=group, case=month_old_case, caregiver=mother
        )
        refer_case(actor=alice_worker, case=month_old_case, resource=fund)

    add_one(1)
    with_one = _section_queries(alice_worker, month_old_case)
    for days in range(2, 8):
        add_one(days)
    assert _section_queries(alice_worker, month_old_case) == with_one
