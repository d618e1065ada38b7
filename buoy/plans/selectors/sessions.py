"""Sessions of a case and support group meetings: the one door to each, a case's sessions,
and a group's attendance as a worker may see it (only the cases she may see)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from buoy.access.domain.roles import can_run_support_groups
from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Case
from buoy.cases.selectors import cases_visible_to
from buoy.core.errors import NotFound
from buoy.plans.models import GroupAttendance, GroupSession, Session
from buoy.plans.selectors.listing import record_listed


def sessions_visible_to(user: User) -> QuerySet[Session]:
    """Sessions of the cases `user` may see."""
    return Session.objects.filter(case__in=cases_visible_to(user))


def _with_details(sessions: QuerySet[Session]) -> QuerySet[Session]:
    return sessions.select_related("case", "recorded_by").prefetch_related(
        "caregivers", "techniques", "goals"
    )


def get_session_for(
    user: User, session_id: Any, *, audit_as: str | None = "plans.session.viewed"
) -> Session:
    """The session if `user` may see its case; the same NotFound for "missing" and "not
    yours". Opening one is audited (`audit_as`)."""
    try:
        pk = int(session_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    found = _with_details(sessions_visible_to(user)).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    if audit_as:
        record(actor=user, action=audit_as, subject=found, context={"case": found.case_id})
    return found


def sessions_of(user: User, case: Case, *, limit: int | None = None) -> list[Session]:
    """A case's sessions, newest first (the `limit` newest, if given: the case page shows the
    latest few), with who took part, techniques and goals (a fixed number of queries). The
    listing is audited (`plans.session.listed`: the ids shown)."""
    sessions = _with_details(sessions_visible_to(user).filter(case=case)).order_by(
        "-held_on", "-pk"
    )
    shown = list(sessions if limit is None else sessions[:limit])
    record_listed(user=user, action="plans.session.listed", subject=case, shown=shown)
    return shown


def group_sessions_visible_to(user: User) -> QuerySet[GroupSession]:
    """Support group meetings, for case staff (a meeting itself names no family)."""
    if not (user.is_authenticated and user.is_active and can_run_support_groups(user.role_enum)):
        return GroupSession.objects.none()
    return GroupSession.objects.select_related("facilitator").prefetch_related("techniques")


def get_group_session_for(user: User, group_session_id: Any) -> GroupSession:
    """One support group meeting; NotFound when missing or when `user` does no casework."""
    try:
        pk = int(group_session_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    found = group_sessions_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def group_attendance_of(user: User, group_session: GroupSession) -> list[GroupAttendance]:
    """Who of the cases `user` may see attended the meeting (the rest stay unseen). The
    listing is audited (`plans.group_attendance.listed`: the attendance ids and their cases)."""
    shown = list(
        GroupAttendance.objects.filter(group_session=group_session, case__in=cases_visible_to(user))
        .select_related("case", "caregiver")
        .order_by("case_id", "caregiver_id")
    )
    record(
        actor=user,
        action="plans.group_attendance.listed",
        subject=group_session,
        context={
            "ids": [a.pk for a in shown],
            "cases": sorted({a.case_id for a in shown}),
            "count": len(shown),
        },
    )
    return shown


def group_attendance_of_case(user: User, case: Case) -> list[GroupAttendance]:
    """The support group meetings the case's caregivers were recorded at, newest first.
    The listing is audited (`plans.group_attendance.listed`, its subject the case)."""
    shown = list(
        GroupAttendance.objects.filter(case=case, case__in=cases_visible_to(user))
        .select_related("group_session__facilitator", "caregiver")
        .order_by("-group_session__held_on", "-pk")
    )
    record_listed(user=user, action="plans.group_attendance.listed", subject=case, shown=shown)
    return shown
