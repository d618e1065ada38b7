"""The worker's today page and the supervisor's overdue view: sessions planned, plan reviews
due, follow-ups due and open safety alerts, each linking to its case, for the right people,
audited as listings."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from buoy.access.domain.roles import Role
from buoy.access.models import User, Ward
from buoy.audit.models import AuditEvent
from buoy.cases import services as case_services
from buoy.cases.models import Case
from buoy.core.errors import InvalidInput
from buoy.plans import services
from buoy.plans.models import Session
from tests.conftest import (
    caregiver_details,
    child_details,
    logged_in,
    make_user,
    raise_safety_alert,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LEVELS = ["much less", "less", "expected", "more", "much more"]


@pytest.fixture
def early_case(alice_worker: User, ward_a: Ward) -> Case:
    """A case of Alice's opened four months ago."""
    return case_services.open_case(
        actor=alice_worker,
        ward=ward_a,
        referral_source="doctor",
        opened_on=TODAY - timedelta(days=120),
        child=child_details(full_name="早开的孩子"),
        caregiver=caregiver_details(full_name="早开的妈妈"),
    )


def session(actor: User, case: Case, held_on: dt.date, next_on: dt.date | None = None) -> Session:
    return services.record_session(
        actor=actor,
        case=case,
        held_on=held_on,
        minutes=30,
        mode="office",
        caregivers=[case.caregivers.get().pk],
        next_session_on=next_on,
    )


def plan(actor: User, case: Case, agreed_on: dt.date) -> None:
    services.make_plan(
        actor=actor,
        case=case,
        caregiver=case.caregivers.get(),
        goals=[{"text": "我每周睡够五个晚上", "ability": "C", "levels": LEVELS}],
        agreed_on=agreed_on,
    )


# --- next_session_on --------------------------------------------------------------------


