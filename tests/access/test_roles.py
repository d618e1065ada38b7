"""The pure access rules, without a database: each rule with a passing and a failing case."""

from __future__ import annotations

from buoy.access.domain.roles import (
    Actor,
    CaseAccessFacts,
    Role,
    can_code_interviews,
    can_edit_department_codebook,
    can_manage_accounts,
    can_manage_instruments,
    can_open_case_in,
    can_read_audit,
    can_reassign,
    can_see_case,
    can_see_identifiable_cases,
    can_start_research_projects,
)

WARD_A, WARD_B = 1, 2
ALICE = Actor(user_id=10, role=Role.WORKER, ward_ids=frozenset({WARD_A}))
BOB = Actor(user_id=11, role=Role.WORKER, ward_ids=frozenset({WARD_A}))
CAROL = Actor(user_id=12, role=Role.SUPERVISOR, ward_ids=frozenset({WARD_A}))
DAN = Actor(user_id=13, role=Role.WORKER, ward_ids=frozenset({WARD_B}))
RITA = Actor(user_id=14, role=Role.RESEARCHER, ward_ids=frozenset({WARD_A}))
ADAM = Actor(user_id=15, role=Role.ADMIN, ward_ids=frozenset({WARD_A}))
ALICE_CASE = CaseAccessFacts(ward_id=WARD_A, assigned_worker_id=ALICE.user_id)


def test_worker_sees_the_case_assigned_to_them() -> None:
    assert can_see_case(ALICE, ALICE_CASE)


def test_worker_of_the_same_ward_does_not_see_a_colleagues_case() -> None:
    assert not can_see_case(BOB, ALICE_CASE)


def test_worker_sees_a_case_shared_with_them() -> None:
    shared = CaseAccessFacts(
        ward_id=WARD_A, assigned_worker_id=ALICE.user_id, shared_with_ids={BOB.user_id}
    )
    assert can_see_case(BOB, shared)


def test_supervisor_sees_every_case_of_their_ward() -> None:
    assert can_see_case(CAROL, ALICE_CASE)


def test_supervisor_does_not_see_cases_of_another_ward() -> None:
    assert not can_see_case(CAROL, CaseAccessFacts(ward_id=WARD_B, assigned_worker_id=DAN.user_id))


def test_worker_of_another_ward_does_not_see_the_case() -> None:
    assert not can_see_case(DAN, ALICE_CASE)


def test_researcher_and_admin_see_no_case_even_in_their_ward() -> None:
    assert not can_see_case(RITA, ALICE_CASE)
    assert not can_see_case(ADAM, ALICE_CASE)
    assert not can_see_identifiable_cases(Role.RESEARCHER)
    assert can_see_identifiable_cases(Role.WORKER)


def test_only_a_supervisor_of_the_ward_reassigns() -> None:
    assert can_reassign(CAROL, ALICE_CASE)
    assert not can_reassign(ALICE, ALICE_CASE)
    assert not can_reassign(
        Actor(user_id=20, role=Role.SUPERVISOR, ward_ids=frozenset({WARD_B})), ALICE_CASE
    )


def test_cases_are_opened_only_in_ones_own_ward() -> None:
    assert can_open_case_in(ALICE, WARD_A)
    assert not can_open_case_in(ALICE, WARD_B)
    assert not can_open_case_in(RITA, WARD_A)


def test_only_administrators_manage_accounts_and_read_the_audit_trail() -> None:
    assert can_manage_accounts(Role.ADMIN)
    assert can_read_audit(Role.ADMIN)
    for role in (Role.WORKER, Role.SUPERVISOR, Role.RESEARCHER):
        assert not can_manage_accounts(role)
        assert not can_read_audit(role)


def test_only_administrators_edit_item_groups_and_timepoints() -> None:
    assert can_manage_instruments(Role.ADMIN)
    for role in (Role.WORKER, Role.SUPERVISOR, Role.RESEARCHER):
        assert not can_manage_instruments(role)


def test_everyone_but_administrators_codes_interviews() -> None:
    for role in (Role.WORKER, Role.SUPERVISOR, Role.RESEARCHER):
        assert can_code_interviews(role)
    assert not can_code_interviews(Role.ADMIN)


def test_researchers_and_supervisors_start_research_projects() -> None:
    assert can_start_research_projects(Role.RESEARCHER)
    assert can_start_research_projects(Role.SUPERVISOR)
    assert not can_start_research_projects(Role.WORKER)
    assert not can_start_research_projects(Role.ADMIN)


def test_supervisors_and_administrators_keep_the_department_codebook() -> None:
    assert can_edit_department_codebook(Role.SUPERVISOR)
    assert can_edit_department_codebook(Role.ADMIN)
    assert not can_edit_department_codebook(Role.WORKER)
    assert not can_edit_department_codebook(Role.RESEARCHER)
