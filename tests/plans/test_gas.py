"""GAS T-scores: the worked example of the domain reference (§2A), our own examples checked
against an independent computation (numpy, the variance of a weighted sum of correlated goal
scores), properties that hold for any plan, and every bad input."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import numpy as np
import pytest

from buoy.plans.domain.gas import (
    DEFAULT_RHO,
    LEVELS,
    GasError,
    GoalLevel,
    PlanGoal,
    TScore,
    check_level,
    check_start_level,
    check_weight,
    plan_gas,
    t_change,
    t_score,
)


def goals(weights: Sequence[float], levels: Sequence[int | None]) -> list[GoalLevel]:
    return [GoalLevel(weight=w, level=x) for w, x in zip(weights, levels, strict=True)]


def numpy_t(weights: Sequence[float], levels: Sequence[int], rho: float) -> float:
    """T as 50 + 10 · wᵀx / SD(wᵀx) with goal scores of SD 1 and correlation ρ: the
    covariance matrix is (1 − ρ)·I + ρ·J, so SD(wᵀx) = √(wᵀ C w)."""
    w = np.array(weights, dtype=float)
    x = np.array(levels, dtype=float)
    covariance = (1 - rho) * np.eye(len(w)) + rho * np.ones((len(w), len(w)))
    return float(50 + 10 * (w @ x) / np.sqrt(w @ covariance @ w))


# --- the worked example (§2A) ------------------------------------------------------------


def test_worked_example_review_is_53_33() -> None:
    result = t_score(goals([2, 1, 1], [1, 0, -1]))
    assert result.t == pytest.approx(50 + 10 / 3)
    assert round(result.t, 2) == 53.33
    assert result.goals_scored == 3
    assert result.rho == 0.3


def test_worked_example_start_is_36_67_and_change_is_16_67() -> None:
    start = t_score(goals([2, 1, 1], [-1, -1, -1]))
    review = t_score(goals([2, 1, 1], [1, 0, -1]))
    assert start.t == pytest.approx(50 - 40 / 3)
    assert round(start.t, 2) == 36.67
    assert round(t_change(start, review), 2) == 16.67


def test_one_goal_of_weight_one_attained_plus_two_is_70() -> None:
    assert t_score([GoalLevel(weight=1, level=2)]).t == pytest.approx(70)


def test_worked_example_as_a_plan() -> None:
    plan = [
        PlanGoal(weight=2, start_level=-1, current_level=1),
        PlanGoal(weight=1, start_level=-1, current_level=0),
        PlanGoal(weight=1, start_level=-1, current_level=-1),
    ]
    summary = plan_gas(plan)
    assert summary.rho == DEFAULT_RHO
    assert summary.t_baseline == pytest.approx(36.6667, abs=5e-5)
    assert summary.t_current == pytest.approx(53.3333, abs=5e-5)
    assert summary.goals_scored == 3
    assert summary.change == pytest.approx(16.6667, abs=5e-5)


# --- our own examples, against numpy ------------------------------------------------------


@pytest.mark.parametrize(
    ("weights", "levels", "rho"),
    [
        ([1, 1], [2, 0], 0.3),  # two equal goals
        ([3, 1, 2, 1], [0, 1, -2, 2], 0.3),
        ([9, 4, 1], [1, 1, 1], 0.3),  # Turner-Stokes weights (importance × difficulty)
        ([1, 1, 1, 1, 1], [-1, -1, 0, 1, 2], 0.0),  # independent goals
        ([0.5, 2.5], [-2, 2], 0.6),
        ([1, 2, 3, 4, 5, 6], [2, 1, 0, -1, -2, 0], 0.3),
    ],
)
def test_t_matches_an_independent_computation(
    weights: list[float], levels: list[int], rho: float
) -> None:
    result = t_score(goals(weights, list(levels)), rho=rho)
    assert result.t == pytest.approx(numpy_t(weights, levels, rho), rel=1e-12)
    assert result.goals_scored == len(weights)
    assert result.rho == rho


def test_three_goals_of_weight_one_all_plus_one_by_hand() -> None:
    # Σwx = 3; √(0.7·3 + 0.3·9) = √4.8; T = 50 + 30/√4.8 = 63.69
    assert round(t_score(goals([1, 1, 1], [1, 1, 1])).t, 2) == 63.69


def test_random_plans_match_numpy() -> None:
    rng = random.Random(20)  # seeded: the same plans on every run
    for _ in range(300):
        count = rng.randint(1, 8)
        weights = [rng.choice([0.5, 1, 2, 3, 4, 6, 9]) for _ in range(count)]
        levels = [rng.choice(LEVELS) for _ in range(count)]
        rho = rng.choice([0.0, 0.1, 0.3, 0.5, 0.9])
        assert t_score(goals(weights, list(levels)), rho=rho).t == pytest.approx(
            numpy_t(weights, levels, rho), rel=1e-12
        )


# --- properties ---------------------------------------------------------------------------


def test_every_goal_met_as_expected_gives_50() -> None:
    rng = random.Random(1)
    for _ in range(100):
        count = rng.randint(1, 8)
        weights = [rng.uniform(0.1, 9) for _ in range(count)]
        rho = rng.uniform(0, 0.95)
        assert t_score(goals(weights, [0] * count), rho=rho).t == pytest.approx(50)


def test_t_minus_50_is_linear_in_the_levels() -> None:
    rng = random.Random(2)
    for _ in range(200):
        count = rng.randint(1, 6)
        weights = [rng.choice([1, 2, 3]) for _ in range(count)]
        first = [rng.choice((-1, 0, 1)) for _ in range(count)]
        second = [rng.choice((-1, 0, 1)) for _ in range(count)]
        both = [a + b for a, b in zip(first, second, strict=True)]  # stays within −2…+2
        t_first = t_score(goals(weights, list(first))).t - 50
        t_second = t_score(goals(weights, list(second))).t - 50
        t_both = t_score(goals(weights, list(both))).t - 50
        assert t_both == pytest.approx(t_first + t_second, abs=1e-9)
        mirrored = t_score(goals(weights, [-x for x in both])).t - 50
        assert mirrored == pytest.approx(-t_both, abs=1e-9)


def test_scaling_every_weight_leaves_t_unchanged() -> None:
    rng = random.Random(3)
    for _ in range(100):
        count = rng.randint(1, 6)
        weights = [rng.uniform(0.1, 5) for _ in range(count)]
        levels = [rng.choice(LEVELS) for _ in range(count)]
        factor = rng.uniform(0.1, 10)
        assert t_score(goals([w * factor for w in weights], list(levels))).t == pytest.approx(
            t_score(goals(weights, list(levels))).t
        )


def test_one_goal_scores_50_plus_10_per_level_whatever_its_weight_and_rho() -> None:
    for level in LEVELS:
        for weight in (0.5, 1, 4):
            for rho in (0.0, 0.3, 0.8):
                result = t_score([GoalLevel(weight=weight, level=level)], rho=rho)
                assert result.t == pytest.approx(50 + 10 * level)


def test_goals_without_a_level_or_of_weight_zero_are_left_out_and_not_counted() -> None:
    result = t_score(goals([2, 5, 0, 1, 1], [1, None, 2, 0, -1]))
    assert result.t == pytest.approx(50 + 10 / 3)
    assert result.goals_scored == 3


def test_a_goal_of_weight_zero_does_not_move_t() -> None:
    assert math.isclose(t_score(goals([0, 1], [2, 0])).t, 50)


# --- plan summaries -----------------------------------------------------------------------


def test_plan_before_its_first_review_has_only_a_baseline() -> None:
    summary = plan_gas([PlanGoal(weight=1, start_level=-1), PlanGoal(weight=1, start_level=-2)])
    # Σwx = −3; √(0.7·2 + 0.3·4) = √2.6
    assert summary.t_baseline == pytest.approx(50 - 30 / math.sqrt(2.6))
    assert summary.t_current is None
    assert summary.goals_scored == 0
    assert summary.change is None


def test_plan_with_a_goal_not_yet_reviewed_gives_no_change() -> None:
    summary = plan_gas(
        [
            PlanGoal(weight=1, start_level=-1, current_level=1),
            PlanGoal(weight=1, start_level=-1),
        ]
    )
    assert summary.t_current == pytest.approx(60)
    assert summary.goals_scored == 1
    assert summary.change is None  # the start had two goals, the review one


def test_plan_without_goals_has_no_t() -> None:
    summary = plan_gas([])
    assert (summary.t_baseline, summary.t_current, summary.goals_scored, summary.change) == (
        None,
        None,
        0,
        None,
    )


def test_plan_keeps_its_rho() -> None:
    summary = plan_gas([PlanGoal(weight=1, start_level=-1, current_level=0)], rho=0.5)
    assert summary.rho == 0.5
    assert summary.change == pytest.approx(10)


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize("level", [3, -3, 10, 0.5, 1.0, "1", True])
def test_a_level_outside_minus_two_to_plus_two_is_refused(level: object) -> None:
    with pytest.raises(GasError) as raised:
        t_score([GoalLevel(weight=1, level=0), GoalLevel(weight=1, level=level)])  # type: ignore[arg-type]
    assert raised.value.field == "goals[1].level"


def test_a_level_outside_the_range_names_the_goal_and_the_field() -> None:
    with pytest.raises(GasError) as raised:
        t_score([GoalLevel(weight=1, level=0), GoalLevel(weight=1, level=3)])
    assert raised.value.field == "goals[1].level"
    assert "-2 to +2" in raised.value.message
    assert str(raised.value).startswith("goals[1].level: ")


@pytest.mark.parametrize("weight", [-1, -0.01, math.nan, math.inf, "2", True])
def test_a_weight_below_zero_or_not_a_number_is_refused(weight: object) -> None:
    with pytest.raises(GasError) as raised:
        t_score([GoalLevel(weight=weight, level=1)])  # type: ignore[arg-type]
    assert raised.value.field == "goals[0].weight"


def test_a_negative_weight_is_refused_even_on_a_goal_without_a_level() -> None:
    with pytest.raises(GasError) as raised:
        t_score([GoalLevel(weight=1, level=1), GoalLevel(weight=-2, level=None)])
    assert raised.value.field == "goals[1].weight"
    assert "below 0" in raised.value.message


def test_t_of_no_goals_is_an_error() -> None:
    with pytest.raises(GasError) as raised:
        t_score([])
    assert raised.value.field == "goals"
    assert "no goal to score" in raised.value.message


def test_t_of_goals_without_levels_is_an_error() -> None:
    with pytest.raises(GasError, match="no goal to score"):
        t_score(goals([1, 2], [None, None]))


def test_t_when_every_scored_goal_weighs_zero_is_an_error() -> None:
    with pytest.raises(GasError, match="no goal to score"):
        t_score(goals([0, 0], [1, -1]))


@pytest.mark.parametrize("rho", [-0.1, 1, 1.5, math.nan, "0.3", True])
def test_rho_outside_zero_to_one_is_refused(rho: object) -> None:
    with pytest.raises(GasError) as raised:
        t_score([GoalLevel(weight=1, level=0)], rho=rho)  # type: ignore[arg-type]
    assert raised.value.field == "rho"


@pytest.mark.parametrize("start", [0, 1, 2, -3])
def test_a_start_other_than_minus_one_or_minus_two_is_refused(start: int) -> None:
    with pytest.raises(GasError) as raised:
        plan_gas([PlanGoal(weight=1, start_level=-1), PlanGoal(weight=1, start_level=start)])
    assert raised.value.field == "goals[1].start_level"


def test_a_plan_with_a_reviewed_level_out_of_range_is_refused() -> None:
    with pytest.raises(GasError) as raised:
        plan_gas([PlanGoal(weight=1, start_level=-1, current_level=-3)])
    assert raised.value.field == "goals[0].current_level"


def test_a_plan_with_a_negative_weight_is_refused_before_any_review() -> None:
    with pytest.raises(GasError) as raised:
        plan_gas([PlanGoal(weight=-1, start_level=-1)])
    assert raised.value.field == "goals[0].weight"


def test_a_change_between_t_scores_with_different_rho_is_refused() -> None:
    with pytest.raises(GasError) as raised:
        t_change(TScore(t=40, goals_scored=1, rho=0.3), TScore(t=60, goals_scored=1, rho=0.5))
    assert raised.value.field == "rho"


def test_the_checks_are_usable_alone_and_name_the_given_field() -> None:
    assert check_level(-2) == -2
    assert check_start_level(-2) == -2
    assert check_weight(3) == 3.0
    with pytest.raises(GasError) as raised:
        check_weight(-1, field="weight")
    assert (raised.value.field, str(raised.value)) == (
        "weight",
        "weight: -1 is below 0: a weight is 0 or more",
    )