def test_a_session_records_the_day_the_next_one_is_planned(
    alice_worker: User, early_case: Case
) -> None:
    found = session(alice_worker, early_case, TODAY - timedelta(days=3), TODAY + timedelta(days=4))
    found.refresh_from_db()
    assert found.next_session_on == TODAY + timedelta(days=4)
    event = AuditEvent.objects.filter(action="plans.session.recorded").get()
    assert "next_session_on" in event.changed_fields


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (TODAY - timedelta(days=11), "cannot be planned before this session"),
        ("next week", "Enter a date."),
        (timezone.now(), "Enter a date."),
    ],
)
def test_a_next_session_before_the_session_or_not_a_day_is_refused(
    alice_worker: User, early_case: Case, value: object, says: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.record_session(
            actor=alice_worker,
            case=early_case,
            held_on=TODAY - timedelta(days=10),
            minutes=30,
            mode="office",
            caregivers=[early_case.caregivers.get().pk],
            next_session_on=value,  # type: ignore[arg-type]
        )
    assert set(caught.value.errors) == {"next_session_on"}
    assert says in caught.value.errors["next_session_on"][0]
    assert not Session.objects.exists()


# --- the today page -----------------------------------------------------------------------


def test_the_today_page_lists_what_is_due_on_the_workers_cases_each_linking_to_it(
    alice_worker: User, early_case: Case, alice_case: Case
) -> None:
    planned = session(
        alice_worker, early_case, TODAY - timedelta(days=7), TODAY + timedelta(days=2)
    )
    plan(alice_worker, early_case, agreed_on=TODAY - timedelta(weeks=5))
    alert = raise_safety_alert(alice_worker, alice_case)
    response = logged_in(alice_worker).get(reverse("plans:today"))
    assert response.status_code == 200
    due = response.context["due"]
    assert [(s.case, s.planned_on, s.passed) for s in due.sessions] == [
        (early_case, TODAY + timedelta(days=2), False)
    ]
    assert [(r.case, r.since) for r in due.reviews] == [(early_case, TODAY - timedelta(weeks=5))]
    assert due.alerts == [alert]
    page = response.content.decode()
    assert reverse("cases:detail", args=[early_case.pk]) in page
    assert reverse("cases:detail", args=[alice_case.pk]) in page
    event = AuditEvent.objects.filter(action="plans.today.listed").get()
    assert event.actor == alice_worker
    assert event.context["sessions"] == [planned.pk]
    assert event.context["alerts"] == [alert.pk]
    assert event.context["cases"] == sorted([early_case.pk, alice_case.pk])
    assert event.context["count"] == 3


def test_a_later_session_replaces_the_plan_of_the_earlier_one(
    alice_worker: User, early_case: Case
) -> None:
    session(alice_worker, early_case, TODAY - timedelta(days=9), TODAY - timedelta(days=2))
    client = logged_in(alice_worker)
    [passed] = client.get(reverse("plans:today")).context["due"].sessions
    assert passed.passed is True
    session(alice_worker, early_case, TODAY - timedelta(days=1))
    assert client.get(reverse("plans:today")).context["due"].sessions == []


def test_sessions_planned_more_than_a_week_ahead_wait(alice_worker: User, early_case: Case) -> None:
    session(alice_worker, early_case, TODAY - timedelta(days=1), TODAY + timedelta(days=8))
    assert logged_in(alice_worker).get(reverse("plans:today")).context["due"].sessions == []


def test_a_plan_is_due_for_review_after_the_configured_weeks(
    alice_worker: User, early_case: Case, settings: object
) -> None:
    plan(alice_worker, early_case, agreed_on=TODAY - timedelta(weeks=5))
    client = logged_in(alice_worker)
    [due] = client.get(reverse("plans:today")).context["due"].reviews
    assert due.due_on == TODAY - timedelta(weeks=1)
    settings.BUOY_PLAN_REVIEW_WEEKS = 6  # type: ignore[attr-defined]
    assert client.get(reverse("plans:today")).context["due"].reviews == []


def test_a_recent_review_makes_the_plan_not_due(alice_worker: User, early_case: Case) -> None:
    plan(alice_worker, early_case, agreed_on=TODAY - timedelta(weeks=10))
    current = early_case.plans.get()
    services.review_goals(
        actor=alice_worker,
        plan=current,
        levels={current.goals.get().pk: 0},
        reviewed_on=TODAY - timedelta(weeks=1),
    )
    assert logged_in(alice_worker).get(reverse("plans:today")).context["due"].reviews == []


def test_follow_ups_due_are_listed_and_audited(alice_worker: User, early_case: Case) -> None:
    case_services.close_case(
        actor=alice_worker,
        case=early_case,
        reason="goals_met",
        closed_on=TODAY - timedelta(days=40),
        without_post_assessment_reason="The family moved to another city.",
    )
    response = logged_in(alice_worker).get(reverse("plans:today"))
    [due] = response.context["due"].follow_ups
    assert (due.case, due.follow_up.months) == (early_case, 1)
    assert reverse("cases:detail", args=[early_case.pk]) in response.content.decode()
    event = AuditEvent.objects.filter(action="plans.today.listed").get()
    assert event.context["follow_ups"] == [early_case.pk]


def test_a_colleague_sees_nothing_of_cases_not_theirs(
    alice_worker: User, bob_same_team: User, carol_supervisor: User, early_case: Case
) -> None:
    session(alice_worker, early_case, TODAY - timedelta(days=7), TODAY)
    plan(alice_worker, early_case, agreed_on=TODAY - timedelta(weeks=5))
    raise_safety_alert(alice_worker, early_case)
    for colleague in (bob_same_team, carol_supervisor):
        response = logged_in(colleague).get(reverse("plans:today"))
        assert response.status_code == 200
        assert response.context["due"].count == 0
        assert early_case.reference not in response.content.decode()


def test_a_case_shared_with_a_colleague_is_on_their_today_page(
    alice_worker: User, bob_same_team: User, carol_supervisor: User, early_case: Case
) -> None:
    session(alice_worker, early_case, TODAY - timedelta(days=7), TODAY)
    case_services.reassign_case(
        actor=carol_supervisor, case=early_case, worker=alice_worker, shared_with=[bob_same_team]
    )
    [planned] = logged_in(bob_same_team).get(reverse("plans:today")).context["due"].sessions
    assert planned.case == early_case


def test_researchers_and_administrators_have_no_today_page(
    rita_researcher: User, adam_admin: User
) -> None:
    for user in (rita_researcher, adam_admin):
        assert logged_in(user).get(reverse("plans:today")).status_code == 403
    assert not AuditEvent.objects.filter(action="plans.today.listed").exists()


# --- the overdue view ---------------------------------------------------------------------


def test_the_supervisor_sees_what_is_overdue_in_the_ward_by_worker(
    alice_worker: User, carol_supervisor: User, early_case: Case, alice_case: Case
) -> None:
    passed = session(alice_worker, early_case, TODAY - timedelta(days=9), TODAY - timedelta(days=2))
    session(alice_worker, alice_case, TODAY, TODAY + timedelta(days=1))  # not passed
    plan(alice_worker, early_case, agreed_on=TODAY - timedelta(weeks=5))
    old_alert = raise_safety_alert(alice_worker, early_case)
    old_alert.raised_at = timezone.now() - timedelta(hours=30)
    old_alert.save()
    raise_safety_alert(alice_worker, alice_case)  # just raised: not overdue
    response = logged_in(carol_supervisor).get(reverse("plans:overdue"))
    assert response.status_code == 200
    [entry] = response.context["workers"]
    assert entry.worker == alice_worker
    assert [s.session for s in entry.overdue.sessions] == [passed]
    assert [r.case for r in entry.overdue.reviews] == [early_case]
    assert entry.overdue.alerts == [old_alert]
    page = response.content.decode()
    assert alice_worker.display_name() in page
    assert reverse("cases:detail", args=[early_case.pk]) in page
    assert "Sessions whose day has passed" in page
    assert "Sessions coming up" not in page  # the today page's heading, not this one's
    today = logged_in(alice_worker).get(reverse("plans:today")).content.decode()
    assert "Sessions coming up" in today
    event = AuditEvent.objects.filter(action="plans.overdue.listed").get()
    assert event.actor == carol_supervisor
    assert event.context["sessions"] == [passed.pk]
    assert event.context["alerts"] == [old_alert.pk]
    assert event.context["cases"] == [early_case.pk]


def test_follow_ups_are_overdue_two_weeks_after_they_were_due(
    alice_worker: User, carol_supervisor: User, early_case: Case
) -> None:
    case_services.close_case(
        actor=alice_worker,
        case=early_case,
        reason="goals_met",
        closed_on=TODAY - timedelta(days=50),
        without_post_assessment_reason="The family moved to another city.",
    )
    [entry] = logged_in(carol_supervisor).get(reverse("plans:overdue")).context["workers"]
    [late] = entry.overdue.follow_ups
    assert (late.case, late.follow_up.months, late.follow_up.state) == (early_case, 1, "overdue")


def test_the_other_wards_supervisor_sees_nothing_of_it(
    alice_worker: User, early_case: Case, ward_b: Ward
) -> None:
    other = make_user("olga_other_supervisor", Role.SUPERVISOR, [ward_b.code])
    session(alice_worker, early_case, TODAY - timedelta(days=9), TODAY - timedelta(days=2))
    response = logged_in(other).get(reverse("plans:overdue"))
    assert response.context["workers"] == []
    assert early_case.reference not in response.content.decode()


def test_workers_may_not_open_the_overdue_view(alice_worker: User, early_case: Case) -> None:
    session(alice_worker, early_case, TODAY - timedelta(days=9), TODAY - timedelta(days=2))
    assert logged_in(alice_worker).get(reverse("plans:overdue")).status_code == 403
    assert not AuditEvent.objects.filter(action="plans.overdue.listed").exists()
