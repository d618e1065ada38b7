"""Follow-up contacts after a case closes: when each is due, and whether it is late.

The casework process ends with follow-up contact at 1–3 months (reference.md §6.1): Buoy
reminds the worker at 1 and at 3 months after the closing date. Dates only, no Django.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

# Months after closing at which the family is contacted again.
FOLLOW_UP_MONTHS = (1, 3)
# A follow-up not made this many days after its due date is overdue (a supervisor's concern).
OVERDUE_AFTER_DAYS = 14


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` later, or the month's last day when it is shorter:
    31 January + 1 month is 28 (or 29) February, 30 November + 3 months is 28 February."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_dates(closed_on: dt.date) -> dict[int, dt.date]:
    """When each follow-up of a case closed on `closed_on` is due, by months after closing."""
    return {months: add_months(closed_on, months) for months in FOLLOW_UP_MONTHS}


class FollowUpState(StrEnum):
    """Where one follow-up stands on a given day."""

    UPCOMING = "upcoming"  # its due date has not come
    DUE = "due"  # due, and not yet late
    OVERDUE = "overdue"  # more than OVERDUE_AFTER_DAYS past its due date
    DONE = "done"  # the contact was made


def state_on(due_on: dt.date, today: dt.date, *, done: bool) -> FollowUpState:
    """The state of a follow-up due on `due_on`, seen on `today`."""
    if done:
        return FollowUpState.DONE
    if today < due_on:
        return FollowUpState.UPCOMING
    if (today - due_on).days > OVERDUE_AFTER_DAYS:
        return FollowUpState.OVERDUE
    return FollowUpState.DUE


@dataclass(frozen=True)
class FollowUp:
    """One follow-up of a closed case: months after closing, when it is due, its state on the
    day asked about, and when the contact was made (None until then)."""

    months: int
    due_on: dt.date
    state: FollowUpState
    contacted_on: dt.date | None = None

    @property
    def is_waiting(self) -> bool:
        """Due or overdue and not yet made: what a reminder shows."""
        return self.state in (FollowUpState.DUE, FollowUpState.OVERDUE)


def follow_ups(
    closed_on: dt.date, contacts: Mapping[int, dt.date], today: dt.date
) -> list[FollowUp]:
    """Every follow-up of a case closed on `closed_on`, first due first, as they stand on
    `today`; `contacts` maps the months of each follow-up made to the day of the contact."""
    return [
        FollowUp(
            months=months,
            due_on=due_on,
            state=state_on(due_on, today, done=months in contacts),
            contacted_on=contacts.get(months),
        )
        for months, due_on in due_dates(closed_on).items()
    ]


def latest_closing_with_a_due_follow_up(today: dt.date) -> dt.date:
    """The latest closing date whose first follow-up may already be due on `today`: a case
    closed after it has none due yet. A bound for narrowing a query, never the rule itself."""
    return today - dt.timedelta(days=28)  # a month is at least 28 days
