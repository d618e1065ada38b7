"""The strengths–risk map: what a factor is, how it is rated, and how two maps compare.

A caregiver's map sets protective factors against risk factors, each a code of the
department's strengths codebook (domain reference §5.2). A code's shape says what it is:
``P-IND-01`` is protective (P) at the individual level (IND); ``R-ECO-01`` is a risk (R) at
the economic level (ECO). Each factor of a map is *present*, *absent* or *unknown*; a present
protective factor has a **strength** and a present risk a **severity**, each 1 (a little) to 3
(a lot), or none yet (a draft cannot know it).

`compare_maps` sets two versions side by side (intake and closure, say) over plain values and
says, factor by factor, whether the caregiver's situation got better, worse or stayed the same.
A factor a map does not list counts as unknown there.

Nothing here imports Django; errors are `MapError`, naming the field and saying why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from buoy.plans.domain.library_format import FACTOR_CODE

PROTECTIVE, RISK = "protective", "risk"
KINDS = (PROTECTIVE, RISK)
KIND_OF_PREFIX = {"P": PROTECTIVE, "R": RISK}

LEVELS = ("individual", "family", "social", "medical", "economic", "cultural")
LEVEL_OF_PART = {
    "IND": "individual",
    "FAM": "family",
    "SOC": "social",
    "MED": "medical",
    "ECO": "economic",
    "CUL": "cultural",
}

PRESENT, ABSENT, UNKNOWN = "present", "absent", "unknown"
STATUSES = (PRESENT, ABSENT, UNKNOWN)

RATINGS = (1, 2, 3)  # strength of a protective factor, severity of a risk

BETTER, WORSE, SAME, UNCLEAR = "better", "worse", "same", "unclear"


class MapError(ValueError):
    """A factor that cannot be on a map; `field` says which value (``status``, ``strength``)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class FactorShape:
    """What a factor code says about itself: protective or risk, and its level."""

    code: str
    kind: str
    level: str


def factor_shape(code: str) -> FactorShape:
    """The kind and level of a factor code (``R-ECO-01`` → risk, economic); MapError on
    ``code`` when the code does not have a factor's shape."""
    if not isinstance(code, str) or not FACTOR_CODE.fullmatch(code):
        raise MapError("code", f"{code!r} is not a factor code like 'P-IND-01' or 'R-ECO-02'")
    prefix, part, _number = code.split("-")
    return FactorShape(code=code, kind=KIND_OF_PREFIX[prefix], level=LEVEL_OF_PART[part])


def is_factor_code(code: str) -> bool:
    """Whether `code` has a factor's shape (a category such as ``P-IND`` does not)."""
    return isinstance(code, str) and FACTOR_CODE.fullmatch(code) is not None


def check_status(value: object, *, field: str = "status") -> str:
    """`value` as a factor's status: present, absent or unknown."""
    if value not in STATUSES:
        raise MapError(field, f"{value!r} is not one of: {', '.join(STATUSES)}")
    return str(value)


