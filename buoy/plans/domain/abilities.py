"""The CD-RISC-10 ability profile: the item mean of each of the three target abilities.

The casework aims at three abilities (domain reference §1.7): **A** adapting to life changes
(items 1, 2, 5), **B** overcoming difficulties (items 6, 8, 9) and **C** dealing with
unpleasant feelings (items 3, 4, 7, 10). The items of each ability are the CD-RISC-10
definition's item groups ``adapt``, ``overcome`` and ``feelings`` (buoy/instruments/library/
cdrisc10.json), so a department that edits those groups edits the profile too, and nothing
here repeats the mapping.

The profile is descriptive: the scale's authors support no subscales, so an ability's item
mean (0–4) is never a normed sub-score; show the total and its RCI first. An ability is
*weak* when its item mean is at or below a threshold the department chooses (`WEAK_AT_MOST`
by default: 2, "sometimes true", on average).

Missing items follow the scale's rule (§1.1): at least 7 of the 10 items must be answered,
else there is no profile (`AbilityProfileError` on ``answers``). An ability's mean is over its
answered items; an ability with none of its items answered has no mean and is neither weak
nor not weak. An answer the scale refuses (out of 0–4, not an item) is an error on that item.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from buoy.instruments.domain.definition import Instrument, Text
from buoy.instruments.domain.library import bundled_instrument
from buoy.instruments.domain.scoring import INVALID, compile_instrument

INSTRUMENT = "cdrisc10"
ABILITIES = ("A", "B", "C")
ITEM_GROUP_OF = {"A": "adapt", "B": "overcome", "C": "feelings"}  # cdrisc10.json item groups
WEAK_AT_MOST = 2.0  # an item mean at or below "sometimes true"; a department's choice, no norm
LOWEST_SCORE, HIGHEST_SCORE = 0.0, 4.0  # each CD-RISC-10 item is scored 0–4


class AbilityProfileError(ValueError):
    """Answers that give no profile; `field` is the item (``item3``), ``answers`` (too few
    answered), ``item_groups`` (an ability's group is missing) or the threshold's name."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class AbilityScore:
    """One ability's items and their answered scores; `mean` is None when none was answered."""

    ability: str
    name: Text
    items: tuple[str, ...]
    scores: Mapping[str, float] = field(default_factory=dict)

    @property
    def mean(self) -> float | None:
        """The item mean (0–4, unrounded) over the answered items of this ability."""
        values = [self.scores[item] for item in self.items if item in self.scores]
        return sum(values) / len(values) if values else None

    @property
    def missing(self) -> tuple[str, ...]:
        """The items of this ability that were not answered."""
        return tuple(item for item in self.items if item not in self.scores)

    def is_weak(self, at_most: float = WEAK_AT_MOST) -> bool | None:
        """Whether the item mean is at or below `at_most`; None when no item was answered."""
        threshold = check_threshold(at_most)
        mean = self.mean
        return None if mean is None else mean <= threshold

    def low_items(self, at_most: float = WEAK_AT_MOST) -> tuple[str, ...]:
        """The answered items scored at or below `at_most`, in item order: what a suggestion
        names as having triggered it."""
        threshold = check_threshold(at_most)
        return tuple(
            item for item in self.items if item in self.scores and self.scores[item] <= threshold
        )


@dataclass(frozen=True)
class AbilityProfile:
    """The ability profile of one CD-RISC-10 administration.

    `status` is the total's (``valid``, or ``prorated`` with 7–9 items answered); `missing`
    lists the unanswered items; `abilities` maps A, B and C to their `AbilityScore`.
    """

    instrument: str
    version: str
    status: str
    answered: int
    missing: tuple[str, ...]
    abilities: Mapping[str, AbilityScore]

    def weak(self, at_most: float = WEAK_AT_MOST) -> tuple[str, ...]:
        """The abilities whose item mean is at or below `at_most`, in A, B, C order."""
        return tuple(a for a in ABILITIES if self.abilities[a].is_weak(at_most) is True)

    def mean(self, ability: str) -> float | None:
        """The item mean of ability A, B or C (None when none of its items was answered)."""
        return self.abilities[ability].mean

    @property
    def item_scores(self) -> dict[str, float]:
        """Every answered item's score."""
        return {
            item: value
            for ability in self.abilities.values()
            for item, value in ability.scores.items()
        }


def check_threshold(value: object, *, field: str = "weak_at_most") -> float:
    """`value` as a threshold on an item mean: a number from 0 to 4."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not LOWEST_SCORE <= value <= HIGHEST_SCORE
    ):
        raise AbilityProfileError(field, f"{value!r} is not an item mean: expected 0 to 4")
    return float(value)


def ability_items(instrument: Instrument | None = None) -> dict[str, tuple[str, ...]]:
    """Ability (A, B, C) → its item ids, from the instrument's item groups (by default the
    bundled CD-RISC-10's)."""
    return {ability: items for ability, (_name, items) in _groups(instrument).items()}


def ability_profile(
    answers: Mapping[str, object], *, instrument: Instrument | None = None
) -> AbilityProfile:
    """The ability profile of one set of CD-RISC-10 answers (item id → answer).

    Answers are read as the instrument's scoring reads them (0–4, "3", None for not
    answered). `instrument` is a department's current definition of the CD-RISC-10; by default
    the bundled one. AbilityProfileError on the item whose answer is refused, or on
    ``answers`` when fewer than 7 items are answered.
    """
    definition = instrument or bundled_instrument(INSTRUMENT)
    groups = _groups(definition)
    compiled = compile_instrument(definition)
    accepted, errors = compiled.parse(answers)
    if errors:
        item, message = next(iter(errors.items()))
        raise AbilityProfileError(item, message)
    result = compiled.score_parsed(accepted, errors)
    if result.status == INVALID:
        raise AbilityProfileError("answers", result.error)
    scores = {item: parsed.score for item, parsed in accepted.items() if parsed.score is not None}
    return AbilityProfile(
        instrument=definition.id,
        version=definition.version,
        status=result.status,
        answered=result.answered,
        missing=result.missing,
        abilities={
            ability: AbilityScore(
                ability=ability,
                name=name,
                items=items,
                scores={item: scores[item] for item in items if item in scores},
            )
            for ability, (name, items) in groups.items()
        },
    )


def _groups(instrument: Instrument | None) -> dict[str, tuple[Text, tuple[str, ...]]]:
    definition = instrument or bundled_instrument(INSTRUMENT)
    by_id = {group.id: group for group in definition.item_groups}
    groups: dict[str, tuple[Text, tuple[str, ...]]] = {}
    for ability in ABILITIES:
        group = by_id.get(ITEM_GROUP_OF[ability])
        if group is None:
            raise AbilityProfileError(
                "item_groups",
                f"{definition.id} has no item group {ITEM_GROUP_OF[ability]!r} "
                f"(the items of ability {ability})",
            )
        groups[ability] = (group.label, group.items)
    return groups
