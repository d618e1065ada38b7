"""Follow-up contacts after closing: recording one (checks, audit), the reminders of what is
due (`follow_ups_due`, scoped like every list), and the case page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from buoy.access.models import User, Ward
from buoy.audit.models import AuditEvent
from buoy.cases import selectors, services
from buoy.cases.domain.followups import FollowUpState, add_months
from buoy.cases.domain.phases import Phase
from buoy.cases.models import Case, FollowUpContact
from buoy.core.errors import InvalidInput, NotFound
from tests.conftest import caregiver_details, child_details, logged_in

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def closed_case(worker: User, ward: Ward, *, days_ago: int) -> Case:
    """A case of `worker` opened a year and a half ago and closed `days_ago` days ago."""
    case = services.open_case(
        actor=worker,
        ward=ward,
        referral_source="doctor",
        child=child_details(),
        caregiver=caregiver_details(),
        opened_on=today() - dt.timedelta(days=550),
    )
    return services.close_case(
        actor=worker,
        case=case,
        reason="goals_met",
        closed_on=today() - dt.timedelta(days=days_ago),
        without_post_assessment_reason="The family moved away.",
    )


@pytest.fixture
def alice_closed(alice_worker: User, ward_a: Ward) -> Case:
    """Alice's case closed 40 days ago: the 1-month follow-up is due, the 3-month is not."""
    return closed_case(alice_worker, ward_a, days_ago=40)


def waiting(user: User, on: dt.date | None = None) -> list[tuple[int, int]]:
    return [(d.case.pk, d.follow_up.months) for d in selectors.follow_ups_due(user, on or today())]


def test_a_follow_up_contact_is_recorded_and_audited_without_free_text(
    alice_worker: User, alice_closed: Case
) -> None:
    contact = services.record_follow_up(
        actor=alice_worker, case=alice_closed, months=1, contacted_on=today()
    )
    assert contact.closed_on == alice_closed.closed_on
    assert contact.recorded_by == alice_worker
    event = AuditEvent.objects.get(action="cases.follow_up.recorded")
    assert event.context == {"case": alice_closed.pk}
    assert sorted(event.changed_fields) == ["contacted_on", "months"]


