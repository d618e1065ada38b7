"""The plans pages' URLs, one list per part (each kept by its module in views/)."""

from django.urls import path

from buoy.plans.views import (
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
_maps: list = [
    path("cases/<int:case_id>/caregivers/<int:caregiver_id>/map/", maps.map_page, name="map"),
    path(
        "cases/<int:case_id>/caregivers/<int:caregiver_id>/map/draft/",
        maps.map_draft,
        name="map_draft",
    ),
    path(
        "cases/<int:case_id>/caregivers/<int:caregiver_id>/map/edit/",
        maps.map_edit,
        name="map_edit",
    ),
    path(
        "cases/<int:case_id>/caregivers/<int:caregiver_id>/map/compare/",
        maps.map_compare,
        name="map_compare",
    ),
    path("maps/<int:map_id>/", maps.map_version, name="map_version"),
    path("maps/<int:map_id>/confirm/", maps.map_confirm, name="map_confirm"),
    path("maps/<int:map_id>/map.svg", maps.map_svg, name="map_svg"),
]

# Suggestions accepted or dismissed (views/suggestions.py).
_suggestions: list = [
    path(
        "cases/<int:case_id>/caregivers/<int:caregiver_id>/suggestions/",
        suggestions.suggestions_page,
        name="suggestions",
    ),
    path(
        "cases/<int:case_id>/caregivers/<int:caregiver_id>/suggestions/decide/",
        suggestions.suggestion_decide,
        name="suggestion_decide",
    ),
]

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
_sessions: list = [
    path("cases/<int:case_id>/sessions/", sessions.session_list, name="session_list"),
    path("cases/<int:case_id>/sessions/new/", sessions.session_new, name="session_new"),
    path(
        "cases/<int:case_id>/sessions/<int:session_id>/",
        sessions.session_detail,
        name="session_detail",
    ),
    path(
        "cases/<int:case_id>/support-groups/attendance/",
        sessions.group_attendance_new,
        name="group_attendance_new",
    ),
    path("support-groups/", sessions.group_list, name="group_list"),
    path("support-groups/new/", sessions.group_new, name="group_new"),
    path("support-groups/<int:group_session_id>/", sessions.group_detail, name="group_detail"),
]

# Referrals of a case (views/referrals.py).
_referrals: list = [
    path("cases/<int:case_id>/referrals/", referrals.referral_list, name="referral_list"),
    path("cases/<int:case_id>/referrals/new/", referrals.referral_new, name="referral_new"),
    path(
        "cases/<int:case_id>/referrals/<int:referral_id>/",
        referrals.referral_detail,
        name="referral_detail",
    ),
]

# Technique library, resource directory, suggestion rules (views/library.py).
_library: list = [
    path("techniques/", library.technique_list, name="technique_list"),
    path("techniques/new/", library.technique_new, name="technique_new"),
    path("techniques/<int:technique_id>/", library.technique_edit, name="technique_edit"),
    path(
        "techniques/<int:technique_id>/offered/",
        library.technique_offer,
        name="technique_offer",
    ),
    path("resources/", library.resource_list, name="resource_list"),
    path("resources/new/", library.resource_new, name="resource_new"),
    path("resources/<int:resource_id>/", library.resource_edit, name="resource_edit"),
]

# The department's suggestion rules (views/rules.py).
_rules: list = [
    path("plans/rules/", rules.rules_list, name="rules"),
    path("plans/rules/version/", rules.rules_version, name="rules_version"),
    path("plans/rules/edit/", rules.rules_edit, name="rules_edit"),
    path("plans/rules/diff/", rules.rules_diff_page, name="rules_diff"),
]

# The worker's today page, the supervisor's overdue view (views/today.py).
_today: list = [
    path("today/", today.today, name="today"),
    path("today/overdue/", today.overdue, name="overdue"),
]

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
