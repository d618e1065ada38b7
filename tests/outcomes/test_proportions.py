"""Wilson and Newcombe intervals against Newcombe's published worked examples and
statsmodels."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.stats.proportion import (  # no type hints
    confint_proportions_2indep,
    proportion_confint,
)

from buoy.outcomes.domain.change import StatisticsError
from buoy.outcomes.domain.proportions import newcombe_difference, wilson

# Newcombe RG (1998), Interval estimation for the difference between independent proportions:
# comparison of eleven methods. Stat Med 17:873-890, Table II, method 10 (score, no continuity
# correction), to 4 decimals.
NEWCOMBE_1998 = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
]


@pytest.mark.parametrize(("counts", "published"), NEWCOMBE_1998)
def test_newcombe_matches_the_published_examples(counts, published):
    result = newcombe_difference(*counts)
    assert result.ci95 == pytest.approx(published, abs=5e-5)
    x1, n1, x2, n2 = counts
    assert result.difference == pytest.approx(x1 / n1 - x2 / n2)


def test_wilson_matches_newcombes_single_proportion_example():
    # Newcombe RG (1998), Two-sided confidence intervals for the single proportion, Stat Med
    # 17:857-872: 81/263, Wilson 0.2553 to 0.3662.
    assert wilson(81, 263) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    assert wilson(0, 10)[0] == 0.0
    assert wilson(10, 10)[1] == 1.0


@given(
    st.integers(1, 60).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 60).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_the_same_as_statsmodels(first, second):
    (x1, n1), (x2, n2) = first, second
    expected = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff")
    result = newcombe_difference(x1, n1, x2, n2)
    assert result.ci95 == pytest.approx(tuple(float(v) for v in expected), abs=1e-12)
    assert result.ci95_p1 == pytest.approx(proportion_confint(x1, n1, method="wilson"), abs=1e-12)
    assert -1 <= result.ci95[0] <= result.difference <= result.ci95[1] <= 1
    swapped = newcombe_difference(x2, n2, x1, n1)
    assert swapped.ci95 == pytest.approx((-result.ci95[1], -result.ci95[0]), abs=1e-12)


def test_impossible_counts_are_refused():
    with pytest.raises(StatisticsError, match="at least one"):
        wilson(0, 0)
    with pytest.raises(StatisticsError, match="between 0 and n"):
        wilson(6, 5)
    with pytest.raises(StatisticsError, match="whole number"):
        newcombe_difference(1.5, 4, 1, 4)  # type: ignore[arg-type]
