"""Pre/post statistics of a cohort of caregivers: paired t with the 95 % CI of the mean
change, Wilcoxon signed-rank (scipy's defaults), d_z with its CI, d_av and g_av (Lakens 2013),
the reliable-change counts, and the cautions in words.

Pure: no Django. docs/statistics.md ("Cohort pre/post") gives the formulas, assumptions and
small-sample behaviour. Differences are post − pre; SDs use n − 1.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats  # type: ignore[import-untyped]  # no type hints

from buoy.outcomes.domain.change import (
    DEFAULT_REFERENCE,
    SAMPLE_REFERENCE_MINIMUM,
    ChangeClass,
    Direction,
    Reference,
    StatisticsError,
    classify,
)

# The smallest exact two-sided Wilcoxon p is 2/2**n: 0.0625 at n = 5.
WILCOXON_FLOOR_N = 5


@dataclass(frozen=True)
class CohortWarning:
    """A caution to show beside the numbers: a stable code and the words."""

    code: str
    text: str


NO_CONTROL_GROUP = CohortWarning(
    "no_control_group",
    "A pre/post design without a control group cannot separate the effect of casework from "
    "the passing of time and regression to the mean.",
)


@dataclass(frozen=True)
class PrePost:
    """Every statistic of one cohort's paired scores. `None` is "undefined for these data"
    (the `warnings` say why)."""

    n: int
    mean_pre: float
    sd_pre: float
    mean_post: float
    sd_post: float
    mean_diff: float
    sd_diff: float
    r_pre_post: float | None
    t: float | None
    df: int
    p_t: float | None
    ci95_diff: tuple[float, float]
    d_z: float | None
    d_z_ci95: tuple[float, float] | None  # inverting the noncentral t
    d_av: float | None  # M_d / ((SD_pre + SD_post) / 2), Lakens 2013
    hedges_j: float | None  # exact, Γ(df/2) / (√(df/2)·Γ((df − 1)/2)), df = n − 1
    g_av: float | None  # d_av · J
    wilcoxon_stat: float | None  # scipy's: min(W+, W−), two-sided
    p_wilcoxon: float | None
    reference: Reference
    direction: Direction
    rci: tuple[float, ...]  # per pair, in input order
    classes: tuple[ChangeClass, ...]
    improved: int
    unchanged: int
    deteriorated: int
    warnings: tuple[CohortWarning, ...]


def prepost(
    pre: Sequence[float],
    post: Sequence[float],
    *,
    reference: Reference = DEFAULT_REFERENCE,
    direction: Direction = Direction.HIGHER_IS_BETTER,
) -> PrePost:
    """The cohort statistics of paired scores (pre[i], post[i] are one caregiver)."""
    x = np.asarray(pre, dtype=float)
    y = np.asarray(post, dtype=float)
    if x.ndim != 1 or x.shape != y.shape:
        raise StatisticsError("pre and post must be two lists of the same length")
    n = int(x.size)
    if n < 2:
        raise StatisticsError(f"paired statistics need at least two complete pairs, not {n}")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise StatisticsError("every pre and post score must be a finite number")

    diff = y - x
    df = n - 1
    mean_diff = float(diff.mean())
    sd_pre, sd_post, sd_diff = (float(v.std(ddof=1)) for v in (x, y, diff))
    notes: list[CohortWarning] = []

    se = sd_diff / math.sqrt(n)
    t_crit = float(stats.t.ppf(0.975, df))
    ci95_diff = (mean_diff - t_crit * se, mean_diff + t_crit * se)
    t: float | None = None
    p_t: float | None = None
    d_z: float | None = None
    d_z_ci95: tuple[float, float] | None = None
    if sd_diff > 0:
        t = mean_diff / se
        p_t = float(2 * stats.t.sf(abs(t), df))
        d_z = mean_diff / sd_diff
        d_z_ci95 = _d_z_interval(t, df, n)
    else:
        notes.append(
            CohortWarning(
                "constant_change",
                "Every caregiver changed by the same amount, so the t-test and d_z are undefined.",
            )
        )

    average_sd = (sd_pre + sd_post) / 2
    d_av = mean_diff / average_sd if average_sd > 0 else None
    hedges_j = _hedges_j(df)
    g_av = d_av * hedges_j if d_av is not None and hedges_j is not None else None
    r_pre_post = float(np.corrcoef(x, y)[0, 1]) if sd_pre > 0 and sd_post > 0 else None

    wilcoxon_stat, p_wilcoxon = _wilcoxon(y, x)
    if wilcoxon_stat is None:
        notes.append(
            CohortWarning(
                "no_change",
                "No caregiver's score changed, so the Wilcoxon signed-rank test is undefined.",
            )
        )

    s_diff = reference.s_diff
    rci = tuple(float(d) / s_diff for d in diff)
    classes = tuple(classify(index, direction) for index in rci)

    if n <= WILCOXON_FLOOR_N:
        notes.append(
            CohortWarning(
                "wilcoxon_floor",
                f"With {n} caregivers the Wilcoxon signed-rank test cannot reach p < .05 "
                f"(its smallest two-sided p is 2/2^{n} = {2 / 2**n:.4g}).",
            )
        )
    if n < SAMPLE_REFERENCE_MINIMUM:
        notes.append(
            CohortWarning(
                "small_sample",
                f"Only {n} caregivers (fewer than {SAMPLE_REFERENCE_MINIMUM}): the estimates "
                "are imprecise, and a reliable-change reference taken from this sample's own "
                "SD would be unstable.",
            )
        )
    if reference.warning:
        notes.append(CohortWarning("sample_reference", reference.warning))
    notes.append(NO_CONTROL_GROUP)

    return PrePost(
        n=n,
        mean_pre=float(x.mean()),
        sd_pre=sd_pre,
        mean_post=float(y.mean()),
        sd_post=sd_post,
        mean_diff=mean_diff,
        sd_diff=sd_diff,
        r_pre_post=r_pre_post,
        t=t,
        df=df,
        p_t=p_t,
        ci95_diff=ci95_diff,
        d_z=d_z,
        d_z_ci95=d_z_ci95,
        d_av=d_av,
        hedges_j=hedges_j,
        g_av=g_av,
        wilcoxon_stat=wilcoxon_stat,
        p_wilcoxon=p_wilcoxon,
        reference=reference,
        direction=direction,
        rci=rci,
        classes=classes,
        improved=classes.count(ChangeClass.RELIABLY_IMPROVED),
        unchanged=classes.count(ChangeClass.NO_RELIABLE_CHANGE),
        deteriorated=classes.count(ChangeClass.RELIABLY_DETERIORATED),
        warnings=tuple(notes),
    )


def _hedges_j(df: int) -> float | None:
    """The exact small-sample correction; undefined (0/∞) for df < 2."""
    if df < 2:
        return None
    return math.exp(
        float(special.gammaln(df / 2))
        - 0.5 * math.log(df / 2)
        - float(special.gammaln((df - 1) / 2))
    )


def _d_z_interval(t: float, df: int, n: int) -> tuple[float, float]:
    """95 % CI of d_z: the noncentralities λ with P(T_{df,λ} ≤ t) = .975 and .025, over √n."""

    def solve(target: float) -> float:
        def gap(nc: float) -> float:
            p = float(stats.nct.cdf(t, df, nc))
            if math.isnan(p):
                # Far in a tail scipy's series gives up; the cdf is there 0 or 1.
                p = 0.0 if nc > t else 1.0
            return p - target

        width = 2 * math.sqrt(1 + t * t / (2 * df)) + 1
        for _ in range(30):
            low, high = t - width, t + width
            if gap(low) > 0 > gap(high):
                return float(optimize.brentq(gap, low, high, xtol=1e-12))
            width *= 2
        raise StatisticsError("the confidence interval of d_z could not be found")

    return solve(0.975) / math.sqrt(n), solve(0.025) / math.sqrt(n)


def _wilcoxon(post: np.ndarray, pre: np.ndarray) -> tuple[float | None, float | None]:
    """scipy's Wilcoxon signed-rank test with its defaults (zero_method "wilcox", method
    "auto", two-sided); (None, None) when every difference is zero."""
    if not np.any(post - pre):
        return None, None
    with warnings.catch_warnings():
        # scipy says when it switches to the normal approximation (zeros, ties, n > 50):
        # that is its documented default, not a problem with the data.
        warnings.simplefilter("ignore", UserWarning)
        result = stats.wilcoxon(post, pre)
    return float(result.statistic), float(result.pvalue)
