"""Case plans: the one door to a plan, a case's plan versions, and a plan's detail with its
goals, reviews and GAS T-scores (`domain/gas.py`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from buoy.access.models import User
from buoy.audit.services import record
from buoy.cases.models import Caregiver, Case
from buoy.cases.selectors import cases_visible_to, require_case_access
from buoy.core.errors import NotFound
from buoy.plans.domain.gas import GasError, GoalLevel, PlanGoal, TScore, plan_gas, t_score
from buoy.plans.domain.suggestions import GOAL
from buoy.plans.models import CasePlan, FactorEntry, Goal, GoalLevelAttained, GoalReview
from buoy.plans.selectors.listing import record_listed
from buoy.plans.selectors.maps import latest_map
from buoy.plans.selectors.suggestions import (
    CaregiverSuggestions,
    SuggestionShown,
    accepted_in,
    suggestions_for,
)


def plans_visible_to(user: User) -> QuerySet[CasePlan]:
    """Plan versions of the cases `user` may see (none for researchers and administrators)."""
    return CasePlan.objects.filter(case__in=cases_visible_to(user))


def goals_visible_to(user: User) -> QuerySet[Goal]:
    """Goals of the plans `user` may see."""
    return Goal.objects.filter(plan__case__in=cases_visible_to(user))


def get_plan_for(
    user: User, plan_id: Any, *, audit_as: str | None = "plans.plan.viewed"
) -> CasePlan:
    """The plan version if `user` may see its case; the same NotFound for "missing" and "not
    yours". Opening a plan is audited (`audit_as`); a caller about to change it passes
    `audit_as=None`, because the service records the change."""
    try:
        pk = int(plan_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    found = (
        plans_visible_to(user)
        .select_related("case", "caregiver", "made_by", "replaced_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound()
    if audit_as:
        record(actor=user, action=audit_as, subject=found, context={"case": found.case_id})
    return found


def plans_of(user: User, case: Case, caregiver: Caregiver | None = None) -> list[CasePlan]:
    """The plan versions of a case (of one caregiver, if given), newest first, each with its
    number of goals (`goal_count`). The listing is audited (`plans.plan.listed`)."""
    plans = plans_visible_to(user).filter(case=case)
    if caregiver is not None:
        plans = plans.filter(caregiver=caregiver)
    shown: list[CasePlan] = list(
        plans.select_related("caregiver", "made_by")
        .annotate(goal_count=Count("goals"))
        .order_by("caregiver_id", "-version")
    )
    record_listed(user=user, action="plans.plan.listed", subject=case, shown=shown)
    return shown


def current_plan(case: Case, caregiver: Caregiver) -> CasePlan | None:
    """The caregiver's plan version in force (the one no later version replaces). Takes a case
    already fetched through the one door; not audited."""
    return (
        CasePlan.objects.filter(case=case, caregiver=caregiver, replaced_by__isnull=True)
        .order_by("-version")
        .first()
    )


@dataclass(frozen=True)
class GoalDetail:
    """A goal as a plan's page and API show it: `levels` are the five texts −2 … +2,
    `baseline_level` the level at the start, `current_level` the latest reviewed level (of
    this goal or the goal it carries on from an earlier version), None before any review."""

    goal: Goal
    weight: float
    baseline_level: int
    current_level: int | None
    levels: tuple[str, str, str, str, str]

    @property
    def id(self) -> int:
        return self.goal.pk

    @property
    def text(self) -> str:
        return self.goal.text


@dataclass(frozen=True)
class ReviewDetail:
    """One review of this plan version: the levels it recorded (goal id → level) and the T
    over the goals it scored (None when it scored none with a weight above 0)."""

    review: GoalReview
    levels: dict[int, int]
    t: TScore | None


@dataclass(frozen=True)
class PlanDetail:
    """A plan version with its goals, its reviews (oldest first) and its GAS summary: `gas`
    is ``{"rho", "t_baseline", "t_current", "goals_scored"}``; `gas_change` is T now − T at
    the start, given only when the latest levels score every goal the start did."""

    plan: CasePlan
    goals: list[GoalDetail]
    reviews: list[ReviewDetail]
    gas: dict[str, Any]
    gas_change: float | None


def _lineages(plan: CasePlan) -> dict[int, list[int]]:
    """Each goal of `plan` → its id and the ids of the goals it carries on, in every earlier
    version of the caregiver's plan (one query)."""
    carried: dict[int, int | None] = dict(
        Goal.objects.filter(plan__case_id=plan.case_id, plan__caregiver_id=plan.caregiver_id)
        .values_list("pk", "carried_from_id")
        .iterator()
    )
    lineages: dict[int, list[int]] = {}
    for goal_id, earlier in carried.items():
        chain = [goal_id]
        previous = earlier
        while previous is not None and previous not in chain:
            chain.append(previous)
            previous = carried.get(previous)
        lineages[goal_id] = chain
    return lineages


