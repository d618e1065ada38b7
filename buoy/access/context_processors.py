"""Template context about the signed-in user's role, for navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from buoy.access.domain.roles import (
    can_code_interviews,
    can_keep_suggestion_rules,
    can_manage_accounts,
    can_manage_instruments,
    can_read_audit,
    can_read_resource_directory,
    can_read_technique_library,
    can_run_support_groups,
    can_see_department_counts,
    can_see_identifiable_cases,
    can_see_overdue_in_wards,
)


def role(request: HttpRequest) -> dict[str, Any]:
    """`nav` tells templates which menu entries the user may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    user_role = user.role_enum
    return {
        "nav": {
            "cases": can_see_identifiable_cases(user_role),
            "accounts": can_manage_accounts(user_role),
            "coding": can_code_interviews(user_role),
            "instruments": can_manage_instruments(user_role),
            "audit": can_read_audit(user_role),
            "overview": can_see_department_counts(user_role),
            "overdue": can_see_overdue_in_wards(user_role),
            "suggestion_rules": can_keep_suggestion_rules(user_role),
            "techniques": can_read_technique_library(user_role),
            "resources": can_read_resource_directory(user_role),
            "support_groups": can_run_support_groups(user_role),
        }
    }