def check_rating(value: object, *, field: str = "rating") -> int | None:
    """`value` as a strength or severity: a whole number 1–3, or None (not rated)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value not in RATINGS:
        raise MapError(field, f"{value!r} is not a rating: expected a whole number from 1 to 3")
    return value


def rating_field(kind: str) -> str:
    """The name a rating has for this kind of factor: strength or severity."""
    return "strength" if kind == PROTECTIVE else "severity"


def check_factor(
    *, kind: str, status: str, strength: object = None, severity: object = None
) -> tuple[int | None, int | None]:
    """A factor's (strength, severity), checked: only a present protective factor has a
    strength and only a present risk a severity, each 1–3 or None."""
    check_status(status)
    strength = check_rating(strength, field="strength")
    severity = check_rating(severity, field="severity")
    wrong = severity if kind == PROTECTIVE else strength
    if wrong is not None:
        other = "severity" if kind == PROTECTIVE else "strength"
        raise MapError(other, f"a {kind} factor has a {rating_field(kind)}, not a {other}")
    rating = strength if kind == PROTECTIVE else severity
    if rating is not None and status != PRESENT:
        raise MapError(rating_field(kind), f"only a present factor is rated, not an {status} one")
    return strength, severity


@dataclass(frozen=True)
class FactorValue:
    """One factor as a map records it: its code, status and rating (strength or severity)."""

    code: str
    status: str = UNKNOWN
    rating: int | None = None

    @property
    def shape(self) -> FactorShape:
        return factor_shape(self.code)


@dataclass(frozen=True)
class FactorChange:
    """One factor in two maps: before (`a`) and after (`b`), and which way it moved for the
    caregiver (better, worse, same, unclear when either side is unknown)."""

    code: str
    kind: str
    level: str
    before: FactorValue
    after: FactorValue
    direction: str


@dataclass(frozen=True)
class MapSummary:
    """How many protective and risk factors a map has present."""

    protective_present: int
    risk_present: int


@dataclass(frozen=True)
class MapComparison:
    """Two maps side by side: every factor either lists, protective first, then by level and
    code; and each map's count of present factors."""

    rows: tuple[FactorChange, ...]
    before: MapSummary
    after: MapSummary

    def with_direction(self, direction: str) -> tuple[FactorChange, ...]:
        return tuple(row for row in self.rows if row.direction == direction)


def _weight(value: FactorValue) -> int | None:
    """How much of the factor there is: 0 absent, its rating if present (an unrated present
    factor counts as the middle, 2); None when unknown."""
    if value.status == UNKNOWN:
        return None
    if value.status == ABSENT:
        return 0
    return value.rating if value.rating is not None else 2


def _direction(kind: str, before: FactorValue, after: FactorValue) -> str:
    old, new = _weight(before), _weight(after)
    if old is None or new is None:
        return SAME if before == after else UNCLEAR
    if old == new:
        return SAME
    more = new > old
    return BETTER if more == (kind == PROTECTIVE) else WORSE


def _summary(values: Iterable[FactorValue]) -> MapSummary:
    present = [v for v in values if v.status == PRESENT]
    return MapSummary(
        protective_present=sum(1 for v in present if v.shape.kind == PROTECTIVE),
        risk_present=sum(1 for v in present if v.shape.kind == RISK),
    )


def _by_code(values: Iterable[FactorValue], side: str) -> dict[str, FactorValue]:
    found: dict[str, FactorValue] = {}
    for value in values:
        factor_shape(value.code)
        check_status(value.status, field=f"{side}.{value.code}.status")
        check_rating(value.rating, field=f"{side}.{value.code}.rating")
        if value.code in found:
            raise MapError(f"{side}.{value.code}", "the factor is listed twice")
        found[value.code] = value
    return found


def compare_maps(a: Iterable[FactorValue], b: Iterable[FactorValue]) -> MapComparison:
    """Map `a` (earlier, e.g. at intake) beside map `b` (later, e.g. at closure).

    Every factor listed in either appears once; a factor one map does not list is unknown
    there. For a protective factor more is better; for a risk, less. MapError when a code is
    not a factor code, a status or rating is not allowed, or a map lists a factor twice.
    """
    before = _by_code(a, "a")
    after = _by_code(b, "b")
    rows = []
    for code in sorted(set(before) | set(after), key=_order):
        shape = factor_shape(code)
        old = before.get(code, FactorValue(code))
        new = after.get(code, FactorValue(code))
        rows.append(
            FactorChange(
                code=code,
                kind=shape.kind,
                level=shape.level,
                before=old,
                after=new,
                direction=_direction(shape.kind, old, new),
            )
        )
    return MapComparison(
        rows=tuple(rows), before=_summary(before.values()), after=_summary(after.values())
    )


def _order(code: str) -> tuple[int, int, str]:
    shape = factor_shape(code)
    return KINDS.index(shape.kind), LEVELS.index(shape.level), code
