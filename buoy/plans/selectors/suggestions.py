"""Rule-based suggestions for a caregiver's plan: goals, techniques and referrals from the
ability profile of the latest CD-RISC-10 and the latest confirmed map, by the rules in force
(`domain/suggestions.py`; the department's newest version, else the shipped one:
`selectors/rules.py`), each with the worker's latest decision on it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Caregiver, Case
from buoy.cases.selectors import require_case_access
from buoy.core.errors import InvalidInput
from buoy.instruments.models import Assessment, AssessmentStatus
from buoy.instruments.selectors import assessments_visible_to, current_answers
from buoy.plans.domain.abilities import (
    INSTRUMENT,
    AbilityProfile,
    AbilityProfileError,
    ability_profile,
)
from buoy.plans.domain.maps import PRESENT, PROTECTIVE, RISK
from buoy.plans.domain.suggestions import (
    REFERRAL,
    TECHNIQUE,
    Suggestion,
    SuggestionRules,
    suggest,
)
from buoy.plans.models import FactorMap, Resource, SuggestionDecision, Technique
from buoy.plans.selectors.maps import latest_map
from buoy.plans.selectors.rules import rules_in_force


@dataclass(frozen=True)
class SuggestionShown:
    """One suggestion as a page shows it: what the rules say (`suggestion`: kind, key, the
    rules and triggers, the draft goal), the technique row it names, the offered resources
    of the referral kind it names, and the worker's latest decision on it (None: undecided)."""

    suggestion: Suggestion
    technique: Technique | None
    resources: tuple[Resource, ...]
    decision: SuggestionDecision | None

    @property
    def key(self) -> str:
        return self.suggestion.key

    @property
    def kind(self) -> str:
        return self.suggestion.kind


@dataclass(frozen=True)
class CaregiverSuggestions:
    """What the suggestions for one caregiver rest on, and the suggestions themselves.

    `assessment` is the latest completed CD-RISC-10 (None before one; then only the map's
    factors trigger rules), `profile` its ability profile (None when too few items were
    answered), `factor_map` the latest confirmed map (None before one).
    """

    case: Case
    caregiver: Caregiver
    rules: SuggestionRules
    assessment: Assessment | None
    profile: AbilityProfile | None
    factor_map: FactorMap | None
    suggestions: tuple[SuggestionShown, ...]

    def by_key(self) -> dict[str, SuggestionShown]:
        return {shown.key: shown for shown in self.suggestions}


def latest_cdrisc10(user: User, case: Case, caregiver: Caregiver) -> Assessment | None:
    """The caregiver's latest completed CD-RISC-10 in the case that `user` may see."""
    return (
        assessments_visible_to(user)
        .filter(
            case=case,
            caregiver=caregiver,
            instrument_version__instrument_id=INSTRUMENT,
            status=AssessmentStatus.COMPLETED,
        )
        .order_by("-completed_at", "-pk")
        .first()
    )


def _profile(assessment: Assessment | None) -> AbilityProfile | None:
    if assessment is None:
        return None
    try:
        return ability_profile(
            current_answers(assessment), instrument=assessment.instrument_version.instrument()
        )
    except AbilityProfileError:
        return None  # a completed assessment with too few answers has no profile


def current_suggestions(user: User, case: Case, caregiver: Caregiver) -> CaregiverSuggestions:
    """The suggestions for a caregiver as they stand now (not audited: `suggestions_for` is
    what a page calls; `decide_suggestion` checks a key against this)."""
    require_case_access(user, case)
    if caregiver.case_id != case.pk:
        raise InvalidInput({"caregiver": [_("Choose a caregiver of this case.")]})
    rules = rules_in_force()
    assessment = latest_cdrisc10(user, case, caregiver)
    profile = _profile(assessment)
    factor_map = latest_map(case, caregiver, confirmed=True)
    present = (
        [] if factor_map is None else [e for e in factor_map.entries.all() if e.status == PRESENT]
    )
    found = suggest(
        rules,
        profile=profile,
        risks=[e.code_label for e in present if e.kind == RISK],
        protections=[e.code_label for e in present if e.kind == PROTECTIVE],
    )
    techniques = {t.code: t for t in Technique.objects.filter(active=True)}
    resources: dict[str, list[Resource]] = {}
    for resource in Resource.objects.filter(active=True).order_by("name", "pk"):
        resources.setdefault(resource.kind, []).append(resource)
    decisions: dict[str, SuggestionDecision] = {}
    for decision in SuggestionDecision.objects.filter(case=case, caregiver=caregiver).order_by(
        "-decided_at", "-pk"
    ):
        decisions.setdefault(decision.key, decision)
    shown = []
    for suggestion in found:
        technique = None
        if suggestion.kind == TECHNIQUE:
            technique = techniques.get(suggestion.technique or "")
            if technique is None:
                continue  # the department no longer offers it
        kind_resources = (
            resources.get(suggestion.referral or "", []) if suggestion.kind == REFERRAL else []
        )
        shown.append(
            SuggestionShown(
                suggestion=suggestion,
                technique=technique,
                resources=tuple(kind_resources),
                decision=decisions.get(suggestion.key),
            )
        )
    return CaregiverSuggestions(
        case=case,
        caregiver=caregiver,
        rules=rules,
        assessment=assessment,
        profile=profile,
        factor_map=factor_map,
        suggestions=tuple(shown),
    )


def suggestions_for(user: User, case: Case, caregiver: Caregiver) -> CaregiverSuggestions:
    """The suggestions for one caregiver of a case already fetched through the one door,
    from the latest CD-RISC-10's ability profile and the latest confirmed map. Showing them
    is audited (`plans.suggestions.viewed`: the assessment and map they rest on, and how
    many): they say what the caregiver's answers and map are."""
    found = current_suggestions(user, case, caregiver)
    record(
        actor=user,
        action="plans.suggestions.viewed",
        subject=case,
        context={
            "case": case.pk,
            "caregiver": caregiver.pk,
            "assessment": None if found.assessment is None else found.assessment.pk,
            "map": None if found.factor_map is None else found.factor_map.pk,
            "count": len(found.suggestions),
        },
    )
    return found


def accepted_suggestions(
    user: User, case: Case, caregiver: Caregiver, *, kind: str | None = None
) -> tuple[SuggestionShown, ...]:
    """The caregiver's suggestions, as they stand now, whose latest decision is *accepted*
    (of one kind, ``goal``, ``technique`` or ``referral``, if given), in the rules' order: what
    the plan form prefills its goals from (each goal suggestion's `suggestion.goal` holds the
    draft text and its ability or factor; `key` goes into the goal's `suggestion_key`). A
    suggestion accepted once but no longer raised by the rules (its trigger has gone) is not
    among them. Audited as `suggestions_for` is."""
    return accepted_in(suggestions_for(user, case, caregiver), kind=kind)


def accepted_in(
    found: CaregiverSuggestions, *, kind: str | None = None
) -> tuple[SuggestionShown, ...]:
    """The suggestions of `found` whose latest decision is *accepted* (of one kind if given),
    in the rules' order: what `accepted_suggestions` answers, for a caller that has `found`
    already."""
    return tuple(
        shown
        for shown in found.suggestions
        if shown.decision is not None
        and shown.decision.accepted
        and (kind is None or shown.kind == kind)
    )
