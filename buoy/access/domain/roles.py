"""Who may do what: pure rules on plain values, used by selectors and services.

A worker sees the cases assigned or shared to them; a supervisor sees every case of their
wards; a researcher and an administrator see no identifiable case data.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """A person's job in Buoy. One role per account."""

    WORKER = "worker"
    SUPERVISOR = "supervisor"
    RESEARCHER = "researcher"
    ADMIN = "admin"


@dataclass(frozen=True)
class Actor:
    """The facts about a user that access rules need."""

    user_id: int
    role: Role
    ward_ids: frozenset[int]


@dataclass(frozen=True)
class CaseAccessFacts:
    """The facts about a case that access rules need."""

    ward_id: int
    assigned_worker_id: int | None
    shared_with_ids: Collection[int] = ()


def can_see_identifiable_cases(role: Role) -> bool:
    """Only those doing casework (workers, supervisors) see families' records."""
    return role in (Role.WORKER, Role.SUPERVISOR)


def can_see_case(actor: Actor, case: CaseAccessFacts) -> bool:
    """A worker: assigned or shared to them. A supervisor: any case of their wards."""
    if actor.role is Role.WORKER:
        return actor.user_id == case.assigned_worker_id or actor.user_id in case.shared_with_ids
    if actor.role is Role.SUPERVISOR:
        return case.ward_id in actor.ward_ids
    return False


def can_open_case_in(actor: Actor, ward_id: int) -> bool:
    """Workers and supervisors open cases in the wards they belong to."""
    return can_see_identifiable_cases(actor.role) and ward_id in actor.ward_ids


def can_reassign(actor: Actor, case: CaseAccessFacts) -> bool:
    """Only a supervisor of the case's ward moves a case to another worker."""
    return can_reassign_cases(actor.role) and case.ward_id in actor.ward_ids


def can_reassign_cases(role: Role) -> bool:
    """Supervisors reassign cases (within their wards, see `can_reassign`)."""
    return role is Role.SUPERVISOR


def can_see_department_counts(role: Role) -> bool:
    """Researchers and supervisors see counts of cases that identify nobody."""
    return role in (Role.RESEARCHER, Role.SUPERVISOR)


def can_be_assigned(role: Role) -> bool:
    """Cases are assigned to workers and supervisors, never to researchers or admins."""
    return can_see_identifiable_cases(role)


def can_manage_accounts(role: Role) -> bool:
    """Administrators manage users, wards and roles."""
    return role is Role.ADMIN


def can_manage_instruments(role: Role) -> bool:
    """Administrators keep the department's instruments: item groups and timepoints."""
    return role is Role.ADMIN


def can_read_audit(role: Role) -> bool:
    """Administrators read and export the audit trail."""
    return role is Role.ADMIN


def can_code_interviews(role: Role) -> bool:
    """Workers, supervisors and researchers code transcripts; administrators do not."""
    return role in (Role.WORKER, Role.SUPERVISOR, Role.RESEARCHER)


@dataclass(frozen=True)
class TranscriptAccess:
    """The ways a role comes to read an interview transcript.

    `through_cases`: the interviews with the cases the person may see (`can_see_case`).
    `through_projects`: the de-identified or case-less transcripts of the projects the person
    is a member of. The list of transcripts a person may read and the check on one
    transcript both follow this one rule.
    """

    through_cases: bool
    through_projects: bool


def transcript_access(role: Role) -> TranscriptAccess:
    """Case staff read their cases' interviews and their projects' research transcripts;
    researchers only the research transcripts of their projects; administrators none."""
    return TranscriptAccess(
        through_cases=can_see_identifiable_cases(role),
        through_projects=can_code_interviews(role),
    )


def can_start_research_projects(role: Role) -> bool:
    """Researchers and supervisors start research projects and choose their members."""
    return role in (Role.RESEARCHER, Role.SUPERVISOR)


def can_edit_department_codebook(role: Role) -> bool:
    """Supervisors and administrators keep the department's casework codebook."""
    return role in (Role.SUPERVISOR, Role.ADMIN)


# --- the intervention model (plans) ---------------------------------------------------------


def can_see_plans(role: Role) -> bool:
    """Maps, plans, goals, sessions and referrals identify a family: only case staff see them;
    researchers and administrators see no identifiable plan."""
    return can_see_identifiable_cases(role)


def can_plan_case(actor: Actor, case: CaseAccessFacts) -> bool:
    """Whoever may see a case does its casework: drafts and confirms the map, makes and reviews
    the plan, records sessions and referrals (`can_see_case`)."""
    return can_see_case(actor, case)


def can_run_support_groups(role: Role) -> bool:
    """Case staff set up support group meetings that caregivers of several cases attend."""
    return can_see_identifiable_cases(role)


def can_keep_technique_library(role: Role) -> bool:
    """Supervisors and administrators keep the technique library (edit, add, withdraw)."""
    return role in (Role.SUPERVISOR, Role.ADMIN)


def can_read_technique_library(role: Role) -> bool:
    """The technique library names no one: every role reads it."""
    return role in (Role.WORKER, Role.SUPERVISOR, Role.RESEARCHER, Role.ADMIN)


def can_keep_resource_directory(role: Role) -> bool:
    """Supervisors and administrators keep the department's directory of resources."""
    return role in (Role.SUPERVISOR, Role.ADMIN)


def can_read_resource_directory(role: Role) -> bool:
    """Case staff read the directory to refer families; its keepers read what they keep."""
    return can_see_identifiable_cases(role) or can_keep_resource_directory(role)


def can_keep_suggestion_rules(role: Role) -> bool:
    """Supervisors and administrators keep the department's suggestion rules: read every
    version, save a new one. The rules name no one; workers see only what they suggest."""
    return role in (Role.SUPERVISOR, Role.ADMIN)


def can_see_overdue_in_wards(role: Role) -> bool:
    """Supervisors see what is overdue on every case of their wards, worker by worker; a worker
    sees what is due on their own cases on the today page, never a colleague's list."""
    return role is Role.SUPERVISOR
