"""The follow-up dates after closing: month arithmetic clamped to the month's end, and the
state of each follow-up on a given day (pure, no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from buoy.cases.domain.followups import (
    FOLLOW_UP_MONTHS,
    OVERDUE_AFTER_DAYS,
    FollowUp,
    FollowUpState,
    add_months,
    due_dates,
    follow_ups,
    latest_closing_with_a_due_follow_up,
    state_on,
)
from buoy.cases.models import FollowUpMonths

D = dt.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2027, 1, 31), 1, D(2027, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # a leap year
        (D(2027, 1, 31), 3, D(2027, 4, 30)),
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2026, 10, 31), 3, D(2027, 1, 31)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),  # over the year's end
        (D(2027, 3, 31), 1, D(2027, 4, 30)),
        (D(2027, 2, 28), 1, D(2027, 3, 28)),  # the end of February is not "the end of a month"
        (D(2027, 5, 10), 0, D(2027, 5, 10)),
        (D(2026, 12, 31), 13, D(2028, 1, 31)),
    ],
)
def test_months_are_added_and_clamped_to_the_months_end(
    day: dt.date, months: int, expected: dt.date
) -> None:
    assert add_months(day, months) == expected


def test_a_case_is_followed_up_at_one_and_three_months() -> None:
    assert FOLLOW_UP_MONTHS == (1, 3)
    assert due_dates(D(2027, 1, 31)) == {1: D(2027, 2, 28), 3: D(2027, 4, 30)}


def test_the_models_choices_are_the_domains_months() -> None:
    assert tuple(FollowUpMonths.values) == FOLLOW_UP_MONTHS


def test_a_follow_up_is_upcoming_then_due_then_overdue_unless_done() -> None:
    due = D(2027, 3, 1)
    assert state_on(due, due - dt.timedelta(days=1), done=False) is FollowUpState.UPCOMING
    assert state_on(due, due, done=False) is FollowUpState.DUE
    last_due_day = due + dt.timedelta(days=OVERDUE_AFTER_DAYS)
    assert state_on(due, last_due_day, done=False) is FollowUpState.DUE
    assert state_on(due, last_due_day + dt.timedelta(days=1), done=False) is FollowUpState.OVERDUE
    assert state_on(due, D(2030, 1, 1), done=True) is FollowUpState.DONE
    assert state_on(due, D(2027, 1, 1), done=True) is FollowUpState.DONE  # an early contact


def test_the_follow_ups_of_a_closing_on_a_day() -> None:
    closed = D(2027, 1, 31)
    today = D(2027, 5, 20)
    assert follow_ups(closed, {1: D(2027, 3, 2)}, today) == [
        FollowUp(1, D(2027, 2, 28), FollowUpState.DONE, D(2027, 3, 2)),
        FollowUp(3, D(2027, 4, 30), FollowUpState.OVERDUE, None),
    ]
    waiting = [f.months for f in follow_ups(closed, {}, D(2027, 3, 1)) if f.is_waiting]
    assert waiting == [1]


def test_no_case_closed_after_the_query_bound_has_a_follow_up_due() -> None:
    """The selector narrows its query with this bound; it must never drop a due follow-up."""
    start = D(2026, 1, 1)
    for offset in range(3 * 366):
        today = start + dt.timedelta(days=offset)
        bound = latest_closing_with_a_due_follow_up(today)
        for back in range(0, 40):
            closed = today - dt.timedelta(days=back)
            if add_months(closed, 1) <= today:
                assert closed <= bound, (today, closed)
