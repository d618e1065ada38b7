"""Reliable change and clinical significance per caregiver, against the worked example in
shared/domain (reference.md §2 and domain_stats_example.out) and pingouin."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd  # type: ignore[import-untyped]  # no stubs
import pingouin as pg
import pytest

from buoy.outcomes.domain.change import (
    CN_CAREGIVERS,
    CN_NON_PTSD,
    CN_PARENTS_CANCER,
    DEFAULT_REFERENCE,
    US_COMMUNITY,
    US_COMMUNITY_POPULATION,
    ChangeClass,
    Criterion,
    Direction,
    Population,
    Reference,
    StatisticsError,
    classify,
    cronbach_alpha,
    cutoff,
    individual_change,
    rci,
    sample_reference,
)
from tests.shared_files import shared

PRE = [18, 22, 25, 20, 27, 15, 23, 19]
POST = [25, 26, 27, 25, 26, 24, 29, 22]


def _example_output() -> str:
    return shared("domain", "domain_stats_example.out").read_text()


def test_the_default_reference_is_the_chinese_caregivers_one():
    assert DEFAULT_REFERENCE is CN_CAREGIVERS
    assert (CN_CAREGIVERS.sd, CN_CAREGIVERS.reliability) == (5.7, 0.78)
    assert (US_COMMUNITY.sd, US_COMMUNITY.reliability) == (5.4, 0.85)
    assert "Ye" in CN_CAREGIVERS.source
    assert "Campbell-Sills" in US_COMMUNITY.source


@pytest.mark.parametrize(
    ("reference", "label"),
    [(US_COMMUNITY, "US general pop"), (CN_CAREGIVERS, "CN parents of children")],
)
def test_sem_sdiff_and_rc_match_the_worked_example(reference, label):
    line = next(x for x in _example_output().splitlines() if x.strip().startswith(label))
    sem, sdiff, rc = (float(v) for v in re.findall(r"=(\d+\.\d+)", line))
    assert reference.se_measurement == pytest.approx(sem, abs=5e-4)
    assert reference.s_diff == pytest.approx(sdiff, abs=5e-4)
    assert reference.reliable_change == pytest.approx(rc, abs=5e-3)


def test_per_caregiver_rci_and_class_match_the_worked_example():
    lines = [x for x in _example_output().splitlines() if x.strip().startswith("caregiver ")]
    assert len(lines) == 8
    for line, a, b in zip(lines, PRE, POST, strict=True):
        found = re.search(r"RCI ([+-]\d+\.\d+)", line)
        assert found is not None
        printed = float(found.group(1))
        label = line.split("-> ")[1].strip()
        change = individual_change(a, b)
        assert change.rci == pytest.approx(printed, abs=5e-4)
        assert change.diff == b - a
        expected = {
            "reliable improvement": ChangeClass.RELIABLY_IMPROVED,
            "no reliable change": ChangeClass.NO_RELIABLE_CHANGE,
            "reliable deterioration": ChangeClass.RELIABLY_DETERIORATED,
        }[label]
        assert change.change_class is expected


def test_the_reference_choice_changes_the_verdict_on_18_to_25():
    # reference.md §2.3: 1.85 with the Chinese reference (not reliable), 2.37 with the US one.
    cn = individual_change(18, 25, reference=CN_CAREGIVERS)
    us = individual_change(18, 25, reference=US_COMMUNITY)
    assert cn.rci == pytest.approx(1.851, abs=5e-4)
    assert us.rci == pytest.approx(2.367, abs=5e-4)
    assert cn.change_class is ChangeClass.NO_RELIABLE_CHANGE
    assert us.change_class is ChangeClass.RELIABLY_IMPROVED
    assert cn.reference is CN_CAREGIVERS
    assert us.reference is US_COMMUNITY


def test_direction_decides_improvement_or_deterioration():
    # PHQ-9: going up is worse.
    assert classify(2.5, Direction.HIGHER_IS_BETTER) is ChangeClass.RELIABLY_IMPROVED
    assert classify(2.5, Direction.LOWER_IS_BETTER) is ChangeClass.RELIABLY_DETERIORATED
    assert classify(-2.5, Direction.LOWER_IS_BETTER) is ChangeClass.RELIABLY_IMPROVED
    assert classify(-2.5, Direction.HIGHER_IS_BETTER) is ChangeClass.RELIABLY_DETERIORATED
    # 1.96 itself is not beyond 1.96.
    assert classify(1.96, Direction.HIGHER_IS_BETTER) is ChangeClass.NO_RELIABLE_CHANGE
    assert classify(-1.96, Direction.LOWER_IS_BETTER) is ChangeClass.NO_RELIABLE_CHANGE
    phq = Reference("phq", "test", 5.0, 0.84, "cronbach-alpha", "test")
    change = individual_change(18, 8, reference=phq, direction=Direction.LOWER_IS_BETTER)
    assert change.rci < -1.96
    assert change.change_class is ChangeClass.RELIABLY_IMPROVED


def test_cutoffs_match_the_worked_example():
    hb = Direction.HIGHER_IS_BETTER
    for functional, (a, b, c) in (
        (US_COMMUNITY_POPULATION, (34.40, 21.00, 27.52)),
        (CN_NON_PTSD, (34.40, 14.20, 24.81)),
    ):
        kw = {"dysfunctional": CN_PARENTS_CANCER, "functional": functional}
        assert cutoff(Criterion.A, hb, **kw).value == pytest.approx(a, abs=5e-3)
        assert cutoff(Criterion.B, hb, **kw).value == pytest.approx(b, abs=5e-3)
        assert cutoff(Criterion.C, hb, **kw).value == pytest.approx(c, abs=5e-3)


def test_cutoffs_reverse_for_a_symptom_scale():
    lb = Direction.LOWER_IS_BETTER
    dys, func = Population("clinic", 15.0, 5.0), Population("community", 4.0, 3.0)
    assert cutoff(Criterion.A, lb, dysfunctional=dys).value == 5.0
    assert cutoff(Criterion.B, lb, functional=func).value == 10.0
    assert cutoff(Criterion.C, lb, dysfunctional=dys, functional=func).value == pytest.approx(
        (5 * 4 + 3 * 15) / 8
    )
    c = cutoff(Criterion.C, lb, dysfunctional=dys, functional=func)
    assert c.crossed(7)
    assert not c.crossed(9)


def test_a_criterion_without_its_population_is_refused():
    with pytest.raises(StatisticsError, match="criterion a"):
        cutoff(Criterion.A, Direction.HIGHER_IS_BETTER, functional=US_COMMUNITY_POPULATION)
    with pytest.raises(StatisticsError, match="criterion c"):
        cutoff(Criterion.C, Direction.HIGHER_IS_BETTER, dysfunctional=CN_PARENTS_CANCER)


def test_recovered_needs_reliable_improvement_and_the_crossed_cutoff():
    hb = Direction.HIGHER_IS_BETTER
    us_c = cutoff(
        Criterion.C, hb, dysfunctional=CN_PARENTS_CANCER, functional=US_COMMUNITY_POPULATION
    )
    cn_c = cutoff(Criterion.C, hb, dysfunctional=CN_PARENTS_CANCER, functional=CN_NON_PTSD)
    # reference.md §2.3: 25 has not crossed 27.52 but has crossed 24.81; RCI 1.85 is not reliable.
    not_crossed = individual_change(18, 25, cutoff=us_c)
    crossed_only = individual_change(18, 25, cutoff=cn_c)
    assert (not_crossed.crossed, not_crossed.recovered) == (False, False)
    assert (crossed_only.crossed, crossed_only.recovered) == (True, False)
    both = individual_change(15, 28, cutoff=us_c)
    assert both.change_class is ChangeClass.RELIABLY_IMPROVED
    assert (both.crossed, both.recovered) == (True, True)
    reliable_only = individual_change(10, 20, cutoff=us_c)
    assert reliable_only.change_class is ChangeClass.RELIABLY_IMPROVED
    assert reliable_only.recovered is False
    assert individual_change(18, 25).recovered is None


def test_a_cutoff_for_the_other_direction_is_refused():
    c = cutoff(Criterion.A, Direction.LOWER_IS_BETTER, dysfunctional=CN_PARENTS_CANCER)
    with pytest.raises(StatisticsError, match="direction"):
        individual_change(18, 25, cutoff=c)


def test_sample_reference_uses_the_baseline_sd_and_warns_below_30():
    ref = sample_reference(PRE, 0.78, kind="test-retest")
    assert ref.sd == pytest.approx(3.9074, abs=5e-5)  # domain_stats_example.out, sd of pre
    assert ref.key == "sample"
    assert ref.reliability == 0.78
    assert ref.warning is not None
    assert "8 caregivers" in ref.warning
    big = sample_reference(list(range(30)), 0.8, kind="cronbach-alpha")
    assert big.warning is None
    assert rci(10, 20, big) == pytest.approx(10 / big.s_diff)


def test_bad_references_are_refused_with_a_reason():
    with pytest.raises(StatisticsError, match="SD"):
        Reference("x", "x", 0.0, 0.8, "test-retest", "x")
    with pytest.raises(StatisticsError, match="reliability"):
        Reference("x", "x", 5.0, 1.0, "test-retest", "x")
    with pytest.raises(StatisticsError, match="differ"):
        sample_reference([20, 20, 20], 0.8, kind="test-retest")
    with pytest.raises(StatisticsError, match="two"):
        sample_reference([20], 0.8, kind="test-retest")
    with pytest.raises(StatisticsError, match="finite"):
        individual_change(float("nan"), 20)


def test_cronbach_alpha_matches_pingouin():
    rng = np.random.default_rng(11)
    trait = rng.normal(size=40)
    items = np.clip(np.round(2 + trait[:, None] + rng.normal(scale=0.8, size=(40, 10))), 0, 4)
    expected, _ci = pg.cronbach_alpha(data=pd.DataFrame(items))
    assert cronbach_alpha(items.tolist()) == pytest.approx(expected, abs=1e-10)
    with pytest.raises(StatisticsError):
        cronbach_alpha([[1, 2], [1, 2]])
