"""Who does what in the intervention model: the pure rules, for every persona, without a
database. Each rule has a passing and a failing persona from one setup."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from buoy.access.domain.roles import (
    Actor,
    CaseAccessFacts,
    Role,
    can_keep_resource_directory,
    can_keep_technique_library,
    can_plan_case,
    can_read_resource_directory,
    can_read_technique_library,
    can_run_support_groups,
    can_see_plans,
)

WARD_A, WARD_B = 1, 2
ALICE = Actor(user_id=10, role=Role.WORKER, ward_ids=frozenset({WARD_A}))
BOB = Actor(user_id=11, role=Role.WORKER, ward_ids=frozenset({WARD_A}))
CAROL = Actor(user_id=12, role=Role.SUPERVISOR, ward_ids=frozenset({WARD_A}))
DAN = Actor(user_id=13, role=Role.WORKER, ward_ids=frozenset({WARD_B}))
RITA = Actor(user_id=14, role=Role.RESEARCHER, ward_ids=frozenset({WARD_A}))
ADAM = Actor(user_id=15, role=Role.ADMIN, ward_ids=frozenset({WARD_A}))
PERSONAS = {"alice": ALICE, "bob": BOB, "carol": CAROL, "dan": DAN, "rita": RITA, "adam": ADAM}
ALICE_CASE = CaseAccessFacts(ward_id=WARD_A, assigned_worker_id=ALICE.user_id)


def allowed(rule: Callable[[Actor], bool]) -> set[str]:
    return {name for name, actor in PERSONAS.items() if rule(actor)}


def test_staff_who_may_see_the_case_plan_it_and_no_one_else() -> None:
    assert allowed(lambda actor: can_plan_case(actor, ALICE_CASE)) == {"alice", "carol"}


def test_a_colleague_plans_a_case_once_it_is_shared_with_them() -> None:
    shared = CaseAccessFacts(
        ward_id=WARD_A, assigned_worker_id=ALICE.user_id, shared_with_ids={BOB.user_id}
    )
    assert allowed(lambda actor: can_plan_case(actor, shared)) == {"alice", "bob", "carol"}


def test_researchers_and_administrators_see_no_identifiable_plan() -> None:
    assert allowed(lambda actor: can_see_plans(actor.role)) == {"alice", "bob", "carol", "dan"}


def test_case_staff_run_support_groups() -> None:
    assert allowed(lambda actor: can_run_support_groups(actor.role)) == {
        "alice",
        "bob",
        "carol",
        "dan",
    }


@pytest.mark.parametrize("rule", [can_keep_technique_library, can_keep_resource_directory])
def test_supervisors_and_administrators_keep_the_library_and_the_directory(
    rule: Callable[[Role], bool],
) -> None:
    assert allowed(lambda actor: rule(actor.role)) == {"carol", "adam"}


def test_everyone_reads_the_technique_library_which_names_no_one() -> None:
    assert allowed(lambda actor: can_read_technique_library(actor.role)) == set(PERSONAS)


def test_the_resource_directory_is_read_by_case_staff_and_its_keepers() -> None:
    assert allowed(lambda actor: can_read_resource_directory(actor.role)) == {
        "alice",
        "bob",
        "carol",
        "dan",
        "adam",
    }
