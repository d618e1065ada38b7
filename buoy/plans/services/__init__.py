"""Writes of the intervention model: access check, validation, save and audit in one
transaction. Pages, the API and the command line call these.

One module per topic: `maps` (strengths–risk maps), `plans` (case plans and GAS reviews).
This `__init__` re-exports every public name, so `from buoy.plans.services import
save_factor_map` works; names with a leading underscore are shared between the package's
modules only.
"""

from buoy.plans.services.maps import confirm_factor_map, draft_factor_map, save_factor_map
from buoy.plans.services.plans import UNCHANGED, make_plan, review_goals, revise_plan

__all__ = [
    "UNCHANGED",
    "confirm_factor_map",
    "draft_factor_map",
    "make_plan",
    "review_goals",
    "revise_plan",
    "save_factor_map",
]
