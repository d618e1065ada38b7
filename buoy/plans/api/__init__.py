"""The REST API of the intervention model, one module per topic as `views/` is cut: `maps`
(the factors of strengths–risk maps, and saving a map as a new version), `plans` (plan
versions with GAS goals, reviews and T-scores; goals), `sessions` (sessions, support group
meetings and their attendance), `referrals`, `library` (the technique library and the
resource directory); `_common` holds what they share. Every viewset reads through
`buoy.plans.selectors` and writes through `buoy.plans.services`, so it has the permissions
and the audit trail of the pages. The router in `buoy/config/api_urls.py` registers them.
"""

from buoy.plans.api.library import ResourceViewSet, TechniqueViewSet
from buoy.plans.api.maps import FactorViewSet
from buoy.plans.api.plans import GoalViewSet, PlanViewSet
from buoy.plans.api.referrals import ReferralViewSet
from buoy.plans.api.sessions import GroupSessionViewSet, SessionViewSet

__all__ = [
    "FactorViewSet",
    "GoalViewSet",
    "GroupSessionViewSet",
    "PlanViewSet",
    "ReferralViewSet",
    "ResourceViewSet",
    "SessionViewSet",
    "TechniqueViewSet",
]
