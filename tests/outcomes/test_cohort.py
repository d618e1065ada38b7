"""Cohort pre/post statistics against scipy, pingouin and the worked example in shared/domain
(reference.md §3.2, tolerance 1e-4 for t, p and d, exact for W and the exact p), and the
invariants the issue names, with hypothesis."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pingouin as pg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats  # type: ignore[import-untyped]  # no type hints

from buoy.outcomes.domain.change import (
    CN_CAREGIVERS,
    US_COMMUNITY,
    ChangeClass,
    Direction,
    StatisticsError,
    sample_reference,
)
from buoy.outcomes.domain.cohort import prepost
from tests.shared_files import shared

PRE = [18, 22, 25, 20, 27, 15, 23, 19]
POST = [25, 26, 27, 25, 26, 24, 29, 22]


def test_the_worked_example_file_is_the_one_these_numbers_come_from():
    out = shared("domain", "domain_stats_example.out").read_text()
    for printed in (
        "t(7) = 3.9739, p = 0.005365",
        "95% CI [1.7717, 6.9783]",
        "d_z = 1.4050",
        "d_av (mean of SDs, Lakens 2013) = 1.4638",
        "g_av = d_av*J = 1.3012 (approx J) / 1.3001 (exact J)",
        "95% CI d_z (noncentral t): [0.3827, 2.3824]",
        "scipy statistic (min) = 1.0, exact p = 0.015625",
    ):
        assert printed in out


def test_the_worked_example():
    r = prepost(PRE, POST)
    assert r.n == 8
    assert r.df == 7
    assert r.mean_pre == pytest.approx(21.125, abs=1e-4)
    assert r.sd_pre == pytest.approx(3.9074, abs=1e-4)
    assert r.mean_post == pytest.approx(25.5, abs=1e-4)
    assert r.sd_post == pytest.approx(2.0702, abs=1e-4)
    assert r.mean_diff == pytest.approx(4.375, abs=1e-4)
    assert r.sd_diff == pytest.approx(3.1139, abs=1e-4)
    assert r.r_pre_post == pytest.approx(0.6093, abs=1e-4)
    assert r.t == pytest.approx(3.9739, abs=1e-4)
    assert r.p_t == pytest.approx(0.005365, abs=1e-6)
    assert r.ci95_diff == pytest.approx((1.7717, 6.9783), abs=1e-4)
    assert r.d_z == pytest.approx(1.4050, abs=1e-4)
    assert r.d_z_ci95 == pytest.approx((0.3827, 2.3824), abs=1e-4)
    assert r.d_av == pytest.approx(1.4638, abs=1e-4)
    assert r.hedges_j == pytest.approx(0.88820, abs=1e-5)
    assert r.g_av == pytest.approx(1.3001, abs=1e-4)
    assert r.wilcoxon_stat == 1.0
    assert r.p_wilcoxon == 0.015625
    # Only caregiver 6 is reliably improved with the Chinese reference (reference.md §3.2).
    assert r.reference is CN_CAREGIVERS
    assert r.rci[5] == pytest.approx(2.380, abs=5e-4)
    assert (r.improved, r.unchanged, r.deteriorated) == (1, 7, 0)
    assert r.classes[5] is ChangeClass.RELIABLY_IMPROVED


def test_the_same_numbers_as_scipy_and_pingouin():
    r = prepost(PRE, POST)
    ttest = stats.ttest_rel(POST, PRE)
    ci = ttest.confidence_interval(0.95)
    assert r.t == pytest.approx(ttest.statistic, rel=1e-12)
    assert r.p_t == pytest.approx(ttest.pvalue, rel=1e-10)
    assert r.ci95_diff == pytest.approx((ci.low, ci.high), rel=1e-12)
    w = stats.wilcoxon(POST, PRE)
    assert (r.wilcoxon_stat, r.p_wilcoxon) == (w.statistic, w.pvalue)
    pgt = pg.ttest(POST, PRE, paired=True)
    assert r.t == pytest.approx(pgt["T"].iloc[0], rel=1e-10)
    assert r.p_t == pytest.approx(pgt["p_val"].iloc[0], rel=1e-8)
    dz = pg.compute_effsize(POST, PRE, paired=True, eftype="cohen_dz")
    assert r.d_z == pytest.approx(dz, rel=1e-12)
    pgw = pg.wilcoxon(POST, PRE)
    assert r.wilcoxon_stat == pgw["W_val"].iloc[0]
    assert r.p_wilcoxon == pytest.approx(pgw["p_val"].iloc[0], rel=1e-12)


def test_a_larger_cohort_with_ties_and_zeros_matches_scipy_defaults():
    rng = np.random.default_rng(7)
    pre = rng.integers(10, 35, size=60)
    post = np.clip(pre + rng.integers(-4, 9, size=60), 0, 40)
    r = prepost(pre.tolist(), post.tolist())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # scipy: switching to the approximation
        w = stats.wilcoxon(post, pre)
    assert r.wilcoxon_stat == pytest.approx(w.statistic)
    assert r.p_wilcoxon == pytest.approx(w.pvalue, rel=1e-12)
    ttest = stats.ttest_rel(post, pre)
    assert r.t == pytest.approx(ttest.statistic, rel=1e-10)
    assert r.p_t == pytest.approx(ttest.pvalue, rel=1e-8)
    # d_z's CI from the noncentral t sits near the normal approximation for n = 60.
    assert r.d_z is not None
    assert r.d_z_ci95 is not None
    se = math.sqrt(1 / 60 + r.d_z**2 / 120)
    assert r.d_z_ci95 == pytest.approx((r.d_z - 1.96 * se, r.d_z + 1.96 * se), abs=0.02)
    assert not any(w.code == "small_sample" for w in r.warnings)


def test_warnings_in_words():
    five = prepost([10, 12, 14, 16, 18], [15, 18, 17, 22, 25])
    codes = [w.code for w in five.warnings]
    assert "wilcoxon_floor" in codes
    assert "small_sample" in codes
    assert codes[-1] == "no_control_group"
    floor = next(w for w in five.warnings if w.code == "wilcoxon_floor")
    assert "cannot reach p < .05" in floor.text
    # n = 5 with all five improving: the floor is exactly what the test gives.
    assert five.p_wilcoxon == pytest.approx(0.0625)
    six = prepost([10, 12, 14, 16, 18, 20], [15, 18, 17, 22, 25, 27])
    assert "wilcoxon_floor" not in [w.code for w in six.warnings]
    thirty = prepost(list(range(30)), [v + (v % 4) for v in range(30)])
    assert [w.code for w in thirty.warnings] == ["no_control_group"]
    assert "control group" in thirty.warnings[-1].text


def test_a_sample_reference_carries_its_warning_into_the_cohort():
    ref = sample_reference(PRE, 0.78, kind="test-retest")
    r = prepost(PRE, POST, reference=ref)
    assert "sample_reference" in [w.code for w in r.warnings]
    assert r.rci[0] == pytest.approx(7 / ref.s_diff)


def test_the_reference_and_direction_change_the_counts():
    us = prepost(PRE, POST, reference=US_COMMUNITY)
    assert (us.improved, us.unchanged, us.deteriorated) == (3, 5, 0)  # +6, +7, +9 > 5.80
    phq = prepost(PRE, POST, reference=US_COMMUNITY, direction=Direction.LOWER_IS_BETTER)
    assert (phq.improved, phq.unchanged, phq.deteriorated) == (0, 5, 3)


def test_undefined_statistics_are_none_with_a_reason():
    same = prepost([10, 12, 14], [13, 15, 17])
    assert same.sd_diff == 0
    assert same.t is None
    assert same.d_z is None
    assert same.d_z_ci95 is None
    assert same.ci95_diff == (3.0, 3.0)
    assert same.d_av == pytest.approx(1.5)
    assert "constant_change" in [w.code for w in same.warnings]
    unchanged = prepost([10, 12, 14], [10, 12, 14])
    assert unchanged.wilcoxon_stat is None
    assert unchanged.p_wilcoxon is None
    assert "no_change" in [w.code for w in unchanged.warnings]
    two = prepost([10, 12], [14, 13])
    assert two.g_av is None
    assert two.d_av is not None


def test_bad_input_is_refused():
    with pytest.raises(StatisticsError, match="at least two"):
        prepost([10], [12])
    with pytest.raises(StatisticsError, match="same length"):
        prepost([10, 11], [12])
    with pytest.raises(StatisticsError, match="finite"):
        prepost([10, float("nan")], [12, 13])


# ---- invariants (issue 11 part 7)

scores = st.integers(min_value=0, max_value=40)
pairs = st.lists(st.tuples(scores, scores), min_size=3, max_size=30).filter(
    lambda ps: len({b - a for a, b in ps}) > 1 and len({a for a, _ in ps}) > 1
)

# scipy's default Wilcoxon runs an exact permutation test for n ≤ 13 with ties (up to 2^13
# sign flips), so these properties draw few examples.
FIELDS = ("t", "p_t", "d_z", "d_av", "g_av", "wilcoxon_stat", "p_wilcoxon", "sd_diff")


def _close(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is b
    return a == pytest.approx(b, rel=1e-9, abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(pairs, st.randoms(use_true_random=False))
def test_reordering_rows_changes_nothing(ps, random):
    shuffled = list(ps)
    random.shuffle(shuffled)
    a = prepost([p for p, _ in ps], [q for _, q in ps])
    b = prepost([p for p, _ in shuffled], [q for _, q in shuffled])
    for name in (*FIELDS, "mean_pre", "mean_post", "mean_diff", "sd_pre", "sd_post"):
        assert _close(getattr(a, name), getattr(b, name)), name
    assert _close(a.ci95_diff, b.ci95_diff)
    assert _close(a.d_z_ci95, b.d_z_ci95)
    assert (a.improved, a.unchanged, a.deteriorated) == (b.improved, b.unchanged, b.deteriorated)
    assert sorted(a.rci) == pytest.approx(sorted(b.rci))


@settings(max_examples=30, deadline=None)
@given(pairs.filter(lambda ps: len({b for _, b in ps}) > 1))
def test_swapping_pre_and_post_flips_the_signs(ps):
    pre, post = [p for p, _ in ps], [q for _, q in ps]
    a = prepost(pre, post)
    b = prepost(post, pre)
    assert b.mean_diff == pytest.approx(-a.mean_diff)
    assert a.t is not None
    assert b.t is not None
    for name in ("t", "d_z", "d_av", "g_av"):
        assert getattr(b, name) == pytest.approx(-getattr(a, name), rel=1e-9), name
    assert b.p_t == pytest.approx(a.p_t, rel=1e-9)
    assert b.ci95_diff == pytest.approx((-a.ci95_diff[1], -a.ci95_diff[0]))
    assert a.d_z_ci95 is not None
    assert b.d_z_ci95 == pytest.approx((-a.d_z_ci95[1], -a.d_z_ci95[0]), rel=1e-6, abs=1e-9)
    assert b.wilcoxon_stat == a.wilcoxon_stat
    assert b.p_wilcoxon == pytest.approx(a.p_wilcoxon, rel=1e-9)
    assert b.rci == pytest.approx([-v for v in a.rci])
    assert (b.improved, b.deteriorated) == (a.deteriorated, a.improved)


@settings(max_examples=30, deadline=None)
@given(pairs, st.integers(min_value=-20, max_value=60))
def test_adding_a_constant_to_both_changes_only_the_means(ps, c):
    pre, post = [p for p, _ in ps], [q for _, q in ps]
    a = prepost(pre, post)
    b = prepost([p + c for p in pre], [q + c for q in post])
    assert b.mean_pre == pytest.approx(a.mean_pre + c)
    assert b.mean_post == pytest.approx(a.mean_post + c)
    for name in (*FIELDS, "mean_diff", "sd_pre", "sd_post", "r_pre_post"):
        assert _close(getattr(a, name), getattr(b, name)), name
    assert _close(a.ci95_diff, b.ci95_diff)
    assert _close(a.d_z_ci95, b.d_z_ci95)
    assert a.rci == b.rci