@pytest.mark.parametrize(
    ("months", "contacted_days_ago", "field"),
    [
        (2, 1, "months"),  # there is no 2-month follow-up
        (1, -1, "contacted_on"),  # tomorrow
        (1, 41, "contacted_on"),  # before the case was closed
    ],
)
def test_bad_follow_up_input_saves_nothing_and_names_the_field(
    alice_worker: User, alice_closed: Case, months: int, contacted_days_ago: int, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.record_follow_up(
            actor=alice_worker,
            case=alice_closed,
            months=months,
            contacted_on=today() - dt.timedelta(days=contacted_days_ago),
        )
    assert list(caught.value.errors) == [field]
    assert not FollowUpContact.objects.exists()
    assert not AuditEvent.objects.filter(action="cases.follow_up.recorded").exists()


def test_a_follow_up_is_recorded_once(alice_worker: User, alice_closed: Case) -> None:
    services.record_follow_up(actor=alice_worker, case=alice_closed, months=1, contacted_on=today())
    with pytest.raises(InvalidInput) as caught:
        services.record_follow_up(
            actor=alice_worker, case=alice_closed, months=1, contacted_on=today()
        )
    assert caught.value.errors == {"months": ["This follow-up has already been recorded."]}
    assert FollowUpContact.objects.count() == 1


def test_an_open_case_has_no_follow_up(alice_worker: User, alice_case: Case) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.record_follow_up(
            actor=alice_worker, case=alice_case, months=1, contacted_on=today()
        )
    assert "" in caught.value.errors
    assert selectors.follow_ups_of(alice_case, today()) == []


def test_only_those_who_may_change_the_case_record_its_follow_ups(
    alice_closed: Case, bob_same_team: User, dan_other_ward: User, carol_supervisor: User
) -> None:
    for outsider in (bob_same_team, dan_other_ward):
        with pytest.raises(NotFound):
            services.record_follow_up(
                actor=outsider, case=alice_closed, months=1, contacted_on=today()
            )
    services.record_follow_up(
        actor=carol_supervisor, case=alice_closed, months=1, contacted_on=today()
    )


def test_follow_ups_due_are_scoped_to_the_cases_each_person_may_see(
    personas: dict[str, User], alice_closed: Case, ward_b: Ward
) -> None:
    dans = closed_case(personas["dan_other_ward"], ward_b, days_ago=100)
    assert waiting(personas["alice_worker"]) == [(alice_closed.pk, 1)]
    assert waiting(personas["carol_supervisor"]) == [(alice_closed.pk, 1)]
    assert waiting(personas["dan_other_ward"]) == [(dans.pk, 1), (dans.pk, 3)]
    for nobody in ("bob_same_team", "rita_researcher", "adam_admin"):
        assert waiting(personas[nobody]) == []


def test_a_shared_case_brings_its_follow_ups(
    carol_supervisor: User, bob_same_team: User, alice_worker: User, alice_closed: Case
) -> None:
    services.reassign_case(
        actor=carol_supervisor, case=alice_closed, worker=alice_worker, shared_with=[bob_same_team]
    )
    assert waiting(bob_same_team) == [(alice_closed.pk, 1)]


def test_a_follow_up_leaves_the_reminders_once_made_and_the_next_comes_when_due(
    alice_worker: User, alice_closed: Case
) -> None:
    services.record_follow_up(actor=alice_worker, case=alice_closed, months=1, contacted_on=today())
    assert waiting(alice_worker) == []
    assert alice_closed.closed_on is not None
    three_months = add_months(alice_closed.closed_on, 3)
    assert waiting(alice_worker, three_months - dt.timedelta(days=1)) == []
    assert waiting(alice_worker, three_months) == [(alice_closed.pk, 3)]


def test_reminders_say_which_are_overdue_the_longest_waiting_first(
    alice_worker: User, ward_a: Ward, alice_closed: Case
) -> None:
    older = closed_case(alice_worker, ward_a, days_ago=200)
    due = selectors.follow_ups_due(alice_worker, today())
    assert [(d.case.pk, d.follow_up.months) for d in due] == [
        (older.pk, 1),
        (older.pk, 3),
        (alice_closed.pk, 1),
    ]
    assert [d.follow_up.state for d in due] == [
        FollowUpState.OVERDUE,
        FollowUpState.OVERDUE,
        FollowUpState.DUE,
    ]


def test_a_case_in_follow_up_still_reminds_and_a_reopened_one_does_not(
    alice_worker: User, alice_closed: Case
) -> None:
    case = services.move_case_to_phase(actor=alice_worker, case=alice_closed, phase=Phase.FOLLOW_UP)
    assert waiting(alice_worker) == [(case.pk, 1)]
    services.move_case_to_phase(actor=alice_worker, case=case, phase=Phase.ASSESSMENT)
    assert waiting(alice_worker) == []


def test_a_case_closed_again_is_followed_up_afresh(alice_worker: User, alice_closed: Case) -> None:
    services.record_follow_up(actor=alice_worker, case=alice_closed, months=1, contacted_on=today())
    case = services.move_case_to_phase(
        actor=alice_worker, case=alice_closed, phase=Phase.ASSESSMENT
    )
    case = services.close_case(
        actor=alice_worker,
        case=case,
        reason="goals_met",
        closed_on=today() - dt.timedelta(days=35),
        without_post_assessment_reason="Moved away again.",
    )
    assert waiting(alice_worker) == [(case.pk, 1)]


def test_the_reminders_cost_two_queries_however_many_cases(
    alice_worker: User, ward_a: Ward, alice_closed: Case, django_assert_num_queries: object
) -> None:
    for days_ago in (50, 120, 300):
        closed_case(alice_worker, ward_a, days_ago=days_ago)
    # closed 40 and 50 days ago: the 1-month follow-up; 120 and 300: both
    with django_assert_num_queries(2):  # type: ignore[operator]  # the cases, their contacts
        assert len(selectors.follow_ups_due(alice_worker, today())) == 6


def test_the_case_page_shows_the_follow_ups_and_records_a_contact(
    alice_worker: User, alice_closed: Case
) -> None:
    client = logged_in(alice_worker)
    page = client.get(reverse("cases:detail", args=[alice_closed.pk])).content.decode()
    assert 'id="follow-ups"' in page
    assert 'class="follow-up-due"' in page
    assert 'class="follow-up-upcoming"' in page
    answer = client.post(
        reverse("cases:follow_up_new", args=[alice_closed.pk]),
        {"months": "1", "contacted_on": today().isoformat()},
        follow=True,
    )
    assert "The follow-up contact was recorded." in answer.content.decode()
    page = answer.content.decode()
    assert 'class="follow-up-done"' in page
    assert "entry-follow-up" in page  # on the timeline too
    again = client.post(
        reverse("cases:follow_up_new", args=[alice_closed.pk]),
        {"months": "1", "contacted_on": today().isoformat()},
        follow=True,
    )
    assert "This follow-up has already been recorded." in again.content.decode()
    assert FollowUpContact.objects.count() == 1


def test_an_open_case_page_has_no_follow_ups(alice_worker: User, alice_case: Case) -> None:
    page = logged_in(alice_worker).get(reverse("cases:detail", args=[alice_case.pk]))
    assert 'id="follow-ups"' not in page.content.decode()


def test_a_colleague_without_access_cannot_record_through_the_page(
    bob_same_team: User, alice_closed: Case
) -> None:
    answer = logged_in(bob_same_team).post(
        reverse("cases:follow_up_new", args=[alice_closed.pk]),
        {"months": "1", "contacted_on": today().isoformat()},
    )
    assert answer.status_code == 404
    assert not FollowUpContact.objects.exists()
