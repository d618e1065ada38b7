"""A worker's decision on a suggestion: accepted or dismissed, recorded with the version of
the rules that made it, for practice learning to count later."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Caregiver, Case
from buoy.cases.selectors import require_case_access
from buoy.core.errors import InvalidInput
from buoy.plans.models import SuggestionDecision
from buoy.plans.selectors.suggestions import current_suggestions


@transaction.atomic
def decide_suggestion(
    *,
    actor: User,
    case: Case,
    key: str,
    accepted: bool,
    caregiver: Caregiver | None = None,
) -> SuggestionDecision:
    """Record that the worker accepted or dismissed the suggestion `key` (``technique:eco-map``)
    for a caregiver of the case (its primary caregiver unless another is named). A later
    decision on the same key stands over an earlier one; both are kept.

    Accepting records the choice only: the worker then writes the goal into the plan, uses
    the technique in a session or makes the referral. InvalidInput on ``key`` when it is not
    one of the caregiver's suggestions now, on ``accepted`` when it is not true or false.
    """
    require_case_access(actor, case)
    if caregiver is None:
        caregiver = case.caregivers.order_by("-is_primary", "pk").first()
        if caregiver is None:
            raise InvalidInput({"caregiver": [_("Choose a caregiver of this case.")]})
    if not isinstance(accepted, bool):
        raise InvalidInput({"accepted": [_("Say whether the suggestion is accepted.")]})
    found = current_suggestions(actor, case, caregiver)
    shown = found.by_key().get(key) if isinstance(key, str) else None
    if shown is None:
        raise InvalidInput(
            {"key": [_("This is not one of the suggestions for this caregiver now.")]}
        )
    decision = SuggestionDecision.objects.create(
        case=case,
        caregiver=caregiver,
        key=key,
        kind=shown.kind,
        accepted=accepted,
        rules_id=found.rules.id,
        rules_version=found.rules.version,
        rule_ids=list(shown.suggestion.rules),
        decided_by=actor,
    )
    # The key is left out: a referral's key can name a psychiatric service.
    record(
        actor=actor,
        action="plans.suggestion.decided",
        subject=decision,
        changed_fields=["accepted"],
        context={"case": case.pk, "kind": shown.kind, "accepted": accepted},
    )
    return decision
