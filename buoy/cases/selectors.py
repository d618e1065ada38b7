"""Reads of the case record, always scoped to the acting user.

`get_case_for` is the one door to a single family's record and `cases_visible_to` the one
source of lists; nothing else in Buoy filters cases by permission.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from buoy.access.domain.roles import CaseAccessFacts, Role, can_see_case
from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.domain.diagnoses import COMMON_DIAGNOSES
from buoy.cases.domain.followups import (
    FollowUp,
    follow_ups,
    latest_closing_with_a_due_follow_up,
)
from buoy.cases.domain.phases import Phase, is_open
from buoy.cases.domain.privacy import suppress_small_count
from buoy.cases.domain.timeline_filter import shows
from buoy.cases.models import Caregiver, Case, CaseNote, CaseShare, Child
from buoy.cases.timeline import TimelineEntry, newest_first, timeline_sources
from buoy.core.errors import NotFound


def cases_visible_to(user: User) -> QuerySet[Case]:
    """Every case `user` may see: assigned or shared (worker), their wards' (supervisor)."""
    if not user.is_authenticated or not user.is_active:
        return Case.objects.none()
    actor = user.as_actor()
    if actor.role is Role.WORKER:
        shared = CaseShare.objects.filter(case=OuterRef("pk"), user_id=actor.user_id)
        return Case.objects.filter(Q(assigned_worker_id=actor.user_id) | Q(Exists(shared)))
    if actor.role is Role.SUPERVISOR:
        return Case.objects.filter(ward_id__in=actor.ward_ids)
    return Case.objects.none()