def _latest_levels(goals: list[Goal], lineages: dict[int, list[int]]) -> dict[int, int]:
    """Each goal's latest reviewed level, from reviews of its own version or earlier ones."""
    owner = {ancestor: goal.pk for goal in goals for ancestor in lineages.get(goal.pk, [goal.pk])}
    latest: dict[int, int] = {}
    rows = (
        GoalLevelAttained.objects.filter(goal_id__in=list(owner))
        .order_by("review__reviewed_on", "review__recorded_at", "review_id")
        .values_list("goal_id", "level")
    )
    for goal_id, level in rows:
        latest[owner[goal_id]] = level  # later reviews come later and win
    return latest


def _t_of_review(goals: list[Goal], levels: dict[int, int]) -> TScore | None:
    try:
        return t_score([GoalLevel(weight=g.weight, level=levels.get(g.pk)) for g in goals])
    except GasError:
        return None  # nothing scored with a weight above 0


def plan_detail(
    user: User, plan_id: Any, *, audit_as: str | None = "plans.plan.viewed"
) -> PlanDetail:
    """A plan version through the one door (audited as `plans.plan.viewed`) with its goals,
    reviews and GAS T-scores, in a fixed number of queries however many reviews it has. A
    caller showing the plan it has just changed, or a form re-shown after a refused change,
    passes `audit_as=None`: the service recorded the change, or nothing changed."""
    plan = get_plan_for(user, plan_id, audit_as=audit_as)
    goals = list(plan.goals.select_related("factor").order_by("order", "pk"))
    latest = _latest_levels(goals, _lineages(plan))
    details = [
        GoalDetail(
            goal=goal,
            weight=goal.weight,
            baseline_level=goal.start_level,
            current_level=latest.get(goal.pk),
            levels=goal.levels,
        )
        for goal in goals
    ]
    summary = plan_gas(
        [
            PlanGoal(weight=d.weight, start_level=d.baseline_level, current_level=d.current_level)
            for d in details
        ]
    )
    reviews = []
    for review in plan.reviews.select_related("reviewed_by").prefetch_related(
        Prefetch("levels", queryset=GoalLevelAttained.objects.order_by("goal_id"))
    ):
        levels = {row.goal_id: row.level for row in review.levels.all()}
        reviews.append(ReviewDetail(review=review, levels=levels, t=_t_of_review(goals, levels)))
    return PlanDetail(
        plan=plan,
        goals=details,
        reviews=reviews,
        gas={
            "rho": summary.rho,
            "t_baseline": summary.t_baseline,
            "t_current": summary.t_current,
            "goals_scored": summary.goals_scored,
        },
        gas_change=summary.change,
    )


# --- for the plan pages' forms --------------------------------------------------------------


def factors_to_aim_at(
    user: User,
    case: Case,
    caregiver: Caregiver,
    *,
    keep: Sequence[int] = (),
    audit: bool = True,
) -> list[FactorEntry]:
    """The factors a goal of the caregiver's plan may be aimed at, as a plan form offers them:
    those of the latest confirmed map, and the factors in `keep` (those the goals of a version
    being revised aim at, perhaps of an older map) if they are of this caregiver. Takes a case
    already through the one door; showing the map's factors is audited
    (`plans.factor_map.viewed`) unless `audit` is false (a form re-shown after a POST)."""
    require_case_access(user, case)
    factor_map = latest_map(case, caregiver, confirmed=True)
    entries: dict[int, FactorEntry] = {}
    if factor_map is not None:
        entries.update((entry.pk, entry) for entry in factor_map.entries.all())
        if audit:
            record(
                actor=user,
                action="plans.factor_map.viewed",
                subject=factor_map,
                context={"case": case.pk},
            )
    missing = [pk for pk in keep if pk not in entries]
    if missing:
        entries.update(
            FactorEntry.objects.select_related("code")
            .filter(pk__in=missing, factor_map__case=case, factor_map__caregiver=caregiver)
            .in_bulk()
        )
    return sorted(entries.values(), key=lambda e: (e.kind, e.code_label, e.pk))


def accepted_goal_suggestions(
    user: User, case: Case, caregiver: Caregiver
) -> tuple[CaregiverSuggestions, list[SuggestionShown]]:
    """The suggested goals the worker has accepted for the caregiver (the latest decision on
    each is an acceptance) that no goal of the caregiver's plans has been written from yet,
    in the rules' order, with the suggestions they belong to (for the map they rest on).
    Audited as `suggestions_for` is (`plans.suggestions.viewed`)."""
    found = suggestions_for(user, case, caregiver)
    used = set(
        Goal.objects.filter(plan__case=case, plan__caregiver=caregiver)
        .exclude(suggestion_key="")
        .values_list("suggestion_key", flat=True)
    )
    return found, [shown for shown in accepted_in(found, kind=GOAL) if shown.key not in used]
