"""The worker's today page and the supervisor's overdue view."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from buoy.access.decorators import role_allows
from buoy.access.domain.roles import can_see_overdue_in_wards
from buoy.instruments.selectors import alert_overdue_hours
from buoy.plans.selectors import overdue_in_wards, plan_review_weeks, today_for
from buoy.plans.views.shared import casework, user_of


@casework
def today(request: HttpRequest) -> HttpResponse:
    """What is due on the signed-in person's own cases: sessions planned, plan reviews,
    follow-ups and open safety alerts, each linking to its case."""
    return render(
        request,
        "plans/today.html",
        {
            "due": today_for(user_of(request)),
            "review_weeks": plan_review_weeks(),
            "overdue_hours": alert_overdue_hours(),
        },
    )


@role_allows(can_see_overdue_in_wards)
def overdue(request: HttpRequest) -> HttpResponse:
    """For a supervisor: what is overdue on the cases of their wards, worker by worker.
    Workers are refused (403): they see their own cases' due work on the today page."""
    return render(
        request,
        "plans/overdue.html",
        {
            "workers": overdue_in_wards(user_of(request)),
            "review_weeks": plan_review_weeks(),
            "overdue_hours": alert_overdue_hours(),
        },
    )
