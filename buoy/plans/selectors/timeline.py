"""The plans app's entries on the case timeline (ADR 0009): map versions, plan versions,
goal reviews, sessions, support group attendance and each step of a referral.

`plan_timeline_entries` is registered with `buoy.cases.timeline` by this app's `ready()`.
It is given a case already fetched through the one door and reads that case only, in a fixed
number of queries (one per kind of entry), however much the case holds.
"""

from __future__ import annotations

from buoy.access.models import User
from buoy.cases.models import Case
from buoy.cases.timeline import TimelineEntry
from buoy.plans.models import (
    CasePlan,
    FactorMap,
    GoalReview,
    GroupAttendance,
    Referral,
    ReferralStatus,
    Session,
)

TEMPLATES = "plans/timeline"


def _name(user: User | None) -> str:
    return user.display_name() if user is not None else ""


def plan_timeline_entries(case: Case) -> list[TimelineEntry]:
    """Every dated event of the case's intervention model, unsorted (the timeline sorts)."""
    entries: list[TimelineEntry] = []
    for factor_map in FactorMap.objects.filter(case=case).select_related("made_by", "caregiver"):
        entries.append(
            TimelineEntry(
                factor_map.made_at,
                "factor-map",
                _name(factor_map.made_by),
                factor_map,
                template=f"{TEMPLATES}/factor_map.html",
            )
        )
    for plan in CasePlan.objects.filter(case=case).select_related("made_by", "caregiver"):
        entries.append(
            TimelineEntry(
                plan.made_at, "plan", _name(plan.made_by), plan, template=f"{TEMPLATES}/plan.html"
            )
        )
    for review in GoalReview.objects.filter(plan__case=case).select_related("reviewed_by", "plan"):
        entries.append(
            TimelineEntry(
                review.reviewed_on,
                "goal-review",
                _name(review.reviewed_by),
                review,
                template=f"{TEMPLATES}/goal_review.html",
            )
        )
    for session in Session.objects.filter(case=case).select_related("recorded_by"):
        entries.append(
            TimelineEntry(
                session.held_on,
                "session",
                _name(session.recorded_by),
                session,
                template=f"{TEMPLATES}/session.html",
            )
        )
    for attendance in GroupAttendance.objects.filter(case=case).select_related(
        "group_session__facilitator", "caregiver"
    ):
        entries.append(
            TimelineEntry(
                attendance.group_session.held_on,
                "group-session",
                _name(attendance.group_session.facilitator),
                attendance,
                template=f"{TEMPLATES}/group_session.html",
            )
        )
    for referral in Referral.objects.filter(case=case).select_related("resource", "made_by"):
        for status, field in Referral.DATE_OF_STATUS.items():
            day = getattr(referral, field)
            if day is None:
                continue
            entries.append(
                TimelineEntry(
                    day,
                    f"referral-{status}",
                    _name(referral.made_by) if status == ReferralStatus.PROPOSED else "",
                    referral,
                    template=f"{TEMPLATES}/referral.html",
                )
            )
    return entries
