"""The case page's plans section, loaded into the case page by htmx: the strengths–risk map,
the suggestions, the plan with its GAS goals, sessions and referrals. Each part's module
gives its own context; this view only puts them together."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from buoy.plans.views import maps, plans, referrals, sessions, suggestions
from buoy.plans.views.shared import case_of, casework, page_language, user_of


@casework
def case_section(request: HttpRequest, case_id: int) -> HttpResponse:
    """The plans section of the case page."""
    user = user_of(request)
    case = case_of(request, case_id, audit=False)
    context = {"case": case, "language": page_language()}
    for part in (maps, suggestions, plans, sessions, referrals):
        context.update(part.section_context(user, case))
    return render(request, "plans/case_section.html", context)
