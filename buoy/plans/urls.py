"""The plans pages' URLs, one list per part (each kept by its module in views/)."""

from django.urls import path

from buoy.plans.views import (  # noqa: F401
    library,
    maps,
    plans,
    referrals,
    rules,
    section,
    sessions,
    suggestions,
    today,
)

app_name = "plans"

_section = [
    path("cases/<int:case_id>/plan-section/", section.case_section, name="case_section"),
]

# The strengths–risk map (views/maps.py).
_maps: list = []

# Suggestions accepted or dismissed (views/suggestions.py).
_suggestions: list = []

# Plans, GAS goals and reviews (views/plans.py).
_plans: list = [
    path(
        "cases/<int:case_id>/caregivers/<int:caregiver_id>/plan/new/",
        plans.plan_new,
        name="plan_new",
    ),
    path("plans/<int:plan_id>/", plans.plan_page, name="plan"),
    path("plans/<int:plan_id>/revise/", plans.plan_revise, name="plan_revise"),
    path("plans/<int:plan_id>/versions/", plans.plan_versions, name="plan_versions"),
    path("plans/<int:plan_id>/review/", plans.plan_review, name="plan_review"),
]

# Sessions and support groups (views/sessions.py).
_sessions: list = []

# Referrals of a case (views/referrals.py).
_referrals: list = []

# Technique library, resource directory, suggestion rules (views/library.py).
_library: list = []

# The department's suggestion rules (views/rules.py).
_rules: list = []

# The worker's today page, the supervisor's overdue view (views/today.py).
_today: list = []

urlpatterns = [
    *_section,
    *_maps,
    *_suggestions,
    *_plans,
    *_sessions,
    *_referrals,
    *_library,
    *_rules,
    *_today,
]
