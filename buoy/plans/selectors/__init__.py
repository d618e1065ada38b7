"""Reads of the intervention model, always through the case's one door.

One module per topic, as `services/` is cut: `maps` (strengths–risk maps), `plans` (case
plans, goals, reviews and their GAS T-scores). This `__init__`
re-exports every public name, so `from buoy.plans.selectors import get_factor_map_for` works;
names with a leading underscore are shared between the package's modules only.
"""

from buoy.plans.selectors.maps import (
    CodebookFactor,
    codebook_factors,
    factor_maps_of,
    factor_maps_visible_to,
    factor_values,
    get_factor_map_for,
    latest_map,
    map_comparison,
)
from buoy.plans.selectors.plans import (
    GoalDetail,
    PlanDetail,
    ReviewDetail,
    current_plan,
    get_plan_for,
    goals_visible_to,
    plan_detail,
    plans_of,
    plans_visible_to,
)

__all__ = [
    "CodebookFactor",
    "GoalDetail",
    "PlanDetail",
    "ReviewDetail",
    "codebook_factors",
    "current_plan",
    "factor_maps_of",
    "factor_maps_visible_to",
    "factor_values",
    "get_factor_map_for",
    "get_plan_for",
    "goals_visible_to",
    "latest_map",
    "map_comparison",
    "plan_detail",
    "plans_of",
    "plans_visible_to",
]
