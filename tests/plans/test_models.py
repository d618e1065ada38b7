"""The plans tables: their choices name the pure domain's values, and the database itself
refuses rows out of range (a factor rated 4, a level of +3, a weight below zero, evidence with
two sources), whatever code writes them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from buoy.access.models import User
from buoy.cases.models import Case
from buoy.cases.services import write_note
from buoy.coding.models import Code
from buoy.coding.services import casework_project
from buoy.plans.domain import maps, referrals, sessions
from buoy.plans.domain.abilities import ABILITIES
from buoy.plans.domain.resources import RESOURCE_KINDS
from buoy.plans.models import (
    Ability,
    CasePlan,
    FactorEntry,
    FactorEvidence,
    FactorLevel,
    FactorMap,
    FamilyRole,
    Goal,
    GoalLevelAttained,
    GoalReview,
    Referral,
    ReferralStatus,
    Resource,
    ResourceKind,
    Session,
    SessionMode,
)

pytestmark = pytest.mark.django_db


def test_the_choices_name_the_values_of_the_pure_domain() -> None:
    assert tuple(FactorLevel.values) == maps.LEVELS
    assert tuple(SessionMode.values) == sessions.MODES
    assert tuple(FamilyRole.values) == sessions.FAMILY_ROLES
    assert tuple(ResourceKind.values) == RESOURCE_KINDS
    assert tuple(ReferralStatus.values) == referrals.STATUSES
    assert tuple(Ability.values) == ABILITIES
    assert set(Referral.DATE_OF_STATUS) == set(ReferralStatus.values)


@pytest.fixture
def factor_map(alice_worker: User, alice_case: Case) -> FactorMap:
    project = casework_project()
    return FactorMap.objects.create(
        case=alice_case,
        caregiver=alice_case.caregivers.get(),
        version=1,
        codebook_version=project.codebook_version,
        made_by=alice_worker,
    )


def code(label: str) -> Code:
    return Code.objects.get(project=casework_project(), label=label)


def entry(factor_map: FactorMap, label: str = "P-IND-01", **fields: Any) -> FactorEntry:
    shape = maps.factor_shape(label)
    values: dict[str, Any] = {
        "factor_map": factor_map,
        "code": code(label),
        "code_label": label,
        "kind": shape.kind,
        "level": shape.level,
        "status": "present",
        **fields,
    }
    return FactorEntry.objects.create(**values)


def refused(make: Callable[[], object]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_a_rating_outside_1_to_3_is_refused_by_the_database(factor_map: FactorMap) -> None:
    refused(lambda: entry(factor_map, strength=4))
    refused(lambda: entry(factor_map, "R-ECO-01", severity=0))
    assert entry(factor_map, strength=3).strength == 3


def test_a_protective_factor_has_no_severity_and_an_absent_one_no_strength(
    factor_map: FactorMap,
) -> None:
    refused(lambda: entry(factor_map, severity=2))
    refused(lambda: entry(factor_map, "R-ECO-01", strength=2))
    refused(lambda: entry(factor_map, status="absent", strength=2))
    refused(lambda: entry(factor_map, status="maybe"))


def test_evidence_has_exactly_one_source(
    factor_map: FactorMap, alice_worker: User, alice_case: Case
) -> None:
    note = write_note(actor=alice_worker, case=alice_case, body="Grandmother moved in.")
    factor = entry(factor_map, "P-FAM-04")
    refused(lambda: FactorEvidence.objects.create(entry=factor))
    assessment_and_note = {"case_note": note, "item_id": "item1"}
    refused(lambda: FactorEvidence.objects.create(entry=factor, **assessment_and_note))
    assert FactorEvidence.objects.create(entry=factor, case_note=note).source_kind == "note"


@pytest.fixture
def plan(alice_worker: User, alice_case: Case) -> CasePlan:
    return CasePlan.objects.create(
        case=alice_case, caregiver=alice_case.caregivers.get(), version=1, made_by=alice_worker
    )


def goal(plan: CasePlan, **fields: Any) -> Goal:
    values: dict[str, Any] = {
        "plan": plan,
        "text": "I sleep a full night twice a week",
        "ability": "C",
        "level_much_less": "no full night",
        "level_less": "one some weeks",
        "level_expected": "two a week",
        "level_more": "three a week",
        "level_much_more": "four or more",
        **fields,
    }
    return Goal.objects.create(**values)


def test_gas_values_out_of_range_are_refused_by_the_database(
    plan: CasePlan, alice_worker: User
) -> None:
    refused(lambda: goal(plan, weight=-0.5))
    refused(lambda: goal(plan, start_level=0))
    refused(lambda: goal(plan, ability=""))  # no aim
    review = GoalReview.objects.create(plan=plan, reviewed_by=alice_worker)
    scored = goal(plan)
    refused(lambda: GoalLevelAttained.objects.create(review=review, goal=scored, level=3))
    assert GoalLevelAttained.objects.create(review=review, goal=scored, level=-2).level == -2
    assert scored.levels[2] == "two a week"


def test_a_session_out_of_range_is_refused_by_the_database(
    alice_worker: User, alice_case: Case
) -> None:
    def session(**fields: Any) -> Session:
        values: dict[str, Any] = {
            "case": alice_case,
            "held_on": dt.date(2026, 1, 5),
            "minutes": 45,
            "mode": "bedside",
            "recorded_by": alice_worker,
            **fields,
        }
        return Session.objects.create(**values)

    refused(lambda: session(distress_before=11))
    refused(lambda: session(minutes=0))
    refused(lambda: session(mode="letter"))
    assert session(distress_before=10, distress_after=0).distress_after == 0


def test_a_referral_has_the_day_of_the_status_it_is_in(
    alice_worker: User, alice_case: Case
) -> None:
    fund = Resource.objects.create(name="Children's fund", kind="charity_fund")
    refused(lambda: Resource.objects.create(name="Somewhere", kind="restaurant"))
    refused(
        lambda: Referral.objects.create(
            case=alice_case,
            resource=fund,
            status="made",
            proposed_on=dt.date(2026, 1, 5),
            made_by=alice_worker,
        )
    )
