"""The regression of change on the baseline and moderators (issue 11 part 3), pure.

change = post − pre is regressed, by ordinary least squares, on the baseline (pre) and the
moderators the caller names (the thesis's three: personal initiative, the child's disease
condition, cultural factors), with heteroskedasticity-robust HC3 standard errors (MacKinnon &
White 1985). statsmodels fits it; b, se, p and the 95 % CI are exactly what statsmodels gives
with ``cov_type="HC3"`` (normal-based p and CI, as statsmodels does for robust covariances).

A moderator whose every value is a number is numeric (one coefficient, its slope). Any other
moderator is categorical, in treatment coding: one coefficient per level but the reference,
named ``col[level]``, each the difference from the reference level with the other terms held
equal. The reference is the first level in sorted order unless the caller names one.

Sample size is reported honestly, as data (`ModeratorFit.warnings`): fewer than 10 caregivers
per term (Harrell's rule of thumb for a linear model; the intercept is not counted), and every
level of a categorical moderator that fewer than 10 caregivers have. The model is
observational: a coefficient says what goes with more change, not what causes it.

Bad input (too few caregivers, a moderator with one value, collinear terms, a caregiver who
alone determines a coefficient so that HC3 is undefined) raises `ModeratorError`, naming the
field. No Django here (an import contract enforces it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import statsmodels.api as sm

COV_TYPE = "HC3"
CAREGIVERS_PER_TERM = 10  # fewer than this per term: say that the estimates are unstable
LEVERAGE_TOLERANCE = 1e-9  # leverage this close to 1 makes HC3's (1 − h)² vanish
TABLE_HEADER = ("term", "b", "se", "p", "ci low", "ci high")


class ModeratorError(ValueError):
    """Input the regression cannot use; `field` names the column (``pre``, ``initiative``)."""

    def __init__(self, field: str, message: str, *, positions: tuple[int, ...] = ()) -> None:
        self.field = field
        self.message = message
        self.positions = positions  # which caregivers (0-based, in input order), if any
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class Coefficient:
    """One term's estimate with its HC3 standard error, p and 95 % CI."""

    term: str
    b: float
    se: float
    p: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class Moderator:
    """How a moderator entered the model: numeric, or categorical with its levels."""

    name: str
    kind: str  # "numeric" | "categorical"
    levels: tuple[str, ...] = ()  # categorical only, sorted; the reference is among them
    reference: str | None = None
    counts: Mapping[str, int] = field(default_factory=dict)  # caregivers per level


@dataclass(frozen=True)
class ModeratorFit:
    """The fitted model: n, R², the coefficients in order, and the warnings in words."""

    n: int
    r2: float
    coefficients: tuple[Coefficient, ...]
    moderators: tuple[Moderator, ...]
    warnings: tuple[str, ...]
    cov_type: str = COV_TYPE

    def table(self) -> list[tuple[str, float, float, float, float, float]]:
        """Rows of (term, b, se, p, ci low, ci high), in the model's order."""
        return [(c.term, c.b, c.se, c.p, c.ci_low, c.ci_high) for c in self.coefficients]

    def table_text(self, *, sep: str = "\t", digits: int = 3) -> str:
        """The table as text a researcher can paste (tab-separated: one cell per value in a
        spreadsheet or a word processor's table), with a header row."""
        lines = [sep.join(TABLE_HEADER)]
        for term, b, se, p, low, high in self.table():
            cells = [_format(b, digits), _format(se, digits), _format_p(p, digits)]
            cells += [_format(low, digits), _format(high, digits)]
            lines.append(sep.join([term, *cells]))
        return "\n".join(lines) + "\n"


def fit_moderators(
    *,
    pre: Sequence[float],
    post: Sequence[float],
    moderators: Mapping[str, Sequence[object]],
    references: Mapping[str, str] | None = None,
) -> ModeratorFit:
    """Regress change = post − pre on pre and `moderators` (name → one value per caregiver,
    in the same order as `pre`); see the module docstring.

    Values of a moderator are numbers, or text (a string that reads as a number counts as a
    number). `references` names a categorical moderator's reference level. Missing values are
    the caller's to leave out: every value here must be present.
    """
    references = dict(references or {})
    n = len(pre)
    if len(post) != n:
        raise ModeratorError("post", f"{len(post)} values for {n} values of pre")
    pre_values = _numbers("pre", pre)
    post_values = _numbers("post", post)
    if not moderators:
        raise ModeratorError("moderator", "name at least one moderator")
    for name in references:
        if name not in moderators:
            raise ModeratorError(
                name, "a reference level is named for a column that is not a moderator"
            )
    for name in moderators:
        if name in ("pre", "intercept"):
            raise ModeratorError(name, f"{name!r} cannot be a moderator's name: the model uses it")

    terms, design, described = _design(pre_values, moderators, references)
    _check_design(design, terms, pre_values)

    change = post_values - pre_values
    result = sm.OLS(change, design).fit(cov_type=COV_TYPE)
    params = np.asarray(result.params)
    se = np.asarray(result.bse)
    p = np.asarray(result.pvalues)
    ci = np.asarray(result.conf_int(alpha=0.05))
    coefficients = tuple(
        Coefficient(
            term=term,
            b=float(params[i]),
            se=float(se[i]),
            p=float(p[i]),
            ci_low=float(ci[i][0]),
            ci_high=float(ci[i][1]),
        )
        for i, term in enumerate(terms)
    )
    return ModeratorFit(
        n=n,
        r2=float(result.rsquared),
        coefficients=coefficients,
        moderators=tuple(described),
        warnings=tuple(_warnings(n, len(terms) - 1, described)),
    )


