"""What is due: the worker's today page and the supervisor's overdue view.

Four kinds of thing come due on a case:

- a **session planned**: the next session day the latest session of an open case names
  (`Session.next_session_on`); it has passed when that day is before today and no later
  session was recorded (a later session is then the latest one);
- a **plan review**: a plan in force on an open case whose last goal review (of any version
  of the caregiver's plan) or, if later, the day it was agreed with the caregiver (else the
  day it was made) is more than `plan_review_weeks()` weeks ago (setting
  BUOY_PLAN_REVIEW_WEEKS, 4 by default);
- a **follow-up** of a closed case, due or overdue (`cases.selectors.follow_ups_due`);
- a **safety alert** not yet handled (`instruments.selectors.open_alerts_visible_to`),
  overdue after BUOY_ALERT_OVERDUE_HOURS.

The today page lists them for the cases the signed-in person works on (assigned or shared to
them); the overdue view lists, for a supervisor, what is past due on every case of their wards,
worker by worker. Both name families: each listing is audited with the ids it shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from buoy.access.domain.roles import can_see_overdue_in_wards
from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.domain.followups import FollowUpState
from buoy.cases.domain.phases import OPEN_PHASES
from buoy.cases.models import Case, CaseShare
from buoy.cases.selectors import DueFollowUp, cases_visible_to, follow_ups_due
from buoy.core.errors import Forbidden
from buoy.instruments.models import SafetyAlert
from buoy.instruments.selectors import only_overdue, open_alerts_visible_to
from buoy.plans.models import CasePlan, GoalReview, Session

# The today page looks this many days ahead for planned sessions.
PLANNED_AHEAD_DAYS = 7


def plan_review_weeks() -> int:
    """After how many weeks a plan in force is due for review (setting BUOY_PLAN_REVIEW_WEEKS)."""
    return int(settings.BUOY_PLAN_REVIEW_WEEKS)


@dataclass(frozen=True)
class PlannedSession:
    """The next session planned on a case: the latest session recorded and the day it named."""

    case: Case
    session: Session
    planned_on: dt.date
    passed: bool


@dataclass(frozen=True)
class ReviewDue:
    """A plan in force due for review: `since` is its last review or agreement, `due_on`
    that day plus the review interval."""

    case: Case
    plan: CasePlan
    since: dt.date
    due_on: dt.date


@dataclass(frozen=True)
class TodayList:
    """What is due on a set of cases on `today`."""

    today: dt.date
    sessions: list[PlannedSession] = field(default_factory=list)
    reviews: list[ReviewDue] = field(default_factory=list)
    follow_ups: list[DueFollowUp] = field(default_factory=list)
    alerts: list[SafetyAlert] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.sessions) + len(self.reviews) + len(self.follow_ups) + len(self.alerts)


@dataclass(frozen=True)
class OverdueByWorker:
    """What is overdue on the cases of one worker (the case's assigned worker)."""

    worker: User
    overdue: TodayList


def _open(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.filter(phase__in=[phase.value for phase in OPEN_PHASES])


def _own_cases(user: User) -> QuerySet[Case]:
    """The cases `user` sees and works on: assigned to them or shared with them."""
    shared = CaseShare.objects.filter(case=OuterRef("pk"), user_id=user.pk)
    return cases_visible_to(user).filter(Q(assigned_worker_id=user.pk) | Q(Exists(shared)))


def _planned_sessions(
    cases: QuerySet[Case], today: dt.date, *, until: dt.date | None
) -> list[PlannedSession]:
    latest = Session.objects.filter(case=OuterRef("case")).order_by("-held_on", "-pk")
    sessions = Session.objects.filter(
        case__in=_open(cases),
        pk=Subquery(latest.values("pk")[:1]),
        next_session_on__isnull=False,
    )
    if until is not None:
        sessions = sessions.filter(next_session_on__lte=until)
    sessions = sessions.select_related("case", "case__child", "case__assigned_worker")
    return [
        PlannedSession(
            case=session.case,
            session=session,
            planned_on=session.next_session_on,
            passed=session.next_session_on < today,
        )
        for session in sessions.order_by("next_session_on", "pk")
        if session.next_session_on is not None
    ]


def _reviews_due(cases: QuerySet[Case], today: dt.date) -> list[ReviewDue]:
    last_review = GoalReview.objects.filter(
        plan__case=OuterRef("case"), plan__caregiver=OuterRef("caregiver")
    ).order_by("-reviewed_on")
    plans = (
        CasePlan.objects.filter(case__in=_open(cases), replaced_by__isnull=True)
        .annotate(last_reviewed_on=Subquery(last_review.values("reviewed_on")[:1]))
        .select_related("case", "case__child", "case__assigned_worker", "caregiver")
    )
    interval = timedelta(weeks=plan_review_weeks())
    due = []
    for plan in plans:
        known = [day for day in (plan.last_reviewed_on, plan.agreed_on) if day is not None]
        since = max(known) if known else timezone.localdate(plan.made_at)
        if since + interval <= today:
            due.append(ReviewDue(case=plan.case, plan=plan, since=since, due_on=since + interval))
    return sorted(due, key=lambda item: (item.due_on, item.plan.pk))


def _audit(user: User, action: str, found: TodayList) -> None:
    """One event naming what the list showed: ids of sessions, plans and alerts, the cases of
    the follow-ups, and every case named."""
    cases = (
        {item.case.pk for item in found.sessions}
        | {item.case.pk for item in found.reviews}
        | {item.case.pk for item in found.follow_ups}
        | {alert.case_id for alert in found.alerts}
    )
    record(
        actor=user,
        action=action,
        context={
            "sessions": [item.session.pk for item in found.sessions],
            "plans": [item.plan.pk for item in found.reviews],
            "follow_ups": sorted({item.case.pk for item in found.follow_ups}),
            "alerts": [alert.pk for alert in found.alerts],
            "cases": sorted(cases),
            "count": found.count,
        },
    )


def today_for(user: User, today: dt.date | None = None) -> TodayList:
    """What is due on the cases `user` works on (assigned or shared): sessions planned up to
    a week ahead (and those passed), plans due for review, follow-ups due, open safety alerts.
    Audited (`plans.today.listed`, the ids shown). Nothing for those who see no case."""
    today = today or timezone.localdate()
    own = _own_cases(user)
    own_ids = set(own.values_list("pk", flat=True))
    found = TodayList(
        today=today,
        sessions=_planned_sessions(own, today, until=today + timedelta(days=PLANNED_AHEAD_DAYS)),
        reviews=_reviews_due(own, today),
        follow_ups=[item for item in follow_ups_due(user, today) if item.case.pk in own_ids],
        alerts=list(open_alerts_visible_to(user).filter(case__in=own)),
    )
    _audit(user, "plans.today.listed", found)
    return found


def overdue_in_wards(user: User, today: dt.date | None = None) -> list[OverdueByWorker]:
    """For a supervisor (Forbidden for anyone else): what is overdue on the cases of their
    wards, by assigned worker, in the order of their names — sessions planned and passed,
    plans due for review, follow-ups overdue, safety alerts open past the overdue hours. Only
    workers with something overdue are listed. Audited (`plans.overdue.listed`)."""
    if not can_see_overdue_in_wards(user.role_enum):
        raise Forbidden()
    today = today or timezone.localdate()
    cases = cases_visible_to(user)
    everything = TodayList(
        today=today,
        sessions=[s for s in _planned_sessions(cases, today, until=None) if s.passed],
        reviews=_reviews_due(cases, today),
        follow_ups=[
            item
            for item in follow_ups_due(user, today)
            if item.follow_up.state is FollowUpState.OVERDUE
        ],
        alerts=list(
            only_overdue(open_alerts_visible_to(user).select_related("case__assigned_worker"))
        ),
    )
    by_worker: dict[int, TodayList] = {}
    workers: dict[int, User] = {}

    def bucket(case: Case) -> TodayList:
        workers.setdefault(case.assigned_worker_id, case.assigned_worker)
        return by_worker.setdefault(case.assigned_worker_id, TodayList(today=today))

    for session in everything.sessions:
        bucket(session.case).sessions.append(session)
    for review in everything.reviews:
        bucket(review.case).reviews.append(review)
    for follow_up in everything.follow_ups:
        bucket(follow_up.case).follow_ups.append(follow_up)
    for alert in everything.alerts:
        bucket(alert.case).alerts.append(alert)
    _audit(user, "plans.overdue.listed", everything)
    return sorted(
        (OverdueByWorker(worker=workers[pk], overdue=found) for pk, found in by_worker.items()),
        key=lambda item: (item.worker.display_name().casefold(), item.worker.pk),
    )
