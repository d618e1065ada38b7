"""Suggestions for a caregiver from the latest CD-RISC-10's ability profile and the latest
confirmed map, through `suggestions_for`, and the worker's decisions on them
(`decide_suggestion`): recorded with the rules' version, audited, refused for a key that is
not suggested now."""

from __future__ import annotations

import pytest

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases.models import Caregiver, Case
from buoy.core.errors import InvalidInput, NotFound
from buoy.plans.domain.suggestions import ABILITY, RISK
from buoy.plans.models import SuggestionDecision, Technique
from buoy.plans.selectors import suggestions_for
from buoy.plans.services import (
    add_resource,
    decide_suggestion,
    save_factor_map,
    update_technique,
)
from tests.plans.conftest import cdrisc10

pytestmark = pytest.mark.django_db

# Ability A (items 1, 2, 5) weak; every other item 3.
WEAK_ADAPTING = {"item1": 1, "item2": 2, "item5": 1}


def keys(user: User, case: Case, caregiver: Caregiver) -> list[str]:
    return [s.key for s in suggestions_for(user, case, caregiver).suggestions]


def test_nothing_is_suggested_before_an_assessment_or_a_confirmed_map(
    alice_worker: User, alice_case: Case, mother: Caregiver
) -> None:
    save_factor_map(
        actor=alice_worker,
        case=alice_case,
        caregiver=mother,
        entries=[{"code": "R-ECO-01", "status": "present"}],
        confirmed=False,  # a draft does not count
    )
    found = suggestions_for(alice_worker, alice_case, mother)
    assert (found.assessment, found.profile, found.factor_map, found.suggestions) == (
        None,
        None,
        None,
        (),
    )


def test_a_weak_ability_suggests_its_goal_and_techniques_saying_which_items(
    alice_worker: User, alice_case: Case, mother: Caregiver
) -> None:
    assessment = cdrisc10(alice_worker, alice_case, WEAK_ADAPTING)
    found = suggestions_for(alice_worker, alice_case, mother)
    assert found.assessment == assessment
    assert found.profile is not None
    assert found.profile.weak() == ("A",)
    shown = found.by_key()
    assert list(shown) == [
        "goal:weak-adapting:0",
        "technique:disease-roadmap",
        "technique:routine-roles",
        "technique:small-steps",
        "technique:eco-map",
    ]
    [trigger] = shown["goal:weak-adapting:0"].suggestion.triggers
    assert (trigger.kind, trigger.subject, trigger.items) == (
        ABILITY,
        "A",
        (("item1", 1.0), ("item2", 2.0), ("item5", 1.0)),
    )
    assert shown["technique:eco-map"].technique == Technique.objects.get(code="eco-map")
    event = AuditEvent.objects.get(action="plans.suggestions.viewed")
    assert event.context == {
        "case": alice_case.pk,
        "caregiver": mother.pk,
        "assessment": assessment.pk,
        "map": None,
        "count": 5,
    }


def test_the_latest_confirmed_map_suggests_referrals_with_the_resources_offered(
    alice_worker: User, carol_supervisor: User, alice_case: Case, mother: Caregiver
) -> None:
    fund = add_resource(actor=carol_supervisor, name="儿童基金", kind="charity_fund")
    add_resource(actor=carol_supervisor, name="Old fund", kind="charity_fund", active=False)
    factor_map = save_factor_map(
        actor=alice_worker,
        case=alice_case,
        caregiver=mother,
        entries=[
            {"code": "R-ECO-01", "status": "present", "severity": 3},
            {"code": "R-CUL-01", "status": "absent"},
        ],
    )
    found = suggestions_for(alice_worker, alice_case, mother)
    assert found.factor_map == factor_map
    shown = found.by_key()
    assert "goal:catastrophic-costs:0" in shown
    assert "referral:crowdfunding_guidance" not in shown  # face is absent from the map
    charity = shown["referral:charity_fund"]
    assert charity.resources == (fund,)
    assert [(t.kind, t.subject) for t in charity.suggestion.triggers] == [(RISK, "R-ECO-01")]


def test_a_technique_the_department_withdrew_is_not_suggested(
    alice_worker: User, carol_supervisor: User, alice_case: Case, mother: Caregiver
) -> None:
    update_technique(
        actor=carol_supervisor,
        technique=Technique.objects.get(code="eco-map"),
        changes={"active": False},
    )
    cdrisc10(alice_worker, alice_case, WEAK_ADAPTING)
    assert "technique:eco-map" not in keys(alice_worker, alice_case, mother)


def test_a_decision_is_recorded_with_the_rules_version_and_the_latest_one_stands(
    alice_worker: User, alice_case: Case, mother: Caregiver
) -> None:
    cdrisc10(alice_worker, alice_case, WEAK_ADAPTING)
    first = decide_suggestion(
        actor=alice_worker, case=alice_case, key="technique:eco-map", accepted=True
    )
    assert (first.caregiver, first.kind, first.rules_id, first.rules_version, first.rule_ids) == (
        mother,
        "technique",
        "suggestion-rules",
        "1",
        ["weak-adapting"],
    )
    decide_suggestion(
        actor=alice_worker,
        case=alice_case,
        caregiver=mother,
        key="technique:eco-map",
        accepted=False,
    )
    decision = (
        suggestions_for(alice_worker, alice_case, mother).by_key()["technique:eco-map"].decision
    )
    assert decision is not None
    assert decision.accepted is False
    assert SuggestionDecision.objects.count() == 2
    event = AuditEvent.objects.filter(action="plans.suggestion.decided").order_by("pk").first()
    assert event is not None
    assert event.context == {"case": alice_case.pk, "kind": "technique", "accepted": True}


@pytest.mark.parametrize(
    ("key", "accepted", "field"),
    [
        ("technique:peer-mentors", True, "key"),  # ability B is not weak
        ("nonsense", True, "key"),
        ("technique:eco-map", "yes", "accepted"),
    ],
)
def test_a_key_not_suggested_now_is_refused_and_nothing_is_recorded(
    alice_worker: User, alice_case: Case, key: str, accepted: object, field: str
) -> None:
    cdrisc10(alice_worker, alice_case, WEAK_ADAPTING)
    with pytest.raises(InvalidInput) as refusal:
        decide_suggestion(
            actor=alice_worker,
            case=alice_case,
            key=key,
            accepted=accepted,  # type: ignore[arg-type]
        )
    assert list(refusal.value.errors) == [field]
    assert not SuggestionDecision.objects.exists()


@pytest.mark.parametrize(
    "persona", ["bob_same_team", "dan_other_ward", "rita_researcher", "adam_admin"]
)
def test_only_staff_who_may_see_the_case_see_and_decide_its_suggestions(
    personas: dict[str, User], alice_case: Case, mother: Caregiver, persona: str
) -> None:
    cdrisc10(personas["alice_worker"], alice_case, WEAK_ADAPTING)
    with pytest.raises(NotFound):
        suggestions_for(personas[persona], alice_case, mother)
    with pytest.raises(NotFound):
        decide_suggestion(
            actor=personas[persona], case=alice_case, key="technique:eco-map", accepted=True
        )
    assert not AuditEvent.objects.filter(action="plans.suggestions.viewed").exists()
