"""Change per caregiver: the reliable change index (Jacobson & Truax 1991) and clinical
significance (criteria a, b, c), with the instrument's direction.

Pure: no Django. docs/statistics.md ("Reliable change") gives the formulas and references.

    SE_m = SD_ref · √(1 − r),  S_diff = √2 · SE_m,  RCI = (post − pre) / S_diff

|RCI| > 1.96 is reliable change; whether it is an improvement depends on the direction of the
instrument (higher is better for the CD-RISC-10, worse for the PHQ-9).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

Z_CRITICAL = 1.96
# Below this many caregivers a reference taken from the sample itself is unstable.
SAMPLE_REFERENCE_MINIMUM = 30


class StatisticsError(ValueError):
    """Input a statistic cannot be computed from; the message says what is wrong."""


class Direction(enum.Enum):
    """Which way is better on an instrument's total."""

    HIGHER_IS_BETTER = "higher_is_better"  # CD-RISC-10, BRS, WHO-5, MSPSS
    LOWER_IS_BETTER = "lower_is_better"  # PHQ-9, GAD-7, K10, ZBI, CSI

    @property
    def sign(self) -> int:
        return 1 if self is Direction.HIGHER_IS_BETTER else -1


class ChangeClass(enum.Enum):
    """The Jacobson–Truax classification of one caregiver's change."""

    RELIABLY_IMPROVED = "reliably_improved"
    NO_RELIABLE_CHANGE = "no_reliable_change"
    RELIABLY_DETERIORATED = "reliably_deteriorated"


@dataclass(frozen=True)
class Reference:
    """The SD and reliability an RCI is computed with, and where they come from.

    `warning` is set when the reference should not be trusted (a small sample's own SD)."""

    key: str
    name: str
    sd: float
    reliability: float
    reliability_kind: str  # "test-retest" | "cronbach-alpha"
    source: str
    warning: str | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.sd) and self.sd > 0):
            raise StatisticsError(f"reference SD must be a positive number, not {self.sd}")
        if not (0 <= self.reliability < 1):
            raise StatisticsError(
                f"reference reliability must be at least 0 and below 1, not {self.reliability}"
            )

    @property
    def se_measurement(self) -> float:
        """SE_m = SD · √(1 − r)."""
        return self.sd * math.sqrt(1 - self.reliability)

    @property
    def s_diff(self) -> float:
        """The standard error of a difference of two scores, √2 · SE_m."""
        return math.sqrt(2) * self.se_measurement

    @property
    def reliable_change(self) -> float:
        """The smallest change in raw points that counts as reliable, 1.96 · S_diff."""
        return Z_CRITICAL * self.s_diff


CN_CAREGIVERS = Reference(
    key="cn-caregivers",
    name="Chinese parents of children with cancer",
    sd=5.7,
    reliability=0.78,
    reliability_kind="test-retest",
    source="Ye et al. 2017, Eur J Oncol Nurs 27:36-44 (SD 5.7, test-retest r .78)",
)
US_COMMUNITY = Reference(
    key="us-community",
    name="US community",
    sd=5.4,
    reliability=0.85,
    reliability_kind="cronbach-alpha",
    source=(
        "Campbell-Sills, Forde & Stein 2009, J Psychiatr Res 43:1007 (SD 5.4); "
        "Campbell-Sills & Stein 2007 (alpha .85)"
    ),
)
PUBLISHED_REFERENCES = {ref.key: ref for ref in (CN_CAREGIVERS, US_COMMUNITY)}
DEFAULT_REFERENCE = CN_CAREGIVERS
SAMPLE_KEY = "sample"


def sample_reference(pre: Sequence[float], reliability: float, *, kind: str) -> Reference:
    """The sample's own reference: the SD (n − 1) of its baseline scores with a reliability
    the caller names (the sample's own α, say); warned below 30 caregivers."""
    scores = [float(x) for x in pre]
    n = len(scores)
    if n < 2:
        raise StatisticsError("a sample reference needs at least two baseline scores")
    sd = _sd(scores)
    if sd == 0:
        raise StatisticsError("a sample reference needs baseline scores that differ")
    warning = None
    if n < SAMPLE_REFERENCE_MINIMUM:
        warning = (
            f"The reference is this sample's own SD from only {n} caregivers (fewer than "
            f"{SAMPLE_REFERENCE_MINIMUM}): it is unstable; prefer a published reference."
        )
    return Reference(
        key=SAMPLE_KEY,
        name="this sample",
        sd=sd,
        reliability=reliability,
        reliability_kind=kind,
        source=f"SD of the {n} baseline scores of this sample",
        warning=warning,
    )


def cronbach_alpha(items: Sequence[Sequence[float]]) -> float:
    """Cronbach's α of a table of item scores, one row per respondent, one column per item:
    k/(k − 1) · (1 − Σ var(item) / var(total)), variances with n − 1."""
    rows = [[float(v) for v in row] for row in items]
    if len(rows) < 2:
        raise StatisticsError("Cronbach's alpha needs at least two respondents")
    k = len(rows[0])
    if k < 2 or any(len(row) != k for row in rows):
        raise StatisticsError("Cronbach's alpha needs at least two items, the same in every row")
    item_variance = sum(_sd([row[j] for row in rows]) ** 2 for j in range(k))
    total_variance = _sd([sum(row) for row in rows]) ** 2
    if total_variance == 0:
        raise StatisticsError("Cronbach's alpha is undefined when every total is the same")
    return k / (k - 1) * (1 - item_variance / total_variance)


