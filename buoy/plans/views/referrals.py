"""Pages of the intervention model: referrals."""

from __future__ import annotations

from typing import Any

from buoy.access.models import User
from buoy.cases.models import Case


def section_context(user: User, case: Case) -> dict[str, Any]:
    """What the case page's plans section shows of referrals (plans/section/referrals.html)."""
    return {}
