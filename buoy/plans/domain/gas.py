"""Goal Attainment Scaling (Kiresuk & Sherman 1968; Turner-Stokes 2009): levels and T-scores.

Each goal of a case plan is written with the caregiver in five levels, −2 (much less than
expected) … 0 (the expected outcome) … +2 (much more than expected). It carries a weight w ≥ 0
(importance × difficulty, or simply 1) and the level at the start, −1 (so that getting worse
shows as −2) or −2 (when nothing can be worse). At each review every goal gets the level
attained, x. Over the goals scored at one moment:

    T = 50 + 10 · Σ(w·x) / √((1 − ρ) · Σw² + ρ · (Σw)²)

ρ is the assumed correlation between goal scores, 0.3 by convention. T = 50 when every goal is
met exactly as expected; its SD is 10 by construction. The change is T at the review − T at the
start. Worked example (domain reference §2A, docs/plans/gas.md): weights 2, 1, 1 attained +1,
0, −1 give T = 53.33; all three at −1 give 36.67; the change is +16.67.

T is individualised: it compares a caregiver with the expectations set for them, never
caregivers with each other. Report the number of goals and ρ with every T (`TScore` carries
both). Values are never rounded here.

Bad input raises `GasError`, which names the field (``goals[1].level``) and says why.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

LEVELS = (-2, -1, 0, 1, 2)
START_LEVELS = (-1, -2)  # the usual start, and the start when nothing can be worse
DEFAULT_RHO = 0.3  # Kiresuk & Sherman's conventional inter-goal correlation
DEFAULT_WEIGHT = 1.0
LEVEL_MEANINGS = {
    -2: "much less than expected",
    -1: "somewhat less than expected",
    0: "the expected outcome",
    1: "somewhat more than expected",
    2: "much more than expected",
}


class GasError(ValueError):
    """A goal or review that cannot be scored; `field` says which value (``goals[0].weight``)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class GoalLevel:
    """One goal at one moment: its weight and the level attained (None: not scored then)."""

    weight: float = DEFAULT_WEIGHT
    level: int | None = None


@dataclass(frozen=True)
class TScore:
    """A GAS T-score with what must be reported beside it: how many goals, and which ρ."""

    t: float
    goals_scored: int
    rho: float


@dataclass(frozen=True)
class PlanGoal:
    """A goal of a plan as GAS sees it: weight, level at the start, latest reviewed level."""

    weight: float = DEFAULT_WEIGHT
    start_level: int = -1
    current_level: int | None = None


@dataclass(frozen=True)
class PlanGas:
    """A plan's T at the start and at the latest review (None where there is nothing to score).

    `goals_scored` counts the goals in `t_current` (reviewed, weight above 0). `change` is
    `t_current` − `t_baseline`, given only when the review scored every goal the start did,
    so that the two T-scores are over the same goals.
    """

    rho: float
    t_baseline: float | None
    t_current: float | None
    goals_scored: int
    change: float | None


def check_level(value: object, *, field: str = "level") -> int:
    """`value` as a GAS level (a whole number from −2 to +2); GasError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value not in LEVELS:
        raise GasError(field, f"{value!r} is not a level: expected a whole number from -2 to +2")
    return value


def check_start_level(value: object, *, field: str = "start_level") -> int:
    """`value` as a level at the start: −1, or −2 when nothing can be worse."""
    level = check_level(value, field=field)
    if level not in START_LEVELS:
        raise GasError(field, f"{level!r} cannot be the level at the start: expected -1 or -2")
    return level


def check_weight(value: object, *, field: str = "weight") -> float:
    """`value` as a goal weight (a finite number, 0 or more); GasError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GasError(field, f"{value!r} is not a weight: expected a number, 0 or more")
    weight = float(value)
    if not math.isfinite(weight):
        raise GasError(field, f"{value!r} is not a weight: expected a finite number")
    if weight < 0:
        raise GasError(field, f"{value!r} is below 0: a weight is 0 or more")
    return weight


def check_rho(value: object, *, field: str = "rho") -> float:
    """`value` as ρ, the assumed correlation between goal scores: at least 0, below 1."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise GasError(field, f"{value!r} is not a correlation: expected at least 0, below 1")
    return float(value)


def t_score(goals: Iterable[GoalLevel], *, rho: float = DEFAULT_RHO) -> TScore:
    """The T-score over the goals that have a level (see the module docstring).

    Goals without a level, and goals of weight 0, do not enter T and are not counted. GasError
    for a level outside −2…+2, a weight below 0, a ρ outside [0, 1), or when no goal is left
    to score (none has a level, or all those that do weigh 0).
    """
    rho = check_rho(rho)
    weighted_sum = 0.0  # Σ w·x
    weight_sum = 0.0  # Σ w
    squares_sum = 0.0  # Σ w²
    scored = 0
    for index, goal in enumerate(goals):
        weight = check_weight(goal.weight, field=f"goals[{index}].weight")
        if goal.level is None:
            continue
        level = check_level(goal.level, field=f"goals[{index}].level")
        if weight == 0:
            continue
        weighted_sum += weight * level
        weight_sum += weight
        squares_sum += weight * weight
        scored += 1
    if scored == 0:
        raise GasError(
            "goals", "no goal to score: give at least one goal a level and a weight above 0"
        )
    denominator = math.sqrt((1 - rho) * squares_sum + rho * weight_sum * weight_sum)
    return TScore(t=50 + 10 * weighted_sum / denominator, goals_scored=scored, rho=rho)


def t_change(start: TScore, review: TScore) -> float:
    """T at the review − T at the start; GasError when the two were computed with different ρ."""
    if start.rho != review.rho:
        raise GasError("rho", f"the two T-scores use different ρ ({start.rho} and {review.rho})")
    return review.t - start.t


def plan_gas(goals: Sequence[PlanGoal], *, rho: float = DEFAULT_RHO) -> PlanGas:
    """A plan's GAS summary: T over every goal at its start level, and T over the goals'
    latest reviewed levels.

    A T with nothing to score (no goals; no review yet; only goals of weight 0) is None, not
    an error. Bad values (a level outside −2…+2 or a start other than −1/−2, a weight below
    0) raise GasError naming ``goals[i].<field>``.
    """
    rho = check_rho(rho)
    for index, goal in enumerate(goals):
        check_weight(goal.weight, field=f"goals[{index}].weight")
        check_start_level(goal.start_level, field=f"goals[{index}].start_level")
        if goal.current_level is not None:
            check_level(goal.current_level, field=f"goals[{index}].current_level")
    at_start = [GoalLevel(weight=g.weight, level=g.start_level) for g in goals]
    at_review = [GoalLevel(weight=g.weight, level=g.current_level) for g in goals]
    baseline = _t_or_none(at_start, rho)
    current = _t_or_none(at_review, rho)
    change = None
    if baseline and current and baseline.goals_scored == current.goals_scored:
        change = t_change(baseline, current)  # the same goals at both moments
    return PlanGas(
        rho=rho,
        t_baseline=None if baseline is None else baseline.t,
        t_current=None if current is None else current.t,
        goals_scored=0 if current is None else current.goals_scored,
        change=change,
    )


def _t_or_none(goals: list[GoalLevel], rho: float) -> TScore | None:
    """T, or None when no goal is left to score (the values have been checked already)."""
    if not any(goal.level is not None and goal.weight > 0 for goal in goals):
        return None
    return t_score(goals, rho=rho)