def rci(pre: float, post: float, reference: Reference) -> float:
    """The reliable change index (post − pre) / S_diff; positive when the score went up."""
    return (float(post) - float(pre)) / reference.s_diff


def classify(index: float, direction: Direction) -> ChangeClass:
    """Reliably improved / no reliable change / reliably deteriorated (|RCI| > 1.96)."""
    toward_better = index * direction.sign
    if toward_better > Z_CRITICAL:
        return ChangeClass.RELIABLY_IMPROVED
    if toward_better < -Z_CRITICAL:
        return ChangeClass.RELIABLY_DETERIORATED
    return ChangeClass.NO_RELIABLE_CHANGE


# ---- clinical significance (Jacobson & Truax 1991)


@dataclass(frozen=True)
class Population:
    """A published mean and SD of a population (functional or dysfunctional)."""

    name: str
    mean: float
    sd: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.sd) and self.sd > 0):
            raise StatisticsError(f"population SD must be a positive number, not {self.sd}")


CN_PARENTS_CANCER = Population("Chinese parents of children with cancer (Ye 2017)", 23.0, 5.7)
US_COMMUNITY_POPULATION = Population("US community (Campbell-Sills 2009)", 31.8, 5.4)
CN_NON_PTSD = Population("Chinese earthquake survivors without PTSD (Wang 2010)", 26.8, 6.3)


class Criterion(enum.Enum):
    A = "a"  # beyond 2 SD of the dysfunctional mean, toward better
    B = "b"  # within 2 SD of the functional mean
    C = "c"  # closer to the functional mean than to the dysfunctional one


@dataclass(frozen=True)
class Cutoff:
    criterion: Criterion
    value: float
    direction: Direction

    def crossed(self, score: float) -> bool:
        """Whether a score lies on the better side of the cut-off (strictly)."""
        return (float(score) - self.value) * self.direction.sign > 0


def cutoff(
    criterion: Criterion,
    direction: Direction,
    *,
    dysfunctional: Population | None = None,
    functional: Population | None = None,
) -> Cutoff:
    """The cut-off of criterion a (needs the dysfunctional population), b (the functional one)
    or c (both): a = M_dys + 2·SD_dys, b = M_func − 2·SD_func (signs reversed when lower is
    better), c = (SD_dys·M_func + SD_func·M_dys) / (SD_dys + SD_func)."""
    sign = direction.sign
    if criterion is Criterion.A:
        if dysfunctional is None:
            raise StatisticsError("criterion a needs the dysfunctional population")
        value = dysfunctional.mean + sign * 2 * dysfunctional.sd
    elif criterion is Criterion.B:
        if functional is None:
            raise StatisticsError("criterion b needs the functional population")
        value = functional.mean - sign * 2 * functional.sd
    else:
        if dysfunctional is None or functional is None:
            raise StatisticsError("criterion c needs the functional and dysfunctional populations")
        value = (dysfunctional.sd * functional.mean + functional.sd * dysfunctional.mean) / (
            dysfunctional.sd + functional.sd
        )
    return Cutoff(criterion, value, direction)


@dataclass(frozen=True)
class IndividualChange:
    """One caregiver's change between two timepoints."""

    pre: float
    post: float
    diff: float  # post − pre
    rci: float
    change_class: ChangeClass
    reference: Reference
    direction: Direction
    cutoff: Cutoff | None
    crossed: bool | None  # the post score is on the better side of the cut-off
    recovered: bool | None  # reliably improved and crossed


def individual_change(
    pre: float,
    post: float,
    *,
    reference: Reference = DEFAULT_REFERENCE,
    direction: Direction = Direction.HIGHER_IS_BETTER,
    cutoff: Cutoff | None = None,
) -> IndividualChange:
    """The RCI, its class and (given a cut-off) clinical significance of one caregiver."""
    for label, value in (("pre", pre), ("post", post)):
        if not math.isfinite(float(value)):
            raise StatisticsError(f"{label} score must be a finite number, not {value}")
    if cutoff is not None and cutoff.direction is not direction:
        raise StatisticsError("the cut-off was made for the other direction")
    index = rci(pre, post, reference)
    change_class = classify(index, direction)
    crossed = None if cutoff is None else cutoff.crossed(post)
    recovered = (
        None if crossed is None else (crossed and change_class is ChangeClass.RELIABLY_IMPROVED)
    )
    return IndividualChange(
        pre=float(pre),
        post=float(post),
        diff=float(post) - float(pre),
        rci=index,
        change_class=change_class,
        reference=reference,
        direction=direction,
        cutoff=cutoff,
        crossed=crossed,
        recovered=recovered,
    )


def _sd(values: Sequence[float]) -> float:
    n = len(values)
    mean = math.fsum(values) / n
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
