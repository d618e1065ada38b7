"""Referrals of a case to the department's resources: the one door to a referral and a case's
referrals."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Case
from buoy.cases.selectors import cases_visible_to
from buoy.core.errors import NotFound
from buoy.plans.models import Referral
from buoy.plans.selectors.listing import record_listed


def referrals_visible_to(user: User) -> QuerySet[Referral]:
    """Referrals of the cases `user` may see."""
    return Referral.objects.filter(case__in=cases_visible_to(user))


def get_referral_for(
    user: User, referral_id: Any, *, audit_as: str | None = "plans.referral.viewed"
) -> Referral:
    """The referral if `user` may see its case; the same NotFound for "missing" and "not
    yours". Opening one is audited (`audit_as`)."""
    try:
        pk = int(referral_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    found = (
        referrals_visible_to(user)
        .select_related("case", "resource", "made_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound()
    if audit_as:
        record(actor=user, action=audit_as, subject=found, context={"case": found.case_id})
    return found


def referrals_of(user: User, case: Case) -> list[Referral]:
    """A case's referrals, newest first, with their resources. The listing is audited
    (`plans.referral.listed`)."""
    shown = list(
        referrals_visible_to(user)
        .filter(case=case)
        .select_related("resource", "made_by")
        .order_by("-proposed_on", "-pk")
    )
    record_listed(user=user, action="plans.referral.listed", subject=case, shown=shown)
    return shown