def _design(
    pre_values: np.ndarray,
    moderators: Mapping[str, Sequence[object]],
    references: Mapping[str, str],
) -> tuple[list[str], np.ndarray, list[Moderator]]:
    """The terms' names, the design matrix (intercept, pre, the moderators' columns) and how
    each moderator entered it."""
    n = len(pre_values)
    terms = ["intercept", "pre"]
    columns: list[np.ndarray] = [np.ones(n), pre_values]
    described: list[Moderator] = []
    for name, values in moderators.items():
        if len(values) != n:
            raise ModeratorError(name, f"{len(values)} values for {n} caregivers")
        numeric = _numeric_or_none(values)
        if numeric is not None:
            if name in references:
                raise ModeratorError(
                    name, "is numeric, so it has no reference level (every value is a number)"
                )
            if n and np.ptp(numeric) == 0:
                raise ModeratorError(name, "has the same value for every caregiver")
            terms.append(name)
            columns.append(numeric)
            described.append(Moderator(name=name, kind="numeric"))
            continue
        described.append(_categorical(name, values, references, terms, columns))
    return terms, np.column_stack(columns), described


def _categorical(
    name: str,
    values: Sequence[object],
    references: Mapping[str, str],
    terms: list[str],
    columns: list[np.ndarray],
) -> Moderator:
    """Append a categorical moderator's treatment-coded columns; how it entered."""
    labels = [_label(value) for value in values]
    levels = tuple(sorted(set(labels)))
    if len(levels) < 2:
        raise ModeratorError(name, f"has one level only ({levels[0]!r}): nothing to compare")
    reference = references.get(name, levels[0])
    if reference not in levels:
        raise ModeratorError(name, f"{reference!r} is not one of its levels ({', '.join(levels)})")
    for level in levels:
        if level != reference:
            terms.append(f"{name}[{level}]")
            columns.append(np.array([1.0 if label == level else 0.0 for label in labels]))
    counts = {level: labels.count(level) for level in levels}
    return Moderator(
        name=name, kind="categorical", levels=levels, reference=reference, counts=counts
    )


def _check_design(design: np.ndarray, terms: list[str], pre_values: np.ndarray) -> None:
    """ModeratorError when the model cannot be fitted, or HC3 is undefined for it."""
    n = len(pre_values)
    k = len(terms)
    if n <= k:
        raise ModeratorError(
            "rows",
            f"{n} caregivers for {k} coefficients: the model needs more caregivers than"
            " coefficients",
        )
    if np.ptp(pre_values) == 0:
        raise ModeratorError("pre", "has the same value for every caregiver")
    if np.linalg.matrix_rank(design) < k:
        raise ModeratorError(
            "moderator", "the terms are collinear (one is a combination of the others)"
        )
    leverage = _leverage(design)
    alone = [index for index, h in enumerate(leverage) if h > 1 - LEVERAGE_TOLERANCE]
    if alone:
        raise ModeratorError(
            "rows",
            "HC3 standard errors are undefined: a caregiver alone determines a coefficient"
            f" (leverage 1; caregiver{'s' if len(alone) > 1 else ''}"
            f" {', '.join(str(i + 1) for i in alone)} in input order; often the only caregiver"
            " with a level); merge rare levels or leave the moderator out",
            positions=tuple(alone),
        )


def _warnings(n: int, terms: int, moderators: list[Moderator]) -> list[str]:
    said = []
    if n < CAREGIVERS_PER_TERM * terms:
        said.append(
            f"{n} caregivers for {terms} terms ({n / terms:.1f} per term): fewer than"
            f" {CAREGIVERS_PER_TERM} caregivers per term, so the estimates are unstable and"
            " may not replicate; read them as a description of this sample"
        )
    for moderator in moderators:
        for level, count in moderator.counts.items():
            if count < CAREGIVERS_PER_TERM:
                said.append(
                    f"{moderator.name} = {level!r}: {count} caregiver"
                    f"{'' if count == 1 else 's'} (fewer than {CAREGIVERS_PER_TERM})"
                )
    return said


def _leverage(design: np.ndarray) -> np.ndarray:
    """The diagonal of the hat matrix X (XᵀX)⁻¹ Xᵀ, through a QR decomposition."""
    q, _r = np.linalg.qr(design)
    return np.asarray(np.sum(q * q, axis=1))


def _numbers(name: str, values: Sequence[object]) -> np.ndarray:
    numbers = _numeric_or_none(values)
    if numbers is None:
        bad = next(i for i, v in enumerate(values) if _as_number(v) is None)
        raise ModeratorError(name, f"value {bad + 1} ({values[bad]!r}) is not a number")
    return numbers


def _numeric_or_none(values: Sequence[object]) -> np.ndarray | None:
    """The values as floats when every one is a finite number; None otherwise."""
    numbers = []
    for value in values:
        number = _as_number(value)
        if number is None:
            return None
        numbers.append(number)
    return np.array(numbers, dtype=float)


def _as_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _label(value: object) -> str:
    return value.strip() if isinstance(value, str) else str(value)


def _format(value: float, digits: int) -> str:
    return f"{value:.{digits}f}"


def _format_p(p: float, digits: int) -> str:
    """p as papers print it: below the smallest value the digits can show, ``<0.001``."""
    floor = 10.0**-digits
    return f"<{floor:.{digits}f}" if p < floor else f"{p:.{digits}f}"
