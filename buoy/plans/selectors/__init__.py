"""Reads of the intervention model, always through the case's one door.

One module per topic, as `services/` is cut: `maps` (strengths–risk maps), `plans` (case
plans, goals, reviews and their GAS T-scores), `sessions` (sessions and support groups),
`referrals`, `library` (the technique library and the resource directory),
`suggestions` (rule-based suggestions), `rules` (the department's versions of the suggestion
rules), `today` (the today page and the overdue view) and `timeline` (the case timeline's
source). This `__init__` re-exports every public name, so
`from buoy.plans.selectors import get_factor_map_for` works;
names with a leading underscore are shared between the package's modules only.
"""

from buoy.plans.selectors.library import (
    get_resource_for,
    get_technique_for,
    resources_visible_to,
    techniques_offered,
    techniques_visible_to,
)
from buoy.plans.selectors.maps import (
    CodebookFactor,
    Passage,
    codebook_factors,
    evidence_passages,
    factor_maps_of,
    factor_maps_visible_to,
    factor_values,
    get_factor_map_for,
    latest_map,
    latest_maps_of,
    map_comparison,
)
from buoy.plans.selectors.plans import (
    GoalDetail,
    PlanDetail,
    ReviewDetail,
    accepted_goal_suggestions,
    current_plan,
    factors_to_aim_at,
    get_plan_for,
    goals_visible_to,
    plan_detail,
    plans_of,
    plans_visible_to,
)
from buoy.plans.selectors.referrals import get_referral_for, referrals_of, referrals_visible_to
from buoy.plans.selectors.rules import (
    DiffLine,
    RulesVersion,
    next_rules_version,
    rules_diff,
    rules_in_force,
    suggestion_rule_version,
    suggestion_rule_versions,
)
from buoy.plans.selectors.sessions import (
    get_group_session_for,
    get_session_for,
    group_attendance_of,
    group_attendance_of_case,
    group_sessions_visible_to,
    sessions_of,
    sessions_visible_to,
)
from buoy.plans.selectors.suggestions import (
    CaregiverSuggestions,
    SuggestionShown,
    accepted_suggestions,
    current_suggestions,
    latest_cdrisc10,
    suggestions_for,
)
from buoy.plans.selectors.timeline import plan_timeline_entries
from buoy.plans.selectors.today import (
    OverdueByWorker,
    PlannedSession,
    ReviewDue,
    TodayList,
    overdue_in_wards,
    plan_review_weeks,
    today_for,
)

__all__ = [
    "CaregiverSuggestions",
    "CodebookFactor",
    "DiffLine",
    "GoalDetail",
    "OverdueByWorker",
    "Passage",
    "PlanDetail",
    "PlannedSession",
    "ReviewDetail",
    "ReviewDue",
    "RulesVersion",
    "SuggestionShown",
    "TodayList",
    "accepted_goal_suggestions",
    "accepted_suggestions",
    "codebook_factors",
    "current_plan",
    "current_suggestions",
    "evidence_passages",
    "factor_maps_of",
    "factor_maps_visible_to",
    "factor_values",
    "factors_to_aim_at",
    "get_factor_map_for",
    "get_group_session_for",
    "get_plan_for",
    "get_referral_for",
    "get_resource_for",
    "get_session_for",
    "get_technique_for",
    "goals_visible_to",
    "group_attendance_of",
    "group_attendance_of_case",
    "group_sessions_visible_to",
    "latest_cdrisc10",
    "latest_map",
    "latest_maps_of",
    "map_comparison",
    "next_rules_version",
    "overdue_in_wards",
    "plan_detail",
    "plan_review_weeks",
    "plan_timeline_entries",
    "plans_of",
    "plans_visible_to",
    "referrals_of",
    "referrals_visible_to",
    "resources_visible_to",
    "rules_diff",
    "rules_in_force",
    "sessions_of",
    "sessions_visible_to",
    "suggestion_rule_version",
    "suggestion_rule_versions",
    "suggestions_for",
    "techniques_offered",
    "techniques_visible_to",
    "today_for",
]