def get_case_for(user: User, case_id: Any, *, audit_as: str | None = "cases.case.viewed") -> Case:
    """The case if `user` may see it; the same NotFound for "missing" and "not yours".

    Opening a family's record is itself audited (`audit_as`); a caller about to change the
    case passes `audit_as=None`, because the change is audited by its service.
    """
    try:
        case_pk = int(case_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    case = (
        cases_visible_to(user)
        .select_related("ward", "assigned_worker", "child")
        .filter(pk=case_pk)
        .first()
    )
    if case is None:
        raise NotFound()
    if audit_as:
        record(actor=user, action=audit_as, subject=case)
    return case


def require_case_access(actor: User, case: Case) -> None:
    """The check before any change to a family's record, in every app: NotFound unless `actor`
    may see `case` (the same answer as a missing case, so a change never reveals that a case
    exists)."""
    if not can_see_case(actor.as_actor(), access_facts(case)):
        raise NotFound()


def access_facts(case: Case) -> CaseAccessFacts:
    """The plain facts the access rules need about a case."""
    return CaseAccessFacts(
        ward_id=case.ward_id,
        assigned_worker_id=case.assigned_worker_id,
        shared_with_ids=frozenset(case.shares.values_list("user_id", flat=True)),
    )


def staff_on_case(case: Case) -> list[User]:
    """The active staff who may see this case, by name: its assigned worker, the colleagues it
    is shared with and the supervisors of its ward. Takes a case already fetched through the
    one door; used where a worker names a colleague who acted on the case."""
    facts = access_facts(case)
    candidates = (
        User.objects.filter(is_active=True)
        .filter(
            Q(pk=case.assigned_worker_id)
            | Q(pk__in=list(facts.shared_with_ids))
            | Q(role=Role.SUPERVISOR, memberships__ward_id=case.ward_id)
        )
        .distinct()
        .prefetch_related("memberships")
    )
    # The access rule decides, as everywhere; the query only narrows the candidates.
    staff = [user for user in candidates if can_see_case(user.as_actor(), facts)]
    return sorted(staff, key=lambda user: (user.display_name().casefold(), user.pk))


@dataclass(frozen=True)
class CaseloadFilter:
    """What the caseload is narrowed to; empty values mean "any"."""

    text: str = ""
    phase: str = ""
    worker_id: int | None = None
    diagnosis: str = ""
    ward_id: int | None = None


def caseload(user: User, filters: CaseloadFilter) -> QuerySet[Case]:
    """The cases `user` sees, narrowed by `filters`, with what a caseload row shows.

    Costs a fixed number of queries per page, whatever the number of cases.
    """
    cases = cases_visible_to(user)
    if filters.phase:
        cases = cases.filter(phase=filters.phase)
    if filters.worker_id:
        cases = cases.filter(assigned_worker_id=filters.worker_id)
    if filters.ward_id:
        cases = cases.filter(ward_id=filters.ward_id)
    if filters.diagnosis:
        cases = cases.filter(child__diagnosis_code__istartswith=filters.diagnosis.strip())
    text = filters.text.strip()
    if text:
        caregiver_match = Caregiver.objects.filter(case=OuterRef("pk"), full_name__icontains=text)
        cases = cases.filter(
            Q(reference__icontains=text)
            | Q(child__full_name__icontains=text)
            | Q(child__diagnosis_label__icontains=text)
            | Q(child__diagnosis_code__istartswith=text)
            | Q(Exists(caregiver_match))
        )
    return (
        cases.select_related("child", "assigned_worker", "ward")
        .prefetch_related(
            Prefetch(
                "caregivers",
                queryset=Caregiver.objects.order_by("-is_primary", "id"),
            )
        )
        .order_by("-opened_on", "-id")
    )


def caregivers_visible_to(user: User) -> QuerySet[Caregiver]:
    """Caregivers of the cases `user` may see."""
    return Caregiver.objects.filter(case__in=cases_visible_to(user)).order_by("case_id", "id")


def children_visible_to(user: User) -> QuerySet[Child]:
    """Children of the cases `user` may see."""
    return Child.objects.filter(case__in=cases_visible_to(user)).order_by("case_id")


def notes_visible_to(user: User) -> QuerySet[CaseNote]:
    """Notes of the cases `user` may see, newest first."""
    return (
        CaseNote.objects.filter(case__in=cases_visible_to(user))
        .select_related("author")
        .order_by("-written_at", "-id")
    )


def case_timeline(case: Case, groups: tuple[str, ...] = ()) -> list[TimelineEntry]:
    """Phase changes, notes, consents, cost records and follow-up contacts of a case, with the
    entries other apps contribute (`buoy.cases.timeline`), newest first by when they happened;
    only those of the filter's `groups` when any are given (`domain/timeline_filter.py`).

    Takes a case already fetched through the one door; the sources are given only that case.
    """
    entries: list[TimelineEntry] = []
    for change in case.phase_changes.select_related("changed_by"):
        entries.append(
            TimelineEntry(change.changed_at, "phase", change.changed_by.display_name(), change)
        )
    for note in case.notes.select_related("author"):
        entries.append(TimelineEntry(note.written_at, "note", note.author.display_name(), note))
    for consent in case.consents.select_related("caregiver", "recorded_by"):
        entries.append(
            TimelineEntry(consent.given_on, "consent", consent.recorded_by.display_name(), consent)
        )
    for cost in case.cost_records.select_related("recorded_by"):
        entries.append(
            TimelineEntry(cost.recorded_on, "costs", cost.recorded_by.display_name(), cost)
        )
    for contact in case.follow_up_contacts.select_related("recorded_by"):
        entries.append(
            TimelineEntry(
                contact.contacted_on, "follow-up", contact.recorded_by.display_name(), contact
            )
        )
    for source in timeline_sources():
        entries.extend(source(case))
    return newest_first(entry for entry in entries if shows(entry.kind, groups))


def _contacts_by_months(case: Case) -> dict[int, dt.date]:
    """The follow-up contacts made after the case's latest closing (from prefetched rows)."""
    return {
        contact.months: contact.contacted_on
        for contact in case.follow_up_contacts.all()
        if contact.closed_on == case.closed_on
    }


def follow_ups_of(case: Case, today: dt.date) -> list[FollowUp]:
    """The 1- and 3-month follow-ups of a closed case as they stand on `today` (none while the
    case is open). Takes a case already fetched through the one door."""
    if case.closed_on is None or is_open(case.phase_enum):
        return []
    return follow_ups(case.closed_on, _contacts_by_months(case), today)


@dataclass(frozen=True)
class DueFollowUp:
    """A follow-up waiting to be made, with its case."""

    case: Case
    follow_up: FollowUp


def follow_ups_due(user: User, today: dt.date) -> list[DueFollowUp]:
    """Follow-ups due or overdue on `today` and not yet made, on the cases `user` may see,
    the longest waiting first. Two queries, whatever the number of cases.

    It names families: a page that shows the list records it (`note_cases_listed`).
    """
    closed = (
        cases_visible_to(user)
        .filter(
            phase__in=[p.value for p in Phase if not is_open(p)],
            closed_on__lte=latest_closing_with_a_due_follow_up(today),
        )
        .select_related("child", "assigned_worker", "ward")
        .prefetch_related("follow_up_contacts")
    )
    due = [
        DueFollowUp(case, follow_up)
        for case in closed
        for follow_up in follow_ups_of(case, today)
        if follow_up.is_waiting
    ]
    return sorted(due, key=lambda item: (item.follow_up.due_on, item.case.pk))


@dataclass(frozen=True)
class DepartmentCounts:
    """Cases by phase and by disease group, with small counts already suppressed ("<5")."""

    by_phase: dict[str, str]
    by_group: dict[str, str]
    total: str


def department_counts() -> DepartmentCounts:
    """Counts over every case of the department (two queries), for researchers and supervisors.

    Suppression happens here, so no caller can show a count small enough to identify a family.
    """
    by_phase = {
        row["phase"]: row["n"] for row in Case.objects.values("phase").annotate(n=Count("id"))
    }
    group_of = {d.code: d.group for d in COMMON_DIAGNOSES}
    by_group: dict[str, int] = {}
    for row in Case.objects.values("child__diagnosis_code").annotate(n=Count("id")):
        group = group_of.get(row["child__diagnosis_code"] or "", "other")
        by_group[group] = by_group.get(group, 0) + row["n"]
    return DepartmentCounts(
        by_phase={phase: suppress_small_count(n) for phase, n in by_phase.items()},
        by_group={group: suppress_small_count(n) for group, n in sorted(by_group.items())},
        total=suppress_small_count(sum(by_phase.values())),
    )
