"""Referrals of a case to a resource of the department's directory, and each step they take
(proposed → made → accepted or declined → completed; `domain/referrals.py`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Case
from buoy.cases.selectors import require_case_access
from buoy.core.errors import InvalidInput
from buoy.plans.domain.referrals import ReferralMoveRefused, check_referral_move
from buoy.plans.models import Referral, Resource
from buoy.plans.services._common import check_day, pk_of, short_text


def _offered_resource(value: Any) -> Resource:
    """The resource named (a row or an id) if the directory still offers it."""
    pk = pk_of(value)
    resource = Resource.objects.filter(pk=pk).first() if pk is not None else None
    if resource is None:
        raise InvalidInput({"resource": [_("Choose a resource of the directory.")]})
    if not resource.active:
        raise InvalidInput(
            {"resource": [_("This resource is no longer offered: choose another one.")]}
        )
    return resource


@transaction.atomic
def refer_case(
    *,
    actor: User,
    case: Case,
    resource: Any,
    proposed_on: dt.date | None = None,
    outcome: str = "",
) -> Referral:
    """Propose a referral of the family to a resource of the directory (today, unless
    another day is given), with a first note on its outcome if there is one. InvalidInput on
    ``resource`` when it does not exist or is no longer offered, on ``proposed_on`` for a day
    in the future or before the case opened."""
    require_case_access(actor, case)
    chosen = _offered_resource(resource)
    errors: dict[str, list[str]] = {}
    day = check_day(
        timezone.localdate() if proposed_on is None else proposed_on,
        case=case,
        field="proposed_on",
        errors=errors,
    )
    text = short_text(outcome, field="outcome", errors=errors)
    if errors or day is None:
        raise InvalidInput(errors)
    referral = Referral.objects.create(
        case=case, resource=chosen, proposed_on=day, outcome=text, made_by=actor
    )
    record(
        actor=actor,
        action="plans.referral.proposed",
        subject=referral,
        changed_fields=["resource", "proposed_on", *(["outcome"] if text else [])],
        context={"case": case.pk, "resource": chosen.pk, "status": referral.status},
    )
    return referral


@transaction.atomic
def move_referral(
    *,
    actor: User,
    referral: Referral,
    status: str,
    on: dt.date | None = None,
    outcome: str | None = None,
) -> Referral:
    """Move a referral one step (made, accepted, declined, completed) on a day (today by
    default), with the outcome so far. InvalidInput on ``status`` for a move its status does
    not allow, on ``on`` for a day in the future, before the case opened or before the
    referral's previous step."""
    case = referral.case
    require_case_access(actor, case)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    errors: dict[str, list[str]] = {}
    try:
        check_referral_move(referral.status, status)
    except ReferralMoveRefused:
        errors["status"] = [_("A referral in this state cannot move there.")]
    day = check_day(
        timezone.localdate() if on is None else on, case=case, field="on", errors=errors
    )
    previous = getattr(referral, Referral.DATE_OF_STATUS[referral.status])
    if day is not None and previous is not None and day < previous:
        errors["on"] = [_("This step cannot be dated before the referral's previous one.")]
    text = (
        referral.outcome if outcome is None else short_text(outcome, field="outcome", errors=errors)
    )
    if errors:
        raise InvalidInput(errors)
    date_field = Referral.DATE_OF_STATUS[status]
    referral.status = status
    setattr(referral, date_field, day)
    changed = ["status", date_field]
    if text != referral.outcome:
        referral.outcome = text
        changed.append("outcome")
    referral.updated_at = timezone.now()
    referral.save()
    record(
        actor=actor,
        action="plans.referral.moved",
        subject=referral,
        changed_fields=changed,
        context={"case": case.pk, "status": status},
    )
    return referral
