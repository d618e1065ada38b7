"""Writes of the intervention model: access check, validation, save and audit in one
transaction. Pages, the API and the command line call these.

One module per topic: `maps` (strengths–risk maps), `plans` (case plans and GAS reviews),
`sessions` (sessions and support groups), `referrals`, `library` (the technique library and
the resource directory), `suggestions` (decisions on suggestions), `rules` (the department's
suggestion rules). This `__init__` re-exports every public name, so
`from buoy.plans.services import save_factor_map` works;
names with a leading underscore are shared between the package's modules only.
"""

from buoy.plans.services.library import (
    add_resource,
    add_technique,
    install_techniques,
    update_resource,
    update_technique,
)
from buoy.plans.services.maps import confirm_factor_map, draft_factor_map, save_factor_map
from buoy.plans.services.plans import UNCHANGED, make_plan, review_goals, revise_plan
from buoy.plans.services.referrals import move_referral, refer_case
from buoy.plans.services.rules import save_suggestion_rules
from buoy.plans.services.sessions import (
    record_group_attendance,
    record_group_session,
    record_session,
)
from buoy.plans.services.suggestions import decide_suggestion

__all__ = [
    "UNCHANGED",
    "add_resource",
    "add_technique",
    "confirm_factor_map",
    "decide_suggestion",
    "draft_factor_map",
    "install_techniques",
    "make_plan",
    "move_referral",
    "record_group_attendance",
    "record_group_session",
    "record_session",
    "refer_case",
    "review_goals",
    "revise_plan",
    "save_factor_map",
    "save_suggestion_rules",
    "update_resource",
    "update_technique",
]
